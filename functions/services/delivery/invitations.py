"""Invites by mail: which iTIP parts each email carries, and who then holds what.

With the embedded calendar the rota's own emails carry the invites (iTIP REQUEST and
CANCEL parts), so the rota must know, for every coming session, which SEQUENCE each person
last received (`Session.holders`). One `Invitations` is made per run from the rota: each
email asks it for its parts, and once the emails went out, `record` stores what their
recipients now hold. With Google Calendar, Google mails the invitees itself: no parts.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Iterable

from ...domain.invites import CANCEL, REQUEST, Event, invite_action
from ...domain.models import PLANNED, Member, Session
from ...domain.rota import Rota
from ...ports import Store
from ..jobs.calendar_sync import event_for
from ..deps import Deps
from .outbox import Delivery, Outgoing, deliver


class Invitations:
    def __init__(self, deps: Deps, rota: Rota, now: datetime) -> None:
        self.enabled = deps.mail.attach_invites
        self.rota = rota
        coming = [s for s in rota.sessions.values() if s.starts_at and s.starts_at > now]
        self.events: dict[date, Event] = {
            s.date: event_for(deps, rota.community, s, rota.roster.values())
            for s in coming} if self.enabled else {}
        self._pending: dict[str, tuple[str, list[tuple[date, int, bool]]]] = {}
        # What this run's emails already carry, per (email, date): never twice in one run.
        self._promised: dict[tuple[str, date], int | None] = {}

    def parts(self, key: str, member: Member, offer: Iterable[date] = (),
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
            self._pending[key] = (member.email, holdings)
        return parts

    def record(self, store: Store, delivery: Delivery) -> Rota:
        """What the recipients of the sent emails now hold; stored, and used by later
        emails of this run."""
        changed: dict[date, Session] = {}
        for key in delivery.sent:
            email, holdings = self._pending.pop(key, ("", []))
            for day, sequence, cancelled in holdings:
                session = changed.get(day) or self.rota.sessions[day]
                changed[day] = session.with_holder(email, sequence, cancelled)
        if changed:
            store.put_sessions(self.rota.community.id, list(changed.values()))
            self.rota = replace(self.rota, sessions={**self.rota.sessions, **changed})
        return self.rota

    def send(self, deps: Deps, now: datetime, items: list[Outgoing]) -> Delivery:
        """Deliver the emails, then record the invites of those that went out."""
        delivery = deliver(deps, now, items)
        self.record(deps.store, delivery)
        return delivery
