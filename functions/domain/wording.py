"""Dates and times in the words people read, in the community's time zone."""
from __future__ import annotations

from datetime import date, datetime

from .models import Community
from .timing import zone


def day_words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_range(community: Community, start: datetime, end: datetime) -> str:
    tz = zone(community)
    a, b = start.astimezone(tz), end.astimezone(tz)
    return f"{a:%H:%M}–{b:%H:%M} {a.tzname()}"


def when(community: Community, start: datetime, end: datetime) -> str:
    """ "Friday 4 December 2026, 16:00–16:30 AEDT" """
    local = start.astimezone(zone(community))
    return f"{day_words(local.date())}, {time_range(community, start, end)}"
