"""Changes people make to sessions: skip, volunteer, swap, topic, assign.

Each is one Rota decision: load the rota once, call one method, save once. The Outcome says
what to confirm to the person who asked and who else is concerned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..domain.models import Session
from ..domain.rota import Change, Decision
from ..ports import Store
from . import rotas


@dataclass(frozen=True)
class Outcome:
    """What changed, for the confirmation email."""

    date: date
    summary: str
    others: tuple[str, ...] = ()  # people concerned besides the one who asked
    changes: tuple[Change, ...] = ()


def _outcome(decision: Decision) -> Outcome:
    assert decision.date is not None
    return Outcome(decision.date, decision.summary, decision.others, decision.changes)


def upcoming(store: Store, community_id: str, now: datetime) -> list[Session]:
    """Planned sessions that have not started."""
    return rotas.load(store, community_id, now).coming(now)


def skip(store: Store, now: datetime, community_id: str, email: str,
         day: date | None = None) -> Outcome:
    """Give a session away and keep one's place; whoever has waited longest takes it."""
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.skip(email, now, day))[1])


def set_topic(store: Store, now: datetime, community_id: str, email: str,
              topic: str) -> Outcome:
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.set_topic(email, topic, now))[1])


def volunteer(store: Store, now: datetime, community_id: str, email: str,
              day: date | None = None) -> Outcome:
    """Take the next session (or that date's); the person planned keeps their place."""
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.volunteer(email, now, day))[1])


def assign(store: Store, now: datetime, community_id: str, day: date, email: str) -> Outcome:
    """The organiser puts someone on a session."""
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.assign(day, email, now))[1])


def offer_swap(store: Store, now: datetime, community_id: str, email: str,
               other: str) -> Outcome:
    """Ask `other` to trade: nothing changes until they reply `accept`."""
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.offer_swap(email, other, now))[1])


def accept_swap(store: Store, now: datetime, community_id: str, email: str) -> Outcome:
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.accept_swap(email, now))[1])


def decline_swap(store: Store, now: datetime, community_id: str, email: str) -> Outcome:
    return _outcome(rotas.apply(store, community_id, now,
                                lambda r: r.decline_swap(email, now))[1])
