"""Pacing one sender's mail under the provider's rate, within a run's time budget.

Gmail allows a sender about 150 `messages.send` a minute; the default stays under it. The
pace is the sender's, not the process's: with `paces` (the store), every process that sends
as the same mailbox books its sends in the one record of that sender (domain.pace), in a
transaction, just before it hands them over, so that any number of instances together stay
under the rate and the daily limit. Time here is real time (a Clock and a sleeper are
injected, so tests and benchmarks simulate it).
"""
from __future__ import annotations

import copy
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, TypeVar

from ...domain.pace import Booking, Rate, book, sent
from ...ports import Clock, SenderPaces

DEFAULT_RATE = 140  # messages a minute
WINDOW = timedelta(minutes=1)
DEFAULT_BUDGET = timedelta(minutes=5)  # a run starts no batch after this; the next run goes on
T = TypeVar("T")


class Pacer:
    """Keeps a sender under `per_minute` sends in any `window` (a sliding window, as Gmail
    counts) and `daily_cap` a day, honours a provider's Retry-After, and tells when a run
    has used up its time budget. `acquire` books how many of a batch may go now, waiting as
    long as the budget allows."""

    def __init__(self, per_minute: float = DEFAULT_RATE, budget: timedelta = DEFAULT_BUDGET,
                 clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 daily_cap: int | None = None, paces: SenderPaces | None = None,
                 sender: str = "", window: timedelta = WINDOW) -> None:
        if per_minute < 1:
            raise ValueError("the rate must be at least one message a minute")
        if clock is None:  # simulated time: waiting costs nothing (tests, demos)
            clock = _SimulatedTime()
            sleep = sleep or clock.sleep
        self.per_minute = int(per_minute)  # in each `window` (a minute unless told)
        self.daily_cap = daily_cap  # messages a day the sender may send (None: no limit)
        self.rate = Rate(self.per_minute, window, daily_cap)
        self.budget = budget
        self.clock = clock
        self.paces: SenderPaces = paces if paces is not None else OwnPaces()
        self.sender = sender
        self._sleep = sleep or time.sleep
        self._free_at: datetime | None = None  # when the sender's pace has room again
        self._booked: tuple[datetime, int] | None = None  # the last acquire's, until sent
        self._held_until: datetime | None = None
        self._started: datetime | None = None
        self.day_full = False  # the sender's daily limit is reached: the rest waits a day
        self.waited = 0.0  # seconds slept, for reports and benchmarks

    def begin(self) -> None:
        """A new run: its budget starts now. A day found full stays so until it is over."""
        self._started = self.clock.now()
        self.day_full = self.day_full and self._free_at is not None and \
            self._free_at > self._started

    def out_of_time(self) -> bool:
        """Whether the next batch would start after the run's budget is spent."""
        if self._started is None:
            self.begin()
        return self._next_slot() - self._started >= self.budget

    def acquire(self, count: int) -> int:
        """Book up to `count` sends now (at least one), waiting for room in the sender's
        pace; 0 when that would be past the run's budget or the day is full."""
        while not self.out_of_time():
            slot, now = self._next_slot(), self.clock.now()
            if slot > now:
                self._pause((slot - now).total_seconds())
                continue
            # Booked at the time read in the transaction, just before it commits and the
            # batch goes: a send counts from no sooner than the provider sees it.
            booking: Booking = self.paces.pace(
                self.sender, lambda record: book(record, self.rate, count, self.clock.now()))
            self._free_at, self.day_full = booking.next_free, booking.day_full
            if booking.granted and booking.at is not None:
                self._booked = (booking.at, booking.granted)
                return booking.granted
        return 0

    def handed_over(self) -> None:
        """What the last `acquire` booked was handed over by now: it counts from now."""
        if self._booked is None:
            return
        (booked_at, count), self._booked = self._booked, None
        done = self.clock.now()
        self.paces.pace(self.sender, lambda record: sent(record, booked_at, count, done))
        if self._free_at is not None and self._free_at > booked_at:
            self._free_at += done - booked_at

    def _next_slot(self) -> datetime:
        """The first instant a message may go, as far as this process knows: Retry-After
        over, room in the sender's pace when it was last booked."""
        now = self.clock.now()
        return max(now, self._held_until or now, self._free_at or now)

    def hold(self, seconds: float) -> None:
        """The provider asked for a pause (Retry-After): nothing goes before it is over."""
        until = self.clock.now() + timedelta(seconds=seconds)
        self._held_until = max(self._held_until or until, until)

    def _pause(self, seconds: float) -> None:
        self._sleep(seconds)
        self.waited += seconds


class OwnPaces:
    """The pace records of a process on its own (given collaborators, tests, demos)."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}

    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        kept, answer = change(copy.deepcopy(self.records.get(sender)))
        self.records[sender] = kept
        return answer


class _SimulatedTime:
    def __init__(self) -> None:
        self.instant = datetime(2000, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)
