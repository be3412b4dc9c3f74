"""What people did that the rota's own records do not keep: swaps, departures and calendar
answers, written to the store's ledger for the report (addresses only as digests)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from ..domain.chat import MAIL, channel_of
from ..domain.delivery import SENT, Entry, LedgerKey
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


Record = tuple[str, str, datetime, str]  # (key, state, updated, detail), as the ledger lists


def events(records: list[Record], kind: str) -> list[datetime]:
    """When each event of `kind` happened, from one community's records."""
    return [updated for key, _, updated, _ in records
            if LedgerKey.parse(key).kind == "activity" and key.split("/")[2] == kind]


def sent(records: list[Record]) -> list[tuple[str, datetime]]:
    """(kind, when) of every email the ledger says went out (chat posts apart)."""
    found = []
    for key, state, updated, _ in records:
        if state == SENT and channel_of(key) == MAIL:
            found.append((LedgerKey.parse(key).kind, updated))
    return found


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


def answers(records: list[Record]) -> dict[date, dict[str, str]]:
    """Answers by session date: {email digest: status}, from one community's records."""
    found: dict[date, dict[str, str]] = {}
    for key, state, _, _ in records:
        parsed = LedgerKey.parse(key)
        if parsed.kind == "rsvp":
            found.setdefault(date.fromisoformat(parsed.key), {})[parsed.recipient] = state
    return found


def digest_of(email: str) -> str:
    return _digest(email.lower())
