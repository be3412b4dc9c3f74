"""The collaborators a use case may need, handed over together by the entry point."""
from __future__ import annotations

from typing import Protocol

from ..domain.jobs import Timing
from ..mail.compose import MailSettings
from ..ports import (Calendar, Chat, Clock, Fanout, Inbox, Mailer, Pacing, Store,
                     Unsubscribes)


class Deps(Protocol):
    """What a use case may use. `bootstrap.Container` is the one implementation: built from
    the Config at an entry point, or given ready-made collaborators in tests and demos."""

    store: Store
    mailer: Mailer
    calendar: Calendar
    clock: Clock
    mail: MailSettings
    inbox: Inbox | None
    lease_clock: Clock  # the real clock, even when `clock` is a scenario's
    pacer: Pacing
    fanout: Fanout | None  # set: the tick publishes one message per community instead
    unsubscribes: Unsubscribes | None  # set: web publishes unsubscribes instead of applying
    chat: Chat  # posts to a community's team chat (its webhook is the community's)
    timing: Timing  # how long before a session its presenter hears from the rota
