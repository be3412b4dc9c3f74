"""Delivery policy: the outbox ledger's entries, what a failure means, when to try again.

Two clocks meet here. Leases (`lease_until`) concern real processes, so they are measured on
the real clock even when the tick runs at a scenario time. Everything a rota decides (retry
times, deadlines, expiry) follows the tick's clock.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

CLAIMED, PENDING, SENT, FAILED = "claimed", "pending", "sent", "failed"
LEASE = timedelta(minutes=10)  # a claim not renewed for this long belongs to a dead run
RETENTION = timedelta(days=35)  # ledger entries outlive their message's deadline this long
FIRST_RETRY, LAST_RETRY = timedelta(minutes=5), timedelta(hours=2)


class TemporaryFailure(Exception):
    """Not delivered this time; worth trying again (SMTP 4xx, Gmail 429/5xx, timeouts,
    an unreachable server, a full disk). `retry_after`: seconds the provider asked for."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Will never be delivered as it is. `bounce`: the recipient's address was refused,
    so it counts against that member like a bounce."""

    def __init__(self, detail: str, bounce: bool = False) -> None:
        super().__init__(detail)
        self.bounce = bounce


@dataclass(frozen=True)
class LedgerKey:
    """The ledger key of one message (or post, or note) of one community:
    `community/kind/key/recipient`, e.g. `guild/heads-up/2026-12-04~1/ana@example.com`.
    The community and kind never hold a '/'; the recipient is always the last part."""

    community: str
    kind: str
    key: str
    recipient: str

    def __str__(self) -> str:
        return f"{self.community}/{self.kind}/{self.key}/{self.recipient}"

    @classmethod
    def parse(cls, text: str) -> "LedgerKey":
        community, kind, rest = text.split("/", 2)
        key, recipient = rest.rsplit("/", 1)
        return cls(community, kind, key, recipient)


@dataclass(frozen=True)
class Entry:
    """One message's line in the ledger (also claims of other jobs: `handled`)."""

    state: str
    updated: datetime  # tick clock
    detail: str = ""
    attempts: int = 0
    owner: str = ""  # the run holding a claim
    lease_until: datetime | None = None  # real clock
    retry_at: datetime | None = None  # pending: the next try (tick clock)
    deadline: datetime | None = None  # pending: too late to matter after this
    raw: bytes | None = None  # pending: the message itself, sent as it was first built
    invites: str = ""  # pending: the invites it carries ("DATE:SEQUENCE[:cancel] …"), held once sent
    expires: datetime | None = None  # forgotten after this (Firestore TTL, SQLite prune)

    def takeable(self, now: datetime, lease_now: datetime) -> bool:
        """May a run claim it: a dead run's claim, or a pending retry that fell due."""
        if self.state == CLAIMED:
            return self.lease_until is None or self.lease_until <= lease_now
        return self.state == PENDING and (self.retry_at is None or self.retry_at <= now)

    def with_changes(self, **changes) -> "Entry":
        return replace(self, **changes)


def expiry(now: datetime, deadline: datetime | None) -> datetime:
    return max(now, deadline or now) + RETENTION


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Wait before try number `attempts + 1`: 5, 10, 20 … minutes, at most 2 hours, and
    never less than the provider asked for."""
    wait = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    return max(wait, timedelta(seconds=retry_after or 0))
