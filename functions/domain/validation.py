"""Checking and normalising what people type: ids, weekdays, times, zones, addresses."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones


from .errors import InputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_NAME = 200
# Dates people may mean: wide enough for history and far plans, far from datetime's limits.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2199, 12, 31)
# Zones without daylight saving that people pick when they mean a zone with it.
DST_ZONE_FOR = {
    "EST": "America/New_York", "MST": "America/Denver", "Etc/GMT+5": "America/New_York",
    "Etc/GMT+6": "America/Chicago", "Etc/GMT+7": "America/Denver",
    "Etc/GMT+8": "America/Los_Angeles", "Etc/GMT": "Europe/London", "GMT": "Europe/London",
    "Etc/GMT-1": "Europe/Paris", "Etc/GMT-10": "Australia/Sydney",
}
# Abbreviations that are not IANA names, and the zone usually meant.
ABBREVIATIONS = {
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "MDT": "America/Denver",
    "BST": "Europe/London", "CEST": "Europe/Paris", "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: str, what: str, limit: int = MAX_NAME) -> str:
    """One line of text that may reach a header or an invite: valid Unicode, no control
    characters (a CR/LF would break every email and invite that carries it), bounded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what}: not valid text (an undecodable byte; use UTF-8)") from None
    bad = next((c for c in value if unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS),
               None)
    if bad is not None:
        raise InputError(f"{what} {value[:60]!r}: control character U+{ord(bad):04X} "
                         "is not allowed")
    flat = " ".join(value.split())
    if not flat:
        raise InputError(f"{what} must not be empty")
    if len(flat) > limit:
        raise InputError(f"{what}: longer than {limit} characters")
    return flat


def https_url(value: str, what: str) -> str:
    value = plain_text(value, what, 2000)
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or " " in value:
        raise InputError(f"{what} {value[:80]!r}: use an https:// link")
    return value


def webhook_url(value: str, what: str = "--chat-webhook") -> str | None:
    """A chat's incoming-webhook URL: https, or plain http to this machine only. It is a
    secret, so errors name only its scheme and host. `none` removes it."""
    try:
        value = plain_text(value, what, 2000)
    except InputError:
        raise InputError(f"{what}: not a URL (empty, too long or with control "
                         "characters)") from None
    if value.lower() == "none":
        return None
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    shown = f"{parts.scheme}://{host}/…" if host else "that value"
    loopback = host == "localhost" or host == "::1" or host.startswith("127.")
    if " " in value or not host or not (parts.scheme == "https"
                                        or (parts.scheme == "http" and loopback)):
        raise InputError(f"{what} {shown}: use an https:// webhook URL (http:// only to "
                         "this machine)")
    return value


def masked_url(value: str | None) -> str | None:
    """A secret URL as it may be shown: scheme and host only."""
    if not value:
        return value
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.hostname}/… (hidden)"


def domain(value: str, what: str = "--allow-domain") -> str:
    """A mail domain, normalised (lower case, IDNA as people write it)."""
    from email_validator import EmailNotValidError, validate_email  # on first use

    raw = plain_text(value, what, 253).lower().lstrip("@")
    try:
        checked = validate_email(f"postmaster@{raw}", check_deliverability=False)
    except EmailNotValidError as error:
        raise InputError(f"{what} {value[:80]!r} is not a mail domain: {error}") from None
    return checked.domain.lower()


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
        meant = ABBREVIATIONS.get(name.upper())
        hint = f" (did you mean {meant}?)" if meant else ""
        raise InputError(f"time zone {text!r} is unknown{hint}: use an IANA name such as "
                         "Europe/London or Australia/Sydney")
    return name


def timezone_warning(name: str) -> str | None:
    """Advice when a zone never changes its clocks but a well-known zone that does was
    probably meant (EST is New York without daylight saving)."""
    meant = DST_ZONE_FOR.get(name)
    if meant is None:
        return None
    zone = ZoneInfo(name)
    offsets = {datetime(2026, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}
    if len(offsets) > 1:
        return None
    return (f"{name} has no daylight saving: sessions would move by an hour for half the "
            f"year; for local time there use {meant}")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def holidays_warning(holidays: str | None, timezone: str) -> str | None:
    """Advice when the public holidays are another country's than the time zone's (a New
    York community with `--holidays GB`): the sessions would stop on the wrong days. None
    when they agree, or when the zone has no country (UTC) or the tables are missing."""
    # A zone people pick for another (EST: New York without daylight saving, a link to
    # Panama) has its own warning: its country says nothing of the community's.
    countries = () if timezone in DST_ZONE_FOR else zone_countries(timezone)
    if not holidays or not countries:
        return None
    code = holidays.partition("-")[0].upper()
    country = _holiday_aliases().get(code, code)
    if country in countries:
        return None
    home = countries[0]
    meant = _holidays_for(home, timezone)
    return (f"holidays {holidays} are for {_country_name(country)} but the community's "
            f"time zone {timezone} is in {_country_name(home)}"
            + (f"; did you mean {meant}?" if meant else ""))


def blackout_warnings(blackouts, today: date) -> list[str]:
    """One line for each blackout before `today`: a past date calls nothing off."""
    return [f"blackout {day.isoformat()} is in the past; it changes nothing"
            for day in sorted(blackouts) if day < today]


def zone_countries(name: str) -> tuple[str, ...]:
    """The ISO 3166 countries a time zone covers, the one of its principal city first (the
    tz database's zone1970.tab and zone.tab, through links such as US/Eastern); () for a
    zone of no country (UTC, Etc/GMT+5)."""
    countries, _, links = _zone_tables()
    target = links.get(name, name)
    return tuple(dict.fromkeys([*countries.get(name, ()), *countries.get(target, ())]))


@lru_cache(maxsize=1)
def _zone_tables() -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """Countries and comments by zone, and the target of each link, from the tz database
    tables: those of the pinned `tzdata` package (the same everywhere, as pip installs it),
    else the system's /usr/share/zoneinfo; empty when neither is there (no warnings)."""
    countries: dict[str, list[str]] = {}
    comments: dict[str, str] = {}
    links: dict[str, str] = {}
    folder = _tz_folder()
    if folder is None:
        return countries, comments, links
    for table in ("zone1970.tab", "zone.tab"):  # principal country first (zone1970.tab)
        for line in _lines(folder / table):
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            listed = countries.setdefault(fields[2], [])
            listed += [c for c in fields[0].split(",") if c not in listed]
            if len(fields) > 3:
                comments.setdefault(fields[2], fields[3])
    for line in _lines(folder / "tzdata.zi"):
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    return countries, comments, links


def _tz_folder():
    from importlib import resources
    from pathlib import Path

    try:
        folder = resources.files("tzdata") / "zoneinfo"
        if (folder / "zone1970.tab").is_file():
            return folder
    except ModuleNotFoundError:
        pass
    system = Path("/usr/share/zoneinfo")
    return system if (system / "zone1970.tab").is_file() else None


def _lines(path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _holiday_aliases() -> dict[str, str]:
    """Codes the holidays package takes for a country besides its ISO one (UK for GB)."""
    registry = _holiday_registry()
    return {alias: entry[1] for entry in registry.values() for alias in entry[3:]
            if re.fullmatch(r"[A-Z]{2}", alias)}


def _holiday_registry() -> dict:
    try:
        from holidays import registry  # loaded on first use
    except ImportError:  # pragma: no cover - the package is pinned
        return {}
    return getattr(registry, "COUNTRIES", {})


_THE = ("Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives", "Seychelles",
        "Comoros", "Vatican City", "DR Congo")


def _country_name(code: str) -> str:
    """ "the United Kingdom", "the United States", "Australia": as a sentence names it."""
    name = next((_spaced(entry[0]) for entry in _holiday_registry().values()
                 if entry[1] == code), None)
    if name is None:
        folder = _tz_folder()
        names = dict(line.split("\t", 1) for line in (
            _lines(folder / "iso3166.tab") if folder else []) if "\t" in line)
        name = names.get(code, code)
    if (name in _THE or name.startswith(("United ", "Isle ", "British ", "French South"))
            or name.endswith(("Islands", "Republic", "Territory", "Emirates"))):
        return f"the {name}"
    return name


def _spaced(class_name: str) -> str:
    """UnitedKingdom → United Kingdom; AntiguaAndBarbuda → Antigua and Barbuda."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", class_name)
    return re.sub(r"(?<=.) (And|Of|The|Da)\b", lambda m: " " + m[1].lower(), words)


def _holidays_for(country: str, timezone: str) -> str | None:
    """The `--holidays` value probably meant for a zone: its country, with the region
    its city or its tz description names when the holidays package knows it (America/
    New_York: US-NY; Australia/Sydney, "New South Wales": AU-NSW)."""
    import holidays as holidays_lib  # loaded on first use

    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        return None
    aliases = getattr(getattr(holidays_lib, country, None), "subdivisions_aliases", {}) or {}
    comment = _zone_tables()[1].get(timezone, "")
    for place in (timezone.rsplit("/", 1)[-1].replace("_", " "),
                  comment.split("(")[0].strip()):
        region = aliases.get(place)
        if region in supported[country]:
            return f"{country}-{region}"
    return country


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
    country = _holiday_aliases().get(country, country)  # UK: GB, as ISO 3166 has it
    import holidays as holidays_lib  # loaded on first use

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
    from email_validator import EmailNotValidError, validate_email  # on first use

    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise InputError(f"{raw[:80]!r} is not a valid email address: {error}") from None
    return checked.normalized.lower()


def mailbox(address: str) -> str:
    """An address as mail systems compare them: domain case and `+tags` do not matter."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        pass
    return f"{local.split('+', 1)[0]}@{domain}"


def display_name(text: str | None, email: str) -> str:
    """A name for people to read: single line, trimmed, bounded; the mailbox if empty.
    Control characters and undecodable bytes are dropped (names also come from mail)."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS
                      else c for c in (text or ""))
    name = " ".join(cleaned.split())[:MAX_NAME]
    return name or email.split("@", 1)[0]


def person_name(value: str) -> str:
    """A name typed by an organiser: refused, not cleaned, when it is not plain text."""
    return plain_text(value, "--name")


def in_range(day: date, what: str) -> date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(f"{what} {day.isoformat()}: use a date from {FIRST_DATE.year} "
                         f"to {LAST_DATE.year}")
    return day


def iso_date(text: str, what: str) -> date:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise InputError(f"{what} {text!r}: use a date as YYYY-MM-DD") from None
    return in_range(day, what)
