"""Checking and normalising what people type: ids, weekdays, times, zones, addresses."""
from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from zoneinfo import available_timezones

import holidays as holidays_lib
from email_validator import EmailNotValidError, validate_email

from .errors import InputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_NAME = 200


def community_id(text: str) -> str:
    if not _ID.match(text or ""):
        raise InputError(f"community id {text!r}: use 1-32 lower-case letters, digits or "
                         "hyphens, starting with a letter or digit")
    return text


FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday(text: str) -> int:
    key = (text or "").strip().lower()
    for names in (WEEKDAYS, FULL_WEEKDAYS):
        if key in names:
            return names.index(key)
    raise InputError(f"weekday {text!r}: use one of {', '.join(WEEKDAYS)}")


def clock_time(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InputError(f"time {text!r}: use 24-hour HH:MM, e.g. 16:00")
    return time(int(match[1]), int(match[2]))


def digest_slot(text: str) -> tuple[int, time]:
    """ "mon 09:00" → (0, 09:00)."""
    parts = (text or "").split()
    if len(parts) != 2:
        raise InputError(f"digest {text!r}: use a weekday and a time, e.g. \"mon 09:00\"")
    return weekday(parts[0]), clock_time(parts[1])


def timezone_name(text: str) -> str:
    name = (text or "").strip()
    # ZoneInfo() would also open file paths; accept only names in the IANA database.
    if name not in _zones():
        raise InputError(f"time zone {text!r} is unknown: use an IANA name such as "
                         "Europe/London or Australia/Sydney")
    return name


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def minutes(value: int) -> int:
    if not 5 <= value <= 480:
        raise InputError(f"--minutes {value}: a session lasts 5 to 480 minutes")
    return value


def lookahead(value: int) -> int:
    if not 1 <= value <= 26:
        raise InputError(f"--lookahead {value}: plan 1 to 26 sessions ahead")
    return value


def holiday_region(text: str | None) -> str | None:
    if not text:
        return None
    country, _, region = text.strip().partition("-")
    country = country.upper()
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        raise InputError(f"--holidays {text!r}: unknown country code {country!r} "
                         "(ISO 3166 alpha-2, e.g. AU, GB, US)")
    if region:
        regions = {r.upper(): r for r in supported[country]}
        if region.upper() not in regions:
            raise InputError(f"--holidays {text!r}: {country} has no region {region!r} "
                             f"(known: {', '.join(supported[country][:12])}…)")
        return f"{country}-{regions[region.upper()]}"
    return country


def email_address(text: str) -> str:
    """A syntactically valid address, normalised to lower case (no DNS look-up)."""
    raw = (text or "").strip()
    if not raw or len(raw) > 254 or any(c in raw for c in "\r\n<>,;\""):
        raise InputError(f"{raw[:80]!r} is not a valid email address")
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise InputError(f"{raw[:80]!r} is not a valid email address: {error}") from None
    return checked.normalized.lower()


def display_name(text: str | None, email: str) -> str:
    """A name for people to read: single line, trimmed, bounded; the mailbox if empty."""
    name = " ".join((text or "").split())[:MAX_NAME]
    return name or email.split("@", 1)[0]


def iso_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InputError(f"{what} {text!r}: use a date as YYYY-MM-DD") from None
