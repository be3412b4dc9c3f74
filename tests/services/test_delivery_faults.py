"""Faults on the way out, against real servers: nothing lost, nothing doubled.

A 50-member digest goes through the real SmtpMailer to aiosmtpd, the real GmailMailer to the
Google API fake, or the Maildir outbox, while the relay tempfails, Gmail rate-limits or
answers 5xx, a batch times out, the process dies at every step, or two ticks overlap. Each
test counts digests per member after the dust settles: lost and doubled must both be 0.
"""
from __future__ import annotations

import asyncio
import copy
import shutil
import threading
from collections import Counter
from datetime import datetime, time, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from functions.adapters.clock import FixedClock
from functions.adapters.gmail import GmailMailer
from functions.adapters.google_auth import SingleShotHttp, build_service
from functions.adapters.maildir import MaildirOutbox
from functions.adapters.memory_store import MemoryStore
from functions.adapters.smtp import SmtpMailer
from functions.adapters.sqlite_store import SqliteStore
from functions.domain.delivery import LEASE
from functions.mail.compose import MailSettings
from functions.services.changes import communities, members
from functions.bootstrap import Container
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.tick import tick
from functions.mail.tokens import Tokens
from tests.conftest import START
from tests.fakes import MemoryCalendar
from tests.google.fake_google_api import FakeGoogle
from tests.smtp_server import SmtpServers

MEMBERS = [f"m{n:02d}@example.com" for n in range(50)]
DIGEST = datetime(2026, 11, 29, 22, 1, tzinfo=timezone.utc)  # Monday 09:01 in Sydney
SEND = "/gmail/v1/users/me/messages/send"


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def headers(data: bytes):
    """A message's header alone: who it went to and its kind, without parsing the body."""
    return BytesParser(policy=policy.default).parsebytes(data, headersonly=True)


def world(store, mailer, clock: FixedClock, lease_clock: FixedClock | None = None,
          pacer: Pacer | None = None, count: int = len(MEMBERS)) -> Container:
    deps = Container(store=store, mailer=mailer, calendar=MemoryCalendar(), clock=clock,
                  mail=MailSettings(public_url="https://cop.example.com",
                                    tokens=Tokens("test-secret"),
                                    default_reply_to="cop@example.com"),
                  lease_clock=lease_clock or FixedClock(START), pacer=pacer or Pacer())
    communities.add_community(store, clock.now(), "guild", name="Guild",
                              timezone="Australia/Sydney", weekday=4, start=time(16))
    roster = "email,name\n" + "".join(f"{e},Member {e[:3]}\n" for e in MEMBERS[:count])
    members.join_many(deps, "guild", roster.encode())  # and their welcomes
    return deps


def before_the_digest(deps: Container, clock: FixedClock) -> None:
    """Plans and heads-ups (also for the session planned when Friday's started) are out."""
    tick(deps)
    clock.set(DIGEST - timedelta(hours=1))
    tick(deps)
    clock.set(DIGEST)


def lost_and_doubled(digests: list[str], expected: list[str] = MEMBERS) -> tuple[int, int]:
    counts = Counter(digests)
    return (sum(1 for m in expected if counts[m] == 0),
            sum(n - 1 for n in counts.values() if n > 1))


# --- SMTP: a real relay that tempfails, refuses, or is slow -------------------------------

class Relay:
    """aiosmtpd handler: 451 for the next `tempfail` recipients, 550 for `refuse`."""

    def __init__(self, tempfail: int = 0, refuse: set[str] = frozenset()) -> None:
        self.tempfail, self.refuse = tempfail, set(refuse)
        self.received: list[tuple[str, str]] = []  # (recipient, kind)
        self.gate: threading.Event | None = None  # a slow relay: see handle_DATA
        self.entered = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.tempfail > 0:
            self.tempfail -= 1
            return "451 4.3.2 try again later"
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """With a gate, the relay hangs on the first message it is given until another
        sender comes; then it recovers and both go on at once."""
        if self.gate is not None:
            if not self.entered.is_set():
                self.entered.set()
                await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
            else:
                self.gate.set()
        kind = headers(envelope.original_content)["X-Cop-Kind"]
        self.received += [(r, kind) for r in envelope.rcpt_tos]
        return "250 2.0.0 Queued"

    def digests(self) -> list[str]:
        return [r for r, kind in self.received if kind == "digest"]


@pytest.fixture
def relay():
    servers = SmtpServers()

    def start(handler: Relay) -> SmtpMailer:
        return SmtpMailer("127.0.0.1", servers.start(handler), timeout=10)

    yield start
    servers.stop_all()


def test_a_relay_tempfailing_20_of_50_digests_delivers_them_on_a_later_tick(relay):
    handler = Relay()
    clock = FixedClock(START)
    deps = world(MemoryStore(), relay(handler), clock)
    tick(deps)  # plans, heads-ups
    handler.tempfail = 20
    clock.set(DIGEST)

    first = tick(deps)  # 50 digests and the heads-up of a newly planned session
    assert (first.sent, first.deferred, first.failed) == (31, 20, 0)
    assert lost_and_doubled(handler.digests())[0] >= 19
    clock.advance(timedelta(minutes=1))
    assert tick(deps).sent == 0  # backing off
    clock.advance(timedelta(minutes=5))
    second = tick(deps)

    assert (second.sent, second.failed) == (20, 0)
    assert lost_and_doubled(handler.digests()) == (0, 0)
    clock.advance(timedelta(hours=3))
    tick(deps)
    assert lost_and_doubled(handler.digests()) == (0, 0)


def test_a_relay_that_keeps_tempfailing_fails_the_digest_once_its_day_is_over(relay):
    handler = Relay()
    clock = FixedClock(START)
    deps = world(MemoryStore(), relay(handler), clock, count=3)
    tick(deps)
    handler.tempfail = 10_000
    clock.set(DIGEST)
    reports = []
    while clock.now() < DIGEST + timedelta(days=1):
        reports.append((clock.now(), tick(deps)))
        clock.advance(timedelta(minutes=15))

    end_of_day = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)  # midnight in Sydney
    failed_at = {when for when, r in reports if r.failed}
    assert sum(r.failed for _, r in reports) == 3
    (last,) = failed_at  # tried up to the last tick of the day
    assert end_of_day - timedelta(minutes=15) <= last < end_of_day
    assert sum(r.deferred for _, r in reports) > 3 * 5  # with backoff, through the day
    problems = [line for _, r in reports for line in r.failures]
    assert len(problems) == 3 and all("too late" in line or "gave up" in line
                                      for line in problems)
    assert all("451" in line for line in problems)


def test_a_refused_address_fails_at_once_and_counts_as_a_bounce(relay):
    handler = Relay()
    clock = FixedClock(START)
    deps = world(MemoryStore(), relay(handler), clock)
    tick(deps)
    handler.refuse = {"m07@example.com"}  # the address went bad since the welcome
    clock.set(DIGEST)

    report = tick(deps)

    assert (report.sent, report.failed) == (49 + 1, 1)  # and a new heads-up
    assert len(report.failures) == 1 and "m07@example.com" in report.failures[0]
    assert "550" in report.failures[0]
    assert deps.store.get_member("guild", "m07@example.com").bounces == 1
    clock.advance(timedelta(hours=1))
    assert tick(deps).failed == 0  # failed for good: not tried again
    assert lost_and_doubled(handler.digests(), [m for m in MEMBERS if m != "m07@example.com"]
                            ) == (0, 0)


def test_two_ticks_overlapping_a_slow_relay_send_each_digest_once(relay, tmp_path):
    handler = Relay()
    clock, lease_clock = FixedClock(START), FixedClock(START)
    mailer = relay(handler)
    deps = world(SqliteStore(tmp_path / "cop.db"), mailer, clock, lease_clock)
    tick(deps)
    clock.set(DIGEST)
    handler.gate = threading.Event()
    reports = []
    slow = threading.Thread(target=lambda: reports.append(tick(deps)))
    slow.start()
    assert handler.entered.wait(10)  # the first run is stuck inside its first batch
    lease_clock.advance(LEASE / 2)  # the next tick comes while the lease still runs
    other = deps.replaced(store=SqliteStore(tmp_path / "cop.db"), pacer=Pacer())
    second = tick(other)  # its first message lets the relay recover: both go on at once
    slow.join(30)

    assert 0 < second.sent <= 40  # never the batch the slow run holds
    assert second.sent + reports[0].sent == 50 + 1  # and a new heads-up
    assert lost_and_doubled(handler.digests()) == (0, 0)


# --- A process killed at every step of a digest ------------------------------------------

class Killed(BaseException):
    """The process dies: nothing after this point runs (not an Exception: nobody catches)."""


class Fuse:
    """Counts the steps that touch the ledger or the mailer; the `at`-th one kills."""

    def __init__(self, at: int, after: bool) -> None:
        self.at, self.after, self.steps = at, after, 0

    def step(self, action):
        self.steps += 1
        if self.steps == self.at and not self.after:
            raise Killed
        result = action()
        if self.steps == self.at:
            raise Killed
        return result


class FusedStore:
    def __init__(self, store, fuse: Fuse) -> None:
        self._store, self._fuse = store, fuse

    def __getattr__(self, name):
        attribute = getattr(self._store, name)
        if name in ("swap", "ledger", "due_retries"):
            return lambda *args: self._fuse.step(lambda: attribute(*args))
        return attribute


class FusedMailer:
    def __init__(self, mailer, fuse: Fuse) -> None:
        self._mailer, self._fuse = mailer, fuse
        self.batch_size = 8  # several batches in a small digest

    def send_many(self, messages):
        return self._fuse.step(lambda: self._mailer.send_many(messages))

    def was_sent(self, message_id):
        return self._mailer.was_sent(message_id)


def maildir_digests(path: Path) -> list[str]:
    found = []
    for name in (path / "new").iterdir():
        message = headers(name.read_bytes())
        if message["X-Cop-Kind"] == "digest":
            found.append(message["To"].addresses[0].addr_spec)
    return found


@pytest.mark.parametrize("after", [False, True], ids=["before-a-step", "after-a-step"])
def test_a_process_killed_at_any_step_of_a_digest_loses_and_doubles_nothing(tmp_path, after):
    """The process dies just before (or just after) the n-th step, for every n."""
    count = 20
    clock = FixedClock(START)
    base = world(MemoryStore(), MaildirOutbox(tmp_path / "base"), clock, count=count)
    tick(base)  # plans, heads-ups
    clock.set(DIGEST)
    expected = MEMBERS[:count]
    outcomes = []
    at = 1
    while True:
        store = copy.deepcopy(base.store)
        outbox = tmp_path / f"run-{at}"
        shutil.copytree(tmp_path / "base", outbox)
        fuse = Fuse(at, after)
        lease_clock = FixedClock(START)
        deps = base.replaced(store=FusedStore(store, fuse),
                             mailer=FusedMailer(MaildirOutbox(outbox), fuse),
                             lease_clock=lease_clock, pacer=Pacer())
        try:
            tick(deps)
            finished = True
        except Killed:
            finished = False
        # The next ticks, in a new process, once the dead run's leases ran out.
        fuse.at = -1
        lease_clock.advance(LEASE + timedelta(seconds=1))
        tick(deps)
        clock_after = FixedClock(DIGEST + timedelta(minutes=30))
        tick(deps.replaced(clock=clock_after))
        outcomes.append(lost_and_doubled(maildir_digests(outbox), expected))
        if finished:
            break
        at += 1
    assert len(outcomes) > 40  # the fuse went off at each of the many steps
    assert set(outcomes) == {(0, 0)}


# --- Gmail: rate limits, 5xx, timeouts ----------------------------------------------------

@pytest.fixture
def google():
    server = FakeGoogle().start()
    yield server
    server.stop()


def gmail(google: FakeGoogle, timeout: float = 10) -> GmailMailer:
    """The mailer as deployed: the real client on the transport it gets in production."""
    return GmailMailer("rota@example.com", lambda: build_service(
        "gmail", "v1", root_url=google.url, http=SingleShotHttp(timeout)))


def gmail_digests(google: FakeGoogle) -> list[str]:
    return [s["message"]["To"].addresses[0].addr_spec for s in google.sent
            if s["message"]["X-Cop-Kind"] == "digest"]


def test_gmail_429s_5xxs_and_a_timeout_lose_and_double_nothing(google):
    clock = FixedClock(START)
    pace_clock = FixedClock(START)
    pacer = Pacer(clock=pace_clock, sleep=lambda s: pace_clock.advance(timedelta(seconds=s)))
    mailer = gmail(google, timeout=0.3)
    mailer.batch_size = 20
    deps = world(MemoryStore(), mailer, clock, pacer=pacer)
    before_the_digest(deps, clock)
    google.fail_next(429, times=6, path=SEND, retry_after=90)
    google.fail_next(503, times=4, path=SEND)
    google.fail_next(500, batch=True, times=1)

    first = tick(deps)
    assert first.failed == 0 and first.deferred >= 6 + 4
    assert pacer.waited >= 90  # Retry-After held the sender back
    for _ in range(4):
        clock.advance(timedelta(minutes=15))
        tick(deps)

    assert lost_and_doubled(gmail_digests(google)) == (0, 0)


def test_gmail_answer_lost_after_sending_is_found_not_sent_again(google):
    clock = FixedClock(START)
    deps = world(MemoryStore(), gmail(google, timeout=0.3), clock, count=10)
    before_the_digest(deps, clock)
    google.fail_next(200, batch=True, stall=0.6, times=1)  # sent, then the client gives up

    first = tick(deps)
    assert first.deferred == 10 and first.sent == 0
    clock.advance(timedelta(minutes=15))
    second = tick(deps)

    assert second.failed == 0
    assert lost_and_doubled(gmail_digests(google), MEMBERS[:10]) == (0, 0)


def test_gmail_hanging_up_after_sending_a_batch_does_not_make_it_go_twice(google):
    clock = FixedClock(START)
    deps = world(MemoryStore(), gmail(google), clock, count=10)
    before_the_digest(deps, clock)
    google.fail_next(200, batch=True)  # handled, then the connection closes: no answer

    first = tick(deps)
    assert (first.sent, first.deferred) == (0, 10)
    clock.advance(timedelta(minutes=15))
    tick(deps)

    assert lost_and_doubled(gmail_digests(google), MEMBERS[:10]) == (0, 0)
    digest_batches = [b for b in google.batches()
                      if any(p.email()["X-Cop-Kind"] == "digest" for p in b.parts)]
    assert len(digest_batches) == 1  # sent once; its answer lost; never sent again


class KeepingRelay(Relay):
    """Also keeps every accepted message, for the invites it carried."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.messages: list[tuple[str, object]] = []  # (recipient, parsed message)

    async def handle_DATA(self, server, session, envelope):
        message = parse(envelope.original_content)
        self.messages += [(r, message) for r in envelope.rcpt_tos]
        return await super().handle_DATA(server, session, envelope)


def carried_invites(message) -> list[tuple[str, str, int]]:
    """(method, UID, SEQUENCE) of every iTIP part, read with the icalendar parser."""
    import icalendar

    found = []
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_content())
            for event in calendar.walk("VEVENT"):
                found.append((str(calendar["METHOD"]), str(event["UID"]),
                              int(event["SEQUENCE"])))
    return found


def test_invites_in_a_digest_sent_on_a_retry_are_recorded_as_held(relay):
    import dataclasses

    handler = KeepingRelay()
    clock = FixedClock(START)
    deps = world(MemoryStore(), relay(handler), clock)
    deps.mail = dataclasses.replace(deps.mail, attach_invites=True)
    before_the_digest(deps, clock)
    handler.tempfail = 20
    first = tick(deps)
    assert first.deferred == 20
    week = min((s for s in deps.store.list_sessions("guild") if s.starts_at > DIGEST),
               key=lambda s: s.date)
    waiting = [m for m in MEMBERS if m not in handler.digests() and m not in week.invited]
    assert len(waiting) >= 19  # their digest carries the invite, and waits

    clock.advance(timedelta(minutes=6))
    assert tick(deps).sent == 20
    week = next(s for s in deps.store.list_sessions("guild") if s.date == week.date)
    for member in waiting:
        (message,) = [m for r, m in handler.messages
                      if r == member and m["X-Cop-Kind"] == "digest"]
        sequences = [seq for method, uid, seq in carried_invites(message)
                     if method == "REQUEST" and week.date.isoformat() in uid]
        assert sequences and week.held_by(member) == sequences[0], member
    # Held, so the next emails do not offer the invite again.
    clock.advance(timedelta(hours=2))
    tick(deps)
    assert lost_and_doubled(handler.digests()) == (0, 0)
