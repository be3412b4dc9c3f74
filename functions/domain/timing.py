"""When sessions happen: local wall-clock times, weekly dates, holidays and blackouts.

Times are computed from the local date and time in the community's zone, so a Friday 16:00
session stays at 16:00 local across daylight-saving changes (the UTC instant moves instead).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterator
from zoneinfo import ZoneInfo


from .language import N_
from .models import BLACKOUT, HOLIDAY, PLANNED, Community


def zone(community: Community) -> ZoneInfo:
    return ZoneInfo(community.timezone)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of a local wall-clock time.

    A time that does not exist (skipped by a spring-forward gap) moves forward by the gap, and
    an ambiguous one (repeated in autumn) takes its first occurrence, as calendars do.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    roundtrip = first.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != naive:  # in a gap: the normalised, later wall time
        return roundtrip
    return first


def session_times(community: Community, day: date) -> tuple[datetime, datetime]:
    start = local_instant(day, community.start, zone(community))
    return start, start + timedelta(minutes=community.minutes)


def local_date(community: Community, instant: datetime) -> date:
    return instant.astimezone(zone(community)).date()


@lru_cache(maxsize=256)
def _holiday_calendar(code: str, year: int, language: str):
    import holidays as holidays_lib  # loaded on first use: importing stays quick

    country, _, region = code.partition("-")
    names = holidays_lib.country_holidays(country, subdiv=region or None)  # no year: computes nothing
    return holidays_lib.country_holidays(country, subdiv=region or None, years=year,
                                         language=_holiday_language(names, language))


def _holiday_language(calendar, language: str) -> str | None:
    """The holidays package's code for the community's language (`pt` → `pt_BR`), the
    country's default first; the country's own names when it has none in that language."""
    base = language.replace("-", "_").split("_")[0].lower()
    found = [code for code in (calendar.default_language, *calendar.supported_languages)
             if code and (code.lower() == base or code.lower().startswith(base + "_"))]
    return found[0] if found else calendar.default_language


def holiday_name(community: Community, day: date) -> str | None:
    """The holiday's name in the community's language where the holidays package has it."""
    if not community.holidays:
        return None
    return _holiday_calendar(community.holidays, day.year, community.language).get(day)


def day_status(community: Community, day: date) -> tuple[str, str | None]:
    """Whether a session can happen on that date, and why not."""
    if day in community.blackouts:
        return BLACKOUT, N_("the community's day off")
    name = holiday_name(community, day)
    if name:
        return HOLIDAY, name
    return PLANNED, None


def weekly_dates(community: Community, first: date) -> Iterator[date]:
    """Every session weekday from `first` on (inclusive)."""
    day = first + timedelta(days=(community.weekday - first.weekday()) % 7)
    while True:
        yield day
        day += timedelta(days=7)


def horizon(community: Community, now: datetime, sessions: int | None = None) -> list[date]:
    """Session dates starting after `now` up to and including the `lookahead`-th real session.

    Holidays and blackouts inside the horizon are listed but do not count.
    """
    wanted = community.lookahead if sessions is None else sessions
    dates: list[date] = []
    found = 0
    start_day = local_date(community, now) - timedelta(days=1)
    for day in weekly_dates(community, start_day):
        if found >= wanted:
            break
        if session_times(community, day)[0] <= now:
            continue
        dates.append(day)
        if day_status(community, day)[0] == PLANNED:
            found += 1
        if len(dates) > wanted + 60:  # a year of blackouts: stop looking
            break
    return dates
