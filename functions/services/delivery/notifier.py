"""Telling everyone a rota decision concerns, each in words written for them, and why.

After any change (a reply, an organiser's command, a declined invite, the tick's planning):
- the calendar is brought up to date first (new SEQUENCE numbers);
- the person who asked gets their confirmation at once, carrying every invite change they
  hold (when the change gives them a session, its heads-up is the confirmation);
- everyone else hears from the next run, once for a whole burst of changes (`untold`):
  whoever now presents a session gets its heads-up, whoever lost one hears why (with the
  updated invite or its CANCEL), everyone who holds the invite of a session called off
  gets its CANCEL, and a new presenter before the next digest is told to the invitees.
Everyone else who holds a changed event gets the update with the next digest.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from ...domain.delivery import LedgerKey
from ...domain.digest import session_line, upcoming_lines
from ...domain.jobs import digest_slot
from ...domain.models import PLANNED, Member, Session
from ...domain.rota import (ASSIGNED, AWAY, FIRST, LEFT, SKIPPED, SWAPPED, VOLUNTEERED,
                            Change, Decision, Rota)
from ...domain.language import N_, Words, _, words
from ...domain.wording import day_words, done_subject, subject_of
from .. import rotas
from ..deps import Deps
from . import record
from .calendar import sync_calendar
from .invitations import Invitations, outcome
from .messages import outgoing
from .outbox import Delivery, Outgoing, deliver


@dataclass(frozen=True)
class Confirmation:
    """The message to the person who asked for the change. Without a subject it is
    "Done: <what the rota did>"."""

    email: str
    kind: str = "confirm"  # confirm, goodbye, welcome…
    key: str = ""  # default: one per change and day
    subject: str | None = None
    prefix: str = ""  # put before the decision's summary ("you declined the invite, so …")
    context: dict[str, Any] = field(default_factory=dict)  # auto, in_reply_to…
    # Carries the invite of every coming session they are invited to: a member who joins
    # or comes back holds them all at once, this week's included.
    offer_coming: bool = False

    def completed(self, decision: Decision, today: date) -> "Confirmation":
        summary = self.context.get("summary") or Words(
            lambda: f"{self.prefix}{decision.summary}")
        key = self.key or f"{today.isoformat()}-{hashlib.sha256(summary.encode()).hexdigest()[:8]}"
        return replace(self, key=key, subject=self.subject or done_subject(summary),
                       context={"summary": summary, **self.context})


def announce(deps: Deps, rota: Rota, decision: Decision,
             confirmations: Iterable[Confirmation] = (), at_once: bool = False
             ) -> tuple[Rota, Delivery, int]:
    """After a saved change: calendar first, then the confirmations of whoever asked,
    then one write of what they changed (new SEQUENCE numbers, who holds which invite,
    bounces). Everyone else concerned hears at the next tick, once for a whole burst of
    changes (see `untold`), unless `at_once` (a community about to be deleted). Returns
    the rota as it now is, what was sent, and how many calendar events were published."""
    now = deps.clock.now()
    synced, published, _ = sync_calendar(deps, rota, now)
    book = Invitations(deps, synced, now)
    delivery = deliver(deps, now, book.carry(
        compose(deps, book, decision, list(confirmations), now, others=at_once)))
    after = outcome(synced, delivery)
    rotas.store_changes(deps.store, rota, after, now)  # bounces of these noted
    record.published(published, decision)
    return after, delivery, published


def compose(deps: Deps, book: Invitations, decision: Decision,
            confirmations: list[Confirmation], now: datetime, others: bool = True
            ) -> list[Outgoing]:
    """Everyone `decision` concerns, each in words written for them (see the top); with
    `others` False, only the confirmations of whoever asked."""
    rota = book.rota
    actors = {c.email for c in confirmations}
    gained: dict[str, list[date]] = {}
    lost: dict[str, list[date]] = {}
    changes: dict[date, Change] = {}
    for change in decision.changes:
        session = rota.sessions.get(change.date)
        if session is None or session.started(now):
            continue
        changes[change.date] = change
        if change.after:
            gained.setdefault(change.after, []).append(change.date)
        if change.before:
            lost.setdefault(change.before, []).append(change.date)
    items: list[Outgoing] = []
    for email in dict.fromkeys([*gained, *lost]) if others else ():
        member = rota.roster.get(email)
        if member is None or not member.reachable or email in actors:
            continue
        lost[email] = [d for d in lost.get(email, []) if changes[d].actor != email]
        if not gained.get(email) and not lost[email]:
            continue  # their own request: they heard when they made it
        items += _notices(deps, rota, book, member, gained.get(email, []),
                          lost.get(email, []), changes, now)
    # Whoever hears of this change otherwise gets the CANCEL or update in that message.
    told = {*actors, *lost, *gained}
    if others:
        items += _cancellations(deps, rota, book, decision.sessions, now, skip=told)
        items += _before_next_digest(deps, rota, book, decision, now, skip=told)
    for confirmation in confirmations:
        items += _confirmation(deps, rota, book, confirmation,
                               gained.get(confirmation.email, []), now)
    return items


def _notices(deps: Deps, rota: Rota, book: Invitations, member: Member, gained: list[date],
             lost: list[date], changes: dict[date, Change], now: datetime
             ) -> list[Outgoing]:
    """A heads-up for each session gained, else one notice for the sessions lost; each
    says why."""
    if gained:
        return [heads_up(deps, rota, book, member, rota.sessions[day], now,
                         because=_why_gained(rota, member, changes, day,
                                             lost[0] if lost and i == 0 else None),
                         only=None if i == 0 else {day})
                for i, day in enumerate(gained)]
    session = rota.sessions[lost[0]]
    who = rota.roster.get(session.presenter or "")
    why = _why(rota, changes[lost[0]])
    day = day_words(lost[0])
    because = (words("You no longer present on {day}: {why}.", day=day, why=why) if why
               else words("You no longer present on {day}: {name} does instead.", day=day,
                          name=who.name) if who
               else words("You no longer present on {day}.", day=day))
    if session.status != PLANNED:
        because = words("You no longer present on {day} ({note}).", day=day,
                        note=Words(lambda: _(session.note)) if session.note
                        else words("no session"))
    because = words("{because} You keep your place in the queue.", because=because)
    if member.topic:
        because = words("{because} Your topic “{topic}” goes with you, to your next turn.",
                        because=because, topic=member.topic)
    key = f"changed-{lost[0].isoformat()}~{session.reassigned}"
    return [_message(deps, rota, book, member, "changed", key,
                     words("{name}: you no longer present on {day}",
                           name=rota.community.name, day=day),
                     now, session=session, because=because)]


def _why(rota: Rota, change: Change) -> str | None:
    """Why the session of `change` changed hands, as the people concerned read it."""
    actor = rota.roster.get(change.actor or "")
    name, day = actor.name if actor else words("someone"), day_words(change.date)
    before = rota.roster.get(change.before or "")
    if not change.cause and before is not None and not before.reachable:
        return words("mail to {name} keeps bouncing", name=before.name)
    why = {SKIPPED: N_("{name} can't make {day}"),
           VOLUNTEERED: N_("{name} volunteered for {day}"),
           ASSIGNED: N_("an organiser put {name} on {day}"),
           SWAPPED: N_("{name} accepted a swap"), AWAY: N_("{name} is away"),
           LEFT: N_("{name} has left the rota"),
           FIRST: N_("{name} has not presented yet and goes first")}.get(change.cause)
    return words(why, name=name, day=day) if why else None


def _why_gained(rota: Rota, member: Member, changes: dict[date, Change], day: date,
                moved_from: date | None) -> str | None:
    """Why `member` now presents on `day`."""
    change = changes[day]
    if change.cause == ASSIGNED and change.actor == member.email:
        return words("An organiser asked you to present on {day}.", day=day_words(day))
    if change.cause == FIRST and change.actor == member.email:
        return words("You have not presented yet, so you go first: on {day}.",
                     day=day_words(day))
    why = _why(rota, change)
    if moved_from is not None:
        moved = dict(before=day_words(moved_from), day=day_words(day))
        return (words("Your session moved from {before} to {day}: {why}.", why=why, **moved)
                if why else words("Your session moved from {before} to {day}.", **moved))
    if why:
        return words("{why}, so you present instead.",
                     why=Words(lambda: str(why)[:1].upper() + str(why)[1:]))
    before = rota.roster.get(change.before or "")
    return (words("You take over {day} from {name}.", day=day_words(day), name=before.name)
            if before else None)


def heads_up(deps: Deps, rota: Rota, book: Invitations, member: Member, session: Session,
             now: datetime, *, because: str | None = None, done: str | None = None,
             subject: str | None = None, only=None, offer: Iterable[date] = (),
             **context: Any) -> Outgoing:
    """The heads-up of `session` to its presenter, with its invite (and those `offer`s)."""
    return _message(deps, rota, book, member, "heads-up", session.heads_up_key,
                    subject or words("You're up at {name} on {day}",
                                     name=rota.community.name, day=day_words(session.date)),
                    now, session=session, because=because, done=done,
                    offer={session.date, *offer}, only=only, **context)


def _message(deps: Deps, rota: Rota, book: Invitations, member: Member, kind: str, key: str,
             subject: str, now: datetime, *, session: Session | None = None, offer=(),
             only=None, **context: Any) -> Outgoing:
    ledger_key = LedgerKey(rota.community.id, kind, key, member.email)
    invites = book.parts(ledger_key, member, offer=offer, only=only)
    if session is not None:
        context["session"] = session_line(rota.community, session, rota.roster, now)
    return outgoing(deps.mail, rota.community, member, kind=kind, key=key, subject=subject,
                    now=now, invites=invites,
                    deadline=session.starts_at if session is not None else None,
                    upcoming=upcoming_lines(rota.community, rota.sessions.values(),
                                            rota.roster, now), **context)


def _cancellations(deps: Deps, rota: Rota, book: Invitations, sessions: Iterable[Session],
                   now: datetime, skip: set[str | None]) -> list[Outgoing]:
    """A session called off: a CANCEL to everyone who holds its invite, and only them."""
    items = []
    for session in sessions:
        if session.status == PLANNED or not session.invited or session.started(now):
            continue
        for email in session.invited:
            member = rota.roster.get(email)
            if member is None or not member.reachable or email in skip:
                continue
            items.append(_message(
                deps, rota, book, member, "cancelled", session.date.isoformat(),
                words("No {name} session on {day}", name=rota.community.name,
                      day=day_words(session.date)), now,
                session=session, only={session.date}))
    return items


def _before_next_digest(deps: Deps, rota: Rota, book: Invitations, decision: Decision,
                        now: datetime, skip: set[str | None]) -> list[Outgoing]:
    """A new presenter for a session before the next digest: whoever holds its invite gets
    the update now (it would come too late with the digest). Other updates wait for it."""
    next_digest = digest_slot(rota.community, now) + timedelta(days=7)
    items = []
    for change in decision.changes:
        session = rota.sessions.get(change.date)
        if (session is None or session.status != PLANNED or session.started(now)
                or session.starts_at >= next_digest or change.before is None):
            continue
        before, after = rota.roster.get(change.before), rota.roster.get(change.after or "")
        day = day_words(session.date)
        because = (words("A change on {day}: {name} presents instead of {before}.", day=day,
                         name=after.name, before=before.name) if after and before
                   else words("A change on {day}: {name} presents.", day=day, name=after.name)
                   if after
                   else words("A change on {day}: nobody can present yet instead of {before}.",
                              day=day, before=before.name) if before
                   else words("A change on {day}: nobody can present yet.", day=day))
        for email in session.invited:
            member = rota.roster.get(email)
            if member is None or not member.reachable or email in skip:
                continue
            items.append(_message(
                deps, rota, book, member, "changed",
                f"update-{session.date.isoformat()}~{session.reassigned}",
                words("{name}: a change on {day}", name=rota.community.name, day=day), now,
                session=session, because=because, only={session.date}))
    return items


def cancellations(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Catch up on CANCELs not sent yet (a change made without mail, a failed send)."""
    rota = book.rota
    return _cancellations(deps, rota, book, rota.sessions.values(), now, skip=set())


def _confirmation(deps: Deps, rota: Rota, book: Invitations, confirmation: Confirmation,
                  gained: list[date], now: datetime) -> list[Outgoing]:
    member = rota.roster.get(confirmation.email)
    if member is None or not member.reachable:
        return []
    offer = {s.date for s in rota.coming(now)} if confirmation.offer_coming else set()
    if gained and confirmation.kind == "confirm":  # the heads-up is the confirmation
        return [heads_up(deps, rota, book, member, rota.sessions[day], now,
                         done=confirmation.context.get("summary"),
                         subject=subject_of(confirmation.subject or "",
                                            words("you present on {day}",
                                                  day=day_words(day))),
                         only=None if i == 0 else {day}, offer=offer,
                         **{k: v for k, v in confirmation.context.items() if k != "summary"})
                for i, day in enumerate(gained)]
    return [_message(deps, rota, book, member, confirmation.kind, confirmation.key,
                     confirmation.subject, now, offer=offer, **confirmation.context)]
