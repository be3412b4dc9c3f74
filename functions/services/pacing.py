"""Pacing one sender's mail under the provider's rate, within a run's time budget.

Gmail allows a sender about 150 `messages.send` a minute; the default stays under it. Time
here is real time (a Clock and a sleeper are injected, so tests and benchmarks simulate it).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from ..ports import Clock

DEFAULT_RATE = 140  # messages a minute
DEFAULT_BUDGET = timedelta(minutes=5)  # a run starts no batch after this; the next run goes on


class Pacer:
    """Spaces batches so that a sender's average rate stays under `per_minute`, honours
    a provider's Retry-After, and tells when a run has used up its time budget."""

    def __init__(self, per_minute: float = DEFAULT_RATE, budget: timedelta = DEFAULT_BUDGET,
                 clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 daily_cap: int | None = None) -> None:
        if per_minute <= 0:
            raise ValueError("the rate must be positive")
        if clock is None:  # simulated time: waiting costs nothing (tests, demos)
            clock = _SimulatedTime()
            sleep = sleep or clock.sleep
        self.interval = 60 / per_minute
        self.daily_cap = daily_cap  # messages a day the sender may send (None: no limit)
        self.budget = budget
        self.clock = clock
        self._sleep = sleep or time.sleep
        self._free_at: datetime | None = None  # when the next message may go
        self._started: datetime | None = None
        self.waited = 0.0  # seconds slept, for reports and benchmarks

    def begin(self) -> None:
        """A new run: its budget starts now."""
        self._started = self.clock.now()

    def out_of_time(self) -> bool:
        """Whether the next batch would start after the run's budget is spent."""
        if self._started is None:
            self.begin()
        start = max(self.clock.now(), self._free_at or self.clock.now())
        return start - self._started >= self.budget

    def wait(self, count: int) -> None:
        """Sleep until `count` more messages may go, and book their share of the rate."""
        now = self.clock.now()
        if self._free_at is not None and self._free_at > now:
            pause = (self._free_at - now).total_seconds()
            self._sleep(pause)
            self.waited += pause
            now = self.clock.now()
        self._free_at = max(now, self._free_at or now) + timedelta(seconds=self.interval * count)

    def hold(self, seconds: float) -> None:
        """The provider asked for a pause (Retry-After): nothing goes before it is over."""
        until = self.clock.now() + timedelta(seconds=seconds)
        self._free_at = max(self._free_at or until, until)


class _SimulatedTime:
    def __init__(self) -> None:
        self.instant = datetime(2000, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)
