"""When each scheduled job is due. Pure: every function takes `now`, and those that depend
on how long before a session its presenter hears from the rota take a `Timing`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .models import PLANNED, Community, Session
from .timing import local_instant, zone

TICK = timedelta(minutes=15)
AT_ONCE = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a due time every tick finds due


@dataclass(frozen=True)
class Timing:
    """How long before its session each presenter's message falls due: the one place these
    offsets are set. The jobs (`reminder_due`, `topic_due`, `next_due`) and every text that
    speaks of them (`wording.offset_words`) read them from here; a run is given its Timing
    (the `timing` of its deps), so nothing else holds these numbers.

    - `reminder_before`: the reminder to the presenter (24 hours: "tomorrow");
    - `topic_before`: the topic reminder, to a presenter still without a topic; it stays due
      until the reminder is (which asks again), so it must come at least a tick earlier, or
      no tick would find it due.
    Both are whole minutes and at least a tick, so that some tick falls in each window.
    """

    reminder_before: timedelta = timedelta(hours=24)
    topic_before: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        for name in ("reminder_before", "topic_before"):
            offset = getattr(self, name)
            if not isinstance(offset, timedelta) or offset < TICK \
                    or offset % timedelta(minutes=1):
                raise ValueError(f"Timing.{name} must be whole minutes, at least {TICK}: "
                                 f"{offset!r}")
        if self.topic_before - self.reminder_before < TICK:
            raise ValueError(f"Timing: the topic reminder ({self.topic_before} before) must "
                             f"come at least {TICK} before the reminder "
                             f"({self.reminder_before} before)")


def digest_slot(community: Community, now: datetime) -> datetime:
    """The latest digest time (weekday and local time) at or before `now`."""
    local = now.astimezone(zone(community))
    back = (local.weekday() - community.digest_weekday) % 7
    slot = local_instant(local.date() - timedelta(days=back), community.digest_time,
                         zone(community))
    if slot > now:
        slot = local_instant(slot.date() - timedelta(days=7), community.digest_time,
                             zone(community))
    return slot


def digest_session(community: Community, sessions: list[Session], now: datetime
                   ) -> tuple[datetime, Session] | None:
    """The digest due now, if any: its slot and the session it is about.

    A digest is about the first session (held or not) starting after its slot. A missed
    digest still goes out on the next tick, unless that session has already started or the
    slot came before the community existed.
    """
    slot = digest_slot(community, now)
    if community.created and slot < community.created:
        return None
    upcoming = [s for s in sessions if s.starts_at and s.starts_at > slot]
    if not upcoming:
        return None
    session = min(upcoming, key=lambda s: s.date)
    if session.started(now):
        return None
    return slot, session


def reminder_due(session: Session, now: datetime, timing: Timing) -> bool:
    """A planned session's presenter is reminded from `reminder_before` until it starts."""
    return (session.status == PLANNED and session.presenter is not None
            and session.starts_at is not None
            and session.starts_at - timing.reminder_before <= now < session.starts_at)


def topic_due(session: Session, now: datetime, timing: Timing) -> bool:
    """No topic `topic_before` the session, until the reminder (which asks again) is due."""
    return (session.presenter is not None and not session.topic
            and session.starts_at is not None
            and session.starts_at - timing.topic_before <= now
            < session.starts_at - timing.reminder_before)


def next_tick(instant: datetime) -> datetime:
    """The first scheduler tick (every 15 minutes on the quarter hour) at or after `instant`."""
    instant = instant.astimezone(timezone.utc)  # aware arithmetic in one zone is wall-clock
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)
    ticks = -((epoch - instant) // TICK)
    return epoch + ticks * TICK


def next_due(community: Community, sessions: list[Session], now: datetime, timing: Timing
             ) -> datetime:
    """The next instant after `now` at which a job of this community becomes due."""
    last = digest_slot(community, now)
    candidates = [local_instant(last.date() + timedelta(days=7), community.digest_time,
                                zone(community))]
    for s in sessions:
        if s.starts_at and s.starts_at > now:
            candidates.append(s.starts_at)  # the horizon moves on: plan the next session
            if s.presenter:
                candidates += [s.starts_at - timing.reminder_before,
                               s.starts_at - timing.topic_before]
    later = [c for c in candidates if c > now]
    return min(later)
