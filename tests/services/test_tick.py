"""The tick runs each due job once: heads-ups, reminders, digests and calendar events."""
from __future__ import annotations

from functions.services import ledger

from datetime import timedelta

from functions.services.changes import communities, members
from functions.services import rotas
from functions.bootstrap import Container
from functions.services.jobs.tick import tick
from functions.services.reads.tables import schedule_rows
from tests.builders import setup_guild
from tests.emails.support import recipient
from tests.fakes import CountingStore


def test_first_tick_plans_lookahead_and_sends_heads_ups(deps):
    setup_guild(deps)
    report = tick(deps)
    planned = [r for r in schedule_rows(deps.store, "guild", deps.clock.now(), weeks=4)
               if r["status"] == "planned"]
    assert len(planned) == 4
    assert sorted(deps.mailer.kinds()) == ["heads-up"] * 4
    presenters = {r["presenter"] for r in planned}
    assert presenters == {m["To"].addresses[0].addr_spec for m in deps.mailer.sent}
    assert len(deps.calendar.events) == 4  # published as the members joined


def test_tick_twice_at_same_instant_does_nothing_twice(deps):
    setup_guild(deps)
    tick(deps)
    sent, published = len(deps.mailer.sent), len(deps.calendar.published)
    second = tick(deps)
    assert (second.sent, second.events) == (0, 0)
    assert len(deps.mailer.sent) == sent and len(deps.calendar.published) == published


def test_every_quarter_hour_of_two_weeks_sends_each_message_once(deps, clock):
    setup_guild(deps)
    end = clock.now() + timedelta(weeks=2)
    while clock.now() < end:
        tick(deps)
        clock.advance(timedelta(minutes=15))
    ids = [m["Message-ID"] for m in deps.mailer.sent]
    assert len(ids) == len(set(ids))
    kinds = deps.mailer.kinds()
    # Two Friday sessions passed: one reminder each; two Monday digests to six members.
    assert kinds.count("reminder") == 2
    assert kinds.count("digest") == 12
    # Each event published once: no change happened, so nothing was rewritten.
    uids = [e.uid for e in deps.calendar.published]
    assert len(uids) == len(set(uids))
    assert all(e.sequence == 0 for e in deps.calendar.published)


def test_reminder_goes_24_hours_before_and_not_after_start(deps, clock):
    setup_guild(deps)
    tick(deps)
    first = deps.store.list_sessions("guild")[0]
    clock.set(first.starts_at - timedelta(hours=24, minutes=1))
    tick(deps)
    assert "reminder" not in deps.mailer.kinds()
    clock.set(first.starts_at - timedelta(hours=23))
    tick(deps)
    reminders = [m for m in deps.mailer.sent if m["X-Cop-Kind"] == "reminder"]
    assert [m["To"].addresses[0].addr_spec for m in reminders] == [first.presenter]


def test_missed_reminder_is_not_sent_once_the_session_started(deps, clock):
    setup_guild(deps)
    tick(deps)
    first = deps.store.list_sessions("guild")[0]
    clock.set(first.starts_at + timedelta(minutes=5))  # the ticks in between never ran
    tick(deps)
    assert "reminder" not in deps.mailer.kinds()


def test_missed_digest_runs_once_on_the_next_tick(deps, clock):
    setup_guild(deps)
    tick(deps)
    # No tick ran on Monday at 09:00; the next one is on Tuesday afternoon.
    monday = deps.store.list_sessions("guild")[0].starts_at + timedelta(days=3)
    clock.set(monday + timedelta(days=1, hours=5))
    tick(deps)
    tick(deps)
    assert deps.mailer.kinds().count("digest") == 6


def test_reassigned_session_gives_new_presenter_a_heads_up(deps):
    setup_guild(deps)
    tick(deps)
    first = deps.store.list_sessions("guild")[0]
    members.leave(deps, "guild", first.presenter)
    tick(deps)
    now_first = deps.store.list_sessions("guild")[0]
    assert now_first.presenter not in (None, first.presenter)
    day = f"{first.date:%A} {first.date.day} {first.date:%B}"
    about_first = [m for m in deps.mailer.to(now_first.presenter, "heads-up")
                   if day in m["Subject"]]
    assert len(about_first) == 1
    # everyone now planned gets a heads-up for the date they now have, exactly once
    for s in deps.store.list_sessions("guild"):
        d = f"{s.date:%A} {s.date.day} {s.date:%B}"
        assert len([m for m in deps.mailer.to(s.presenter, "heads-up")
                    if d in m["Subject"]]) == 1
    # the calendar event follows: a higher sequence, the new presenter in the summary
    event = deps.calendar.events[f"guild-{first.date.isoformat()}@cop"]
    assert event.sequence == 1 and event.presenter == now_first.presenter


def test_one_refused_recipient_does_not_stop_the_others(deps, clock):
    setup_guild(deps)
    deps.mailer.refuse = {"p3@example.com"}
    tick(deps)
    monday_slot = deps.store.list_sessions("guild")[0].starts_at - timedelta(days=4, hours=7)
    clock.set(monday_slot + timedelta(days=7))
    report = tick(deps)
    assert report.failed >= 1
    assert deps.mailer.kinds().count("digest") == 5


def test_mail_outage_leaves_the_mail_pending_for_a_later_tick(deps, clock):
    setup_guild(deps)
    deps.mailer.down = True
    report = tick(deps)
    assert (report.deferred, report.failed) == (4, 0)  # reported as waiting, not lost
    deps.mailer.down = False
    tick(deps)
    assert deps.mailer.kinds() == []  # backoff: not at once
    clock.advance(timedelta(minutes=5))
    assert tick(deps).sent == 4
    clock.advance(timedelta(hours=1))
    tick(deps)
    assert deps.mailer.kinds().count("heads-up") == 4


def test_presenter_declining_the_invite_skips_and_keeps_their_place(deps):
    setup_guild(deps)
    tick(deps)
    first = deps.store.list_sessions("guild")[0]
    uid = f"guild-{first.date.isoformat()}@cop"
    deps.calendar.answers[uid] = {first.presenter: "declined", "p5@example.com": "declined"}
    tick(deps)
    after = deps.store.list_sessions("guild")[0]
    assert after.presenter not in (None, first.presenter)
    assert first.presenter in after.declined
    told = [m for m in deps.mailer.to(first.presenter)
            if "declined" in m.get_body(("plain",)).get_content()]
    assert len(told) == 1
    assert deps.calendar.events[uid].presenter == after.presenter
    tick(deps)
    assert len([m for m in deps.mailer.to(first.presenter)
                if "declined" in m.get_body(("plain",)).get_content()]) == 1  # told once


def test_a_message_that_cannot_be_built_fails_alone(deps):
    from functions.services.delivery.outbox import Outgoing, deliver
    from tests.fakes import MemoryMailer

    good = MemoryMailer()
    setup_guild(deps)
    tick(deps)
    sample = deps.mailer.sent[0]

    def broken():
        raise ValueError("template error")

    items = [Outgoing("k/note/broken/a@example.com", broken), Outgoing("k/note/fine/a@example.com", lambda: sample)]
    report = deliver(deps.replaced(mailer=good), deps.clock.now(), items)
    assert report.failed == ["k/note/broken/a@example.com"] and report.sent == ["k/note/fine/a@example.com"]
    assert ledger.state(deps.store, "k/note/broken/a@example.com")[0] == "failed"
    assert len(good.sent) == 1


def test_calling_off_a_session_cancels_it_for_those_who_hold_it_only(deps):
    from dataclasses import replace as _replace

    from icalendar import Calendar

    deps.mail = _replace(deps.mail, attach_invites=True)
    setup_guild(deps)  # each welcome carried every coming invite
    members.join(deps, "guild", "quiet@example.com", "Quiet", welcome=False)
    tick(deps)
    second = deps.store.list_sessions("guild")[1]
    holders = set(second.invited)
    assert second.presenter in holders and "quiet@example.com" not in holders
    communities.set_community(deps, "guild", blackouts=(second.date,))
    tick(deps)
    uid = f"guild-{second.date.isoformat()}@cop"
    cancels = {}
    for message in deps.mailer.sent:
        for part in message.walk():
            if part.get_content_type() != "text/calendar":
                continue
            event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
            if str(event["UID"]) == uid and part.get_param("method") == "CANCEL":
                cancels.setdefault(message["To"].addresses[0].addr_spec, []).append(
                    int(event["SEQUENCE"]))
    assert cancels == {holder: [1] for holder in holders}
    assert deps.store.list_sessions("guild")[1].invited == ()
    tick(deps)  # nothing twice
    assert sum(1 for m in deps.mailer.sent if "CANCEL" in m.as_string()) == len(holders)


def test_organisers_hear_once_when_nobody_can_present(deps):
    now = deps.clock.now()
    communities.add_community(deps.store, now, "duo", name="Duo", timezone="Europe/London",
                              organisers=("lead@example.org",))
    members.join_many(deps, "duo", b"email,name\na@example.com,A\n")
    members.pause(deps, "duo", "a@example.com", now.date() + timedelta(weeks=2))
    tick(deps)
    tick(deps)
    (alert,) = deps.mailer.to("lead@example.org", "alerts")  # both in one message
    open_dates = [s.date for s in deps.store.list_sessions("duo") if s.presenter is None]
    assert len(open_dates) == 2 and alert["Subject"] == "Duo: 2 things need you"
    text = alert.get_body(("plain",)).get_content()
    assert all(f"Nobody can present on {d:%A} {d.day} {d:%B %Y}" in text for d in open_dates)


def test_a_quiet_tick_reads_members_once_and_only_recent_sessions(deps):
    setup_guild(deps)
    for week in range(8):  # some history: eight weeks of sessions held
        deps.clock.advance(timedelta(weeks=1))
        tick(deps)
    deps.clock.advance(timedelta(minutes=15))
    counting = CountingStore(deps.store)
    tick(Container(store=counting, mailer=deps.mailer, calendar=deps.calendar, clock=deps.clock,
                mail=deps.mail))
    assert counting.calls.get("list_members") == 1
    assert counting.calls.get("list_sessions") == 1
    assert "get_member" not in counting.calls
    recent = rotas.load(deps.store, "guild", deps.clock.now()).sessions
    assert min(recent) >= deps.clock.now().date() - timedelta(days=15)


def test_a_burst_of_changes_reaches_each_member_once_as_its_net_change(deps):
    """An organiser pauses someone, resumes them and removes someone else within minutes:
    whoever those changes concern hears once, at the next tick, of what changed in all;
    the people changed hear of their own change at once."""
    from collections import Counter
    from datetime import date

    from functions.services.changes import members

    setup_guild(deps)
    tick(deps)
    before = {s.date: s.presenter for s in deps.store.list_sessions("guild")}
    first, second = [s.presenter for s in deps.store.list_sessions("guild")[:2]]
    sent = len(deps.mailer.sent)
    members.pause(deps, "guild", first, date(2027, 3, 1), by_organiser=True)
    members.resume(deps, "guild", first, by_organiser=True)
    members.leave(deps, "guild", second, by_organiser=True)
    at_once = Counter(recipient(m) for m in deps.mailer.sent[sent:])
    assert set(at_once) == {first, second}  # their own changes, as they were made
    deps.clock.advance(timedelta(minutes=15))
    told = len(deps.mailer.sent)
    tick(deps)
    later = Counter(recipient(m) for m in deps.mailer.sent[told:])
    assert later and max(later.values()) == 1, later  # one message each for the burst
    now = {s.date: s.presenter for s in deps.store.list_sessions("guild")}
    gained = {p for d, p in now.items() if p and p != before.get(d)}
    assert gained <= set(later)  # each new presenter heard
    tick(deps)
    assert len(deps.mailer.sent) == told + sum(later.values())  # and nothing again
