"""Telling presenters: a heads-up when assigned, a reminder the day before."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.digest import session_line
from ..domain.jobs import reminder_due
from ..domain.models import PLANNED, Member, Session
from ..domain.rota import Rota
from ..domain.wording import day_words
from .calendar_sync import event_for
from .deps import Deps
from .messages import outgoing
from .outbox import Delivery, deliver

log = logging.getLogger(__name__)


def presenter_parts(deps: Deps, rota: Rota, session: Session, kind: str,
                    now: datetime) -> dict:
    """The subject, session and invite of a heads-up or reminder."""
    community = rota.community
    subject = (f"You're up at {community.name} on {day_words(session.date)}"
               if kind == "heads-up" else f"Tomorrow: your session at {community.name}")
    return {"subject": subject, "session": session_line(community, session, rota.roster, now),
            "invite": event_for(deps, community, session, rota.roster.values())}


def _presenter_messages(deps: Deps, rota: Rota, now: datetime, kind: str, due) -> Delivery:
    items = []
    for session in rota.coming(now):
        member = rota.roster.get(session.presenter or "")
        if member is None or not member.reachable or not due(session):
            continue
        items.append(outgoing(deps.mail, rota.community, member, kind=kind,
                              key=session.date.isoformat(), now=now,
                              **presenter_parts(deps, rota, session, kind, now)))
    return deliver(deps.store, deps.mailer, now, items)


def send_heads_ups(deps: Deps, rota: Rota, now: datetime) -> Delivery:
    """One heads-up per (session, presenter): a reassigned session's new presenter gets one."""
    return _presenter_messages(deps, rota, now, "heads-up", lambda s: s.status == PLANNED)


def send_reminders(deps: Deps, rota: Rota, now: datetime) -> Delivery:
    return _presenter_messages(deps, rota, now, "reminder", lambda s: reminder_due(s, now))


def alert_organisers(deps: Deps, rota: Rota, now: datetime) -> Delivery:
    """Organisers hear once about each coming session that nobody can present."""
    community = rota.community
    items = []
    for session in rota.coming(now):
        if session.presenter:
            continue
        line = session_line(community, session, rota.roster, now)
        for email in community.organisers:
            organiser = rota.roster.get(email) or Member(email, email.split("@")[0],
                                                          now.date(), -1)
            items.append(outgoing(deps.mail, community, organiser, kind="unfilled",
                                  key=session.date.isoformat(), now=now, session=line,
                                  subject=f"{community.name}: nobody can present on "
                                          f"{day_words(session.date)}"))
    return deliver(deps.store, deps.mailer, now, items)
