"""Whose doing a change is: set once, by the entry point of a unit of work (a member's
reply, an organiser's command or console form, the rota's run, the unsubscribe link), and
read where the change is written (services/rotas.py), so no service passes it along.

Unset, it is "unknown": the history says so rather than guess."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

MEMBER = "member"  # a member's reply by email (address: the member)
COMMAND_LINE = "command-line"  # an organiser, by the command line
CONSOLE = "console"  # an organiser signed in to the console (address: theirs, if known)
RUN = "run"  # the rota's own run (a tick)
CALENDAR = "calendar"  # a member's answer to a calendar invite (address: the member)
UNSUBSCRIBE = "unsubscribe"  # the one-click unsubscribe link (address: the member)
BOUNCES = "bounces"  # the mail system: a delivery failure read back
UNKNOWN = "unknown"
KINDS = (MEMBER, COMMAND_LINE, CONSOLE, RUN, CALENDAR, UNSUBSCRIBE, BOUNCES, UNKNOWN)


@dataclass(frozen=True)
class Actor:
    kind: str
    address: str | None = None  # never stored as such: only its digest

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of actor {self.kind!r}")


_current: ContextVar[Actor | None] = ContextVar("actor", default=None)


@contextlib.contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Everything changed inside is `actor`'s doing (an inner unit of work, such as a run
    inside a tick or a reply read by it, sets its own)."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def current() -> Actor:
    return _current.get() or Actor(UNKNOWN)
