"""The weekly digest: this week's session, the recap, shared links and the roster."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from ..domain.digest import digest_content
from ..domain.jobs import digest_session
from ..domain.models import Community, Member, Session
from ..domain.timing import local_date, local_instant, zone
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


def send_digest(deps: Deps, community: Community, now: datetime) -> Delivery:
    sessions = deps.store.list_sessions(community.id)
    due = digest_session(community, sessions, now)
    if due is None:
        return Delivery()
    slot, session = due
    members = deps.store.list_members(community.id)
    parts = digest_parts(deps, community, session, slot, members, sessions, now)
    day = local_date(community, slot)
    end_of_day = local_instant(day + timedelta(days=1), time(0), zone(community))
    deadline = min(end_of_day, session.starts_at or end_of_day)  # too late after its day
    recipients = digest_recipients(members, day)
    items = [outgoing(deps.mail, community, m, kind="digest", key=session.date.isoformat(),
                      now=now, deadline=deadline, **parts) for m in recipients]
    return deliver(deps, now, over_cap(deps, community, session, len(recipients), now)
                   + items)


def over_cap(deps: Deps, community: Community, session: Session, recipients: int,
             now: datetime) -> list:
    """Organisers hear (once a digest) when it alone would exceed the sender's daily cap."""
    cap = deps.pacer.daily_cap
    if cap is None or recipients <= cap:
        return []
    roster = {m.email: m for m in deps.store.list_members(community.id)}
    return [outgoing(deps.mail, community,
                     roster.get(email) or Member(email, email.split("@")[0], now.date(), -1),
                     kind="over-cap", key=session.date.isoformat(), now=now,
                     subject=f"{community.name}: the digest is larger than the sender's "
                             f"daily limit", recipients=recipients, cap=cap)
            for email in community.organisers]


def digest_parts(deps: Deps, community: Community, session: Session, slot: datetime,
                 members: list[Member], sessions: list[Session], now: datetime) -> dict:
    """What every copy of one digest shares: its subject, its content and the invite."""
    content = digest_content(community, session, members, sessions, now,
                             shared_since(deps, community, slot))
    invite = event_for(deps, community, session, members) if session.is_session else None
    return {"subject": digest_subject(community, session, content), "invite": invite,
            **content}
