"""Member changes: add, import a CSV roster, opt out and in, pause."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

from ..domain import validation
from ..domain.errors import Conflict, InputError
from ..domain.models import Member
from ..domain.timing import local_date
from ..ports import Store
from . import lookup
from .plan import replan

MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 10_000


def _new_member(email: str, name: str | None, joined: date, order: int) -> Member:
    return Member(email=email, name=validation.display_name(name, email),
                  joined=joined, order=order)


def _next_order(store: Store, community_id: str) -> int:
    return max((m.order for m in store.list_members(community_id)), default=-1) + 1


def add_member(store: Store, now: datetime, community_id: str, email: str,
               name: str | None = None) -> Member:
    community = lookup.community(store, community_id)
    address = validation.email_address(email)
    existing = store.get_member(community_id, address)
    if existing is not None:
        hint = " (opted out: use member optin)" if existing.opted_out else ""
        raise Conflict(f"{address} is already a member of {community_id}{hint}")
    member = _new_member(address, name, local_date(community, now),
                         _next_order(store, community_id))
    store.add_members(community_id, [member])
    replan(store, community_id, now)
    return member


def parse_roster(data: bytes) -> list[tuple[str, str | None]]:
    """Rows of a CSV with the header `email,name` (name optional); every problem named."""
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"CSV is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"CSV is not UTF-8 (byte {error.start}); save it as UTF-8") from None
    if not text.strip():
        raise InputError("CSV is empty: expected a header line `email,name` and one row "
                         "per member")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise InputError(f"CSV is malformed: {error}") from None
    header = [h.strip().lower() for h in rows[0]]
    if "email" not in header or not set(header) <= {"email", "name", ""}:
        raise InputError(f"CSV header {','.join(rows[0])!r}: expected `email,name`")
    at_email, at_name = header.index("email"), header.index("name") if "name" in header else None
    roster: list[tuple[str, str | None]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(roster) >= MAX_CSV_ROWS:
            raise InputError(f"CSV has more than {MAX_CSV_ROWS:,} members")
        if len(row) > len(header):
            raise InputError(f"CSV line {line}: {len(row)} fields, the header has {len(header)}")
        raw = row[at_email].strip() if at_email < len(row) else ""
        if not raw:
            raise InputError(f"CSV line {line}: no email address")
        try:
            email = validation.email_address(raw)
        except InputError as error:
            raise InputError(f"CSV line {line}: {error}") from None
        if email in seen:
            raise InputError(f"CSV line {line}: {email} is already on line {seen[email]}")
        seen[email] = line
        name = row[at_name] if at_name is not None and at_name < len(row) else None
        roster.append((email, name))
    if not roster:
        raise InputError("CSV has a header but no members")
    return roster


def import_members(store: Store, now: datetime, community_id: str, data: bytes) -> list[Member]:
    """All or nothing: one bad row, or one address already a member, imports no one."""
    community = lookup.community(store, community_id)
    roster = parse_roster(data)
    existing = {m.email for m in store.list_members(community_id)}
    clash = [email for email, _ in roster if email in existing]
    if clash:
        raise Conflict(f"already members of {community_id}: {', '.join(clash[:5])}"
                       + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
                       + "; nothing imported")
    joined, first = local_date(community, now), _next_order(store, community_id)
    members = [_new_member(email, name, joined, first + i)
               for i, (email, name) in enumerate(roster)]
    store.add_members(community_id, members)
    replan(store, community_id, now)
    return members


def update(store: Store, community_id: str, email: str, **changes) -> Member:
    """Change a member's record without touching the rota (bounce counts, names)."""
    member = lookup.member(store, community_id, email)
    updated = replace(member, **changes)
    store.put_member(community_id, updated)
    return updated


def _update(store: Store, now: datetime, community_id: str, email: str, **changes) -> Member:
    """Change a member and plan again: a presenter who can no longer present is replaced."""
    lookup.community(store, community_id)
    updated = update(store, community_id, validation.email_address(email), **changes)
    replan(store, community_id, now)
    return updated


def opt_out(store: Store, now: datetime, community_id: str, email: str) -> Member:
    return _update(store, now, community_id, email, opted_out=True)


def opt_in(store: Store, now: datetime, community_id: str, email: str) -> Member:
    return _update(store, now, community_id, email, opted_out=False, paused_until=None)


def pause(store: Store, now: datetime, community_id: str, email: str, until: date) -> Member:
    today = local_date(lookup.community(store, community_id), now)
    if until <= today:
        raise InputError(f"--until {until}: a pause must end after today ({today})")
    return _update(store, now, community_id, email, paused_until=until)
