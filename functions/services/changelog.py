"""The exact history of a community: one ledger note per change, made from the difference
between the rota before and after a unit of work and saved in the same write as the change
(services/rotas.py), with when and whose doing it was (services/actors.py).

What a note holds (its detail, JSON): the kind of change, the session's date, and members
and the actor only as digests (activity.digest_of), never an address or a name: names are
read from the current roster when the history is shown, so erasing a member leaves nothing
here to erase (they show as a former member)."""
from __future__ import annotations

import json
import secrets
from dataclasses import fields
from datetime import date, datetime
from typing import Any, Iterable

from ..domain.delivery import Entry, LedgerKey
from ..domain.models import HOLIDAY, PLANNED, Community, Member, Session
from ..domain.rota import SKIPPED, Rota
from ..domain.timing import local_date
from .activity import RETENTION, digest_of
from .actors import BOUNCES, CALENDAR, RUN, Actor

KIND = "change"  # the ledger kind of these notes: `community/change/TIME~WRITE~N/ACTOR`
NOTED = "noted"  # their state (never a message's: nothing counts them as mail)
NOBODY = "-"  # the actor part of the key when nobody is named

# Settings that are bookkeeping, not anyone's choice.
UNNOTED_SETTINGS = {"id", "created", "settled"}


def notes(before: Rota, after: Rota, members: Iterable[Member], sessions: Iterable[Session],
          now: datetime, actor: Actor) -> list[tuple[str, Entry]]:
    """One note per change between the two states, given the members and sessions (in date
    order) that differ (none when nothing a person would call a change differs: told
    markers, invite holders, counts of turns)."""
    today = after.today(now)
    found: list[tuple[Actor, dict[str, Any]]] = [
        (actor, what) for what in settings(before.community, after.community)]
    joined = [digest_of(email) for email in after.roster if email not in before.roster]
    if len(joined) > 1:  # an import: one note (a transaction holds only so many writes)
        found.append((actor, {"what": "joined-many", "members": joined}))
    for member in members:
        was = before.roster.get(member.email)
        if was is not None or len(joined) == 1:
            found += [(_refined(actor, None, what), what)
                      for what in member_changes(was, member, today)]
    for session in sessions:
        for what in session_changes(before.sessions.get(session.date), session):
            found.append((_refined(actor, session, what), what))
    return written(after.community.id, now, found)


def written(community_id: str, now: datetime, found: list[tuple[Actor, dict[str, Any]]]
            ) -> list[tuple[str, Entry]]:
    """The ledger entries of `found` (actor, what), all made at `now` in one write."""
    write = secrets.token_hex(4)  # two writes at the same instant keep both
    return [(str(LedgerKey(community_id, KIND, f"{now.isoformat()}~{write}~{n:04d}",
                           _digest(actor.address) or NOBODY)),
             Entry(NOTED, now, json.dumps({"by": actor.kind, "actor": _digest(actor.address),
                                           **what}, sort_keys=True),
                   expires=now + RETENTION))
            for n, (actor, what) in enumerate(found)]


def settings(before: Community, after: Community) -> list[dict[str, Any]]:
    """Which settings changed (their names only: values may be addresses or secrets)."""
    changed = [f.name for f in fields(Community) if f.name not in UNNOTED_SETTINGS
               and getattr(before, f.name) != getattr(after, f.name)]
    return [{"what": "settings", "fields": changed}] if changed else []


def member_changes(was: Member | None, member: Member, today: date) -> list[dict[str, Any]]:
    """What changed of one member that they or an organiser would call a change."""
    who = {"member": digest_of(member.email)}
    if was is None:
        return [{"what": "joined", **who}]
    found = []
    if member.opted_out != was.opted_out:
        found.append({"what": "left" if member.opted_out else "came-back", **who})
    if member.paused_until != was.paused_until:
        if member.paused_until is not None and member.paused_until > today:
            found.append({"what": "paused", "until": member.paused_until.isoformat(), **who})
        elif was.paused_until is not None and was.paused_until > today:
            found.append({"what": "resumed", **who})
    if member.reachable != was.reachable:
        found.append({"what": "mail-started" if member.reachable else "mail-stopped", **who})
    if member.name != was.name:
        found.append({"what": "renamed", **who})
    if member.language != was.language:
        found.append({"what": "language", **who})
    return found


def session_changes(was: Session | None, now: Session) -> list[dict[str, Any]]:
    day = {"date": now.date.isoformat()}
    if was is None:
        if now.status == PLANNED:
            return [{"what": "planned", "to": _digest(now.presenter), **day}]
        return [{"what": "no-session", "status": now.status, **day}]
    if now.status != was.status:
        if now.status == PLANNED:
            return [{"what": "back-on", "to": _digest(now.presenter), **day}]
        return [{"what": "holiday" if now.status == HOLIDAY else "called-off",
                 "status": now.status, **day}]
    found = []
    if now.presenter != was.presenter:
        found.append({"what": "presenter", "from": _digest(was.presenter),
                      "to": _digest(now.presenter), "cause": now.cause, **day})
    elif now.topic != was.topic:
        found.append({"what": "topic-set" if now.topic else "topic-cleared", **day})
    if now.swap_with != was.swap_with and now.presenter == was.presenter:
        found.append({"what": "swap-asked", "from": _digest(now.presenter),
                      "to": _digest(now.swap_with), **day} if now.swap_with
                     else {"what": "swap-off", **day})
    return found


def member_notes(community: Community, was: Member, member: Member, now: datetime,
                 actor: Actor) -> list[tuple[str, Entry]]:
    """The notes of one member's record changed outside a rota decision (bounces)."""
    changed = member_changes(was, member, local_date(community, now))
    return written(community.id, now, [(_refined(actor, None, what), what) for what in changed])


def removed(community_id: str, email: str, now: datetime, actor: Actor
            ) -> tuple[str, Entry]:
    """The note of a member erased from the store (their digest alone stays)."""
    return written(community_id, now, [(actor, {"what": "removed",
                                                "member": digest_of(email)})])[0]


def created(community_id: str, now: datetime, actor: Actor) -> tuple[str, Entry]:
    return written(community_id, now, [(actor, {"what": "created"})])[0]


def _refined(actor: Actor, session: Session | None, what: dict[str, Any]) -> Actor:
    """Mail stops only on bounces, whatever sent the mail that bounced; in the rota's run,
    a presenter skips only by declining the calendar invite."""
    if what["what"] == "mail-stopped":
        return Actor(BOUNCES)
    if actor.kind == RUN and session is not None and what.get("cause") == SKIPPED \
            and session.cause_by:
        return Actor(CALENDAR, session.cause_by)
    return actor


def _digest(email: str | None) -> str:
    return digest_of(email) if email else ""
