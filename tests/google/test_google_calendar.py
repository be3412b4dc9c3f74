"""GoogleCalendar against the local fake Calendar API, through the real googleapiclient."""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from functions.adapters.google_calendar import CalendarError, GoogleCalendar, event_id
from functions.domain.invites import Attendee, Event

CAL = "rota@example.com"
EVENTS = f"/calendar/v3/calendars/{CAL}/events"
LONDON = ZoneInfo("Europe/London")
ANA, BEN, CY = (Attendee("ana@example.com", "Ana"), Attendee("Ben@Example.com", "Ben"),
                Attendee("cy@example.com", "Cy"))


def session(day: date = date(2026, 3, 27), **changes) -> Event:
    start = datetime.combine(day, time(16, 0), LONDON)
    event = Event(
        uid=f"kitchen-{day.isoformat()}@cop", community_id="kitchen", date=day,
        summary="Knowledge share: Ana", description="Ana presents. Reply to this email.",
        starts_at=start, ends_at=start + timedelta(minutes=30), timezone="Europe/London",
        organiser=CAL, organiser_name="Kitchen rota", attendees=(ANA, BEN),
        presenter=ANA.email)
    return replace(event, **changes)


def trail(fake) -> list[tuple[str, int]]:
    """(method, status) of every call, in order."""
    return [(c.method, c.status) for c in fake.api_calls()]


@pytest.fixture
def calendar(calendar_factory, sleeps) -> GoogleCalendar:
    return GoogleCalendar(CAL, calendar_factory, sleep=sleeps)


def test_publish_inserts_the_event_with_a_meet_request(fake, calendar):
    event = session()

    calendar.publish(event)

    [insert] = fake.api_calls()
    assert (insert.method, insert.path, insert.status) == ("POST", EVENTS, 200)
    assert insert.query["conferenceDataVersion"] == "1"
    assert insert.query["sendUpdates"] == "all"
    body = insert.body
    assert re.fullmatch(r"[a-v0-9]{5,1024}", body["id"]) and body["id"] == event_id(event.uid)
    assert body["start"] == {"dateTime": "2026-03-27T16:00:00+00:00", "timeZone": "Europe/London"}
    assert body["end"] == {"dateTime": "2026-03-27T16:30:00+00:00", "timeZone": "Europe/London"}
    assert body["summary"] == event.summary and body["description"] == event.description
    assert body["attendees"] == [{"email": "ana@example.com", "displayName": "Ana"},
                                 {"email": "Ben@Example.com", "displayName": "Ben"}]
    create = body["conferenceData"]["createRequest"]
    assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"} and create["requestId"]
    assert body["reminders"] == {"useDefault": True}
    assert "location" not in body
    stored = fake.event(CAL, body["id"])
    assert stored["status"] == "confirmed"
    assert stored["hangoutLink"].startswith("https://meet.google.com/")


@given(st.text(), st.text())
def test_event_ids_are_valid_stable_and_distinct(uid, other):
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id(uid))
    assert event_id(uid) == event_id(uid)
    assert (event_id(uid) == event_id(other)) == (uid == other)


def test_publishing_the_same_event_again_changes_nothing(fake, calendar):
    calendar.publish(session())
    calendar.publish(session())

    assert trail(fake) == [("POST", 200), ("POST", 409), ("GET", 200)]
    assert len(fake.events) == 1


def test_a_new_presenter_is_one_patch_of_the_changed_fields(fake, calendar):
    calendar.publish(session())
    changed = session(summary="Knowledge share: Cy", description="Cy presents.",
                      presenter=CY.email, sequence=1)

    calendar.publish(changed)

    assert trail(fake) == [("POST", 200), ("POST", 409), ("GET", 200), ("PATCH", 200)]
    patch = fake.api_calls()[-1]
    assert patch.path == f"{EVENTS}/{event_id(changed.uid)}"
    assert patch.body == {"summary": "Knowledge share: Cy", "description": "Cy presents."}
    assert patch.query["sendUpdates"] == "all"
    assert fake.event(CAL, event_id(changed.uid))["summary"] == "Knowledge share: Cy"


def test_attendees_added_and_removed_keep_the_answers_of_those_who_stay(fake, calendar):
    calendar.publish(session())
    fake.respond(CAL, event_id(session().uid), "ben@example.com", "accepted")

    calendar.publish(session(attendees=(BEN, CY)))

    patch = fake.api_calls()[-1]
    assert patch.method == "PATCH" and set(patch.body) == {"attendees"}
    assert [a["email"] for a in patch.body["attendees"]] == ["Ben@Example.com", "cy@example.com"]
    assert calendar.responses(session()) == {"ben@example.com": "accepted",
                                            "cy@example.com": "needsAction"}


def test_a_new_time_patches_start_and_end(fake, calendar):
    calendar.publish(session())
    later = session().starts_at + timedelta(hours=1)

    calendar.publish(session(starts_at=later, ends_at=later + timedelta(minutes=45)))

    patch = fake.api_calls()[-1]
    assert patch.body == {
        "start": {"dateTime": "2026-03-27T17:00:00+00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-03-27T17:45:00+00:00", "timeZone": "Europe/London"}}


def test_a_fixed_video_link_goes_in_location_and_description(fake, calendar):
    url = "https://zoom.example/j/123"

    calendar.publish(session(video_url=url))

    body = fake.api_calls()[0].body
    assert body["location"] == url and url in body["description"]
    assert "conferenceData" not in body


def test_switching_from_a_fixed_link_to_meet_asks_for_a_meet(fake, calendar):
    calendar.publish(session(video_url="https://zoom.example/j/123"))

    calendar.publish(session())

    patch = fake.api_calls()[-1]
    assert set(patch.body) == {"location", "description", "conferenceData"}
    assert patch.body["location"] == ""
    assert patch.query["conferenceDataVersion"] == "1"
    assert fake.event(CAL, event_id(session().uid))["hangoutLink"]


def test_cancelling_deletes_once(fake, calendar):
    calendar.publish(session())
    cancelled = session(cancelled=True, sequence=1)

    calendar.publish(cancelled)
    calendar.publish(cancelled)

    assert trail(fake) == [("POST", 200), ("GET", 200), ("DELETE", 204), ("GET", 200)]
    assert fake.api_calls()[2].query["sendUpdates"] == "all"
    assert fake.event(CAL, event_id(cancelled.uid))["status"] == "cancelled"


def test_cancelling_an_event_never_published_does_nothing(fake, calendar):
    calendar.publish(session(cancelled=True))

    assert trail(fake) == [("GET", 404)]


@pytest.mark.parametrize("how", ["by hand", "by a cancellation"])
def test_a_deleted_event_published_again_comes_back_confirmed(fake, calendar, how):
    calendar.publish(session())
    if how == "by hand":
        fake.delete_by_hand(CAL, event_id(session().uid))
    else:
        calendar.publish(session(cancelled=True))
    fake.calls.clear()

    calendar.publish(session(summary="Knowledge share: Ana, again"))

    assert trail(fake) == [("POST", 409), ("GET", 200), ("PATCH", 200)]
    patch = fake.api_calls()[-1].body
    assert patch["status"] == "confirmed"
    assert patch["summary"] == "Knowledge share: Ana, again"
    assert {"description", "start", "end", "attendees"} <= set(patch)
    assert "conferenceData" not in patch  # the Meet it had is still there
    stored = fake.event(CAL, event_id(session().uid))
    assert stored["status"] == "confirmed" and stored["hangoutLink"]


def test_a_rate_limited_insert_is_retried_without_a_duplicate(fake, calendar, sleeps):
    fake.fail_next(429, method="POST")

    calendar.publish(session())

    assert trail(fake) == [("POST", 429), ("POST", 200)]
    assert len(fake.events) == 1
    assert sleeps == [1.0]


def test_a_rate_limit_403_is_retried_but_a_plain_403_is_not(fake, calendar, sleeps):
    fake.fail_next(403, reason="userRateLimitExceeded")
    calendar.publish(session())
    assert trail(fake) == [("POST", 403), ("POST", 200)]

    fake.fail_next(403, reason="forbiddenForServiceAccounts")
    with pytest.raises(CalendarError) as raised:
        calendar.publish(session(date=date(2026, 4, 3), uid="kitchen-2026-04-03@cop"))
    assert raised.value.status == 403
    assert sleeps == [1.0]


def test_a_server_that_keeps_failing_gives_a_clear_error(fake, calendar, sleeps):
    fake.fail_next(503, times=99)

    with pytest.raises(CalendarError) as raised:
        calendar.publish(session())

    assert raised.value.status == 503
    assert CAL in str(raised.value) and "2026-03-27" in str(raised.value)
    assert len(fake.calls) == 5 and sleeps == [1.0, 2.0, 4.0, 8.0]


def test_an_attendee_google_refuses_is_logged_and_raised(fake, calendar, caplog):
    with caplog.at_level(logging.ERROR), pytest.raises(CalendarError) as raised:
        calendar.publish(session(attendees=(ANA, Attendee("not-an-address", "Nobody"))))

    assert raised.value.status == 400
    assert "Invalid attendee email" in str(raised.value) and "2026-03-27" in str(raised.value)
    assert "not-an-address" in caplog.text
    assert trail(fake) == [("POST", 400)]


def test_responses_report_each_attendee_by_lower_case_email(fake, calendar):
    calendar.publish(session())
    fake.respond(CAL, event_id(session().uid), "ben@example.com", "declined")

    assert calendar.responses(session()) == {"ana@example.com": "needsAction",
                                            "ben@example.com": "declined"}


def test_responses_of_an_unknown_event_are_empty(fake, calendar):
    assert calendar.responses(session()) == {}


def test_a_friday_at_four_stays_at_four_across_the_march_change(fake, calendar):
    before = session(date(2026, 3, 27))  # GMT, UTC+0
    after_start = datetime(2026, 4, 3, 15, 0, tzinfo=timezone.utc)  # BST: 16:00 local
    after = session(date(2026, 4, 3), uid="kitchen-2026-04-03@cop", starts_at=after_start,
                    ends_at=after_start + timedelta(minutes=30))

    calendar.publish(before)
    calendar.publish(after)

    first, second = (c.body for c in fake.api_calls())
    assert first["start"] == {"dateTime": "2026-03-27T16:00:00+00:00", "timeZone": "Europe/London"}
    assert second["start"] == {"dateTime": "2026-04-03T16:00:00+01:00", "timeZone": "Europe/London"}
    assert second["end"]["dateTime"] == "2026-04-03T16:30:00+01:00"
    # Google writes the first back as "...16:00:00Z": still the same time, so no patch.
    assert fake.event(CAL, first["id"])["start"]["dateTime"] == "2026-03-27T16:00:00Z"
    calendar.publish(before)
    calendar.publish(after)
    assert [c.method for c in fake.api_calls()].count("PATCH") == 0


def test_the_client_is_built_on_first_use_only(fake, calendar, calendar_factory):
    assert calendar_factory.builds == 0
    calendar.publish(session())
    calendar.responses(session())
    assert calendar_factory.builds == 1


def test_answers_since_reads_only_what_changed_in_one_list_call(fake, calendar):
    first, second = session(date(2026, 3, 27)), session(date(2026, 4, 3))
    calendar.publish(first)
    calendar.publish(second)

    everything, token = calendar.answers_since(None)
    assert set(everything) == {calendar.event_key(first.uid), calendar.event_key(second.uid)}
    calls = len(fake.api_calls())
    assert calendar.answers_since(token) == ({}, token)  # idle: nothing changed
    fake.respond(CAL, event_id(second.uid), BEN.email, "declined")
    changed, newer = calendar.answers_since(token)

    assert changed == {calendar.event_key(second.uid): {ANA.email: "needsAction",
                                                        BEN.email.lower(): "declined"}}
    assert newer != token
    lists = fake.api_calls()[calls:]
    assert [(c.method, c.path) for c in lists] == [("GET", EVENTS)] * 2
    assert lists[-1].query["syncToken"] == token


def test_an_expired_sync_token_means_one_full_read(fake, calendar):
    calendar.publish(session())
    _, token = calendar.answers_since(None)
    fake.expire_sync_tokens()

    changed, fresh = calendar.answers_since(token)

    assert set(changed) == {calendar.event_key(session().uid)}
    assert [c.status for c in fake.api_calls()[-2:]] == [410, 200]
    assert calendar.answers_since(fresh) == ({}, fresh)


def test_answers_come_in_pages(fake, calendar):
    for n in range(3):
        calendar.publish(session(date(2026, 3, 27) + timedelta(weeks=n)))
    fake.page_size = 2

    changed, _ = calendar.answers_since(None)

    assert len(changed) == 3
    assert [c.query.get("pageToken") for c in fake.api_calls()
            if c.path == EVENTS and c.method == "GET"] == [None, "2"]
