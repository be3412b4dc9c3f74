"""Sending mail exactly once, through a ledger of job-run keys in the Store.

Each message has a key (`community/kind/session-date/recipient`). The key is claimed before
sending and marked sent or failed after. A claim left behind by a run that died between the
two is re-examined once it is older than a lease: if the mailer can tell the Message-ID went
out (Gmail, Maildir), it is marked sent; if it cannot (SMTP), the message is sent again, so
SMTP delivery is at-least-once across crashes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Callable

from ..ports import Mailer, Store

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
CHUNK = 100  # messages rendered and handed to the mailer at once (a Gmail batch)
SENT, FAILED, CLAIMED = "sent", "failed", "claimed"


class Outgoing:
    """A message under its ledger key, rendered only when it is really going to be sent."""

    def __init__(self, key: str, build: Callable[[], EmailMessage]) -> None:
        self.key = key
        self._build = build

    @cached_property
    def message(self) -> EmailMessage:
        return self._build()


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _take(store: Store, mailer: Mailer, item: Outgoing, now: datetime) -> bool:
    """Whether this run should send the item now."""
    if store.claim(item.key, now):
        return True
    record = store.record_state(item.key)
    if record is None or record[0] != CLAIMED or now - record[1] < LEASE:
        return False  # done, given up, or another run is sending it right now
    if mailer.was_sent(item.message["Message-ID"]):
        store.record(item.key, SENT, now, "found in the mailer after an interrupted run")
        return False
    store.record(item.key, CLAIMED, now, "retaken after an interrupted run")
    return True


def deliver(store: Store, mailer: Mailer, now: datetime, items: list[Outgoing]) -> Delivery:
    """Send in chunks, so that only one chunk of rendered messages is in memory at a time."""
    report = Delivery()
    for start in range(0, len(items), CHUNK):
        _deliver_chunk(store, mailer, now, items[start:start + CHUNK], report)
    return report


def _deliver_chunk(store: Store, mailer: Mailer, now: datetime, items: list[Outgoing],
                   report: Delivery) -> None:
    batch = []
    for item in items:
        try:
            if not _take(store, mailer, item, now):
                report.skipped.append(item.key)
                continue
            _ = item.message  # rendered now: a message that cannot be built fails alone
        except Exception as error:
            log.exception("could not build %s", item.key)
            store.record(item.key, FAILED, now, f"not built: {type(error).__name__}: {error}"[:500])
            report.failed.append(item.key)
            continue
        batch.append(item)
    if not batch:
        return
    try:
        results = mailer.send_many([i.message for i in batch])
    except Exception:
        for item in batch:  # nothing went out: let the next run try again
            store.release(item.key)
        raise
    for item, result in zip(batch, results):
        if result is None:
            store.record(item.key, SENT, now)
            report.sent.append(item.key)
        else:
            store.record(item.key, FAILED, now, f"{type(result).__name__}: {result}"[:500])
            report.failed.append(item.key)
            log.warning("could not send %s: %s", item.key, result)
        item.__dict__.pop("message", None)  # rendered and gone: free it
