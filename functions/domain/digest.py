"""What the weekly digest, the heads-up and the reminder say: plain data for the templates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import NO_SESSION, PLANNED, Community, Member, Session
from .wording import day_words, time_range, when


@dataclass(frozen=True)
class SessionLine:
    date: str  # ISO
    day: str  # "Friday 4 December 2026"
    when: str  # with the local time range
    hours: str  # the local time range alone: "16:00–16:30 AEDT"
    status: str  # planned, held, holiday, blackout, cancelled
    presenter_name: str | None
    presenter_email: str | None
    topic: str | None
    note: str | None


def session_line(community: Community, session: Session, roster: dict[str, Member],
                 now: datetime) -> SessionLine:
    member = roster.get(session.presenter or "")
    status = "held" if session.held(now) else session.status
    return SessionLine(
        date=session.date.isoformat(), day=day_words(session.date),
        when=when(community, session.starts_at, session.ends_at) if session.starts_at else
        day_words(session.date),
        hours=time_range(community, session.starts_at, session.ends_at)
        if session.starts_at else "",
        status=status,
        presenter_name=member.name if member else None,
        presenter_email=session.presenter if status not in NO_SESSION else None,
        topic=session.topic, note=session.note,
    )


def digest_content(community: Community, session: Session, members: list[Member],
                   sessions: list[Session], now: datetime, shared: list | None = None) -> dict:
    """The week's session, last week's recap, shared links and the upcoming roster."""
    roster = {m.email: m for m in members}
    held = [s for s in sessions if s.date < session.date and s.held(now)]
    upcoming = []
    for s in sessions:  # the next `lookahead` real sessions, and the breaks between them
        if sum(u.status == PLANNED for u in upcoming) >= community.lookahead:
            break
        if s.date > session.date and s.starts_at and s.starts_at > now \
                and s.status in (PLANNED, *NO_SESSION):
            upcoming.append(s)
    return {
        "session": session_line(community, session, roster, now),
        "recap": session_line(community, held[-1], roster, now) if held else None,
        "upcoming": [session_line(community, s, roster, now) for s in upcoming],
        "shared": shared or [],
    }


def upcoming_lines(community: Community, sessions, roster: dict[str, Member],
                   now: datetime) -> list[SessionLine]:
    """The next `lookahead` sessions, with the breaks between them, as emails list them."""
    coming = sorted((s for s in sessions if s.starts_at and s.starts_at > now),
                    key=lambda s: s.date)
    return [session_line(community, s, roster, now) for s in coming[: community.lookahead]]
