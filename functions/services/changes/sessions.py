"""Changes people make to sessions: skip, volunteer, swap, topic, and the organiser's
assign. Each is one rota decision, announced to everyone it concerns; `confirmation` is the
message to the person who asked (its summary is what the rota did)."""
from __future__ import annotations

from datetime import date

from ...domain.rota import Decision
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
    """The organiser puts someone on a session: they get its heads-up at once."""
    return decide(deps, community_id, lambda rota, now: rota.assign(day, email, now))[1]


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
