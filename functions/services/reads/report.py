"""`report`: engagement figures of a community over the last weeks."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from ...domain import rota
from ...domain.models import BLACKOUT, CANCELLED, HOLIDAY, PLANNED
from ...domain.timing import local_date, local_instant, zone
from ...ports import Store
from .. import lookup


def engagement(store: Store, community_id: str, now: datetime, weeks: int = 12) -> dict:
    """Sessions held and missed, who presented, topics, skips, shared links and the roster."""
    community = lookup.community(store, community_id)
    today = local_date(community, now)
    start = today - timedelta(weeks=weeks)
    members = store.list_members(community_id)
    names = {m.email: m.name for m in members}
    sessions = store.list_sessions(community_id)
    window = [s for s in sessions if start <= s.date <= today]
    held = [s for s in window if s.held(now)]
    statuses = Counter(s.status for s in window if not s.held(now))
    presented = Counter(s.presenter for s in held if s.presenter)
    since = local_instant(start, time(0), zone(community))
    statuses_now = Counter(m.status(today) for m in members)
    active_all_time = [len(rota.presented(m, sessions, now)) for m in members
                       if m.status(today) == "active"]
    return {
        "community": community_id,
        "from": start.isoformat(), "to": today.isoformat(), "weeks": weeks,
        "sessions": {
            "held": len(held),
            "holiday": statuses[HOLIDAY], "blackout": statuses[BLACKOUT],
            "cancelled": statuses[CANCELLED],
            "without_presenter": sum(1 for s in held if not s.presenter),
            "with_topic": sum(1 for s in held if s.topic),
        },
        "skips": sum(len(s.declined) for s in window if s.status == PLANNED),
        "links_shared": len(store.list_links(community_id, since)),
        "members": {
            "active": statuses_now["active"], "paused": statuses_now["paused"],
            "opted_out": statuses_now["opted_out"],
            "joined": sum(1 for m in members if start <= m.joined <= today),
        },
        "presenters": [{"email": email, "name": names.get(email, email), "times": times}
                       for email, times in sorted(presented.items(),
                                                  key=lambda kv: (-kv[1], kv[0]))],
        "fairness": {
            "most_presented": max(active_all_time, default=0),
            "least_presented": min(active_all_time, default=0),
        },
    }
