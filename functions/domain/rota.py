"""Who presents when: the rota rules of the design, as pure functions.

- Eligible on a date: not opted out, not paused over it, joined by then, and not having
  skipped or declined that very session.
- Order: whoever has waited longest presents first: the date of their last turn before
  that session (held or planned) or, for someone who never presented, the day they joined;
  ties by the order members were added.
- Planned sessions are stable: a session keeps its presenter while that person stays
  eligible, and a newcomer or a change elsewhere moves nobody. Only a session whose
  presenter dropped out is filled again, by whoever has waited longest. When that person
  is already planned for a later session, they move up to this one and their later session
  is filled the same way, so nobody presents twice before everyone eligible has presented
  once (the queue moves up; everyone moved is told).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from .models import CANCELLED, PLANNED, Community, Member, Session
from .timing import day_status, horizon, session_times


@dataclass(frozen=True)
class Change:
    """A session whose presenter changed: the people concerned are told."""

    date: date
    before: str | None
    after: str | None


def waited_since(member: Member, sessions: Iterable[Session], day: date) -> tuple[date, int]:
    """Sort key for `day`: this member's last turn before it (or joining), then order added."""
    last = max(
        (s.date for s in sessions
         if s.presenter == member.email and s.status == PLANNED and s.date < day),
        default=None,
    )
    return (last or member.joined, member.order)


def pick_presenter(day: date, members: Iterable[Member], sessions: list[Session],
                   exclude: Iterable[str] = ()) -> Member | None:
    """Whoever eligible on `day` has waited longest."""
    excluded = set(exclude)
    eligible = [m for m in members if m.eligible_on(day) and m.email not in excluded]
    if not eligible:
        return None
    return min(eligible, key=lambda m: waited_since(m, sessions, day))


def _fits(session: Session, members: dict[str, Member]) -> bool:
    member = members.get(session.presenter or "")
    return (member is not None and member.eligible_on(session.date)
            and member.email not in session.declined)


def plan(community: Community, members: list[Member], sessions: list[Session],
         now: datetime, lookahead: int | None = None) -> tuple[list[Session], list[Change]]:
    """Keep the next `lookahead` sessions after `now` planned.

    Returns every session that differs from what was given (to store) and the presenter
    changes (to announce). Sessions that have started are never touched.
    """
    by_date = {s.date: s for s in sessions}
    before = dict(by_date)
    roster = {m.email: m for m in members}
    dates = horizon(community, now, lookahead)

    # Future sessions on a weekday the community no longer meets are called off.
    for day, s in by_date.items():
        if (s.status == PLANNED and day.weekday() != community.weekday
                and not s.started(now)):
            by_date[day] = s.with_changes(status=CANCELLED, note="moved to another weekday")

    for day in dates:
        status, note = day_status(community, day)
        start, end = session_times(community, day)
        s = by_date.get(day) or Session(community=community.id, date=day)
        if s.status == CANCELLED and s.date in before:
            by_date[day] = s.with_changes(starts_at=start, ends_at=end)
            continue
        if status != PLANNED:
            s = s.with_changes(status=status, presenter=None, note=note)
        elif s.status != PLANNED:
            s = s.with_changes(status=PLANNED, note=None)
        by_date[day] = s.with_changes(starts_at=start, ends_at=end)

    for day in dates:
        s = by_date[day]
        if s.status != PLANNED or _fits(s, roster):
            continue
        choice = pick_presenter(day, members, list(by_date.values()), exclude=s.declined)
        if choice is not None:
            # Already planned later? They move up, and that later session is filled in turn.
            for later, other in by_date.items():
                if (later > day and other.presenter == choice.email
                        and other.status == PLANNED and not other.started(now)):
                    by_date[later] = other.with_changes(presenter=None)
        by_date[day] = s.with_changes(presenter=choice.email if choice else None)

    changed = [s for d, s in sorted(by_date.items()) if before.get(d) != s]
    changes = [
        Change(d, before[d].presenter if d in before else None, s.presenter)
        for d, s in sorted(by_date.items())
        if (before[d].presenter if d in before else None) != s.presenter
    ]
    return changed, changes


def presented(member: Member, sessions: Iterable[Session], now: datetime) -> list[date]:
    """Dates this member presented at a session that has been held."""
    return sorted(s.date for s in sessions if s.presenter == member.email and s.held(now))
