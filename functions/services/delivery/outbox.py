"""Sending mail once, through a ledger of message keys in the Store.

Each message has a key (`community/kind/session-date/recipient`). A run claims a key with a
compare-and-swap just before sending it, with a lease measured on the real clock from that
moment; it then records the outcome:
- sent;
- pending after a temporary failure: the message itself is kept, and `retry_pending` sends
  it again with backoff until its deadline passes (then it fails and is reported);
- failed after a permanent one (a refused recipient also counts as a bounce).
A claim whose lease ran out belongs to a run that died: the next run to meet that message
asks the mailer whether it went out (Gmail, Maildir can tell) and sends it only if not, so
only SMTP is at-least-once, across a crash between sending and recording.
Sends are paced (see pacing.py); what a run has no time left for is kept pending for the next.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cached_property
from typing import Callable

from ...domain.chat import CHAT, MAIL, channel_of
from ...domain.delivery import (CLAIMED, FAILED, LEASE, PENDING, SENT, Entry, LedgerKey,
                                PermanentFailure, TemporaryFailure, backoff, expiry)
from ...domain.jobs import TICK
from ...domain.pace import next_midnight
from ...ports import Clock, Mailer, Store
from .. import activity
from . import record
from .chat import ChatSender
from .pacing import Pacer

log = logging.getLogger(__name__)
DEFAULT_DEADLINE = timedelta(days=1)  # for a message whose moment does not pass sooner
RETRY_LIMIT = 500  # pending messages looked at per community and run
# A message held over for want of time before anyone handed it to the mailer: the next
# run sends it without asking the mailer whether it went out.
HELD_OVER = "no time left in the run"
BULK = ("digest", "health")  # what waits behind everything else when a day is short
# Mail that matters whatever day it comes: held back by the sender's daily limit, it waits
# as many days as it takes.
PATIENT = ("alerts", "health", "welcome", "confirm")



class Outgoing:
    """A message under its ledger key, built only when it is really going to be sent: an
    email to a person (an EmailMessage), or a post to the community's team chat (its text;
    the key's recipient is CHANNEL).

    `deadline`: after it, the message no longer matters (a reminder once its session started).
    `capped_deadline`: a later one, when it waits for the sender's next day (a digest still
    matters until its session starts, though no longer on its day).
    """

    def __init__(self, key: LedgerKey | str, build: Callable[[], EmailMessage | str],
                 deadline: datetime | None = None, invites: str = "",
                 entry: Entry | None = None) -> None:
        self.ledger_key = key if isinstance(key, LedgerKey) else LedgerKey.parse(key)
        self.key = str(self.ledger_key)
        self._build = build
        self.deadline = deadline
        self.invites = invites  # the invites it carries, kept with it in the ledger
        self.entry = entry  # its ledger entry, when the caller just read it (a retry)
        self.capped_deadline: datetime | None = None

    @cached_property
    def message(self) -> EmailMessage | str:
        return self._build()

    @property
    def channel(self) -> str:
        return channel_of(self.ledger_key)  # parsed once, in __init__

    @property
    def community(self) -> str:
        return self.ledger_key.community

    @property
    def recipient(self) -> str:
        return self.ledger_key.recipient


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # pending, for a later run
    problems: list[str] = field(default_factory=list)  # one line per failed message
    carried: dict[str, str] = field(default_factory=dict)  # sent key: the invites it carried
    bounced: list[str] = field(default_factory=list)  # keys whose recipient was refused
    sent_before: list[str] = field(default_factory=list)  # skipped: an earlier run sent it

    def add(self, other: "Delivery") -> "Delivery":
        for name in ("sent", "failed", "skipped", "deferred", "problems", "bounced",
                     "sent_before"):
            getattr(self, name).extend(getattr(other, name))
        self.carried.update(other.carried)
        return self


class Outbox:
    """One run's sending: the store's ledger, the mailer, the real (lease) clock, the pacer."""

    def __init__(self, store: Store, mailer: Mailer, lease_clock: Clock, pacer: Pacer,
                 now: datetime) -> None:
        self.store, self.mailer, self.lease_clock, self.pacer = store, mailer, lease_clock, pacer
        self.now = now  # the tick's clock: retry times and deadlines
        self.owner = uuid.uuid4().hex  # this run, in the claims it holds
        self.report = Delivery()
        self.mailed: list[tuple[str, str, datetime]] = []  # for the report's tallies

    def send(self, items: list[Outgoing], retrying: bool = False) -> Delivery:
        size = max(1, self.mailer.batch_size)
        start = 0
        while start < len(items):
            start += self._batch(items[start:start + size], retrying)
            self._tally()
        return self.report

    def _tally(self) -> None:
        if self.mailed:
            activity.tally(self.store, self.mailed)
            self.mailed = []

    def _batch(self, items: list[Outgoing], retrying: bool) -> int:
        """Send what the sender's pace lets go of these items (booked in it from now until
        they are handed over); how many of them were dealt with. What the run has no time
        for (or the day no room for) is kept pending for a later run."""
        unread = [i.key for i in items if i.entry is None]
        known = self.store.entries(unread) if unread else {}
        known.update((i.key, i.entry) for i in items if i.entry is not None)
        lease_now = self.lease_clock.now()
        todo = []
        for item in items:
            entry = known.get(item.key)
            takeable = entry is None or (entry.takeable(self.now, lease_now)
                                         and (retrying or entry.state == CLAIMED))
            if takeable:
                todo.append((item, entry))
            else:
                self.report.skipped.append(item.key)
                if entry.state == SENT:  # what it did counts, in case its run did not save
                    self.report.sent_before.append(item.key)
                    if entry.invites:
                        self.report.carried[item.key] = entry.invites
        if not todo:
            return len(items)
        if self.pacer.out_of_time():
            for item, entry in todo:
                self._defer(item, entry, self._later())
            return len(items)
        # Claimed and built first, then booked in the sender's pace: booked, they go at once.
        before = {item.key: entry for item, entry in todo}
        batch = [taken for taken in (self._take(i, e) for i, e in todo) if taken]
        allowed = self.pacer.acquire(len(batch)) if batch else 0
        if batch and not allowed:  # no time left (or no room left in the sender's day)
            if self.pacer.day_full:  # counted by the alert on it (infra/monitoring.tf)
                log.warning("the sender's daily limit is reached: %d message(s) wait for "
                            "the next day", len(batch))
            for item, claim in batch:
                self._defer(item, claim, self._later())
            return len(items)
        done = len(items)
        if allowed < len(batch):  # the rest comes round again, once the pace allows
            for item, claim in batch[allowed:]:
                self.store.swap(item.key, claim, before[item.key])
            done = next(n for n, item in enumerate(items) if item.key == batch[allowed][0].key)
            again = {item.key for item in items[done:]}  # looked at again next round
            self.report.skipped = [k for k in self.report.skipped if k not in again]
            batch = batch[:allowed]
        batch = self._renew(batch)
        if batch:
            self._send(batch)
        elif allowed:
            self.pacer.handed_over()  # none went after all: the booking counts till now
        return done

    def _later(self) -> datetime | None:
        """When what a run could not send may go: the sender's next day when its day is
        full; else (no time left in the run) the next run."""
        return next_midnight(self.now) if self.pacer.day_full else None

    def _send(self, batch: list[tuple[Outgoing, Entry]]) -> None:
        try:
            results = self.mailer.send_many([item.message for item, _ in batch])
        except Exception as error:  # nothing was handed over: all of them stay pending
            log.warning("mailer unavailable for %d message(s): %s", len(batch), error)
            results = [TemporaryFailure(f"{type(error).__name__}: {error}")] * len(batch)
        self.pacer.handed_over()
        for (item, claim), result in zip(batch, results):
            self._settle(item, claim, result)
            item.__dict__.pop("message", None)  # rendered and gone: free it
        waits = [r.retry_after for r in results
                 if isinstance(r, TemporaryFailure) and r.retry_after]
        if waits:
            self.pacer.hold(max(waits))

    def _take(self, item: Outgoing, entry: Entry | None) -> tuple[Outgoing, Entry] | None:
        """Claim the item; None when another run got it or it turns out to be done."""
        claim = Entry(CLAIMED, self.now, owner=self.owner,
                      lease_until=self.lease_clock.now() + LEASE,
                      attempts=entry.attempts if entry else 0,
                      deadline=item.deadline or (entry.deadline if entry else None),
                      expires=expiry(self.now, item.deadline))
        if not self.store.swap(item.key, entry, claim):
            self.report.skipped.append(item.key)
            return None
        try:
            message = item.message  # rendered now: a message that cannot be built fails alone
            if entry is not None and not entry.detail.startswith(HELD_OVER) \
                    and isinstance(message, EmailMessage) \
                    and self.mailer.was_sent(message["Message-ID"]):
                self._finish(item, claim, claim.with_changes(
                    state=SENT, detail="found in the mailer after an interrupted run"))
                if item.invites:
                    self.report.carried[item.key] = item.invites
                return None
        except Exception as error:
            log.exception("could not build %s", item.key)
            self._fail(item, claim, f"not built: {type(error).__name__}: {error}")
            return None
        return item, claim

    def _renew(self, batch: list[tuple[Outgoing, Entry]]) -> list[tuple[Outgoing, Entry]]:
        """Claims half through their lease (rendering took long) are renewed before the
        send, so that no other run takes them while they go out; one lost is left out."""
        lease_now = self.lease_clock.now()
        kept = []
        for item, claim in batch:
            if claim.lease_until - lease_now > LEASE / 2:
                kept.append((item, claim))
                continue
            renewed = claim.with_changes(lease_until=lease_now + LEASE)
            if self.store.swap(item.key, claim, renewed):
                kept.append((item, renewed))
            else:
                self.report.skipped.append(item.key)
        return kept

    def _settle(self, item: Outgoing, claim: Entry, result: Exception | None) -> None:
        if result is None:
            self._finish(item, claim, claim.with_changes(state=SENT))
            self.report.sent.append(item.key)
            if item.invites:
                self.report.carried[item.key] = item.invites
        elif isinstance(result, TemporaryFailure):
            self._postpone(item, claim, result)
        else:
            self._fail(item, claim, f"{type(result).__name__}: {result}")
            if isinstance(result, PermanentFailure) and result.bounce:
                self.report.bounced.append(item.key)

    def _postpone(self, item: Outgoing, claim: Entry, failure: TemporaryFailure) -> None:
        attempts = claim.attempts + 1
        deadline = claim.deadline or self.now + DEFAULT_DEADLINE
        # The last try falls on the last tick before the deadline.
        retry_at = min(self.now + backoff(attempts, failure.retry_after), deadline - TICK)
        detail = f"{type(failure).__name__}: {failure}"
        if retry_at <= self.now:
            self._fail(item, claim, f"too late to try again after {attempts} attempt(s): "
                                    + detail)
            return
        self._finish(item, claim, claim.with_changes(
            state=PENDING, attempts=attempts, retry_at=retry_at, deadline=deadline,
            raw=_bytes(item.message), invites=item.invites, detail=detail))
        self.report.deferred.append(item.key)
        self.store.mark_due(item.community, retry_at)
        log.info("%s: will try again at %s (%s)", item.key, retry_at.isoformat(), detail)

    def _defer(self, item: Outgoing, entry: Entry | None,
               retry_at: datetime | None = None) -> None:
        """No time left in this run (or no room left in the sender's day): keep the message
        pending for a later one. `entry`: its ledger entry (this run's claim, when it
        claimed it)."""
        if entry is not None and entry.state == PENDING:
            if retry_at and entry.retry_at and retry_at > entry.retry_at and \
                    self.store.swap(item.key, entry, entry.with_changes(
                        retry_at=retry_at, deadline=self._patience(item, entry.deadline,
                                                                   retry_at))):
                self.store.mark_due(item.community, retry_at)
            self.report.deferred.append(item.key)
            return
        try:
            raw = _bytes(item.message)
        except Exception:  # built again, and failed for good, by the run that sends it
            return
        # A dead run's claim may have gone out: the next run asks the mailer about it.
        ours = entry is None or entry.owner == self.owner
        detail = HELD_OVER if ours else f"after an interrupted run, {HELD_OVER}"
        retry_at = retry_at or self.now
        deadline = self._patience(item, item.deadline or self.now + DEFAULT_DEADLINE, retry_at)
        if self.pacer.day_full:
            detail = f"{detail}: the sender's daily limit is reached"
        pending = Entry(PENDING, self.now, detail,
                        attempts=entry.attempts if entry else 0, retry_at=retry_at,
                        deadline=deadline, raw=raw,
                        invites=item.invites, expires=expiry(self.now, item.deadline))
        if self.store.swap(item.key, entry, pending):
            self.report.deferred.append(item.key)
            self.store.mark_due(item.community, retry_at)
        item.__dict__.pop("message", None)

    def _patience(self, item: Outgoing, deadline: datetime | None, retry_at: datetime
                  ) -> datetime | None:
        """The deadline of a message held back: later when the sender's day is full (it
        waits for the next day, where it may still matter)."""
        if not self.pacer.day_full or deadline is None:
            return deadline
        if item.ledger_key.kind in PATIENT:
            deadline = max(deadline, retry_at + DEFAULT_DEADLINE)
        return max(deadline, item.capped_deadline or deadline)

    def _fail(self, item: Outgoing, claim: Entry, detail: str) -> None:
        self._finish(item, claim, claim.with_changes(state=FAILED, detail=detail[:500]))
        self.report.failed.append(item.key)
        self.report.problems.append(f"{item.key}: {detail}"[:300])
        log.warning("could not send %s: %s", item.key, detail)

    def _finish(self, item: Outgoing, claim: Entry, outcome: Entry) -> None:
        # A sent message keeps the invites it carried: see Invitations.carry.
        outcome = outcome.with_changes(owner="", lease_until=None, updated=self.now,
                                       **({} if outcome.state == PENDING
                                          else {"retry_at": None, "raw": None,
                                                "invites": item.invites
                                                if outcome.state == SENT else ""}))
        if outcome.state == SENT and item.channel == MAIL:
            self.mailed.append((item.community, item.ledger_key.kind, self.now))
        if not self.store.swap(item.key, claim, outcome):
            # The lease ran out and another run took the message over. What went out is a
            # fact it must not overwrite; anything else is left to that run.
            log.warning("%s: claim lost before it was recorded as %s", item.key,
                        outcome.state)
            if outcome.state == SENT:
                self.store.swap(item.key, self.store.entries([item.key]).get(item.key),
                                outcome)

def _bytes(message: EmailMessage | str) -> bytes:
    if isinstance(message, str):
        return message.encode()
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def _parse(key: str, raw: bytes) -> EmailMessage | str:
    """A pending message as it was first built."""
    if channel_of(key) == CHAT:
        return raw.decode()
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def deliver(deps, now: datetime, items: list[Outgoing]) -> Delivery:
    """Send what is due (in paced batches); one run's Outbox over the deps' collaborators.
    Chat posts (keys ending in `/chat`) go to the community's webhook instead."""
    report = Delivery()
    once: dict[str, Outgoing] = {}  # a key asked for twice (a job catching up on an
    for item in items:              # announcement's message): the first, in its place
        once.setdefault(item.key, item)
    for outbox, share in _outboxes(deps, now, list(once.values())):
        report.add(outbox.send(share))
    return record.sent(report)


def retry_pending(deps, community_id: str, now: datetime) -> Delivery:
    """Send again the community's pending messages whose retry time came; fail those whose
    deadline passed."""
    items, report = [], Delivery()
    for key, entry in deps.store.due_retries(now, RETRY_LIMIT, community_id):
        if entry.raw is None:
            continue
        if entry.deadline is not None and entry.deadline <= now:
            item = Outgoing(key, str, entry.deadline)
            outbox = _outbox(deps, now)
            outbox._fail(item, entry, f"gave up after {entry.attempts} attempt(s), too late "
                                      f"to matter: {entry.detail}")
            report.add(outbox.report)
            continue
        items.append(Outgoing(key, (lambda key=key, raw=entry.raw: _parse(key, raw)),
                              entry.deadline, entry.invites, entry))
    # What waited goes in a stated order: a presenter's heads-up or reminder, a confirmation,
    # an organiser's alert before the week's digests (the first to miss a short day).
    items.sort(key=lambda item: item.ledger_key.kind in BULK)
    for outbox, share in _outboxes(deps, now, items):
        report.add(outbox.send(share, retrying=True))
    return record.sent(report)


def _outboxes(deps, now: datetime, items: list[Outgoing]):
    """(outbox, its items): mail through the mailer, posts through their chat's webhook."""
    mail = [i for i in items if i.channel == MAIL]
    if mail or not items:
        yield _outbox(deps, now), mail
    posts: dict[str, list[Outgoing]] = {}
    for item in items:
        if item.channel == CHAT:
            posts.setdefault(item.community, []).append(item)
    for community_id, share in posts.items():
        community = deps.store.get_community(community_id)
        webhook = community.chat_webhook if community else None
        # A few posts a week: their own pacer, so that a chat's Retry-After never holds
        # mail (the ledger's retry time honours it across runs).
        yield Outbox(deps.store, ChatSender(deps.chat, webhook), deps.lease_clock,
                     Pacer(per_minute=60), now), share


def _outbox(deps, now: datetime) -> Outbox:
    return Outbox(deps.store, deps.mailer, deps.lease_clock, deps.pacer, now)
