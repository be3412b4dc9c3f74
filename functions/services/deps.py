"""The collaborators a use case may need, handed over together by the entry point."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from ..mail.compose import MailSettings
from ..ports import Calendar, Clock, Inbox, Mailer, Store
from .delivery.pacing import Pacer


class Deps(Protocol):
    store: Store
    mailer: Mailer
    calendar: Calendar
    clock: Clock
    mail: MailSettings
    inbox: Inbox | None
    lease_clock: Clock  # the real clock, even when `clock` is a scenario's
    pacer: Pacer


class RealClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class Bundle:
    """Plain Deps, for tests and demos that build their collaborators by hand."""

    store: Store
    mailer: Mailer
    calendar: Calendar
    clock: Clock
    mail: MailSettings
    inbox: Inbox | None = None
    lease_clock: Clock = field(default_factory=RealClock)
    pacer: Pacer = field(default_factory=Pacer)  # on simulated time: never sleeps
