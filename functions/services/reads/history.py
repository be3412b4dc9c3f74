"""A community's history as its ledger keeps it, newest first, for as long as it keeps it:

- every change, as noted in the same write as the change itself (services/changelog.py):
  when, whose doing (a member's reply, an organiser by the command line or the console,
  the rota's run, a member's calendar answer, the unsubscribe link, bounces) and what;
- the messages the rota sent (`source` "mail"): whose doing they were is only inferred
  from their kind, and said so;
- the answers to invites.

Members are named from the current roster (the notes hold digests only): someone erased
shows as "a former member"; an organiser from the community's organiser list."""
from __future__ import annotations

import json
from datetime import datetime

from ...domain.delivery import SENT, LedgerKey
from ...domain.models import Community
from ...ports import Store
from .. import activity, actors, changelog, lookup

LIMIT = 300
SHOWN = 10  # names of an import shown
FORMER = "a former member"
MEMBER, ORGANISER, ROTA = "a member's reply", "an organiser", "the rota's run"
EITHER = "a member's reply or an organiser"
INFERRED = " (inferred from the mail sent)"

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
# Noted for the report before changes were noted for the history (shown only then).
NOTES = {activity.LEFT: (MEMBER, "someone left the rota"),
         activity.SWAP: (MEMBER, "a swap was accepted")}

CAUSES = {"skipped": "skipped", "volunteered": "volunteered", "assigned": "assigned",
          "swapped": "swapped", "away": "away", "left": "left"}


class Names:
    """Digests back to names: members from the current roster, organisers from the
    community's list."""

    def __init__(self, community: Community, members) -> None:
        self.members = {activity.digest_of(m.email): m.name for m in members}
        self.organisers = {activity.digest_of(o): o for o in community.organisers}

    def member(self, digest: str | None, nobody: str = "nobody") -> str:
        if not digest:
            return nobody
        return self.members.get(digest, FORMER)

    def actor(self, kind: str, digest: str) -> str:
        if kind == actors.MEMBER:
            return f"{self.member(digest)}'s reply"
        if kind == actors.CALENDAR:
            return f"{self.member(digest)}'s calendar answer"
        if kind == actors.UNSUBSCRIBE:
            return f"{self.member(digest)}, by the unsubscribe link"
        if kind == actors.COMMAND_LINE:
            return "an organiser, by the command line"
        if kind == actors.CONSOLE:
            if not digest:
                return "this computer's operator, in the console"
            return f"{self.organisers.get(digest, 'a former organiser')}, in the console"
        if kind == actors.RUN:
            return ROTA
        if kind == actors.BOUNCES:
            return "the mail system (bounces)"
        return "unknown"


def described(what: dict, names: Names) -> str:
    """What a note says happened, in words."""
    kind = what.get("what")
    session = f"session of {what.get('date')}"
    member = names.member(what.get("member"))
    if kind == "planned":
        return f"{session} planned: " + (f"{names.member(what.get('to'))} presents"
                                         if what.get("to") else "nobody can present")
    if kind == "presenter":
        cause = CAUSES.get(what.get("cause") or "")
        return (f"{session}: presenter {names.member(what.get('from'))} → "
                f"{names.member(what.get('to'))}" + (f" ({cause})" if cause else ""))
    if kind == "back-on":
        return f"{session} back on: " + (f"{names.member(what.get('to'))} presents"
                                         if what.get("to") else "nobody can present")
    if kind == "called-off":
        return f"{session} called off ({what.get('status')})"
    if kind in ("holiday", "no-session"):
        return f"no session on {what.get('date')} ({what.get('status')})"
    if kind == "topic-set":
        return f"{session}: topic set"
    if kind == "topic-cleared":
        return f"{session}: topic cleared"
    if kind == "swap-asked":
        return (f"{session}: {names.member(what.get('from'))} asked "
                f"{names.member(what.get('to'))} to swap")
    if kind == "swap-off":
        return f"{session}: the swap asked is off"
    if kind == "settings":
        return "settings changed: " + ", ".join(what.get("fields", []))
    if kind == "created":
        return "community created"
    if kind == "joined-many":
        joined = [names.member(d) for d in what.get("members", [])]
        shown = ", ".join(joined[:SHOWN]) + (f" and {len(joined) - SHOWN} more"
                                             if len(joined) > SHOWN else "")
        return f"{len(joined)} members joined: {shown}"
    return {"joined": f"{member} joined",
            "left": f"{member} left",
            "came-back": f"{member} came back",
            "paused": f"{member} paused until {what.get('until')}",
            "resumed": f"{member}'s pause ended",
            "mail-stopped": f"mail to {member} stopped after bounces",
            "mail-started": f"mail to {member} started again",
            "renamed": f"{member}'s name changed",
            "language": f"{member}'s language changed",
            "removed": f"{member} was removed (address and name erased)",
            }.get(kind, "a change")


def events(store: Store, community_id: str, now: datetime) -> list[dict]:
    """{at, by, what, who, source}: one line per change noted ("change"), per kind of
    message sent at one moment ("mail": a digest to thirty members is one line), and per
    note and answer."""
    community = lookup.community(store, community_id)
    roster = store.list_members(community_id)
    names = Names(community, roster)
    by_email = {m.email: m.name for m in roster}
    grouped: dict[tuple[datetime, str], dict] = {}
    noted_at = set()
    old_notes = []
    for key, state, updated, detail in store.list_records(f"{community_id}/"):
        parsed = LedgerKey.parse(key) if key.count("/") >= 3 else None
        if parsed is None or updated > now:
            continue
        if parsed.kind == changelog.KIND:
            what = json.loads(detail or "{}")
            noted_at.add(updated)
            grouped[(updated, key)] = {
                "at": updated, "key": key, "source": "change", "who": [],
                "by": names.actor(what.get("by", actors.UNKNOWN), what.get("actor", "")),
                "what": described(what, names)}
        elif parsed.kind == "activity":
            old_notes.append((updated, key))
        elif parsed.kind == "rsvp":
            grouped[(updated, key)] = {
                "at": updated, "key": key, "source": "change",
                "by": f"{names.member(parsed.recipient)}'s calendar answer",
                "what": f"the invite of {parsed.key} {state}", "who": []}
        elif state == SENT and parsed.kind in KINDS:
            by, what = KINDS[parsed.kind]
            line = grouped.setdefault((updated, parsed.kind), {
                "at": updated, "key": parsed.kind, "source": "mail", "by": by + INFERRED,
                "what": f"mail sent: {what}", "who": []})
            line["who"].append(by_email.get(parsed.recipient, parsed.recipient))
    for updated, key in old_notes:  # from before changes were noted, not twice since
        if updated not in noted_at:
            by, what = NOTES.get(key.split("/")[2], (MEMBER, "a change"))
            grouped[(updated, key)] = {"at": updated, "key": key, "source": "change",
                                       "by": by + INFERRED, "what": what, "who": []}
    return sorted(grouped.values(), key=lambda e: (e["at"], e["key"]), reverse=True)[:LIMIT]
