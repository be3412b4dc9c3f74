"""What a tick did, counted from what its runs sent, published and decided."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..delivery.outbox import CHAT, Delivery, channel_of


@dataclass
class TickReport:
    communities: int = 0
    reassigned: int = 0
    events: int = 0
    sent: int = 0  # emails
    posted: int = 0  # chat posts
    failed: int = 0
    replies: int = 0
    deferred: int = 0  # pending: temporary failures and mail for the next run
    errors: list[str] = field(default_factory=list)  # a community or the inbox raised
    failures: list[str] = field(default_factory=list)  # one line per failed message

    def count(self, delivery: Delivery) -> None:
        posts = sum(1 for key in delivery.sent if channel_of(key) == CHAT)
        self.sent += len(delivery.sent) - posts
        self.posted += posts
        self.failed += len(delivery.failed)
        self.deferred += len(delivery.deferred)
        self.failures += delivery.problems

    @property
    def problems(self) -> list[str]:
        return self.errors + self.failures
