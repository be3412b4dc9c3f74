"""The outbox's rules on their own: leases on the real clock, pacing, a run's time budget."""
from __future__ import annotations

from functions.services import ledger

from datetime import datetime, timedelta, timezone

import pytest

from functions.adapters.clock import FixedClock
from functions.domain.delivery import CLAIMED, PENDING, SENT
from functions.services.delivery.outbox import Outgoing, deliver, retry_pending
from functions.services.delivery.pacing import Pacer
from tests.conftest import START
from tests.fakes import MemoryMailer
from tests.mail_calendar.factories import make_message


class Died(BaseException):
    pass


class DyingMailer(MemoryMailer):
    """Dies after handing the first batch over, before anything is recorded."""

    def send_many(self, messages):
        raise Died


def items(count: int, prefix: str = "guild/digest/2026-12-04") -> list[Outgoing]:
    return [Outgoing(f"{prefix}/m{n}@example.com",
                     (lambda n=n: make_message(n, to=f"m{n}@example.com")),
                     deadline=START + timedelta(days=1)) for n in range(count)]


def test_leases_run_on_the_real_clock_whatever_the_scenario_time(deps, clock):
    lease_clock = FixedClock(START)
    deps = deps.replaced(lease_clock=lease_clock, mailer=DyingMailer())
    with pytest.raises(Died):
        deliver(deps, clock.now(), items(1))
    assert ledger.state(deps.store, items(1)[0].key)[0] == CLAIMED

    mailer = MemoryMailer()
    later = deps.replaced(mailer=mailer)
    clock.advance(timedelta(days=1))  # scenario time moves on; the run died a minute ago
    lease_clock.advance(timedelta(minutes=1))
    assert deliver(later, clock.now() - timedelta(hours=23), items(1)).skipped == [
        items(1)[0].key]
    lease_clock.advance(timedelta(minutes=10))  # now the lease has run out
    assert len(deliver(later, clock.now() - timedelta(hours=23), items(1)).sent) == 1
    assert len(mailer.sent) == 1


def test_sends_are_paced_in_batches_under_the_rate(deps, clock):
    pace = FixedClock(START)
    sleeps: list[float] = []

    def sleep(seconds):
        sleeps.append(seconds)
        pace.advance(timedelta(seconds=seconds))

    deps = deps.replaced(pacer=Pacer(per_minute=120, budget=timedelta(hours=1),
                                     clock=pace, sleep=sleep))
    report = deliver(deps, clock.now(), items(300))

    assert len(report.sent) == 300 and report.skipped == []
    assert sleeps == [60.0, 60.0]  # never more than 120 in any minute
    assert deps.mailer.batches == [50, 50, 20, 50, 50, 20, 50, 10]
    assert len({m["Message-ID"] for m in deps.mailer.sent}) == 300


def test_what_a_run_has_no_time_for_waits_for_the_next_run(deps, clock):
    pace = FixedClock(START)
    deps = deps.replaced(pacer=Pacer(per_minute=50, budget=timedelta(minutes=2), clock=pace,
                                     sleep=lambda s: pace.advance(timedelta(seconds=s))))
    deps.pacer.begin()
    first = deliver(deps, clock.now(), items(120))
    assert (len(first.sent), len(first.deferred)) == (100, 20)  # two minutes of 50
    assert ledger.state(deps.store, first.deferred[0])[0] == PENDING

    deps.pacer.begin()  # the next run
    again = deliver(deps, clock.now(), items(120))  # the job builds the digest again
    assert again.sent == [] and len(again.skipped) == 120
    retried = retry_pending(deps, "guild", clock.now())
    assert sorted(retried.sent) == sorted(first.deferred)
    ids = [m["Message-ID"] for m in deps.mailer.sent]
    assert len(ids) == len(set(ids)) == 120
    assert all(ledger.state(deps.store, i.key)[0] == SENT for i in items(120))


def test_retry_after_holds_the_sender_back(deps, clock):
    pace = FixedClock(START)
    waited: list[float] = []
    pacer = Pacer(per_minute=6000, clock=pace,
                  sleep=lambda s: (waited.append(s), pace.advance(timedelta(seconds=s))))
    pacer.hold(90)
    assert pacer.acquire(10) == 10
    assert waited == [90.0]


def test_a_digest_past_the_senders_daily_cap_waits_for_the_next_day(deps, clock):
    """The day's limit is kept: the organiser hears once (the alert goes first), what does
    not fit waits, pending, for the next day (UTC), and goes then; nothing twice."""
    from functions.services.jobs.tick import tick
    from tests.builders import setup_guild

    setup_guild(deps, organisers=("lead@example.org",))  # six members
    tick(deps)
    before = len(deps.mailer.sent)
    # The sender's day is the clock's: the pacer sees the day turn when the tick does.
    deps = deps.replaced(pacer=Pacer(daily_cap=5, clock=clock))
    # Monday 16:01 in Sydney, 05:01 UTC
    monday = deps.store.list_sessions("guild")[0].starts_at + timedelta(days=3, minutes=1)
    for minutes in (0, 15, 30):
        clock.set(monday + timedelta(minutes=minutes))
        tick(deps)

    (alert,) = deps.mailer.to("lead@example.org", "alerts")
    text = alert.get_body(("plain",)).get_content()
    assert alert["Subject"] == "Guild: the digest is larger than the sender's daily limit"
    assert "goes to 6 people" in text and "5 messages a day" in text
    kinds = deps.mailer.kinds()[before:]
    assert len(kinds) == 5 and kinds.index("alerts") < kinds.index("digest")
    waiting = deps.store.due_retries(clock.now() + timedelta(days=1), 50, "guild")
    midnight = datetime(2026, 12, 1, tzinfo=timezone.utc)  # Tuesday 11:00 in Sydney
    assert len(waiting) == 6 - kinds.count("digest") > 0
    assert {e.retry_at for _, e in waiting} == {midnight}
    assert all("daily limit" in e.detail for _, e in waiting)

    clock.set(midnight + timedelta(minutes=1))  # still before the session: it matters
    tick(deps)
    digests = [m["To"] for m in deps.mailer.sent if m["X-Cop-Kind"] == "digest"]
    assert len(digests) == len(set(digests)) == 6
    assert len(deps.mailer.to("lead@example.org", "alerts")) == 1
