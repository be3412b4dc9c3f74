"""The weekly digest: this week's session, the recap, shared links and the roster."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.digest import digest_content
from ..domain.jobs import digest_session
from ..domain.models import Community, Session
from ..domain.rota import Rota
from ..domain.timing import local_date
from .calendar_sync import event_for
from .deps import Deps
from .messages import outgoing
from .outbox import Delivery, deliver


def digest_recipients(members, slot_day):
    """Everyone not opted out who had joined when the digest fell due (paused ones too)."""
    return [m for m in members if not m.opted_out and m.reachable and m.joined <= slot_day]


def shared_since(deps: Deps, community: Community, slot: datetime) -> list[dict]:
    """Links shared in the week before this digest's slot (the next digest has the rest)."""
    return [{"url": k.url, "note": k.note, "name": k.name}
            for k in deps.store.list_links(community.id, slot - timedelta(days=7))
            if k.shared_at < slot]


def digest_subject(community: Community, session, content: dict) -> str:
    if not session.is_session:
        return f"{community.name}: no session this week"
    return (f"{community.name} this week: "
            + (content["session"].presenter_name or "open slot")
            + (f" — {session.topic}" if session.topic else ""))


def send_digest(deps: Deps, rota: Rota, now: datetime) -> Delivery:
    community = rota.community
    due = digest_session(community, sorted(rota.sessions.values(), key=lambda s: s.date), now)
    if due is None:
        return Delivery()
    slot, session = due
    parts = digest_parts(deps, rota, session, slot, now)
    items = [outgoing(deps.mail, community, m, kind="digest", key=session.date.isoformat(),
                      now=now, **parts)
             for m in digest_recipients(rota.roster.values(), local_date(community, slot))]
    return deliver(deps.store, deps.mailer, now, items)


def digest_parts(deps: Deps, rota: Rota, session: Session, slot: datetime,
                 now: datetime) -> dict:
    """What every copy of one digest shares: its subject, its content and the invite."""
    community = rota.community
    members = list(rota.roster.values())
    sessions = sorted(rota.sessions.values(), key=lambda s: s.date)
    content = digest_content(community, session, members, sessions, now,
                             shared_since(deps, community, slot))
    invite = event_for(deps, community, session, members) if session.is_session else None
    return {"subject": digest_subject(community, session, content), "invite": invite,
            **content}
