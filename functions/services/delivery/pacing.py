"""Pacing one sender's mail under the provider's rate, within a run's time budget.

Gmail allows a sender about 150 `messages.send` a minute; the default stays under it. Time
here is real time (a Clock and a sleeper are injected, so tests and benchmarks simulate it).
"""
from __future__ import annotations

import time
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Callable

from ...ports import Clock

DEFAULT_RATE = 140  # messages a minute
WINDOW = timedelta(minutes=1)
DEFAULT_BUDGET = timedelta(minutes=5)  # a run starts no batch after this; the next run goes on


class Pacer:
    """Keeps a sender under `per_minute` sends in any minute (a sliding window, as Gmail
    counts), honours a provider's Retry-After, and tells when a run has used up its time
    budget. `acquire` says how many of a batch may go now, waiting as long as needed."""

    def __init__(self, per_minute: float = DEFAULT_RATE, budget: timedelta = DEFAULT_BUDGET,
                 clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 daily_cap: int | None = None) -> None:
        if per_minute < 1:
            raise ValueError("the rate must be at least one message a minute")
        if clock is None:  # simulated time: waiting costs nothing (tests, demos)
            clock = _SimulatedTime()
            sleep = sleep or clock.sleep
        self.per_minute = int(per_minute)
        self.daily_cap = daily_cap  # messages a day the sender may send (None: no limit)
        self.budget = budget
        self.clock = clock
        self._sleep = sleep or time.sleep
        self._sent: deque[tuple[datetime, int]] = deque()  # (when, how many) in the window
        self._held_until: datetime | None = None
        self._started: datetime | None = None
        self.waited = 0.0  # seconds slept, for reports and benchmarks

    def begin(self) -> None:
        """A new run: its budget starts now."""
        self._started = self.clock.now()

    def out_of_time(self) -> bool:
        """Whether the next batch would start after the run's budget is spent."""
        if self._started is None:
            self.begin()
        return self._next_slot() - self._started >= self.budget

    def acquire(self, count: int) -> int:
        """Wait until at least one of `count` messages may go; book and return how many."""
        while (slot := self._next_slot()) > (now := self.clock.now()):
            self._pause((slot - now).total_seconds())
        take = min(count, self.per_minute - sum(n for _, n in self._sent))
        self._sent.append((now, take))
        return take

    def _next_slot(self) -> datetime:
        """The first instant a message may go: Retry-After over, room in the window."""
        now = self.clock.now()
        while self._sent and self._sent[0][0] <= now - WINDOW:
            self._sent.popleft()
        slot = max(now, self._held_until or now)
        booked = sum(n for _, n in self._sent)
        for when, n in self._sent:  # the window frees as its oldest sends age out
            if booked < self.per_minute:
                break
            slot = max(slot, when + WINDOW)
            booked -= n
        return slot

    def hold(self, seconds: float) -> None:
        """The provider asked for a pause (Retry-After): nothing goes before it is over."""
        until = self.clock.now() + timedelta(seconds=seconds)
        self._held_until = max(self._held_until or until, until)

    def _pause(self, seconds: float) -> None:
        self._sleep(seconds)
        self.waited += seconds


class _SimulatedTime:
    def __init__(self) -> None:
        self.instant = datetime(2000, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)
