"""Clocks: the real one, and a fixed one for COP_NOW, --now, demos and tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """Always the same instant until moved on; `advance` and `set` serve demos and tests."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta
