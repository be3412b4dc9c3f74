"""The organiser steering by hand: putting someone on a session, ending a pause.

Thin on purpose: the rota rules stay in the member and session services; this only checks
what an organiser may ask and words the refusals for them.
"""
from __future__ import annotations

from datetime import date

from ..domain import validation
from ..domain.errors import InputError
from ..domain.models import PAUSED, Community, Member
from ..domain.timing import local_date
from . import lookup, members, sessions
from .calendar_sync import sync_calendar
from .deps import Deps
from .notify import send_heads_ups


def assign(deps: Deps, community_id: str, day: date, email: str) -> Member:
    """`email` presents on `day`; the person planned keeps their place, and a later turn of
    the new presenter goes back to the queue (nobody presents twice in a round)."""
    community = lookup.community(deps.store, community_id)
    member = lookup.member(deps.store, community_id, validation.email_address(email))
    now = deps.clock.now()
    target = next((s for s in sessions.upcoming(deps.store, community_id, now)
                   if s.date == day), None)
    if target is None:
        raise InputError(f"{community_id} has no planned session on {day} that is still "
                         f"to come (see: schedule {community_id})")
    if target.presenter == member.email:
        raise InputError(f"{member.email} already presents on {day}")
    if not member.eligible_on(day):
        raise InputError(f"{member.email} cannot present on {day}: "
                         f"{member.status(local_date(community, now)).replace('_', ' ')}"
                         " or away that day")
    sessions.volunteer(deps.store, community_id, member.email, now, day)
    announce(deps, community)
    return member


def resume(deps: Deps, community_id: str, email: str) -> Member:
    """Ends a pause now; the member is back on the rota for the coming sessions."""
    community = lookup.community(deps.store, community_id)
    member = lookup.member(deps.store, community_id, validation.email_address(email))
    now = deps.clock.now()
    if member.status(local_date(community, now)) != PAUSED:
        hint = " (opted out: use member optin)" if member.opted_out else ""
        raise InputError(f"{member.email} is not paused{hint}")
    resumed = members.opt_in(deps.store, now, community_id, member.email)
    announce(deps, community)
    return resumed


def announce(deps: Deps, community: Community) -> None:
    """A change by hand is told at once, as the tick would: invites, then heads-ups."""
    now = deps.clock.now()
    sync_calendar(deps, community, now)
    send_heads_ups(deps, community, now)
