"""One sender's pace, shared by every process that sends as it: at most `limit` messages
in any `window` (a sliding window, as Gmail and SMTP relays count) and at most `daily` in a
day (UTC). Pure: a record in, the record to keep and the answer out; a store keeps the
record and applies `book` (just before a batch is handed over) and `sent` (once it was) to
it in one transaction each, so that processes never book the same room twice and the
provider, which counts a send somewhere between the two, never sees the window exceeded.

A record: {"sent": [[ISO instant, count], …] (the sends of the last window),
"day": "YYYY-MM-DD", "count": sends booked that day}.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone


@dataclass(frozen=True)
class Rate:
    limit: int  # messages in any `window`
    window: timedelta = timedelta(minutes=1)
    daily: int | None = None  # messages a day (None: no limit)


@dataclass(frozen=True)
class Booking:
    granted: int  # how many may go now (booked at `at`)
    next_free: datetime  # when the next one may go (a later day when the day is full)
    day_full: bool = False  # the daily limit is what holds them back
    at: datetime | None = None  # when they were booked


def book(record: dict | None, rate: Rate, count: int, now: datetime
         ) -> tuple[dict, Booking]:
    """Book up to `count` sends at `now`: the record to keep and what was granted."""
    record = record or {}
    sent = [(datetime.fromisoformat(at), n) for at, n in record.get("sent", [])]
    sent = [(at, n) for at, n in sent if at > now - rate.window]
    day = now.astimezone(timezone.utc).date().isoformat()
    today = record.get("count", 0) if record.get("day") == day else 0
    room = rate.limit - sum(n for _, n in sent)
    if rate.daily is not None:
        room = min(room, rate.daily - today)
    granted = max(0, min(count, room))
    if granted:
        sent.append((now, granted))
        today += granted
    kept = {"sent": [[at.isoformat(), n] for at, n in sent], "day": day, "count": today}
    day_full = rate.daily is not None and today >= rate.daily
    return kept, Booking(granted, next_midnight(now) if day_full else
                         _next_slot(sent, rate, now), day_full, now)


def sent(record: dict | None, booked: datetime, count: int, done: datetime
         ) -> tuple[dict, None]:
    """Sends booked at `booked` were handed over by `done`: they count from then on, so
    that the provider, which counted them somewhere in between, sees the window kept."""
    record = dict(record or {})
    entries = list(record.get("sent", []))
    mine = [booked.isoformat(), count]
    if mine in entries:
        entries[entries.index(mine)] = [done.isoformat(), count]
    record["sent"] = entries
    return record, None


def _next_slot(sent: list[tuple[datetime, int]], rate: Rate, now: datetime) -> datetime:
    """The first instant the window has room again: as its oldest sends age out."""
    booked = sum(n for _, n in sent)
    slot = now
    for at, n in sent:
        if booked < rate.limit:
            break
        slot = max(slot, at + rate.window)
        booked -= n
    return slot


def next_midnight(now: datetime) -> datetime:
    """The start of the next day (UTC): when a full day's sends may go again."""
    day = now.astimezone(timezone.utc).date() + timedelta(days=1)
    return datetime.combine(day, time(0), timezone.utc)


# What a sender sends in a day besides the digest: heads-ups, reminders, confirmations.
DAY_HEADROOM = 10


def past_one_sender(readers: int, daily: int | None) -> str | None:
    """Why one sender cannot serve a community whose digest goes to `readers` people in a
    day, or None when it can."""
    if daily is None or readers + DAY_HEADROOM <= daily:
        return None
    return (f"its digest goes to {readers:,} people: past the {daily:,} messages a day one "
            f"sender may send (COP_MAIL_DAILY_CAP), with room for {DAY_HEADROOM} others; the "
            "rest would wait for the next days. Send through a Workspace SMTP relay or a "
            "second sender (README: Large communities)")
