"""The collaborators a use case may need, handed over together by the entry point."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..emails import MailSettings
from ..ports import Calendar, Clock, Inbox, Mailer, Store


class Deps(Protocol):
    store: Store
    mailer: Mailer
    calendar: Calendar
    clock: Clock
    mail: MailSettings
    inbox: Inbox | None


@dataclass
class Bundle:
    """Plain Deps, for tests and demos that build their collaborators by hand."""

    store: Store
    mailer: Mailer
    calendar: Calendar
    clock: Clock
    mail: MailSettings
    inbox: Inbox | None = None
