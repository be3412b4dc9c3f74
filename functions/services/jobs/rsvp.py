"""Reading calendar answers back: a presenter who declines the invite skips that session."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Protocol, runtime_checkable

from ...domain.errors import InputError
from ...domain.invites import Event
from ...domain.rota import Rota
from ...domain.wording import day_words
from .. import activity, rotas
from .calendar_sync import event_for
from ..deps import Deps
from ..changes.announce import Confirmation, announce
from ..delivery.outbox import Delivery

log = logging.getLogger(__name__)


@runtime_checkable
class IncrementalCalendar(Protocol):
    """A calendar that tells which events' answers changed since a token (Google)."""

    calendar_id: str

    def event_key(self, uid: str) -> str: ...
    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]: ...


def incremental(deps: Deps) -> bool:
    return isinstance(deps.calendar, IncrementalCalendar)


def polled(deps: Deps) -> bool:
    """Answers are read per session every tick: a calendar that tells them, not all at
    once (an .ics file tells none)."""
    return not incremental(deps) and getattr(deps.calendar, "tells_answers", True)


def read_changed_answers(deps: Deps, now: datetime) -> list[Delivery]:
    """Once a tick, for every community: the answers that changed since the last tick, in
    one incremental read of the calendar (no call per community or session)."""
    if not incremental(deps):
        return []
    calendar = deps.calendar
    key = f"calendar-sync/{calendar.calendar_id}"
    entry = deps.store.ledger([key]).get(key)
    changed, token = calendar.answers_since(entry.detail if entry else None)
    deliveries: list[Delivery] = []
    # Only a presenter's decline changes anything: no rota is read for other answers (our
    # own updates come back here too).
    if any("declined" in answers.values() for answers in changed.values()):
        for community in deps.store.list_communities():
            _, found = read_rsvps(deps, rotas.load(deps.store, community.id, now), now,
                                  lambda event: changed.get(calendar.event_key(event.uid), {}))
            deliveries += found
    deps.store.record(key, "sync-token", now, token)  # after the skips: none is missed
    return deliveries


def read_rsvps(deps: Deps, rota: Rota, now: datetime,
               answers_of: Callable[[Event], dict[str, str]] | None = None
               ) -> tuple[Rota, list[Delivery]]:
    """Skips made by declining, each announced at once. Other members' answers are not
    counted for anything.

    Without `answers_of`, each event's answers are read from the calendar (which, for a
    calendar that is read incrementally, `read_changed_answers` does instead)."""
    if answers_of is None:
        if incremental(deps):
            return rota, []
        answers_of = deps.calendar.responses
    community = rota.community
    deliveries = []
    for session in rota.coming(now):
        presenter = rota.roster.get(session.presenter or "")
        if presenter is None or session.calendar_hash is None:
            continue
        try:
            answers = answers_of(event_for(deps, community, session, rota.roster.values()))
        except Exception:
            log.exception("calendar: could not read answers for %s %s", community.id,
                          session.date)
            continue
        activity.answer(deps.store, community.id, session.date, answers, now)
        if answers.get(presenter.email) != "declined":
            continue
        try:
            after, decision = rota.skip(presenter.email, now, session.date)
        except InputError as error:
            log.warning("rsvp: %s", error)
            continue
        rotas.save(deps.store, rota, decision, now)
        rota, delivery, _ = announce(deps, after, decision, [Confirmation(
            presenter.email, "confirm", f"declined-{session.date.isoformat()}",
            f"You declined {day_words(session.date)}: someone else takes it",
            prefix="you declined the invite, so ").completed(decision, after.today(now))])
        deliveries.append(delivery)
    return rota, deliveries
