"""What people did that the rota's own records do not keep: swaps, departures and calendar
answers, written to the store's ledger for the report (addresses only as digests)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from ..domain.delivery import Entry, LedgerKey
from ..ports import Store

RETENTION = timedelta(days=800)  # long enough for a two-year report
SWAP, LEFT = "swap", "left"
RSVP_STATES = ("accepted", "declined", "tentative")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def noted(community_id: str, kind: str, now: datetime, *who: str) -> tuple[str, Entry]:
    """The record of one event of `kind` at `now` (the same event noted twice counts once),
    to be saved with the change it is part of."""
    key = str(LedgerKey(community_id, "activity", f"{kind}/{now.isoformat()}",
                        _digest(*who)))
    return key, Entry(kind, now, expires=now + RETENTION)


def events(store: Store, community_id: str, kind: str) -> list[datetime]:
    """When each event of `kind` happened."""
    return [updated for _, _, updated, _ in
            store.list_records(f"{community_id}/activity/{kind}/")]


def answered(store: Store, community_id: str, day: date, answers: dict[str, str],
             now: datetime) -> list[tuple[str, Entry]]:
    """The records of members' answers to the invite of the session on `day` that changed
    (one read for all), to be saved with the run or reply they came with."""
    keys = {str(LedgerKey(community_id, "rsvp", day.isoformat(), digest_of(email))):
            status.lower()
            for email, status in answers.items() if status.lower() in RSVP_STATES}
    if not keys:
        return []
    known = store.entries(list(keys))
    return [(key, Entry(status, now, expires=now + RETENTION)) for key, status in keys.items()
            if key not in known or known[key].state != status]


def answers(store: Store, community_id: str) -> dict[date, dict[str, str]]:
    """Answers by session date: {email digest: status}."""
    found: dict[date, dict[str, str]] = {}
    for key, state, _, _ in store.list_records(f"{community_id}/rsvp/"):
        parsed = LedgerKey.parse(key)
        found.setdefault(date.fromisoformat(parsed.key), {})[parsed.recipient] = state
    return found


def digest_of(email: str) -> str:
    return _digest(email.lower())
