"""The one record of what a tick (or a single community's run) did: what was sent, by kind,
what waits or failed, the calendar events published, the sessions (re)assigned and the
replies read. It is counted where each thing happens (`deliver`, `announce`, the run, the
inbox), so the tick's summary, the dry run's "would" line and the cloud log all print the
same numbers: nothing is counted twice, nothing is left out (replies' confirmations and the
announcements of their changes included)."""
from __future__ import annotations

import contextlib
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from ...domain.chat import CHAT, channel_of
from ...domain.delivery import LedgerKey

if TYPE_CHECKING:
    from ...domain.rota import Decision
    from .outbox import Delivery


@dataclass
class TickReport:
    communities: int = 0
    reassigned: int = 0
    events: int = 0  # calendar events published
    sent: int = 0  # emails
    posted: int = 0  # chat posts
    failed: int = 0
    replies: int = 0
    deferred: int = 0  # pending: temporary failures and mail for the next run
    kinds: Counter = field(default_factory=Counter)  # emails sent, by kind
    errors: list[str] = field(default_factory=list)  # a community or the inbox raised
    failures: list[str] = field(default_factory=list)  # one line per failed message

    def count(self, delivery: Delivery) -> None:
        posts = [key for key in delivery.sent if channel_of(key) == CHAT]
        self.sent += len(delivery.sent) - len(posts)
        self.posted += len(posts)
        self.kinds.update(LedgerKey.parse(key).kind for key in delivery.sent
                          if channel_of(key) != CHAT)
        self.failed += len(delivery.failed)
        self.deferred += len(delivery.deferred)
        self.failures += delivery.problems

    @property
    def problems(self) -> list[str]:
        return self.errors + self.failures

    def summary(self) -> str:
        """What the command line and the log say of it, one line."""
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (f"{self.communities} communities, {self.sent} emails sent"
                + (f" ({kinds})" if kinds else "")
                + f", {self.posted} chat posts, {self.failed} failed, {self.deferred} "
                f"waiting to be sent again, {self.events} calendar updates, "
                f"{self.reassigned} sessions (re)assigned, {self.replies} replies read")


_current: ContextVar[TickReport | None] = ContextVar("tick_report", default=None)


@contextlib.contextmanager
def recording(report: TickReport | None = None) -> Iterator[TickReport]:
    """Count into `report` (a new one if None) whatever happens inside; a recording already
    going on is joined instead, so that a run inside a tick counts into the tick's."""
    active = _current.get()
    if active is not None and (report is None or report is active):
        yield active
        return
    report = report if report is not None else TickReport()
    token = _current.set(report)
    try:
        yield report
    finally:
        _current.reset(token)


def sent(delivery: Delivery) -> Delivery:
    """Count a delivery into the recording going on, if any."""
    report = _current.get()
    if report is not None:
        report.count(delivery)
    return delivery


def published(events: int, decision: Decision) -> None:
    """Count calendar events published and the sessions `decision` (re)assigned."""
    report = _current.get()
    if report is not None:
        report.events += events
        report.reassigned += sum(1 for change in decision.changes if change.before)
