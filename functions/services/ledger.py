"""Claims and records of the tick's own jobs (a reply handled, a watch renewed, a calendar's
sync token), on the Ledger port's one read (`entries`) and one write (`swap`)."""
from __future__ import annotations

from datetime import datetime

from ..domain.delivery import CLAIMED, Entry, expiry
from ..ports import Ledger


def claim(ledger: Ledger, key: str, now: datetime) -> bool:
    """Create the entry `key` (state "claimed") if absent. True only for its creator."""
    return ledger.swap(key, None, Entry(CLAIMED, now, expires=expiry(now, None)))


def release(ledger: Ledger, key: str) -> None:
    """Forget a claim (its job failed before doing anything visible)."""
    entry = ledger.entries([key]).get(key)
    if entry is not None:
        ledger.swap(key, entry, None)


def record(ledger: Ledger, key: str, state: str, now: datetime, detail: str = "") -> None:
    """Set the entry's state, whatever it was (the last writer wins)."""
    new = Entry(state, now, detail, expires=expiry(now, None))
    while not ledger.swap(key, ledger.entries([key]).get(key), new):
        pass  # changed in between: read it again


def state(ledger: Ledger, key: str) -> tuple[str, datetime] | None:
    """The entry's state and when it was last set; None when there is none."""
    entry = ledger.entries([key]).get(key)
    return (entry.state, entry.updated) if entry else None
