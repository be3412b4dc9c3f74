"""Keeping every upcoming session's calendar event in step with the session."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.invites import build_event
from ..domain.models import Community
from ..emails import reply_address
from .deps import Deps

log = logging.getLogger(__name__)


def sync_calendar(deps: Deps, community: Community, now: datetime) -> int:
    """Publish the events that changed since the calendar last saw them. Returns how many.

    Nothing is rewritten when nothing changed. A failure is logged and retried next tick;
    the other sessions go on.
    """
    members = deps.store.list_members(community.id)
    organiser = deps.mail.sender or reply_address(deps.mail, community)
    roster_url = f"{deps.mail.public_url}/roster/{community.id}"
    published = []
    for session in deps.store.list_sessions(community.id):
        if session.started(now) or session.starts_at is None:
            continue
        event = build_event(community, session, members, organiser, roster_url)
        if event.fingerprint() == session.calendar_hash:
            continue
        if event.cancelled and session.calendar_hash is None:
            continue  # never announced: nothing to call off
        sequence = session.sequence + (1 if session.calendar_hash is not None else 0)
        event = build_event(community, session.with_changes(sequence=sequence), members,
                            organiser, roster_url)
        try:
            deps.calendar.publish(event)
        except Exception:
            log.exception("calendar: could not publish %s %s", community.id, session.date)
            continue
        published.append(session.with_changes(sequence=sequence,
                                              calendar_hash=event.fingerprint()))
    if published:
        deps.store.put_sessions(community.id, published)
    return len(published)
