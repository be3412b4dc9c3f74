"""Read-only views for the command line and the web: the roster and the schedule."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ...domain.models import CANCELLED, HELD, PAUSED, PLANNED, PROJECTED
from ...domain.timing import local_date
from ...ports import Store
from .. import rotas


def member_rows(store: Store, community_id: str, now: datetime) -> list[dict]:
    rota = rotas.load(store, community_id, now).settle(now)
    today = local_date(rota.community, now)
    return [{
        "email": m.email, "name": m.name, "status": m.status(today),
        # Only a pause still running: one that ended (or someone who left) has none.
        "paused_until": m.paused_until.isoformat() if m.status(today) == PAUSED else None,
        "times_presented": m.times_presented,
        "last_presented": m.last_presented.isoformat() if m.last_presented else None,
        "mail": "ok" if m.reachable else "stopped",  # stopped: bounced again and again
        "bounces": m.bounces,
    } for m in rota.roster.values()]


def names(store: Store, community_id: str) -> dict[str, str]:
    return {m.email: m.name for m in store.list_members(community_id)}


def schedule_rows(store: Store, community_id: str, now: datetime, weeks: int = 8,
                  start: date | None = None) -> list[dict]:
    """Stored sessions in [start, start + weeks), then the rota projected beyond the plan."""
    rota = rotas.load(store, community_id, now)
    community = rota.community
    start = start or local_date(community, now)
    end = start + timedelta(weeks=weeks)
    stored = store.list_sessions(community_id, start=start, end=end)
    stored_dates = {s.date for s in stored}
    weeks_ahead = max(0, (end - local_date(community, now)).days // 7 + 1)
    _, decision = rota.plan(now, lookahead=max(weeks_ahead, community.lookahead))
    projected = {s.date: s for s in decision.sessions if s.date not in stored_dates}
    rows = []
    for s in sorted([*stored, *projected.values()], key=lambda s: s.date):
        if not start <= s.date < end:
            continue
        if s.date in projected:
            status = PROJECTED if s.status == PLANNED else s.status
        else:
            status = HELD if s.held(now) else s.status
        rows.append({"date": s.date.isoformat(),
                     "presenter": s.presenter if s.status in (PLANNED, CANCELLED) else None,
                     "status": status})
    return rows


OPEN = "open"


def shown_status(row: dict) -> str:
    """A schedule row's status as the table shows it: a coming session that nobody can
    present is `open` (the JSON keeps `planned` or `projected` with presenter null)."""
    if row["presenter"] is None and row["status"] == PLANNED:
        return OPEN
    if row["presenter"] is None and row["status"] == PROJECTED:
        return f"{OPEN} (projected)"
    return row["status"]
