"""Reading calendar answers back: a presenter who declines the invite skips that session."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from ...domain.delivery import Entry
from ...domain.errors import InputError
from ...domain.invites import Event, uid_session
from ...domain.models import Community
from ...domain.jobs import AT_ONCE
from ...domain.rota import Decision, Rota
from ...domain.wording import day_words
from ...ports import INCREMENTAL, PER_EVENT, IncrementalCalendar
from .. import activity, ledger, rotas
from ..deps import Deps
from ..delivery.calendar import event_for
from ..delivery.notifier import Confirmation, announce

log = logging.getLogger(__name__)


def incremental(deps: Deps) -> bool:
    return deps.calendar.answering == INCREMENTAL


def polled(deps: Deps) -> bool:
    """Answers are read per session every tick: a calendar that tells them one event at a
    time (not all at once, as Google; an .ics file tells none)."""
    return deps.calendar.answering == PER_EVENT


@dataclass
class Answers:
    """What the calendar answers decided: presenters' declines (each a skip, with its
    confirmation) and the answers to keep for the report."""

    rota: Rota
    decision: Decision = field(default_factory=Decision)
    confirmations: list[Confirmation] = field(default_factory=list)
    records: list[tuple[str, Entry]] = field(default_factory=list)


def read_changed_answers(deps: Deps, now: datetime) -> None:
    """Once a tick, for every community: the answers that changed since the last tick, in
    one incremental read of the calendar (no call per community or session)."""
    if not incremental(deps):
        return
    calendar: IncrementalCalendar = deps.calendar  # type: ignore[assignment]
    key = f"calendar-sync/{calendar.calendar_id}"
    entry = deps.store.entries([key]).get(key)
    changed, token = calendar.answers_since(entry.detail if entry else None)
    # Only a presenter's decline changes anything: no rota is read for other answers (our
    # own updates come back here too).
    declined = [key for key, said in changed.items() if "declined" in said.values()]
    if declined:
        for community in _concerned(deps, declined):
            before = rotas.load(deps.store, community.id, now)
            found = answers(deps, before, now,
                            lambda event: changed.get(calendar.event_key(event.uid), {}))
            rotas.store_changes(deps.store, before, found.rota, now, found.records,
                                mark_due=AT_ONCE)
            if found.decision.changes:
                announce(deps, found.rota, found.decision, found.confirmations)
    ledger.record(deps.store, key, "sync-token", now, token)  # after the skips: none is missed


def _concerned(deps: Deps, uids: list[str]) -> list[Community]:
    """The communities whose events these are, each read by key; every community only when
    an event does not say (published before its UID was kept with it)."""
    named = [uid_session(uid) for uid in uids]
    if None in named:
        return deps.store.list_communities()
    found = (deps.store.get_community(cid) for cid in sorted({n[0] for n in named if n}))
    return [c for c in found if c is not None]


def answers(deps: Deps, rota: Rota, now: datetime,
            answers_of: Callable[[Event], dict[str, str]] | None = None) -> Answers:
    """Skips made by declining, for the caller to save and announce. Other members'
    answers are only kept for the report.

    Without `answers_of`, each event's answers are read from the calendar (which, for a
    calendar that is read incrementally, `read_changed_answers` does instead)."""
    found = Answers(rota)
    if answers_of is None:
        if incremental(deps):
            return found
        answers_of = deps.calendar.responses
    community = rota.community
    for planned in rota.coming(now):
        session = found.rota.sessions[planned.date]  # as an earlier decline left it
        presenter = found.rota.roster.get(session.presenter or "")
        if presenter is None or session.calendar_hash is None:
            continue
        try:
            said = answers_of(event_for(deps, community, planned, rota.roster.values()))
        except Exception:
            log.exception("calendar: could not read answers for %s %s", community.id,
                          session.date)
            continue
        found.records += activity.answered(deps.store, community.id, session.date, said, now)
        if said.get(presenter.email) != "declined":
            continue
        try:
            after, decision = found.rota.skip(presenter.email, now, session.date)
        except InputError as error:
            log.warning("rsvp: %s", error)
            continue
        found.rota, found.decision = after, found.decision.then(decision)
        found.confirmations.append(Confirmation(
            presenter.email, "confirm", f"declined-{session.date.isoformat()}",
            f"You declined {day_words(session.date)}: someone else takes it",
            prefix="you declined the invite, so ").completed(decision, after.today(now)))
    return found
