"""What people did that the rota's own records do not keep: swaps, departures and calendar
answers, written to the store's ledger for the report (addresses only as digests)."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, datetime, timedelta

from ..domain.chat import MAIL, channel_of
from ..domain.delivery import SENT, Entry, LedgerKey
from ..ports import Ledger, Store

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


# Emails that went out, counted by kind per quarter hour and kept as long as the other
# notes: the outbox's own entries expire weeks after their message, the report's weeks do
# not. Every zone's midnight falls on a quarter hour, so weeks count exactly.
TALLY, QUARTER = "tally", timedelta(minutes=15)


def tally(ledger: Ledger, mail: list[tuple[str, str, datetime]]) -> None:
    """Add emails that went out, (community, kind, when), to their quarter hour's tally:
    read and compare-and-swap, so runs sending at once add up rather than overwrite."""
    groups: dict[tuple[str, datetime], Counter] = {}
    for community_id, kind, when in mail:
        quarter = when - timedelta(minutes=when.minute % 15, seconds=when.second,
                                   microseconds=when.microsecond)
        groups.setdefault((community_id, quarter), Counter())[kind] += 1
    for (community_id, quarter), kinds in groups.items():
        key = str(LedgerKey(community_id, "activity", f"{SENT}/{quarter.isoformat()}", TALLY))
        for _ in range(20):
            old = ledger.entries([key]).get(key)
            counts = Counter(json.loads(old.detail) if old else {}) + kinds
            new = Entry(TALLY, quarter, json.dumps(dict(sorted(counts.items()))),
                        expires=quarter + RETENTION)
            if ledger.swap(key, old, new):
                break


def sent(records: list[Record]) -> list[tuple[str, datetime]]:
    """(kind, quarter hour) of every email the tallies say went out (chat posts apart)."""
    found = []
    for key, state, updated, detail in records:
        if state == TALLY and LedgerKey.parse(key).kind == "activity":
            for kind, count in json.loads(detail or "{}").items():
                found += [(kind, updated)] * count
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
