"""Plain-dict form of the models, shared by the stores that keep documents (SQLite, Firestore)."""
from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, time, timezone
from typing import Any, Iterable, TypeVar

from ..domain.delivery import Entry
from ..domain.models import Community, Link, Member, Session
from ..domain.validation import mailbox

T = TypeVar("T", Community, Member, Session, Link)


def _out(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_out(v) for v in value]
    return value


def to_record(obj: Community | Member | Session | Link) -> dict[str, Any]:
    record = {k: _out(v) for k, v in asdict(obj).items()}
    if "holders" in record:  # Firestore arrays cannot hold arrays: "SEQUENCE:email" strings
        record["holders"] = [f"{seq}:{who}" for who, seq in obj.holders]
    return record


_PARSERS = {
    "date": date.fromisoformat, "joined": date.fromisoformat,
    "paused_until": date.fromisoformat, "last_presented": date.fromisoformat,
    "settled": date.fromisoformat,
    "start": time.fromisoformat, "digest_time": time.fromisoformat,
    "created": datetime.fromisoformat, "starts_at": datetime.fromisoformat,
    "ends_at": datetime.fromisoformat, "shared_at": datetime.fromisoformat,
}
_TUPLE_OF_DATES = {"blackouts"}


def from_record(cls: type[T], data: dict[str, Any]) -> T:
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue  # written by a newer version: ignore rather than fail
        if value is not None and key in _PARSERS:
            value = _PARSERS[key](value)
        elif key in _TUPLE_OF_DATES:
            value = tuple(date.fromisoformat(v) for v in value or ())
        elif key == "holders":
            value = tuple((who, int(seq)) for seq, _, who in
                          (item.partition(":") for item in value or ()))
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return cls(**values)


_ENTRY_TIMES = ("updated", "lease_until", "retry_at", "deadline", "expires")


def entry_to_record(entry: Entry) -> dict[str, Any]:
    """An outbox ledger entry as a plain dict: instants as ISO strings (`retry_at` and
    `expires` in UTC, so that text order is time order), the message as bytes."""
    data = {k: v for k, v in asdict(entry).items() if v not in (None, "", 0)}
    for name in _ENTRY_TIMES:
        if name in data:
            value = data[name]
            if name in ("retry_at", "expires"):
                value = value.astimezone(timezone.utc)
            data[name] = value.isoformat()
    data["state"] = entry.state
    return data


def entry_from_record(data: dict[str, Any]) -> Entry:
    known = {f.name for f in fields(Entry)}
    values = {k: v for k, v in data.items() if k in known and v is not None}
    for name in _ENTRY_TIMES:
        if isinstance(values.get(name), str):
            values[name] = datetime.fromisoformat(values[name])
    return Entry(**values)


def created_since(communities: Iterable[Community], since: datetime | None) -> list[Community]:
    """Those created at or after `since` (all of them when it is None), by id."""
    return sorted((c for c in communities if since is None
                   or (c.created is not None and c.created >= since)), key=lambda c: c.id)


def replying_at(communities: Iterable[Community], address: str | None) -> list[Community]:
    """Those whose own reply address is `address` as mail systems compare them (mailbox:
    a +tag and the domain's case do not matter); None: those without one. By id."""
    return sorted((c for c in communities
                   if (c.reply_to is None if address is None
                       else c.reply_to is not None and mailbox(c.reply_to) == address)),
                  key=lambda c: c.id)


def spellings(address: str) -> list[str]:
    """How a mailbox (ASCII domain) may be stored: as it is, and with its domain in Unicode
    (email_validator keeps an internationalised domain that way)."""
    local, _, domain = address.rpartition("@")
    try:
        shown = domain.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return [address]
    return [address] if shown == domain else [address, f"{local}@{shown}"]
