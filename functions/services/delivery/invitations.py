"""Invites by mail: which iTIP parts each email carries, and who then holds what.

With the embedded calendar the rota's own emails carry the invites (iTIP REQUEST and
CANCEL parts), so the rota must know, for every coming session, which SEQUENCE each person
last received (`Session.holders`). One `Invitations` is made per run from the rota: each
email asks it for its parts, and once the emails went out, `outcome` tells what their
recipients now hold, for the run to save with the rest. With Google Calendar, Google mails the invitees itself: no parts.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Iterable

from ...domain.delivery import LedgerKey
from ...domain.invites import CANCEL, REQUEST, Event, invite_action
from ...domain.models import PLANNED, Member, Session
from ...domain.rota import Rota
from ..deps import Deps
from .calendar import event_for
from .outbox import Delivery, Outgoing


class Invitations:
    def __init__(self, deps: Deps, rota: Rota, now: datetime) -> None:
        self.enabled = deps.mail.attach_invites
        self.rota = rota
        coming = [s for s in rota.sessions.values() if s.starts_at and s.starts_at > now]
        self.events: dict[date, Event] = {
            s.date: event_for(deps, rota.community, s, rota.roster.values())
            for s in coming} if self.enabled else {}
        self._pending: dict[str, list[tuple[date, int, bool]]] = {}  # key: its parts
        # What this run's emails already carry, per (email, date): never twice in one run.
        self._promised: dict[tuple[str, date], int | None] = {}

    def parts(self, key: LedgerKey, member: Member, offer: Iterable[date] = (),
              only: Iterable[date] | None = None) -> list[tuple[Event, str]]:
        """The parts the email `key` to `member` carries: an update or a CANCEL for every
        coming event they hold that changed (in `only`, if given), and a first invite to the
        sessions in `offer` they are invited to."""
        if not self.enabled:
            return []
        offered, wanted = set(offer), None if only is None else set(only)
        parts, holdings = [], []
        # The offered session first: mail programs act on the first invite only.
        for day in sorted(self.events, key=lambda d: (d not in offered, d)):
            if wanted is not None and day not in wanted:
                continue
            session, event = self.rota.sessions[day], self.events[day]
            invited = session.status == PLANNED and member.email in event.invitees
            held = self._promised.get((member.email, day), session.held_by(member.email))
            action = invite_action(held, session.sequence, invited, day in offered)
            if action is None:
                continue
            sequence = session.sequence
            cancelled = session.cancelled_for(member.email)
            if action == REQUEST and held is None and cancelled is not None:
                # Invited again after a CANCEL: only a higher SEQUENCE revives the event.
                sequence = max(sequence, cancelled + 1)
            parts.append((replace(event, sequence=sequence), action))
            holdings.append((day, sequence, action == CANCEL))
            self._promised[(member.email, day)] = None if action == CANCEL else sequence
        if holdings:
            self._pending[str(key)] = holdings
        return parts

    def carry(self, items: list[Outgoing]) -> list[Outgoing]:
        """The emails, each noting the invites it carries: kept with it in the ledger while
        it waits for a retry and once sent, so that what its recipient holds is known
        even when the run that sent it stopped before it saved."""
        for item in items:
            item.invites = _encode(self._pending.pop(item.key, [])) or item.invites
        return items


def outcome(rota: Rota, delivery: Delivery) -> Rota:
    """The rota once `delivery` went out: who now holds which invite (from what the sent
    emails carried, those sent again on a retry too), and whose mail was refused (a
    bounce)."""
    sessions = held_after(rota.sessions, delivery.carried)
    roster = dict(rota.roster)
    for key in delivery.bounced:
        parsed = LedgerKey.parse(key)
        member = roster.get(parsed.recipient)
        if parsed.community == rota.community.id and member is not None:
            roster[member.email] = replace(member, bounces=member.bounces + 1)
    for key in (*delivery.sent, *delivery.sent_before):  # a welcome owed went out
        parsed = LedgerKey.parse(key)
        member = roster.get(parsed.recipient)
        if parsed.kind == "welcome" and member is not None and member.welcome_due:
            roster[member.email] = replace(member, welcome_due=False)
    if not sessions and roster == rota.roster:
        return rota
    return replace(rota, roster=roster, sessions={**rota.sessions, **sessions})


def held_after(sessions: dict[date, Session], carried: dict[str, str]) -> dict[date, Session]:
    """The sessions whose holders changed once emails (ledger key: invites) went out. An
    email that waited for a retry tells nothing new to whoever got a later SEQUENCE since."""
    changed: dict[date, Session] = {}
    for key, text in carried.items():
        email = LedgerKey.parse(key).recipient
        for day, sequence, cancelled in _decode(text):
            session = changed.get(day) or sessions.get(day)
            if session is None:
                continue  # no such session any more
            known = session.held_by(email)
            known = session.cancelled_for(email) if known is None else known
            if known is None or known <= sequence:
                changed[day] = session.with_holder(email, sequence, cancelled)
    return changed


def _encode(holdings: list[tuple[date, int, bool]]) -> str:
    return " ".join(f"{day.isoformat()}:{sequence}" + (":cancel" if cancelled else "")
                    for day, sequence, cancelled in holdings)


def _decode(text: str) -> list[tuple[date, int, bool]]:
    holdings = []
    for part in text.split():
        day, sequence, *cancel = part.split(":")
        holdings.append((date.fromisoformat(day), int(sequence), bool(cancel)))
    return holdings
