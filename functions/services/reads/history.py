"""A community's history as its ledger keeps it: every message the rota sent (each change is
told to someone, so each shows here, with who set it off), the departures and swaps it
noted, and the answers to invites; newest first, for as long as the ledger keeps them."""
from __future__ import annotations

from datetime import datetime

from ...domain.delivery import SENT, LedgerKey
from ...ports import Store
from .. import activity

LIMIT = 300
MEMBER, ORGANISER, ROTA = "a member's reply", "an organiser", "the rota's run"
EITHER = "a member's reply or an organiser"

# What each kind of message tells of, and whose doing it was.
KINDS = {
    "confirm": (MEMBER, "a member's change confirmed"),
    "help": (MEMBER, "an unclear reply answered with the help text"),
    "goodbye": (EITHER, "a member left and was told goodbye"),
    "welcome": (EITHER, "a member joined and was welcomed"),
    "notice": (ORGANISER, "a member told of an organiser's change"),
    "heads-up": (ROTA, "a presenter's heads-up"),
    "changed": (ROTA, "a change of presenter told"),
    "cancelled": (ROTA, "a session called off"),
    "reminder": (ROTA, "the presenter's reminder"),
    "topic-reminder": (ROTA, "a reminder to set a topic"),
    "digest": (ROTA, "the weekly digest"),
    "alerts": (ROTA, "organisers alerted"),
    "health": (ROTA, "the monthly health email"),
    "pause-question": (ROTA, "a member asked whether a pause would suit"),
}
NOTES = {activity.LEFT: (MEMBER, "someone left the rota"),
         activity.SWAP: (MEMBER, "a swap was accepted")}


def events(store: Store, community_id: str, now: datetime) -> list[dict]:
    """{at, by, what, who}: one line per kind of message sent at one moment (a digest to
    thirty members is one line), and one per note and answer."""
    names = {m.email: m.name for m in store.list_members(community_id)}
    grouped: dict[tuple[datetime, str], dict] = {}
    for key, state, updated, _ in store.list_records(f"{community_id}/"):
        parsed = LedgerKey.parse(key) if key.count("/") >= 3 else None
        if parsed is None or updated > now:
            continue
        if parsed.kind == "activity":
            by, what = NOTES.get(key.split("/")[2], (MEMBER, "a change"))
            line = grouped.setdefault((updated, key), {"at": updated, "by": by,
                                                        "what": what, "who": []})
        elif parsed.kind == "rsvp":
            line = grouped.setdefault((updated, key), {
                "at": updated, "by": "a member's calendar",
                "what": f"the invite of {parsed.key} {state}", "who": []})
        elif state == SENT and parsed.kind in KINDS:
            by, what = KINDS[parsed.kind]
            line = grouped.setdefault((updated, parsed.kind),
                                      {"at": updated, "by": by, "what": what, "who": []})
            line["who"].append(names.get(parsed.recipient, parsed.recipient))
    return sorted(grouped.values(), key=lambda e: e["at"], reverse=True)[:LIMIT]
