"""The calendar builder: every upcoming session's event as invitees see it, and publishing
the events that changed since the calendar last saw them."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Iterable

from ...domain.invites import Event, build_event, content_changed
from ...domain.models import Community, Member, Session
from ...domain.rota import Rota
from ...mail.compose import reply_address
from ...mail.translations import speak
from ..deps import Deps

log = logging.getLogger(__name__)


def organiser(deps: Deps, community: Community) -> str:
    return deps.mail.sender or reply_address(deps.mail, community)


def event_for(deps: Deps, community: Community, session: Session,
              members: Iterable[Member]) -> Event:
    """The session's event as invitees see it now."""
    roster_url = f"{deps.mail.public_url}/roster/{deps.mail.tokens.feed_token(community.id)}"
    with speak(community.language):  # one event for all: in the community's language
        return build_event(community, session, members, organiser(deps, community),
                           roster_url)


def sync_calendar(deps: Deps, rota: Rota, now: datetime) -> tuple[Rota, int, bool]:
    """Publish the events that changed since the calendar last saw them.

    Returns the rota with their new sequence numbers (for the caller to save), how many
    were published, and whether one failed (it is tried again at the next tick; the other
    sessions go on). Nothing is published when nothing changed; publishing the same event
    again (a run that stopped before it saved) changes nothing at the calendar.
    """
    community = rota.community
    members = list(rota.roster.values())
    published = []
    failed = False
    for session in sorted(rota.sessions.values(), key=lambda s: s.date):
        if session.started(now) or session.starts_at is None:
            continue
        event = event_for(deps, community, session, members)
        if event.fingerprint() == session.calendar_hash:
            continue
        if event.cancelled and session.calendar_hash is None:
            continue  # never announced: nothing to call off
        sequence = session.sequence + content_changed(event.fingerprint(),
                                                      session.calendar_hash)
        event = replace(event, sequence=sequence)  # the fingerprint leaves the sequence out
        try:
            deps.calendar.publish(event)
        except Exception:
            log.exception("calendar: could not publish %s %s", community.id, session.date)
            failed = True
            continue
        published.append(session.with_changes(sequence=sequence,
                                              calendar_hash=event.fingerprint()))
    if not published:
        return rota, 0, failed
    rota = replace(rota, sessions={**rota.sessions, **{s.date: s for s in published}})
    return rota, len(published), failed
