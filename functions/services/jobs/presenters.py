"""Telling presenters: a heads-up when assigned, a reminder before it starts, and organisers
about sessions nobody can present. Each message carries the invites its recipient lacks."""
from __future__ import annotations

from datetime import datetime

from ...domain.digest import session_line
from ...domain.delivery import LedgerKey
from ...domain.jobs import Timing, reminder_due
from ...domain.language import words
from ...domain.wording import day_words, reminder_subject, timing_words
from ..delivery.notifier import heads_up
from ..deps import Deps
from ..delivery.invitations import Invitations
from ..delivery.messages import outgoing
from ..delivery.organisers import Alert
from ..delivery.outbox import Outgoing


def reminder_parts(rota, session, now: datetime, timing: Timing) -> dict:
    """The subject, session and offsets in words of a reminder."""
    return {"subject": reminder_subject(rota.community, timing),
            "offsets": timing_words(timing),
            "session": session_line(rota.community, session, rota.roster, now)}


def heads_ups(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Any heads-up not sent yet (one per session and presenter, again after a reassignment);
    changes announce theirs at once, so this catches up on failures and first plans."""
    rota = book.rota
    items = [heads_up(deps, rota, book, rota.roster[s.presenter], s, now)
             for s in rota.coming(now) if _reachable(rota, s.presenter)]
    return items


def reminders(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    rota = book.rota
    items = []
    for session in rota.coming(now):
        if not _reachable(rota, session.presenter) \
                or not reminder_due(session, now, deps.timing):
            continue
        member = rota.roster[session.presenter]
        key = session.date.isoformat()
        items.append(outgoing(
            deps.mail, rota.community, member, kind="reminder", key=key, now=now,
            deadline=session.starts_at,
            invites=book.parts(LedgerKey(rota.community.id, "reminder", key, member.email), member,
                               offer={session.date}, only={session.date}),
            **reminder_parts(rota, session, now, deps.timing)))
    return items


def _reachable(rota, email: str | None) -> bool:
    member = rota.roster.get(email or "")
    return member is not None and member.reachable


def unfilled_alerts(rota, now: datetime) -> list[Alert]:
    """Each coming session that nobody can present: the organisers hear once about each
    (gathered with the run's other alerts, see jobs/alerts.py)."""
    community = rota.community
    alerts = []
    for session in rota.coming(now):
        if session.presenter:
            continue
        day = session.date.isoformat()
        blackouts = sorted({*(d.isoformat() for d in community.blackouts), day})
        alerts.append(Alert(f"unfilled-{day}", "unfilled",
                            words("Nobody can present on {day}",
                                  day=day_words(session.date)),
                            session.starts_at, {
                                "session": session_line(community, session, rota.roster, now),
                                "blackouts": " ".join(blackouts)}))
    return alerts
