"""Reading calendar answers back: a presenter who declines the invite skips that session."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Protocol, runtime_checkable

from ..domain.errors import InputError
from ..domain.invites import Event
from ..domain.models import Community
from ..domain.wording import day_words
from . import sessions
from .calendar_sync import event_for
from .deps import Deps
from .membership import schedule_lines
from .messages import notify

log = logging.getLogger(__name__)


@runtime_checkable
class IncrementalCalendar(Protocol):
    """A calendar that tells which events' answers changed since a token (Google)."""

    calendar_id: str

    def event_key(self, uid: str) -> str: ...
    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]: ...


def incremental(deps: Deps) -> bool:
    return isinstance(deps.calendar, IncrementalCalendar)


def read_changed_answers(deps: Deps, now: datetime) -> int:
    """Once a tick, for every community: the answers that changed since the last tick, in
    one incremental read of the calendar (no call per community or session). Skips made."""
    if not incremental(deps):
        return 0
    calendar = deps.calendar
    key = f"calendar-sync/{calendar.calendar_id}"
    entry = deps.store.ledger([key]).get(key)
    changed, token = calendar.answers_since(entry.detail if entry else None)
    skipped = 0
    if changed:
        for community in deps.store.list_communities():
            skipped += read_rsvps(deps, community, now, lambda event: changed.get(
                calendar.event_key(event.uid), {}))
    deps.store.record(key, "sync-token", now, token)  # after the skips: none is missed
    return skipped


def read_rsvps(deps: Deps, community: Community, now: datetime,
               answers_of: Callable[[Event], dict[str, str]] | None = None) -> int:
    """Skips made by declining. Other members' answers are not counted for anything.

    Without `answers_of`, each event's answers are read from the calendar (which, for a
    calendar that is read incrementally, `read_changed_answers` does instead)."""
    if answers_of is None:
        if incremental(deps):
            return 0
        answers_of = deps.calendar.responses
    roster = deps.store.list_members(community.id)
    by_email = {m.email: m for m in roster}
    skipped = 0
    for session in sessions.upcoming(deps.store, community.id, now):
        if session.presenter not in by_email or session.calendar_hash is None:
            continue
        try:
            answers = answers_of(event_for(deps, community, session, roster))
        except Exception:
            log.exception("calendar: could not read answers for %s %s", community.id,
                          session.date)
            continue
        if answers.get(session.presenter) != "declined":
            continue
        try:
            outcome = sessions.skip(deps.store, community.id, session.presenter, now,
                                    session.date)
        except InputError as error:
            log.warning("rsvp: %s", error)
            continue
        skipped += 1
        notify(deps, community, by_email[session.presenter], kind="confirm",
               key=f"declined-{session.date.isoformat()}",
               subject=f"You declined {day_words(session.date)}: someone else takes it",
               summary=f"you declined the invite, so {outcome.summary}",
               upcoming=schedule_lines(deps, community))
    return skipped
