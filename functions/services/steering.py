"""The organiser steering by hand: putting someone on a session, ending a pause.

Thin on purpose: the rota rules stay in the Rota and its services; this adds telling
everyone concerned at once, as a tick would.
"""
from __future__ import annotations

from datetime import date

from ..domain import validation
from ..domain.models import Member
from . import lookup, members, rotas, sessions
from .calendar_sync import sync_calendar
from .deps import Deps
from .notify import send_heads_ups


def assign(deps: Deps, community_id: str, day: date, email: str) -> Member:
    """`email` presents on `day` (see Rota.assign), and everyone concerned hears at once."""
    member = lookup.member(deps.store, community_id, validation.email_address(email))
    now = deps.clock.now()
    sessions.assign(deps.store, now, community_id, day, member.email)
    announce(deps, community_id)
    return member


def resume(deps: Deps, community_id: str, email: str) -> Member:
    """Ends a pause now; the member is back on the rota for the coming sessions."""
    resumed = members.resume(deps.store, deps.clock.now(), community_id, email)
    announce(deps, community_id)
    return resumed


def announce(deps: Deps, community_id: str) -> None:
    """A change by hand is told at once, as the tick would: invites, then heads-ups."""
    now = deps.clock.now()
    rota, _ = sync_calendar(deps, rotas.load(deps.store, community_id, now), now)
    send_heads_ups(deps, rota, now)
