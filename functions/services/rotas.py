"""Loading a community's Rota once and saving what a unit of work changed, in one write."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Callable, Iterable

from ..domain.delivery import Entry
from ..domain.jobs import AT_ONCE
from ..domain.models import Community, Member
from ..domain.rota import Decision, Rota
from ..ports import RotaWrite, Store
from . import activity, actors, changelog, lookup


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


def changes(before: Rota, after: Rota, now: datetime | None = None,
            records: Iterable[tuple[str, Entry]] = ()) -> RotaWrite:
    """What differs between two states of a rota, as one write. With `now`, swaps and
    departures are noted for the report, and every change for the history, as whose
    doing the unit of work says (changelog, actors): the same write holds both."""
    community_id = before.community.id
    members = [m for e, m in after.roster.items() if before.roster.get(e) != m]
    sessions = tuple(s for d, s in sorted(after.sessions.items())
                     if before.sessions.get(d) != s)
    notes = _notes(before, members, sessions, now) if now is not None else []
    if now is not None:
        notes += changelog.notes(before, after, members, sessions, now, actors.current())
    return RotaWrite(
        community_id,
        community=after.community if after.community != before.community else None,
        new_members=tuple(m for m in members if m.email not in before.roster),
        members=tuple(m for m in members if m.email in before.roster),
        sessions=sessions, records=(*notes, *records))


def apply(store: Store, community_id: str, now: datetime,
          operation: Callable[[Rota], tuple[Rota, Decision]]) -> tuple[Rota, Decision]:
    """Load once, decide once, save once: what the decision changed, in one write (a member
    added meanwhile raises Conflict and nothing is written). A change makes the community
    due at the next tick (calendar, reminders, plans, telling the others)."""
    before = load(store, community_id, now)
    after, decision = operation(before)
    store_changes(store, before, after, now, mark_due=AT_ONCE)
    return after, decision


def store_changes(store: Store, before: Rota, after: Rota, now: datetime | None = None,
                  records: Iterable[tuple[str, Entry]] = (),
                  settle_due: tuple[datetime, str | None] | None = None,
                  mark_due: datetime | None = None) -> RotaWrite:
    """Whatever differs between the two states, with `records` and the due time, in one
    write (nothing when nothing changed). Returns the write."""
    write = changes(before, after, now, records)
    write = replace(write, settle_due=settle_due, mark_due=mark_due if write else None)
    if write:
        store.save(write)
    return write


def save_member(store: Store, community: Community, was: Member, member: Member,
                now: datetime | None, mark_due: datetime | None = None) -> None:
    """A member's new record alone (bounce counts, a language), in one write; with `now`,
    what a person would call a change (mail stopped, a language) is noted for the history
    in the same write."""
    noted = (changelog.member_notes(community, was, member, now, actors.current())
             if now is not None else [])
    store.save(RotaWrite(community.id, members=(member,), records=tuple(noted),
                         mark_due=mark_due))


def keep(store: Store, community_id: str, records: Iterable[tuple[str, Entry]]) -> None:
    """Records that come with no change of the rota (an answer to an invite)."""
    records = tuple(records)
    if records:
        store.save(RotaWrite(community_id, records=records))


def _notes(before: Rota, members, sessions, now: datetime) -> list[tuple[str, Entry]]:
    community_id = before.community.id
    notes = []
    for member in members:
        was = before.roster.get(member.email)
        if was is not None and member.opted_out and not was.opted_out:
            notes.append(activity.noted(community_id, activity.LEFT, now, member.email))
    for session in sessions:
        was = before.sessions.get(session.date)
        if was is not None and was.swap_with and session.presenter == was.swap_with:
            notes.append(activity.noted(community_id, activity.SWAP, now,
                                        session.date.isoformat()))
    return notes
