"""Dates and times in the words people read, in the community's time zone, and how long
before a session a message comes ("tomorrow", "in two days")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names, get_timezone_name
from babel.lists import format_list

from .jobs import Timing
from .language import DEFAULT, N_, Words, _, nwords, plural, spoken, words
from .models import Community
from .timing import zone

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# Each unit, and how an offset of so many of it reads ahead of a session and before it
# (singular and plural, for ngettext).
UNITS = (
    (timedelta(weeks=1), plural("in a week", "in {count} weeks"),
     plural("a week before", "{count} weeks before")),
    (timedelta(days=1), plural("in a day", "in {count} days"),
     plural("a day before", "{count} days before")),
    (timedelta(hours=1), plural("in an hour", "in {count} hours"),
     plural("an hour before", "{count} hours before")),
    (timedelta(minutes=1), plural("in a minute", "in {count} minutes"),
     plural("a minute before", "{count} minutes before")),
)


# The session states as the emails and pages say them (`_(s.status)` in templates).
STATUS_WORDS = (N_("planned"), N_("held"), N_("projected"), N_("holiday"), N_("blackout"),
                N_("cancelled"))

TITLES = {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "sir", "dame"}


def first_name(name: str) -> str:
    """The name a greeting uses: the first given name ("José Álvarez" → "José"), after the
    comma of "Sato, Aiko", past a title ("Dr Ana Silva" → "Ana"); "" when there is none."""
    given = name.partition(",")[2] if "," in name else name
    words = [w for w in given.split() if w.lower().rstrip(".") not in TITLES]
    return words[0] if words else ""


def greeting(name: str | None, email: str) -> Words:
    """ "Hi José," by the first name the person gave; "Hello," when the rota knows no name
    (one it made up from the address is none)."""
    first = first_name(name or "")
    if not first or (name or "").strip() == email.partition("@")[0]:
        return words("Hello,")
    return words("Hi {first},", first=first)


def subject_of(*clauses: str) -> Words:
    """A subject composed from its parts: each once (a part already said by an earlier one
    is left out), joined by "; ", with no stray space."""
    def say() -> str:
        said: list[str] = []
        for clause in clauses:
            clause = " ".join(str(clause).split())
            if clause and not any(clause.lower() in earlier.lower() for earlier in said):
                said.append(clause)
        return "; ".join(said)
    return Words(say)


def done_subject(summary: str) -> Words:
    """ "Done: you present on Friday 11 December 2026" """
    return Words(lambda: _("Done: {summary}").format(summary=summary)[:120])


def weekday_name(weekday: int) -> Words:
    """ "Friday" (Monday is 0); "Freitag", "vendredi" in the language spoken."""
    return Words(lambda: get_day_names("wide", locale=spoken())[weekday])


def join_list(items) -> str:
    """Items joined the way the language spoken joins them ("a, b and c", "a、b、c")."""
    items = [str(item) for item in items]
    return format_list(items, locale=spoken()) if items else ""


@lru_cache(maxsize=4096)  # pure; every message about a session says it again
def day_words(day: date) -> Words:
    """ "Friday 11 December 2026"; "Freitag, 11. Dezember 2026" in German (CLDR's form)."""
    return Words(lambda: f"{day:%A} {day.day} {day:%B %Y}" if spoken() == DEFAULT
                 else format_date(day, "full", locale=spoken()))


def time_range(community: Community, start: datetime, end: datetime) -> Words:
    return _time_range(community.timezone, start, end)


@lru_cache(maxsize=4096)
def _time_range(timezone: str, start: datetime, end: datetime) -> Words:
    tz = ZoneInfo(timezone)
    a, b = start.astimezone(tz), end.astimezone(tz)

    def say() -> str:
        if spoken() == DEFAULT:
            return f"{a:%H:%M}–{b:%H:%M} {a.tzname()}"
        hours = "–".join(format_time(t, "short", locale=spoken()) for t in (a, b))
        return f"{hours} {_zone_name(a)}"
    return Words(say)


def _zone_name(moment: datetime) -> str:
    """The zone's short name in the language spoken ("MEZ"), else its abbreviation ("CET")."""
    name = get_timezone_name(moment, "short", locale=spoken())
    return name if name.isalpha() else str(moment.tzname())


def when(community: Community, start: datetime, end: datetime) -> Words:
    """ "Friday 4 December 2026, 16:00–16:30 AEDT" """
    local = start.astimezone(zone(community))
    return words("{day}, {hours}", day=day_words(local.date()),
                 hours=time_range(community, start, end))


@dataclass(frozen=True)
class OffsetWords:
    """How an offset before a session reads in a message."""

    ahead: str  # as the message says it of its session: "tomorrow", "in two days"
    before: str  # as it says it of the moment itself: "the day before", "two days before"

    @property
    def heading(self) -> Words:
        """At the start of a line or a subject: "Tomorrow", "In two days"."""
        return Words(lambda: str(self.ahead)[:1].upper() + str(self.ahead)[1:])


@dataclass(frozen=True)
class TimingWords:
    """The offsets of a Timing in words, as templates read them (`offsets.reminder.ahead`)."""

    reminder: OffsetWords
    topic: OffsetWords


def offset_words(offset: timedelta) -> OffsetWords:
    """ "tomorrow" / "the day before" for 24 hours, "in two days" / "two days before" for
    48, "in three hours" / "three hours before" for 3: in the largest unit that counts it
    whole; in English, numbers under ten spelled out."""
    if offset == timedelta(days=1):
        return OffsetWords(words("tomorrow"), words("the day before"))
    for unit, ahead, before in UNITS:
        n, rest = divmod(offset, unit)
        if not rest and n >= 1:
            count = NUMBERS[n] if n < 10 else str(n)
            return OffsetWords(nwords(*ahead, n, count=count), nwords(*before, n, count=count))
    raise ValueError(f"not a whole number of minutes: {offset!r}")


def timing_words(timing: Timing) -> TimingWords:
    return TimingWords(offset_words(timing.reminder_before), offset_words(timing.topic_before))


def reminder_subject(community: Community, timing: Timing) -> str:
    """ "Tomorrow: your session at Guild", "In two days: your session at Guild" """
    return words("{when}: your session at {name}",
                 when=offset_words(timing.reminder_before).heading, name=community.name)
