"""Standard iCalendar (RFC 5545) for the rota: one event, iTIP parts for mail (RFC 6047),
subscribable feeds.

Everything here is rendered by the `icalendar` package, which escapes text and parameter
values and folds long lines, so names and summaries cannot inject properties. Pure: the
caller passes every instant.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage, MIMEPart
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..domain.invites import Event

if TYPE_CHECKING:  # loaded on first use: importing the entry points stays quick
    import icalendar

PRODID = "-//cop-rota//Knowledge-share rota//EN"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
FEED_REFRESH = timedelta(hours=6)  # how often subscribers are asked to fetch the feed again


def render_ics(event: Event, stamp: datetime, *, method: str | None = None,
               attendees: bool = True) -> bytes:
    """One event as a VCALENDAR with its VTIMEZONE.

    `stamp` becomes DTSTAMP, the instant this iCalendar object was created: pass the clock's
    now. Nothing else here reads a clock, so the same event and stamp give the same bytes.
    `method` defaults to CANCEL for a cancelled event and REQUEST otherwise; PUBLISH is for
    calendars that are imported rather than answered. `attendees=False` leaves out ATTENDEE.
    """
    if method is None:
        method = "CANCEL" if event.cancelled else "REQUEST"
    calendar = _calendar(method)
    calendar.add_component(_vevent(event, stamp, organiser=True, attendees=attendees))
    _add_timezones(calendar, [event])
    return calendar.to_ical()


def render_feed(name: str, events: list[Event], stamp: datetime) -> bytes:
    """A subscribable METHOD:PUBLISH calendar of many events.

    For privacy it names nobody by address: no ORGANIZER and no ATTENDEE (summaries and
    descriptions are published as given).
    """
    calendar = _calendar("PUBLISH")
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME for older clients
    calendar.refresh_interval = FEED_REFRESH
    import icalendar

    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH))
    for event in events:
        calendar.add_component(_vevent(event, stamp, organiser=False, attendees=False))
    _add_timezones(calendar, events)
    return calendar.to_ical()


def itip_part(event: Event, stamp: datetime) -> MIMEPart:
    """The invite as an iTIP (RFC 6047) body part: text/calendar; method=REQUEST or CANCEL.

    Outlook, Apple Mail and Gmail offer Accept/Decline (or apply the cancellation) when they
    find a `text/calendar` part whose `method` parameter equals the calendar's METHOD in the
    message's multipart/alternative, next to the text and HTML bodies; `attach_invite` puts
    it there. Send from the ORGANIZER's address: a different sender can make a client treat
    the invite as forwarded.
    """
    method = "CANCEL" if event.cancelled else "REQUEST"
    part = MIMEPart()
    # base64 keeps the CRLF line ends and folding exactly as rendered, whatever the relay.
    part.set_content(_rendered(event, stamp, method), maintype="text",
                     subtype="calendar", cte="base64",
                     params={"method": method, "charset": "UTF-8"})
    return part


@lru_cache(maxsize=8)
def _rendered(event: Event, stamp: datetime, method: str) -> bytes:
    """The same invite goes to every recipient of a digest: render it once per run."""
    return render_ics(event, stamp, method=method)


def attach_invites(message: EmailMessage, events: list[Event], stamp: datetime) -> None:
    """Make `message` carry invites the way calendar clients expect:

        multipart/mixed
          multipart/alternative
            text/plain, text/html (the message's existing body)
            text/calendar; method=REQUEST        <- the first invite, live
          application/ics; name=invite.ics       <- the same file, for clients without iTIP
          text/calendar; method=…; name=update-2.ics   <- each further update, attached

    Mail programs act on the one iTIP part in the body; the others open from the
    attachment. A cancelled event goes as METHOD:CANCEL. Call it once, after the body is set.
    """
    if not events:
        return
    if message.get_content_type() == "multipart/mixed":
        body = message.get_payload()[0]
    else:
        body = message
    if body.get_content_type() != "multipart/alternative":
        body.make_alternative()
    calendar_part = itip_part(events[0], stamp)
    body.attach(calendar_part)
    message.add_attachment(calendar_part.get_payload(decode=True), maintype="application",
                           subtype="ics", filename="invite.ics",
                           params={"name": "invite.ics"})
    for number, event in enumerate(events[1:], start=2):
        part = itip_part(event, stamp)
        method = part.get_param("method")
        message.add_attachment(part.get_payload(decode=True), maintype="text",
                               subtype="calendar", filename=f"update-{number}.ics",
                               params={"method": method, "charset": "UTF-8"})


def _calendar(method: str) -> icalendar.Calendar:
    import icalendar

    if method not in METHODS:
        raise ValueError(f"unsupported METHOD {method!r}; expected one of {METHODS}")
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _vevent(event: Event, stamp: datetime, *, organiser: bool,
            attendees: bool) -> icalendar.Event:
    import icalendar

    if None in (stamp.tzinfo, event.starts_at.tzinfo, event.ends_at.tzinfo):
        raise ValueError("stamp and event times must be timezone-aware")
    zone = ZoneInfo(event.timezone)
    vevent = icalendar.Event()
    vevent.add("UID", event.uid)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTAMP", stamp.astimezone(timezone.utc))
    # Local wall-clock time with TZID, so the session stays at 16:00 across DST changes.
    vevent.add("DTSTART", event.starts_at.astimezone(zone))
    vevent.add("DTEND", event.ends_at.astimezone(zone))
    vevent.add("SUMMARY", _text(event.summary))
    if event.description:
        vevent.add("DESCRIPTION", _text(event.description))
    if event.video_url:
        vevent.add("LOCATION", event.video_url)
        vevent.add("URL", event.video_url)
    vevent.add("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED")
    if organiser:
        vevent.add("ORGANIZER", icalendar.vCalAddress.new(event.organiser,
                                                          cn=_name(event.organiser_name)))
    if attendees:
        for attendee in event.attendees:
            vevent.add("ATTENDEE", icalendar.vCalAddress.new(
                attendee.email, cn=_name(attendee.name), role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION", rsvp=True))
    return vevent


def _add_timezones(calendar: icalendar.Calendar, events: list[Event]) -> None:
    """Put a VTIMEZONE for every TZID used first, generated from the tz database.

    The span is kept to the calendar years of the events, which keeps each VTIMEZONE small
    (one onset per observance, no RDATE lists). Sorted, so the output is stable.
    """
    import icalendar

    if not events:
        return
    first = min(e.starts_at.astimezone(ZoneInfo(e.timezone)).date() for e in events)
    last = max(e.ends_at.astimezone(ZoneInfo(e.timezone)).date() for e in events)
    zones = [icalendar.Timezone.from_tzid(tzid, first_date=date(first.year, 1, 1),
                                          last_date=date(last.year + 1, 1, 1))
             for tzid in sorted(calendar.get_missing_tzids())]
    calendar.subcomponents[:0] = zones


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """RFC 5545 text holds no control characters other than tab and line breaks.

    (icalendar also writes a literal backslash-N as a line break, the RFC's \\N escape.)
    """
    return _CONTROLS.sub("", value)


def _name(value: str) -> str | None:
    """A CN parameter value: one line, spaces collapsed.

    A backslash is a plain character in a parameter value (RFC 5545 3.1), but parsers
    including icalendar's read it as an escape (icalendar issue #1497), so a name ending in
    one would swallow the next parameter: names lose their backslashes.
    """
    return " ".join(_text(value).replace("\\", "").split()) or None
