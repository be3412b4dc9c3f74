"""Changes people make to sessions: skip, volunteer, swap, topic, and the organiser's
assign. Each is one rota decision, announced to everyone it concerns; `confirmation` is the
message to the person who asked (its summary is what the rota did)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from ...domain.rota import Decision, Rota
from ..delivery.notifier import Confirmation
from .decide import decide
from ..deps import Deps


def skip(deps: Deps, community_id: str, email: str, day: date | None = None,
         confirmation: Confirmation | None = None) -> Decision:
    """Give a session away and keep one's place; whoever has waited longest takes it."""
    return decide(deps, community_id, lambda rota, now: rota.skip(email, now, day),
                  confirmation)[1]


def set_topic(deps: Deps, community_id: str, email: str, topic: str,
              confirmation: Confirmation | None = None) -> Decision:
    return decide(deps, community_id, lambda rota, now: rota.set_topic(email, topic, now),
                  confirmation)[1]


def volunteer(deps: Deps, community_id: str, email: str, day: date | None = None,
              confirmation: Confirmation | None = None) -> Decision:
    """Take the next session (or that date's); the person planned keeps their place."""
    return decide(deps, community_id, lambda rota, now: rota.volunteer(email, now, day),
                  confirmation)[1]


def assign(deps: Deps, community_id: str, day: date, email: str) -> Decision:
    """The organiser puts someone on a session: they get its heads-up at once. A date
    before the sessions a rota loads is read too, so the refusal says what became of it
    (held, or no session that day)."""
    def operation(rota: Rota, now: datetime):
        if day not in rota.sessions and day <= rota.today(now):
            rota = replace(rota, sessions={**rota.sessions, **{
                s.date: s for s in deps.store.list_sessions(
                    community_id, start=day, end=day + timedelta(days=1))}})
        return rota.assign(day, email, now)
    return decide(deps, community_id, operation)[1]


def offer_swap(deps: Deps, community_id: str, email: str, other: str,
               confirmation: Confirmation | None = None) -> Decision:
    """Ask `other` to trade: nothing changes until they reply `accept`."""
    return decide(deps, community_id, lambda rota, now: rota.offer_swap(email, other, now),
                  confirmation)[1]


def accept_swap(deps: Deps, community_id: str, email: str,
                confirmation: Confirmation | None = None) -> Decision:
    return decide(deps, community_id, lambda rota, now: rota.accept_swap(email, now),
                  confirmation)[1]


def decline_swap(deps: Deps, community_id: str, email: str,
                 confirmation: Confirmation | None = None) -> Decision:
    return decide(deps, community_id, lambda rota, now: rota.decline_swap(email, now),
                  confirmation)[1]
