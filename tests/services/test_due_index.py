"""The due-time index: a tick runs only the communities with a job due, and that changes
nothing that is sent, nor when. Checked against ticks that run every community every time."""
from __future__ import annotations

from datetime import time, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.domain.delivery import TemporaryFailure
from functions.services.delivery.outbox import Outgoing, deliver
from functions.mail.compose import MailSettings
from functions.mail.tokens import Tokens
from functions.services.changes import communities, members, sessions
from functions.bootstrap import Container
from functions.services.jobs.tick import TickReport, run_community, tick
from tests.conftest import START
from tests.fakes import CountingStore, MemoryMailer, SilentCalendar

ROSTER = "email,name\n" + "".join(f"p{i}@example.com,Person {i}\n" for i in range(6))


def note() -> EmailMessage:
    message = EmailMessage()
    message["To"], message["Message-ID"] = "p1@example.com", make_msgid()
    message["X-Cop-Kind"] = "note"
    return message


class FlakyMailer(MemoryMailer):
    """Tempfails while `down`."""

    down = False

    def send_many(self, messages):
        if self.down:
            return [TemporaryFailure("451 try again later")] * len(messages)
        return super().send_many(messages)


def world() -> Container:
    settings = MailSettings(public_url="https://cop.example.com", tokens=Tokens("s"),
                            default_reply_to="cop@example.com")
    deps = Container(store=CountingStore(MemoryStore()), mailer=FlakyMailer(),
                  calendar=SilentCalendar(), clock=FixedClock(START), mail=settings)
    for name, weekday in (("guild", 4), ("forum", 1)):
        communities.add_community(deps.store, START, name, name=name.title(),
                                  timezone="Australia/Sydney", weekday=weekday, start=time(16))
        members.join_many(deps, name, ROSTER.encode())
    return deps


def every_community(deps: Container) -> TickReport:
    report = TickReport()
    for community in deps.store.list_communities():
        run_community(deps, community.id, report)
    return report


def live(deps: Container, run, weeks: int = 3, skip: tuple[int, int] = (0, 0)
         ) -> list[tuple[str, str, str]]:
    """Every quarter hour (but the ticks in `skip`, missed), with changes on the way."""
    sent, skipped = [], False
    for n in range(weeks * 7 * 96):
        if n == 200:
            members.pause(deps, "guild", "p1@example.com", (START + timedelta(days=20)).date())
        if n == 500:
            sessions.volunteer(deps, "forum", "p4@example.com")
        if n == 900:
            members.join_many(deps, "guild", b"email,name\nnew@example.com,New\n")
        deps.mailer.down = 476 <= n < 479  # the first digests tempfail: back off 20 min
        if n > 1000 and not skipped:  # inside the reminder window: a new presenter
            coming = next(s for s in deps.store.list_sessions("guild")
                          if s.starts_at > deps.clock.now() and s.presenter)
            if coming.starts_at - deps.clock.now() < timedelta(hours=20):
                sessions.skip(deps, "guild", coming.presenter, coming.date)
                skipped = True
        if not skip[0] <= n < skip[1]:
            before = len(deps.mailer.sent), len(deps.calendar.published)
            run(deps)
            sent += [(deps.clock.now().isoformat(), m["X-Cop-Kind"], m["To"].addresses[0]
                      .addr_spec) for m in deps.mailer.sent[before[0]:]]
            sent += [(deps.clock.now().isoformat(), "event", f"{e.uid} {e.sequence}")
                     for e in deps.calendar.published[before[1]:]]
        deps.clock.advance(timedelta(minutes=15))
    return sent


def test_ticks_on_the_index_send_what_ticks_of_every_community_send():
    indexed, reference = world(), world()
    happened = live(indexed, tick)
    assert happened == live(reference, every_community)
    kinds = [kind for _, kind, _ in happened]
    assert kinds.count("reminder") == 3 * 2 + 1  # the new presenter too
    assert kinds.count("digest") == 3 * 2 * 6 + 2  # and the newcomer's two and kinds.count("event") > 10
    runs = indexed.store.calls["due_mark"]  # read once at the start of each run
    assert runs < reference.store.calls["due_mark"] / 10  # idle most of the time


def test_missed_ticks_still_send_the_missed_jobs():
    # No tick for two days over the first Monday: the digest goes out at the next tick.
    gap = (4 * 96, 6 * 96)
    indexed, reference = world(), world()
    assert live(indexed, tick, skip=gap) == live(reference, every_community, skip=gap)
    kinds = [kind for _, kind, _ in live(world(), tick, weeks=1, skip=gap)]
    assert kinds.count("digest") == 12


def test_a_tick_with_nothing_due_reads_no_community():
    deps = world()
    tick(deps)
    deps.clock.advance(timedelta(minutes=15))
    tick(deps)  # what the first tick's changes made due
    deps.clock.advance(timedelta(minutes=15))
    deps.store.calls.clear()
    report = tick(deps)
    assert report.communities == 0
    assert not {"get_community", "list_members", "list_sessions", "ledger"} & set(
        deps.store.calls)


def test_a_new_community_and_a_welcome_waiting_for_a_retry_are_due():
    deps = world()
    for _ in range(2):
        tick(deps)
        deps.clock.advance(timedelta(minutes=15))
    assert deps.store.due_communities(deps.clock.now()) == []
    communities.add_community(deps.store, deps.clock.now(), "late", name="Late",
                              timezone="UTC")
    assert deps.store.due_communities(deps.clock.now()) == ["late"]
    tick(deps)

    deps.clock.advance(timedelta(minutes=15))
    tick(deps)
    now = deps.clock.now()
    assert deps.store.due_communities(now + timedelta(hours=1)) == []
    deps.mailer.down = True
    item = Outgoing("forum/note/x/p1@example.com", note)
    assert deliver(deps, now, [item]).deferred == [item.key]
    deps.mailer.down = False
    assert deps.store.due_communities(now + timedelta(minutes=4)) == []
    assert deps.store.due_communities(now + timedelta(minutes=5)) == ["forum"]
    deps.clock.advance(timedelta(minutes=15))
    assert tick(deps).sent == 1 and deps.store.due_communities(
        deps.clock.now() + timedelta(hours=1)) == []


def test_a_community_removed_during_its_run_is_forgotten_not_reported_forever(deps):
    communities.add_community(deps.store, deps.clock.now(), "gone", name="Gone",
                              timezone="Europe/London")
    deps.store.delete_community("gone")
    deps.store.mark_due("gone", deps.clock.now())  # the end of a run that was going on
    assert deps.store.due_communities(deps.clock.now()) == ["gone"]
    report = tick(deps)
    assert report.errors == [] and report.problems == []
    assert deps.store.due_communities(deps.clock.now() + timedelta(days=30)) == []
