"""render_ics, render_feed, the iTIP mail part and IcsCalendar, checked by parsing back."""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import icalendar
import pytest
from hypothesis import given, settings, strategies as st

from functions.adapters.clock import FixedClock
from functions.adapters.ics_calendar import IcsCalendar
from functions.mail.ical import attach_invites, itip_part, render_feed, render_ics
from functions.domain.invites import Attendee

from .factories import make_event, make_message

STAMP = datetime(2026, 11, 20, 9, 15, tzinfo=timezone.utc)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def property_names(component: icalendar.Component) -> list[str]:
    return [name for name, _ in component.property_items(recursive=False)][1:-1]


def test_invite_parses_back_with_everything_an_invitee_sees():
    event = make_event(sequence=3)
    calendar = parse(render_ics(event, STAMP))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert "PRODID" in calendar
    vevent = only_event(calendar)
    assert vevent["UID"] == "kitchen-2026-12-04@cop"
    assert vevent["SEQUENCE"] == 3
    assert vevent.decoded("DTSTAMP") == STAMP
    assert vevent["SUMMARY"] == event.summary
    assert vevent["DESCRIPTION"] == event.description
    assert vevent["LOCATION"] == vevent["URL"] == "https://meet.example.com/abc-defg-hij"
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["ORGANIZER"] == "mailto:rota@example.com"
    assert vevent["ORGANIZER"].params["CN"] == "Kitchen rota"
    attendees = {a.email: a.params for a in vevent["ATTENDEE"]}
    assert set(attendees) == {"ana@example.com", "bo@example.com"}
    assert attendees["bo@example.com"]["CN"] == "Bo Chen"
    for params in attendees.values():
        assert (params["ROLE"], params["PARTSTAT"], params["RSVP"]) == (
            "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE")


@pytest.mark.parametrize("tz, before, after, utc_before, utc_after", [
    # Europe/London moves to BST on Sunday 2026-03-29.
    ("Europe/London", date(2026, 3, 27), date(2026, 4, 3), 16, 15),
    # Australia/Sydney leaves AEDT on Sunday 2026-04-05.
    ("Australia/Sydney", date(2026, 4, 3), date(2026, 4, 10), 5, 6),
])
def test_session_stays_at_local_time_across_a_dst_change(
        tz, before, after, utc_before, utc_after):
    instants = []
    for day, utc_hour in ((before, utc_before), (after, utc_after)):
        assert day.weekday() == 4
        event = make_event(day, tz)
        # Hand the adapter a UTC instant: it must still write local time with a TZID.
        event = replace(event, starts_at=event.starts_at.astimezone(timezone.utc),
                        ends_at=event.ends_at.astimezone(timezone.utc))
        data = render_ics(event, STAMP)
        calendar = parse(data)

        assert f"DTSTART;TZID={tz}:{day:%Y%m%d}T160000\r\n".encode() in data
        vevent = only_event(calendar)
        assert vevent["DTSTART"].params["TZID"] == tz
        start = vevent.decoded("DTSTART")
        assert (start.hour, start.minute) == (16, 0)
        assert start.astimezone(timezone.utc).hour == utc_hour
        # The VTIMEZONE itself (not only the TZID name) gives the right offset.
        (vtimezone,) = calendar.timezones
        assert vtimezone["TZID"] == tz
        local = start.replace(tzinfo=None)
        assert local.replace(tzinfo=vtimezone.to_tz()).utcoffset() == start.utcoffset()
        instants.append(start.astimezone(timezone.utc))

    assert abs((instants[1] - instants[0]) - timedelta(days=7)) == timedelta(hours=1)


def test_names_with_commas_quotes_and_non_ascii_round_trip():
    names = ["Zoë O'Brien, PhD", 'Ana "Nana" Souza; Lisbon', "José: 東京チーム, 第二",
             " ".join(["Ünal Çelik"] * 6)]
    attendees = tuple(Attendee(f"person{i}@example.com", name) for i, name in enumerate(names))
    data = render_ics(make_event(attendees=attendees, organiser_name="Rota, the ☕"), STAMP)

    for line in data.split(b"\r\n"):
        assert len(line) <= 75
    data.decode("utf-8")  # folding never splits a character
    vevent = only_event(parse(data))
    assert [a.params["CN"] for a in vevent["ATTENDEE"]] == names
    assert [a.email for a in vevent["ATTENDEE"]] == [a.email for a in attendees]
    assert vevent["ORGANIZER"].params["CN"] == "Rota, the ☕"


def without_controls(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def normalised(text: str) -> str:
    """What RFC 5545 text can carry: no control characters, line breaks as LF.

    icalendar also takes a literal backslash-N for the RFC's \\N line break escape.
    """
    return without_controls(text).replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")


EXPECTED_PROPERTIES = {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY",
                       "DESCRIPTION", "LOCATION", "URL", "STATUS", "ORGANIZER", "ATTENDEE"}


def assert_text_survives(summary: str, name: str) -> None:
    event = make_event(summary=summary,
                       description=summary + "\nmore",
                       attendees=(Attendee("ana@example.com", name),))
    calendar = parse(render_ics(event, STAMP))
    vevent = only_event(calendar)
    names = property_names(vevent)
    assert set(names) == EXPECTED_PROPERTIES
    assert len(names) == len(EXPECTED_PROPERTIES)  # one of each: nothing injected
    assert str(vevent["SUMMARY"]) == normalised(summary)
    assert str(vevent["DESCRIPTION"]) == normalised(summary + "\nmore")
    assert vevent["ATTENDEE"].email == "ana@example.com"
    # A name becomes one line; parsers disagree on backslashes in parameters: none are kept.
    expected_name = " ".join(without_controls(name).replace("\\", "").split())
    assert vevent["ATTENDEE"].params.get("CN", "") == expected_name


def test_line_breaks_and_semicolons_cannot_inject_properties():
    assert_text_survives(
        "Roadmaps; risks\r\nATTENDEE:mailto:eve@example.com\r\nEND:VEVENT\nBEGIN:VEVENT",
        'Eve\\\r\nORGANIZER:mailto:eve@example.com;"x"\\')


# Text made mostly of the characters that matter to the format, and arbitrary text.
TEXT = st.one_of(st.text(alphabet='\\;,:"^\'\r\n\t =aNé東\u2028\x85\x00'), st.text())


@settings(max_examples=200, deadline=None)
@given(summary=TEXT, name=TEXT)
def test_any_text_round_trips_without_injection(summary, name):
    assert_text_survives(summary, name)


def test_cancelled_event_renders_a_cancel():
    event = make_event(cancelled=True, sequence=5)
    calendar = parse(render_ics(event, STAMP))

    assert calendar["METHOD"] == "CANCEL"
    vevent = only_event(calendar)
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 5
    assert vevent["UID"] == event.uid
    assert len(vevent["ATTENDEE"]) == 2


def test_method_and_attendees_can_be_chosen():
    calendar = parse(render_ics(make_event(), STAMP, method="PUBLISH", attendees=False))
    assert calendar["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in only_event(calendar)
    with pytest.raises(ValueError):
        render_ics(make_event(), STAMP, method="REPLY")


def test_identical_input_renders_identical_bytes():
    event = make_event()
    first = render_ics(event, STAMP)
    assert render_ics(make_event(), STAMP) == first
    later = render_ics(event, STAMP + timedelta(hours=1))
    changed = set(later.split(b"\r\n")) ^ set(first.split(b"\r\n"))
    assert changed == {b"DTSTAMP:20261120T091500Z", b"DTSTAMP:20261120T101500Z"}


# Several time zones in one feed: their VTIMEZONEs must come out in the same order
# whatever the process's string hash seed.
FEED_SCRIPT = """
import sys
from datetime import date, datetime, timezone
from functions.mail.ical import render_feed
from tests.mail_calendar.factories import make_event
events = [make_event(date(2026, 12, d), tz) for d, tz in
          [(4, "Europe/London"), (11, "Australia/Sydney"), (18, "America/New_York"),
           (25, "Asia/Kolkata")]]
sys.stdout.buffer.write(render_feed("Kitchen", events, datetime(2026, 1, 1, tzinfo=timezone.utc)))
"""


def test_feed_bytes_do_not_depend_on_hash_seed():
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run([sys.executable, "-c", FEED_SCRIPT], check=True, capture_output=True,
                       env={"PYTHONHASHSEED": seed}, cwd=root).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    calendar = parse(outputs.pop())
    assert len(calendar.timezones) == 4


def test_feed_publishes_every_event_without_any_address():
    events = [make_event(date(2026, 12, 4)),
              make_event(date(2026, 12, 11), "Australia/Sydney", sequence=2),
              make_event(date(2026, 12, 18), cancelled=True)]
    data = render_feed("Kitchen knowledge share", events, STAMP)

    assert b"mailto:" not in data.lower()
    assert b"@example.com" not in data
    calendar = parse(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Kitchen knowledge share"
    assert {tz["TZID"] for tz in calendar.timezones} == {"Europe/London", "Australia/Sydney"}
    vevents = calendar.walk("VEVENT")
    assert [v["UID"] for v in vevents] == [e.uid for e in events]
    assert [v["STATUS"] for v in vevents] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert all("ORGANIZER" not in v and "ATTENDEE" not in v for v in vevents)
    assert vevents[1]["DTSTART"].params["TZID"] == "Australia/Sydney"


def invite_parts(message: EmailMessage):
    """Round-trip through bytes, then return (structure, calendar part, attachment)."""
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    structure = [(part.get_content_type(), part.get_content_disposition())
                 for part in parsed.walk()]
    calendar_part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    attachment = next(p for p in parsed.walk() if p.get_filename() == "invite.ics")
    return structure, calendar_part, attachment


def test_invite_is_attached_where_mail_clients_look_for_it():
    message = make_message(1)
    attach_invites(message, [make_event(sequence=1)], STAMP)
    structure, calendar_part, attachment = invite_parts(message)

    assert structure == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/html", None),
        ("text/calendar", None),
        ("application/ics", "attachment"),
    ]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    ics = calendar_part.get_payload(decode=True)
    assert b"\r\nMETHOD:REQUEST\r\n" in ics
    assert ics == attachment.get_payload(decode=True) == render_ics(make_event(sequence=1), STAMP)
    assert only_event(parse(ics))["SEQUENCE"] == 1


def test_cancellation_attaches_a_cancel_to_a_plain_text_message():
    message = EmailMessage()
    message["Subject"] = "Cancelled"
    message.set_content("No session this week.")
    attach_invites(message, [make_event(cancelled=True)], STAMP)
    structure, calendar_part, _ = invite_parts(message)

    assert [t for t, _ in structure] == ["multipart/mixed", "multipart/alternative",
                                         "text/plain", "text/calendar", "application/ics"]
    assert calendar_part.get_param("method") == "CANCEL"
    assert parse(calendar_part.get_payload(decode=True))["METHOD"] == "CANCEL"
    assert itip_part(make_event(cancelled=True), STAMP).get_param("method") == "CANCEL"


def test_ics_calendar_keeps_one_file_per_session_and_rewrites_it(tmp_path):
    clock = FixedClock(STAMP)
    directory = tmp_path / "calendar"
    calendar = IcsCalendar(directory, clock)
    first = make_event(date(2026, 12, 4))
    second = make_event(date(2026, 12, 11))

    calendar.publish(first)
    calendar.publish(second)
    clock.advance(timedelta(days=1))
    calendar.publish(replace(first, summary="Knowledge share: Bo on pricing", sequence=1))

    assert sorted(p.name for p in directory.iterdir()) == [
        "kitchen-2026-12-04.ics", "kitchen-2026-12-11.ics"]
    assert calendar.path_for(first) == directory / "kitchen-2026-12-04.ics"
    updated = only_event(parse((directory / "kitchen-2026-12-04.ics").read_bytes()))
    assert updated["SUMMARY"] == "Knowledge share: Bo on pricing"
    assert updated["SEQUENCE"] == 1
    assert updated.decoded("DTSTAMP") == STAMP + timedelta(days=1)
    assert len(updated["ATTENDEE"]) == 2

    calendar.publish(replace(second, cancelled=True, sequence=1))
    cancelled = parse((directory / "kitchen-2026-12-11.ics").read_bytes())
    assert cancelled["METHOD"] == "CANCEL"
    assert only_event(cancelled)["STATUS"] == "CANCELLED"
    assert len(list(directory.iterdir())) == 2
    assert calendar.responses(first) == {}


def test_ics_calendar_refuses_a_community_id_that_is_a_path(tmp_path):
    calendar = IcsCalendar(tmp_path, FixedClock(STAMP))
    with pytest.raises(ValueError):
        calendar.publish(make_event(community_id="../escape"))
    assert list(tmp_path.iterdir()) == []
