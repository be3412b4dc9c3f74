"""Sample events and messages for the mail and calendar adapter tests."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from functions.domain.invites import Attendee, Event


def make_event(day: date = date(2026, 12, 4), tz: str = "Europe/London", **changes) -> Event:
    """A session's Event on `day` at 16:00 local time, with `changes` applied."""
    starts = datetime.combine(day, time(16, 0), ZoneInfo(tz))
    event = Event(
        uid=f"kitchen-{day.isoformat()}@cop",
        community_id="kitchen",
        date=day,
        summary="Knowledge share: Ana on roadmaps",
        description="Ana Souza presents.\nJoin with the video link.",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        timezone=tz,
        organiser="rota@example.com",
        organiser_name="Kitchen rota",
        attendees=(Attendee("ana@example.com", "Ana Souza"),
                   Attendee("bo@example.com", "Bo Chen")),
        video_url="https://meet.example.com/abc-defg-hij",
        presenter="ana@example.com",
    )
    return replace(event, **changes)


def make_message(n: int, to: str = "ana@example.com") -> EmailMessage:
    """A digest-like message, numbered `n`, with a text and an HTML body."""
    message = EmailMessage()
    message["From"] = "Kitchen rota <rota@example.com>"
    message["To"] = to
    message["Subject"] = f"Digest {n}: Zoë presents ☕"
    message["Date"] = format_datetime(datetime(2026, 12, 1, 9, n % 60, tzinfo=ZoneInfo("UTC")))
    message["Message-ID"] = f"<digest-{n}.kitchen@cop.example.com>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"Hello {n}.\nThis week Zoë presents.\n")
    message.add_alternative(f"<p>Hello {n}. This week Zoë presents.</p>", subtype="html")
    return message
