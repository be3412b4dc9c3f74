"""Invites by mail: which iTIP parts each email carries, and who then holds what.

With the embedded calendar the rota's own emails carry the invites (iTIP REQUEST and
CANCEL parts), so the rota must know, for every coming session, which SEQUENCE each person
last received (`Session.holders`). One `Invitations` is made per run from the rota: each
email asks it for its parts, and once the emails went out, `record` stores what their
recipients now hold. With Google Calendar, Google mails the invitees itself: no parts.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
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
        self._pending: dict[str, list[tuple[date, int, bool]]] = {}  # key: its parts
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
            self._pending[key] = holdings
        return parts

    def record(self, store: Store, delivery: Delivery) -> Rota:
        """What the recipients of the sent emails now hold; stored, and used by later
        emails of this run."""
        changed = held_after(self.rota.sessions, delivery.carried)
        if changed:
            store.put_sessions(self.rota.community.id, list(changed.values()))
            self.rota = replace(self.rota, sessions={**self.rota.sessions, **changed})
        return self.rota

    def send(self, deps: Deps, now: datetime, items: list[Outgoing]) -> Delivery:
        """Deliver the emails, then record the invites of those that went out. Each email
        keeps its invites while it waits for a retry (see `record_retried`)."""
        for item in items:
            item.invites = _encode(self._pending.pop(item.key, []))
        delivery = deliver(deps, now, items)
        self.record(deps.store, delivery)
        return delivery


def record_retried(store: Store, community_id: str, delivery: Delivery) -> None:
    """What the recipients of emails sent on a retry now hold (the invites they carried)."""
    days = sorted({day for text in delivery.carried.values() for day, _, _ in _decode(text)})
    if not days:
        return
    sessions = store.list_sessions(community_id, start=days[0],
                                   end=days[-1] + timedelta(days=1))
    changed = held_after({s.date: s for s in sessions}, delivery.carried)
    if changed:
        store.put_sessions(community_id, list(changed.values()))


def held_after(sessions: dict[date, Session], carried: dict[str, str]) -> dict[date, Session]:
    """The sessions whose holders changed once emails (ledger key: invites) went out. An
    email that waited for a retry tells nothing new to whoever got a later SEQUENCE since."""
    changed: dict[date, Session] = {}
    for key, text in carried.items():
        email = key.rsplit("/", 1)[-1]
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
