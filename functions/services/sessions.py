"""Changes people make to sessions: skip, volunteer, swap, topic. Each replans the rota."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..domain.errors import InputError
from ..domain.models import PLANNED, Session
from ..ports import Store
from . import lookup
from .plan import replan


@dataclass(frozen=True)
class Outcome:
    """What changed, for the confirmation email."""

    date: date
    summary: str
    others: tuple[str, ...] = ()  # people concerned besides the one who asked


def upcoming(store: Store, community_id: str, now: datetime) -> list[Session]:
    return [s for s in lookup.coming_sessions(store, community_id, now)
            if s.status == PLANNED and s.starts_at and s.starts_at > now]


def next_turn(store: Store, community_id: str, email: str, now: datetime) -> Session:
    turn = next((s for s in upcoming(store, community_id, now) if s.presenter == email), None)
    if turn is None:
        raise InputError("you have no upcoming session planned")
    return turn


def _presenter_after(store: Store, community_id: str, day: date) -> str | None:
    return next((s.presenter for s in store.list_sessions(community_id, day)
                 if s.date == day), None)


def skip(store: Store, community_id: str, email: str, now: datetime,
         day: date | None = None) -> Outcome:
    """Give a session away and keep one's place; whoever has waited longest takes it."""
    turn = (next((s for s in upcoming(store, community_id, now)
                  if s.date == day and s.presenter == email), None)
            if day else next_turn(store, community_id, email, now))
    if turn is None:
        raise InputError(f"you are not presenting on {day}")
    store.put_sessions(community_id, [turn.with_changes(
        declined=tuple(sorted({*turn.declined, email})), swap_with=None)])
    replan(store, community_id, now)
    taker = _presenter_after(store, community_id, turn.date)
    return Outcome(turn.date, f"you are off the session on {turn.date}; you keep your place",
                   (taker,) if taker else ())


def set_topic(store: Store, community_id: str, email: str, topic: str, now: datetime) -> Outcome:
    turn = next_turn(store, community_id, email, now)
    store.put_sessions(community_id, [turn.with_changes(topic=topic)])
    return Outcome(turn.date, f"the topic of your session on {turn.date} is now “{topic}”")


def volunteer(store: Store, community_id: str, email: str, now: datetime,
              day: date | None = None) -> Outcome:
    """Take the next session (or that date's); the person planned keeps their place."""
    sessions = upcoming(store, community_id, now)
    member = lookup.member(store, community_id, email)
    if day is not None:
        target = next((s for s in sessions if s.date == day), None)
        if target is None:
            raise InputError(f"there is no session on {day}")
    else:
        target = next((s for s in sessions if s.presenter != email), None)
        if target is None:
            raise InputError("there is no upcoming session to take")
    if not member.eligible_on(target.date):
        raise InputError(f"you are paused or opted out on {target.date}")
    if target.presenter == email:
        raise InputError(f"you already present on {target.date}")
    displaced = target.presenter
    changes = [target.with_changes(presenter=email, swap_with=None)]
    # Their own later turn goes back to the queue: nobody presents twice in a round.
    changes += [s.with_changes(presenter=None, swap_with=None) for s in sessions
                if s.presenter == email and s.date > target.date]
    store.put_sessions(community_id, changes)
    replan(store, community_id, now)
    return Outcome(target.date, f"you present on {target.date}",
                   (displaced,) if displaced else ())


def offer_swap(store: Store, community_id: str, email: str, other: str,
               now: datetime) -> Outcome:
    """Ask `other` to trade: nothing changes until they reply `accept`."""
    if other == email:
        raise InputError("you cannot swap with yourself")
    partner = lookup.member(store, community_id, other)
    if partner.opted_out:
        raise InputError(f"{other} has opted out")
    turn = next_turn(store, community_id, email, now)
    if not partner.eligible_on(turn.date):
        raise InputError(f"{other} is away on {turn.date}")
    store.put_sessions(community_id, [turn.with_changes(swap_with=other)])
    return Outcome(turn.date, f"asked {other} to swap your session on {turn.date}", (other,))


def accept_swap(store: Store, community_id: str, email: str, now: datetime) -> Outcome:
    """`other` accepts: both sessions change hands (or they simply take it, if unplanned)."""
    sessions = upcoming(store, community_id, now)
    offer = next((s for s in sessions if s.swap_with == email), None)
    if offer is None:
        raise InputError("nobody has asked you to swap")
    asker = offer.presenter
    mine = next((s for s in sessions if s.presenter == email), None)
    changes = [offer.with_changes(presenter=email, swap_with=None)]
    if mine is not None:
        if not lookup.member(store, community_id, asker).eligible_on(mine.date):
            raise InputError(f"{asker} is away on {mine.date}; the swap cannot happen")
        changes.append(mine.with_changes(presenter=asker, swap_with=None))
    store.put_sessions(community_id, changes)
    replan(store, community_id, now)
    summary = (f"you now present on {offer.date}" + (f" and {asker} on {mine.date}"
                                                        if mine else ""))
    return Outcome(offer.date, summary, (asker,) if asker else ())


def decline_swap(store: Store, community_id: str, email: str, now: datetime) -> Outcome:
    offer = next((s for s in upcoming(store, community_id, now) if s.swap_with == email), None)
    if offer is None:
        raise InputError("nobody has asked you to swap")
    store.put_sessions(community_id, [offer.with_changes(swap_with=None)])
    return Outcome(offer.date, f"the swap for {offer.date} is off",
                   (offer.presenter,) if offer.presenter else ())
