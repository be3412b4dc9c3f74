"""A community's run is one unit of work: stopped at any store write or any send, it
leaves the old state or the new one, and the next tick completes it. Nothing is settled
twice, no message is lost or sent twice.

The run checked is a busy one: a session has just been held (its presenter's turn is
counted), the digest is due, a presenter declined the invite (a skip: a new presenter, a
heads-up, a confirmation, updated invites) and a newcomer joined. It is stopped, in turn,
before and after each of its store writes and each of its sends; then the next tick runs
once the dead run's claims have expired. The result must equal that of an uninterrupted
run: the same messages (each exactly once, with the same invites), the same store.
"""
from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, time, timedelta, timezone

import pytest

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.bootstrap import Container
from functions.domain.delivery import LEASE, SENT
from functions.mail.compose import MailSettings
from functions.mail.tokens import Tokens
from functions.services.changes import members
from functions.services.jobs.tick import tick
from tests.builders import setup_guild
from tests.conftest import START
from tests.fakes import MemoryCalendar, MemoryMailer

WRITES = {"save", "swap", "record", "claim", "release", "mark_due", "settle_due",
          "put_community", "put_member", "put_sessions", "add_members", "add_link", "prune"}


class Crash(BaseException):
    """The process died (not an error any code may catch and carry on from)."""


class DyingStore:
    """A store whose process dies at its `at`-th write: before it, or just after it."""

    def __init__(self, store: MemoryStore, at: int | None = None, after: bool = False):
        self.store, self.at, self.after, self.writes = store, at, after, 0

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if name not in WRITES:
            return method

        def write(*args, **kwargs):
            self.writes += 1
            if self.writes == self.at and not self.after:
                raise Crash(f"before write {self.writes} ({name})")
            result = method(*args, **kwargs)
            if self.writes == self.at:
                raise Crash(f"after write {self.writes} ({name})")
            return result
        return write


class DyingMailer(MemoryMailer):
    """Dies at its `at`-th batch: before handing it over, or once the server took it."""

    def __init__(self, sent, at: int | None = None, after: bool = False) -> None:
        super().__init__()
        self.sent = sent  # what the server has, across processes
        self.at, self.after, self.calls = at, after, 0
        self.batch_size = 2  # several sends per run, each a place to stop at

    def send_many(self, messages):
        self.calls += 1
        if self.calls == self.at and not self.after:
            raise Crash(f"before send {self.calls}")
        results = super().send_many(messages)
        if self.calls == self.at:
            raise Crash(f"after send {self.calls}")
        return results


# Invites travel in the emails (iTIP), so what each person holds is part of the outcome.
SETTINGS = MailSettings(public_url="https://cop.example.com", tokens=Tokens("test-secret"),
                        default_reply_to="cop@example.com", attach_invites=True)


# The first session is on Friday 27 November, 16:00-16:30 in Sydney; the digest is sent on
# Fridays at 17:00. The last tick before the busy run is at 16:00: the run settles it.
DIGEST = datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)
LAST_TICK = DIGEST - timedelta(hours=1)


@pytest.fixture(scope="module")
def eve():
    """The world just before the busy run: (store, server's mail, calendar, now)."""
    clock = FixedClock(START)
    deps = Container(store=MemoryStore(), mailer=MemoryMailer(), calendar=MemoryCalendar(),
                     clock=clock, mail=SETTINGS)
    setup_guild(deps, digest_weekday=4, digest_time=time(17))
    while clock.now() <= LAST_TICK:
        tick(deps)
        clock.advance(timedelta(minutes=15))
    held = [s for s in deps.store.list_sessions("guild") if s.held(DIGEST)]
    coming = [s for s in deps.store.list_sessions("guild") if s.starts_at > DIGEST]
    assert len(held) == 1 and coming[0].presenter and "digest" not in deps.mailer.kinds()
    assert not any(m.times_presented for m in deps.store.list_members("guild"))
    event = next(e for e in deps.calendar.events.values()
                 if coming[0].date.isoformat() in e.uid)
    deps.calendar.answers[event.uid] = {coming[0].presenter: "declined"}
    members.join(deps, "guild", "newcomer@example.com", "New Comer")
    return deps.store, list(deps.mailer.sent), deps.calendar, DIGEST


def live(eve, store_at=None, mail_at=None, after=False):
    """The busy run, stopped where told (or not at all), then the next tick: what the
    server received from the run on, and the store."""
    store, sent, calendar, now = copy.deepcopy(eve)
    before = len(sent)
    lease = FixedClock(now)
    deps = Container(store=DyingStore(store, store_at, after),
                     mailer=DyingMailer(sent, mail_at, after), calendar=calendar,
                     clock=FixedClock(now), lease_clock=lease, mail=SETTINGS)
    stopped = None
    try:
        tick(deps)
    except Crash as crash:
        stopped = str(crash)
    lease.advance(LEASE + timedelta(minutes=1))  # the dead run's claims ran out
    survivor = deps.replaced(store=store, mailer=DyingMailer(sent))
    tick(survivor)
    return stopped, sent[before:], store, deps.store.writes, deps.mailer.calls


def outcome(sent, store: MemoryStore) -> dict:
    return {
        "messages": Counter((m["X-Cop-Kind"], str(m["To"]), str(m["Subject"]),
                             tuple(p.get_content() for p in m.walk()
                                   if p.get_content_type() == "text/calendar"))
                            for m in sent),
        "members": store.list_members("guild"),
        "sessions": store.list_sessions("guild"),
        "community": store.get_community("guild"),
        "ledger": sorted(k for k, e in store.claims.items() if e.state == SENT),
    }


@pytest.fixture(scope="module")
def reference(eve):
    stopped, sent, store, writes, sends = live(eve)
    assert stopped is None
    result = outcome(sent, store)
    kinds = Counter(kind for kind, *_ in result["messages"].elements())
    # The run is as busy as intended: a skip announced (the new presenter's heads-up, the
    # decliner's confirmation), the digest to all, a settled session.
    assert kinds["digest"] == 7 and kinds["heads-up"] == 2, kinds
    assert any(m.times_presented for m in result["members"])
    return result, writes, sends


def test_an_uninterrupted_run_sends_each_message_once(reference):
    result, _, _ = reference
    assert max(result["messages"].values()) == 1


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_run_stopped_at_any_store_write_is_completed_by_the_next_tick(eve, reference,
                                                                        after):
    expected, writes, _ = reference
    assert writes > 10
    for at in range(1, writes + 1):
        stopped, sent, store, _, _ = live(eve, store_at=at, after=after)
        assert stopped, at
        assert outcome(sent, store) == expected, stopped


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_run_stopped_at_any_send_is_completed_by_the_next_tick(eve, reference, after):
    expected, _, sends = reference
    assert sends >= 2
    for at in range(1, sends + 1):
        stopped, sent, store, _, _ = live(eve, mail_at=at, after=after)
        assert stopped, at
        assert outcome(sent, store) == expected, stopped
