"""Telling presenters: a heads-up when assigned, a reminder the day before."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.digest import session_line
from ..domain.jobs import reminder_due
from ..domain.models import PLANNED, Community, Member, Session
from ..domain.wording import day_words
from . import lookup
from .calendar_sync import event_for
from .deps import Deps
from .messages import outgoing
from .outbox import Delivery, deliver

log = logging.getLogger(__name__)


def presenter_parts(deps: Deps, community: Community, session: Session,
                    members: list[Member], kind: str, now: datetime) -> dict:
    """The subject, session and invite of a heads-up or reminder."""
    subject = (f"You're up at {community.name} on {day_words(session.date)}"
               if kind == "heads-up" else f"Tomorrow: your session at {community.name}")
    roster = {m.email: m for m in members}
    return {"subject": subject, "session": session_line(community, session, roster, now),
            "invite": event_for(deps, community, session, members)}


def _presenter_messages(deps: Deps, community: Community, now: datetime, kind: str,
                        due) -> Delivery:
    roster = deps.store.list_members(community.id)
    members = {m.email: m for m in roster}
    items = []
    for session in lookup.coming_sessions(deps.store, community.id, now):
        member = members.get(session.presenter or "")
        if member is None or not member.reachable or not due(session):
            continue
        items.append(outgoing(deps.mail, community, member, kind=kind,
                              key=session.date.isoformat(), now=now,
                              deadline=session.starts_at,
                              **presenter_parts(deps, community, session, roster, kind, now)))
    return deliver(deps, now, items)


def send_heads_ups(deps: Deps, community: Community, now: datetime) -> Delivery:
    """One heads-up per (session, presenter): a reassigned session's new presenter gets one."""
    return _presenter_messages(
        deps, community, now, "heads-up",
        lambda s: s.status == PLANNED and not s.started(now))


def send_reminders(deps: Deps, community: Community, now: datetime) -> Delivery:
    return _presenter_messages(deps, community, now, "reminder",
                               lambda s: reminder_due(s, now))


def alert_organisers(deps: Deps, community: Community, now: datetime) -> Delivery:
    """Organisers hear once about each coming session that nobody can present."""
    roster = {m.email: m for m in deps.store.list_members(community.id)}
    items = []
    for session in lookup.coming_sessions(deps.store, community.id, now):
        if session.status != PLANNED or session.presenter or session.started(now):
            continue
        line = session_line(community, session, roster, now)
        for email in community.organisers:
            organiser = roster.get(email) or Member(email, email.split("@")[0], now.date(), -1)
            items.append(outgoing(deps.mail, community, organiser, kind="unfilled",
                                  key=session.date.isoformat(), now=now, session=line,
                                  deadline=session.starts_at,
                                  subject=f"{community.name}: nobody can present on "
                                          f"{day_words(session.date)}"))
    return deliver(deps, now, items)
