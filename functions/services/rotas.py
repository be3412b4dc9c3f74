"""Loading a community's Rota once and saving what one of its decisions changed."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from ..domain.jobs import AT_ONCE
from ..domain.rota import Decision, Rota
from ..ports import Store
from . import activity, lookup


RECENT = timedelta(days=15)  # the last digest's week and the session before it (recap)


def load(store: Store, community_id: str, now: datetime) -> Rota:
    """The roster and the sessions of the last two weeks on (or from the first one not yet
    counted, if earlier). Only a store written before turns were counted (`settled` unset)
    is read in full, once.
    """
    community = lookup.community(store, community_id)
    start = (now - RECENT).date()
    if community.settled is None:
        start = None
    elif community.settled < start:
        start = community.settled
    return Rota.of(community, store.list_members(community_id),
                   store.list_sessions(community_id, start=start))


def save(store: Store, before: Rota, decision: Decision, now: datetime | None = None) -> None:
    """New members are created all at once (a duplicate added meanwhile raises Conflict).
    With `now`, swaps and departures are noted for the report. A change makes the community
    due at the next tick (calendar, reminders, plans)."""
    community_id = before.community.id
    if not (decision.members or decision.sessions or decision.community is not None):
        return
    if now is not None:
        _note(store, before, decision, now)
    new = [m for m in decision.members if m.email not in before.roster]
    if new:
        store.add_members(community_id, new)
    for member in decision.members:
        if member.email in before.roster:
            store.put_member(community_id, member)
    if decision.sessions:
        store.put_sessions(community_id, decision.sessions)
    if decision.community is not None:
        store.put_community(decision.community)
    store.mark_due(community_id, AT_ONCE)


def apply(store: Store, community_id: str, now: datetime,
          operation: Callable[[Rota], tuple[Rota, Decision]]) -> tuple[Rota, Decision]:
    """Load once, decide once, save once."""
    before = load(store, community_id, now)
    after, decision = operation(before)
    save(store, before, decision, now)
    return after, decision


def _note(store: Store, before: Rota, decision: Decision, now: datetime) -> None:
    for member in decision.members:
        was = before.roster.get(member.email)
        if was is not None and member.opted_out and not was.opted_out:
            activity.note(store, before.community.id, activity.LEFT, now, member.email)
    for session in decision.sessions:
        was = before.sessions.get(session.date)
        if was is not None and was.swap_with and session.presenter == was.swap_with:
            activity.note(store, before.community.id, activity.SWAP, now,
                          session.date.isoformat())
