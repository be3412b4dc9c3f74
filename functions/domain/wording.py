"""Dates and times in the words people read, in the community's time zone, and how long
before a session a message comes ("tomorrow", "in two days")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .jobs import Timing
from .models import Community
from .timing import zone

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
UNITS = ((timedelta(weeks=1), "week"), (timedelta(days=1), "day"),
         (timedelta(hours=1), "hour"), (timedelta(minutes=1), "minute"))


TITLES = {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "sir", "dame"}


def first_name(name: str) -> str:
    """The name a greeting uses: the first given name ("José Álvarez" → "José"), after the
    comma of "Sato, Aiko", past a title ("Dr Ana Silva" → "Ana"); "" when there is none."""
    given = name.partition(",")[2] if "," in name else name
    words = [w for w in given.split() if w.lower().rstrip(".") not in TITLES]
    return words[0] if words else ""


def greeting(name: str | None, email: str) -> str:
    """ "Hi José," by the first name the person gave; "Hello," when the rota knows no name
    (one it made up from the address is none)."""
    first = first_name(name or "")
    if not first or (name or "").strip() == email.partition("@")[0]:
        return "Hello,"
    return f"Hi {first},"


def subject_of(*clauses: str) -> str:
    """A subject composed from its parts: each once (a part already said by an earlier one
    is left out), joined by "; ", with no stray space."""
    said: list[str] = []
    for clause in clauses:
        clause = " ".join(clause.split())
        if clause and not any(clause.lower() in earlier.lower() for earlier in said):
            said.append(clause)
    return "; ".join(said)


@lru_cache(maxsize=4096)  # pure; every message about a session says it again
def day_words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_range(community: Community, start: datetime, end: datetime) -> str:
    return _time_range(community.timezone, start, end)


@lru_cache(maxsize=4096)
def _time_range(timezone: str, start: datetime, end: datetime) -> str:
    tz = ZoneInfo(timezone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    return f"{a:%H:%M}–{b:%H:%M} {a.tzname()}"


def when(community: Community, start: datetime, end: datetime) -> str:
    """ "Friday 4 December 2026, 16:00–16:30 AEDT" """
    local = start.astimezone(zone(community))
    return f"{day_words(local.date())}, {time_range(community, start, end)}"


@dataclass(frozen=True)
class OffsetWords:
    """How an offset before a session reads in a message."""

    ahead: str  # as the message says it of its session: "tomorrow", "in two days"
    before: str  # as it says it of the moment itself: "the day before", "two days before"

    @property
    def heading(self) -> str:
        """At the start of a line or a subject: "Tomorrow", "In two days"."""
        return self.ahead[:1].upper() + self.ahead[1:]


@dataclass(frozen=True)
class TimingWords:
    """The offsets of a Timing in words, as templates read them (`offsets.reminder.ahead`)."""

    reminder: OffsetWords
    topic: OffsetWords


def duration_words(offset: timedelta) -> str:
    """ "a day", "two days", "36 hours", "an hour", "90 minutes": in the largest unit that
    counts it whole; numbers under ten spelled out."""
    for unit, name in UNITS:
        count, rest = divmod(offset, unit)
        if not rest and count >= 1:
            if count == 1:
                return f"{'an' if name == 'hour' else 'a'} {name}"
            return f"{NUMBERS[count] if count < 10 else count} {name}s"
    raise ValueError(f"not a whole number of minutes: {offset!r}")


def offset_words(offset: timedelta) -> OffsetWords:
    """ "tomorrow" / "the day before" for 24 hours, "in two days" / "two days before" for
    48, "in three hours" / "three hours before" for 3."""
    if offset == timedelta(days=1):
        return OffsetWords("tomorrow", "the day before")
    amount = duration_words(offset)
    return OffsetWords(f"in {amount}", f"{amount} before")


def timing_words(timing: Timing) -> TimingWords:
    return TimingWords(offset_words(timing.reminder_before), offset_words(timing.topic_before))


def reminder_subject(community: Community, timing: Timing) -> str:
    """ "Tomorrow: your session at Guild", "In two days: your session at Guild" """
    return f"{offset_words(timing.reminder_before).heading}: your session at {community.name}"
