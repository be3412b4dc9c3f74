"""Nudges that keep people taking part: a presenter without a topic at Timing.topic_before is
reminded once, and a member who skipped three turns in a row is asked once about a pause.
Each message has its ledger key, so it goes out once whatever the number of ticks."""
from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.delivery import LedgerKey
from ...domain.digest import session_line
from ...domain.jobs import topic_due
from ...domain.models import Session
from ...domain.rota import Rota
from ...domain.language import words
from ...domain.wording import timing_words
from ..deps import Deps
from ..delivery.invitations import Invitations
from ..delivery.messages import outgoing
from ..delivery.outbox import Outgoing

SKIPS_IN_A_ROW = 3
HISTORY = timedelta(weeks=26)  # how far back a run of skips is looked for


def topic_reminders(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Only to a presenter whose heads-up (which asks for a topic) is older than that."""
    rota = book.rota
    due = [s for s in rota.coming(now) if topic_due(s, now, deps.timing)]
    heads_ups = deps.store.entries([_heads_up_key(rota, s) for s in due]) if due else {}
    items = []
    for session in due:
        member = rota.roster.get(session.presenter or "")
        told = heads_ups.get(_heads_up_key(rota, session))
        if member is None or not member.reachable or told is None \
                or told.updated > session.starts_at - deps.timing.topic_before:
            continue
        line = session_line(rota.community, session, rota.roster, now)
        items.append(outgoing(
            deps.mail, rota.community, member, kind="topic-reminder",
            key=session.heads_up_key, now=now,
            deadline=session.starts_at - deps.timing.reminder_before,
            subject=words("What will you talk about on {day}?", day=line.day), session=line,
            offsets=timing_words(deps.timing)))
    return items


def _heads_up_key(rota: Rota, session: Session) -> str:
    return str(LedgerKey(rota.community.id, "heads-up", session.heads_up_key,
                         session.presenter or ""))


def skipped_in_a_row(sessions: list[Session], email: str, now: datetime) -> list[Session]:
    """The member's last turns, when the last SKIPS_IN_A_ROW of them were all skipped:
    a turn is a session they held or one they skipped (or declined)."""
    turns = [s for s in sorted(sessions, key=lambda s: s.date)
             if email in s.declined or (s.presenter == email and s.held(now))]
    last = turns[-SKIPS_IN_A_ROW:]
    if len(last) == SKIPS_IN_A_ROW and all(email in s.declined for s in last):
        return last
    return []


def pause_questions(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Once per run of three skips: "would a pause suit you better?". The history is read
    only when a loaded session holds a skip from the last two weeks or a coming one."""
    rota = book.rota
    skippers = {e for s in rota.sessions.values() for e in s.declined
                if s.date >= rota.today(now) - timedelta(days=14)}
    skippers = {e for e in skippers if _may_ask(rota, e, now)}
    if not skippers:
        return []
    history = deps.store.list_sessions(rota.community.id, start=(now - HISTORY).date())
    items = []
    for email in sorted(skippers):
        run = skipped_in_a_row(history, email, now)
        if not run or run[-1].date < rota.today(now) - timedelta(days=14):
            continue
        member = rota.roster[email]
        items.append(outgoing(
            deps.mail, rota.community, member, kind="pause-question",
            key=run[-1].date.isoformat(), now=now,
            subject=words("{name}: would a pause suit you better?", name=rota.community.name),
            skipped=[session_line(rota.community, s, rota.roster, now) for s in run]))
    return items


def _may_ask(rota: Rota, email: str, now: datetime) -> bool:
    """Still on the roster (not left, not already paused) and reachable by mail."""
    member = rota.roster.get(email)
    return (member is not None and member.reachable
            and member.status(rota.today(now)) == "active")
