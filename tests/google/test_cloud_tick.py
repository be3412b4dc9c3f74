"""The whole tick with the cloud adapters: the real googleapiclient against the local fake.

Gmail sends the heads-ups in batches; the Calendar gets one event per session with Meet,
attendees and sendUpdates; a presenter who declines in Google Calendar skips the session.
"""
from __future__ import annotations


from datetime import timedelta

import pytest

from functions.adapters.gmail import GmailMailer
from functions.adapters.google_calendar import GoogleCalendar, event_id
from functions.bootstrap import Container
from functions.services.jobs.tick import tick
from tests.builders import setup_guild

CALENDAR = "guild@group.calendar.google.com"


@pytest.fixture
def cloud(deps, fake, gmail_factory, calendar_factory, sleeps):
    return Container(store=deps.store, clock=deps.clock, mail=deps.mail,
                  mailer=GmailMailer("rota@example.com", gmail_factory, sleep=sleeps),
                  calendar=GoogleCalendar(CALENDAR, calendar_factory, sleep=sleeps))


def event_of(fake, session):
    return fake.event(CALENDAR, event_id(f"guild-{session.date.isoformat()}@cop"))


def test_tick_sends_by_gmail_and_keeps_calendar_events(cloud, fake):
    setup_guild(cloud)
    welcomes = len(fake.sent_ids())
    assert welcomes == 6 and len(fake.batches()) == 1  # one batch as the members joined
    tick(cloud)
    sessions = cloud.store.list_sessions("guild")[:4]
    assert len(fake.sent_ids()) - welcomes == 4  # the heads-ups, one batch
    assert len(fake.batches()) == 2
    for s in sessions:
        event = event_of(fake, s)
        assert event["status"] == "confirmed"
        assert {a["email"] for a in event["attendees"]} >= {s.presenter}
        assert event["start"]["timeZone"] == "Australia/Sydney"
    inserts = [c for c in fake.api_calls() if c.method == "POST" and "/events" in c.path]
    assert {c.query.get("sendUpdates") for c in inserts} == {"all"}
    assert {c.query.get("conferenceDataVersion") for c in inserts} == {"1"}

    calls = len(fake.api_calls())
    tick(cloud)  # nothing changed: no send, no write (answers are read, nothing else)
    later = fake.api_calls()[calls:]
    assert not [c for c in later if c.method in ("POST", "PATCH", "PUT", "DELETE")]


def test_presenter_declining_in_google_calendar_hands_the_session_on(cloud, fake):
    setup_guild(cloud)
    tick(cloud)
    first = cloud.store.list_sessions("guild")[0]
    eid = event_id(f"guild-{first.date.isoformat()}@cop")
    fake.respond(CALENDAR, eid, first.presenter, "declined")
    tick(cloud)
    after = cloud.store.list_sessions("guild")[0]
    assert after.presenter not in (None, first.presenter)
    assert after.presenter in fake.event(CALENDAR, eid)["summary"] or \
        any(a["email"] == after.presenter for a in fake.event(CALENDAR, eid)["attendees"])
    patches = [c for c in fake.api_calls() if c.method == "PATCH" and eid in c.path]
    assert patches and all(c.query.get("sendUpdates") == "all" for c in patches)


def test_a_holiday_added_as_blackout_cancels_its_event(cloud, fake):
    from functions.services.changes import communities

    setup_guild(cloud)
    tick(cloud)
    second = cloud.store.list_sessions("guild")[1]
    communities.set_community(cloud, "guild",
                              blackouts=(second.date,))
    tick(cloud)
    event = event_of(fake, second)
    assert event is None or event["status"] == "cancelled"
    assert cloud.store.list_sessions("guild")[1].status == "blackout"


def test_an_idle_tick_makes_one_calendar_call_whatever_the_number_of_communities(cloud, fake):
    from functions.services.changes import communities, members

    now = cloud.clock.now()
    for n in range(3):
        communities.add_community(cloud.store, now, f"c{n}", name=f"C{n}",
                                  timezone="Australia/Sydney")
        members.join_many(cloud, f"c{n}", b"email,name\na@example.com,A\nb@example.com,B\n")
    tick(cloud)  # plans and publishes
    calls = len(fake.api_calls())

    tick(cloud)  # nothing due

    later = fake.api_calls()[calls:]
    assert [(c.method, c.path) for c in later] == [
        ("GET", f"/calendar/v3/calendars/{CALENDAR}/events")]  # one incremental list
    assert later[0].query.get("syncToken")


def test_a_decline_is_read_from_the_incremental_list(cloud, fake):
    setup_guild(cloud)
    tick(cloud)
    first = cloud.store.list_sessions("guild")[0]
    eid = event_id(f"guild-{first.date.isoformat()}@cop")
    fake.respond(CALENDAR, eid, first.presenter, "declined")
    calls = len(fake.api_calls())
    tick(cloud)
    assert cloud.store.list_sessions("guild")[0].presenter != first.presenter
    reads = [c.path for c in fake.api_calls()[calls:] if c.method == "GET"]
    events = f"/calendar/v3/calendars/{CALENDAR}/events"
    # The list, then only the events being updated (the declined one and the one its
    # presenter moves to), never a read per session.
    assert reads[0] == events and reads.count(events) == 1
    assert f"{events}/{eid}" in reads and len(reads) <= 3


def test_a_tick_after_its_own_calendar_updates_reads_no_other_rota(cloud, fake):
    from functions.services.changes import sessions
    from tests.fakes import CountingStore

    setup_guild(cloud)
    tick(cloud)
    first = cloud.store.list_sessions("guild")[0]
    sessions.set_topic(cloud, "guild", first.presenter, "Small slices")  # updates the event
    counted = cloud.replaced(store=CountingStore(cloud.store))
    counted.clock.advance(timedelta(minutes=15))

    report = tick(counted)  # the incremental list returns that event, nobody declined

    assert report.communities == 1  # the change made it due
    assert "list_communities" not in counted.store.calls
    assert counted.store.calls["list_members"] == 1  # that community's run, and no other


def test_a_dry_run_over_google_calendar_takes_the_real_ticks_path(cloud, fake):
    """The dry run reads the decline from the incremental list as the real tick does,
    would send and publish the same, and writes nothing anywhere."""
    from functions.bootstrap import dry_run
    from functions.ports import INCREMENTAL

    setup_guild(cloud)
    tick(cloud)
    first = cloud.store.list_sessions("guild")[0]
    fake.respond(CALENDAR, event_id(f"guild-{first.date.isoformat()}@cop"), first.presenter,
                 "declined")
    shadow = dry_run(cloud)
    assert shadow.calendar.answering == INCREMENTAL
    calls, stored = len(fake.api_calls()), cloud.store.list_sessions("guild")
    would = tick(shadow)
    assert not [c for c in fake.api_calls()[calls:] if c.method != "GET"]
    assert cloud.store.list_sessions("guild") == stored
    assert shadow.store.list_sessions("guild")[0].presenter != first.presenter
    sent_before = len(fake.sent_ids())
    real = tick(cloud)
    assert (would.sent, would.reassigned, would.events) == (real.sent, real.reassigned,
                                                              real.events)
    assert len(fake.sent_ids()) - sent_before == real.sent > 0
    assert [m["To"] for m in shadow.mailer.sent] and len(shadow.calendar.published) == \
        real.events
