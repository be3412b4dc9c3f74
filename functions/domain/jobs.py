"""When each scheduled job is due. Pure: every function takes `now`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .models import PLANNED, Community, Session
from .timing import local_instant, zone

REMINDER_BEFORE = timedelta(hours=24)
TOPIC_BEFORE = timedelta(days=3)  # a presenter still without a topic is reminded
TICK = timedelta(minutes=15)
AT_ONCE = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a due time every tick finds due


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


def reminder_due(session: Session, now: datetime) -> bool:
    return (session.status == PLANNED and session.presenter is not None
            and session.starts_at is not None
            and session.starts_at - REMINDER_BEFORE <= now < session.starts_at)


def next_tick(instant: datetime) -> datetime:
    """The first scheduler tick (every 15 minutes on the quarter hour) at or after `instant`."""
    instant = instant.astimezone(timezone.utc)  # aware arithmetic in one zone is wall-clock
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)
    ticks = -((epoch - instant) // TICK)
    return epoch + ticks * TICK


def next_due(community: Community, sessions: list[Session], now: datetime) -> datetime:
    """The next instant after `now` at which a job of this community becomes due."""
    last = digest_slot(community, now)
    candidates = [local_instant(last.date() + timedelta(days=7), community.digest_time,
                                zone(community))]
    for s in sessions:
        if s.starts_at and s.starts_at > now:
            candidates.append(s.starts_at)  # the horizon moves on: plan the next session
            if s.presenter:
                candidates += [s.starts_at - REMINDER_BEFORE, s.starts_at - TOPIC_BEFORE]
    later = [c for c in candidates if c > now]
    return min(later)
