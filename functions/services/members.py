"""Member changes: add, import a CSV roster, opt out and in, pause."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

from ..domain import validation
from ..domain.errors import Conflict, InputError
from ..domain.models import Member
from ..ports import Store
from . import lookup, rotas

MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 10_000


def add_member(store: Store, now: datetime, community_id: str, email: str,
               name: str | None = None) -> Member:
    address = validation.email_address(email)
    before = rotas.load(store, community_id, now)
    existing = before.roster.get(address)
    if existing is not None:
        hint = " (opted out: use member optin)" if existing.opted_out else ""
        raise Conflict(f"{address} is already a member of {community_id}{hint}")
    after, decision = before.join([(address, validation.display_name(name, address))], now)
    rotas.save(store, before, decision)
    return after.roster[address]


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
    before = rotas.load(store, community_id, now)
    roster = parse_roster(data)
    clash = [email for email, _ in roster if email in before.roster]
    if clash:
        raise Conflict(f"already members of {community_id}: {', '.join(clash[:5])}"
                       + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
                       + "; nothing imported")
    after, decision = before.join(
        [(email, validation.display_name(name, email)) for email, name in roster], now)
    rotas.save(store, before, decision)
    return [after.roster[email] for email, _ in roster]


def update(store: Store, community_id: str, email: str, **changes) -> Member:
    """Change a member's record without touching the rota (bounce counts, names)."""
    member = lookup.member(store, community_id, email)
    updated = replace(member, **changes)
    store.put_member(community_id, updated)
    return updated


def _change(store: Store, now: datetime, community_id: str, email: str,
            operation) -> Member:
    address = validation.email_address(email)
    after, _ = rotas.apply(store, community_id, now, lambda r: operation(r, address))
    return after.roster[address]


def opt_out(store: Store, now: datetime, community_id: str, email: str) -> Member:
    return _change(store, now, community_id, email, lambda r, e: r.leave(e, now))


def opt_in(store: Store, now: datetime, community_id: str, email: str) -> Member:
    return _change(store, now, community_id, email, lambda r, e: r.come_back(e, now))


def pause(store: Store, now: datetime, community_id: str, email: str, until: date) -> Member:
    return _change(store, now, community_id, email, lambda r, e: r.pause(e, until, now))


def resume(store: Store, now: datetime, community_id: str, email: str) -> Member:
    """End a pause now."""
    return _change(store, now, community_id, email, lambda r, e: r.resume(e, now))
