"""Keeping every upcoming session's calendar event in step with the session."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from ..domain.digest import session_line
from ..domain.invites import Event, build_event
from ..domain.models import Community, Member, Session
from ..emails import reply_address
from . import lookup
from .deps import Deps
from .membership import schedule_lines
from .messages import outgoing
from .outbox import deliver

log = logging.getLogger(__name__)


def organiser(deps: Deps, community: Community) -> str:
    return deps.mail.sender or reply_address(deps.mail, community)


def event_for(deps: Deps, community: Community, session: Session,
              members: list[Member]) -> Event:
    """The session's event as invitees see it now."""
    roster_url = f"{deps.mail.public_url}/roster/{deps.mail.tokens.feed_token(community.id)}"
    return build_event(community, session, members, organiser(deps, community), roster_url)


def sync_calendar(deps: Deps, community: Community, now: datetime) -> int:
    """Publish the events that changed since the calendar last saw them. Returns how many.

    Nothing is rewritten when nothing changed. A failure is logged and retried next tick;
    the other sessions go on.
    """
    members = deps.store.list_members(community.id)
    published = []
    for session in lookup.coming_sessions(deps.store, community.id, now):
        if session.started(now) or session.starts_at is None:
            continue
        event = event_for(deps, community, session, members)
        if event.fingerprint() == session.calendar_hash:
            continue
        if event.cancelled and session.calendar_hash is None:
            continue  # never announced: nothing to call off
        sequence = session.sequence + (1 if session.calendar_hash is not None else 0)
        event = replace(event, sequence=sequence)  # the fingerprint leaves the sequence out
        try:
            deps.calendar.publish(event)
        except Exception:
            log.exception("calendar: could not publish %s %s", community.id, session.date)
            continue
        published.append(session.with_changes(sequence=sequence,
                                              calendar_hash=event.fingerprint()))
    if published:
        deps.store.put_sessions(community.id, published)
        _mail_cancellations(deps, community, [s for s in published if not s.is_session],
                            members, now)
    return len(published)


def _mail_cancellations(deps: Deps, community: Community, called_off: list[Session],
                        members: list[Member], now: datetime) -> None:
    """Invites went out by mail (iTIP), so their cancellation does too (METHOD:CANCEL)."""
    if not deps.mail.attach_invites or not called_off:
        return
    roster = {m.email: m for m in members}
    items = []
    for session in called_off:
        event = event_for(deps, community, session, members)
        line = session_line(community, session, roster, now)
        for attendee in event.attendees:
            member = roster.get(attendee.email)
            if member is None or not member.reachable:
                continue
            items.append(outgoing(
                deps.mail, community, member, kind="cancelled", key=session.date.isoformat(),
                subject=f"No {community.name} session on {line.day}", now=now, session=line,
                invite=event, upcoming=schedule_lines(deps, community)))
    deliver(deps, now, items)
