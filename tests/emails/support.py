"""A community lived through its first week on the in-memory deps, and its mail read back.

Every message is serialised as it would go over the wire (policy SMTP: 7-bit headers, CRLF)
and parsed again with the standard library, so tests see what a mail client sees.
"""
from __future__ import annotations

import email.policy
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import icalendar

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.mail.compose import MailSettings
from functions.bootstrap import Container
from functions.mail.tokens import Tokens
from functions.mail.templating import TEMPLATES
from tests import builders
from tests.fakes import MemoryCalendar, MemoryMailer

PUBLIC_URL = "https://cop.example.com"
REPLY_TO = "cop@example.com"
SECRET = "test-secret"
VIDEO = "https://meet.example.com/guild-weekly"
SYDNEY = ZoneInfo("Australia/Sydney")
# Wednesday 25 November 2026, 10:00 in Sydney; sessions are on Fridays at 16:00.
START = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
FIRST_FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=SYDNEY)
# The first digest: Monday 30 November 2026, 09:00 in Sydney, about Friday 4 December.
FIRST_DIGEST = datetime(2026, 11, 30, 9, 0, tzinfo=SYDNEY)
NAMES = ["Ana Lima", "Ben Okafor", "Chen Wei", "Dana Novak", "Eli Cohen", "Fay Brown"]
EMAILS = [f"{name.split()[0].lower()}@example.com" for name in NAMES]
ROSTER = "email,name\n" + "".join(f"{e},{n}\n" for e, n in zip(EMAILS, NAMES))


# Every kind of message: one HTML template each (partials and the base apart).
KINDS = sorted(p.stem.replace("_", "-") for p in (TEMPLATES / "email").glob("*.html")
               if not p.name.startswith("_") and p.name != "base.html")

def make_deps(*, attach_invites: bool = True, instant: datetime = START,
              **given) -> Container:
    """In-memory collaborators; `given` ones (a `timing`, …) replace the defaults."""
    settings = MailSettings(public_url=PUBLIC_URL, tokens=Tokens(SECRET),
                            default_reply_to=REPLY_TO, attach_invites=attach_invites)
    return Container(**{"store": MemoryStore(), "mailer": MemoryMailer(),
                        "calendar": MemoryCalendar(), "clock": FixedClock(instant),
                        "mail": settings, **given})


def setup_guild(deps: Container, roster: str = ROSTER, **settings) -> None:
    """The guild of tests/builders.py with this roster and a video link, welcomes kept."""
    builders.setup_guild(deps, roster, keep_welcomes=True, **{"video_url": VIDEO, **settings})


def on_the_wire(message: EmailMessage) -> tuple[bytes, EmailMessage]:
    """The bytes an SMTP client would send, and those bytes parsed back."""
    data = message.as_bytes(policy=email.policy.SMTP)
    return data, BytesParser(policy=email.policy.default).parsebytes(data)


def raw_headers(data: bytes) -> dict[str, str]:
    """Header fields as written (unfolded, nothing decoded), by lower-case name."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n(?=[ \t])", "", head)
    return {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip()
            for line in unfolded.split("\r\n")}


def recipient(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec


def of_kind(deps: Container, kind: str) -> list[EmailMessage]:
    return [m for m in deps.mailer.sent if m["X-Cop-Kind"] == kind]


def calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def invite_event(message: EmailMessage) -> tuple[icalendar.Calendar, icalendar.Event]:
    """The live iTIP invite a message carries (the one in its multipart/alternative, which
    mail programs act on), parsed. Further updates ride along as attachments."""
    body = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    parts = [p for p in body.iter_parts() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, f"expected one live text/calendar part, found {len(parts)}"
    assert parts[0].get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def text_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} body"
    return part.get_content()


def live_first_week(deps: Container) -> dict:
    """Every kind of scheduled and membership mail, sent by the real services.

    Wednesday: the first tick plans four sessions (heads-ups). Thursday afternoon: the
    reminder for Friday. Friday's session is held. Monday 09:00: the digest about the next
    Friday. Then someone joins (welcome), a presenter declines the invite (a heads-up for
    their next turn confirms it), a member leaves (goodbye) and the newcomer pauses (confirm). Returns the sessions as planned on the first day, by date.
    """
    from functions.services.changes import members, sessions
    from functions.services.jobs.tick import tick

    setup_guild(deps)
    tick(deps)
    planned = deps.store.list_sessions("guild")
    first, second = planned[0], planned[1]
    sessions.set_topic(deps, "guild", first.presenter,
                       "Feature flags on a budget")
    deps.clock.set(FIRST_FRIDAY - timedelta(hours=23))
    tick(deps)
    deps.clock.set(FIRST_DIGEST)
    sessions.set_topic(deps, "guild", second.presenter,
                       "What Postgres indexes really cost")
    tick(deps)
    deps.clock.advance(timedelta(hours=1))
    members.join(deps, "guild", "gus@example.com", "Gus Ito")
    third = deps.store.list_sessions("guild", FIRST_DIGEST.date())[1]
    deps.calendar.answers[f"guild-{third.date.isoformat()}@cop"] = {third.presenter: "declined"}
    tick(deps)
    members.leave(deps, "guild", EMAILS[5])
    members.pause(deps, "guild", "gus@example.com", FIRST_DIGEST.date() + timedelta(weeks=9))
    return {"first": first, "second": second, "declined": third}
