"""`report`: engagement figures of a community over the last weeks, and week by week."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from ...domain import rota
from ...domain.fairness import turns_per_year
from ...domain.models import BLACKOUT, CANCELLED, HOLIDAY, PLANNED, Member, Session
from ...domain.timing import local_date, local_instant, zone
from ...ports import Store
from .. import activity, lookup

FIGURES = ("sessions_held", "sessions_skipped_holiday", "sessions_without_presenter",
           "distinct_presenters", "skips", "swaps", "shares", "rsvp_accepted",
           "rsvp_declined", "rsvp_no_answer", "joined", "left")


def engagement(store: Store, community_id: str, now: datetime, weeks: int = 12) -> dict:
    """The figures of the last `weeks` weeks (ending today), in total and per week, the
    active members who never presented since joining, and the older summary keys.
    `emails_sent` counts, by kind, what the outbox tallied as it sent (activity.tally):
    kept as long as the other figures, unlike the outbox's own entries."""
    community = lookup.community(store, community_id)
    today = local_date(community, now)
    start = today - timedelta(weeks=weeks) + timedelta(days=1)
    tz = zone(community)
    members = store.list_members(community_id)
    sessions = store.list_sessions(community_id)
    facts = _Facts(store, community_id, members, sessions, now,
                   lambda d: local_instant(d, time(0), tz))
    per_week = []
    for n in range(weeks):
        first = start + timedelta(weeks=n)
        per_week.append({"from": first.isoformat(),
                         "to": (first + timedelta(days=6)).isoformat(),
                         **facts.figures(first, first + timedelta(days=6))})
    totals = facts.figures(start, today)
    never = [m.email for m in members if m.status(today) == "active"
             and not rota.presented(m, sessions, now)]
    return {
        "community": community_id,
        "from": start.isoformat(), "to": today.isoformat(), "weeks_count": weeks,
        **totals,
        "not_yet_presented": never,
        "weeks": per_week,
        **_summary(store, community_id, members, sessions, start, today, now, tz),
    }


class _Facts:
    """Everything the figures are counted from, read once."""

    def __init__(self, store: Store, community_id: str, members: list[Member],
                 sessions: list[Session], now: datetime, midnight) -> None:
        self.members, self.sessions, self.now, self.midnight = members, sessions, now, midnight
        self.links = store.list_links(community_id, midnight(date(2000, 1, 1)))
        records = [r for r in store.list_records(f"{community_id}/") if r[0].count("/") >= 3]
        self.swaps = activity.events(records, activity.SWAP)
        self.left = activity.events(records, activity.LEFT)
        self.answers = activity.answers(records)
        self.sent = activity.sent(records)

    def figures(self, first: date, last: date) -> dict:
        window = [s for s in self.sessions if first <= s.date <= last]
        held = [s for s in window if s.held(self.now)]
        since, until = self.midnight(first), self.midnight(last + timedelta(days=1))
        accepted = declined = no_answer = 0
        for s in held:
            answers = self.answers.get(s.date, {})
            invited = {activity.digest_of(e) for e in self._invited(s)} | set(answers)
            states = [answers.get(who) for who in invited]
            accepted += states.count("accepted")
            declined += states.count("declined")
            no_answer += sum(1 for st in states if st is None)
        return {
            "sessions_held": len(held),
            "sessions_skipped_holiday": sum(1 for s in window if s.status == HOLIDAY),
            "sessions_without_presenter": sum(1 for s in held if not s.presenter),
            "distinct_presenters": len({s.presenter for s in held if s.presenter}),
            "skips": sum(len(s.declined) for s in window if s.status == PLANNED),
            "swaps": sum(1 for t in self.swaps if since <= t < until),
            "shares": sum(1 for k in self.links if since <= k.shared_at < until),
            "rsvp_accepted": accepted, "rsvp_declined": declined,
            "rsvp_no_answer": no_answer,
            "joined": sum(1 for m in self.members if first <= m.joined <= last),
            "left": sum(1 for t in self.left if since <= t < until),
            "emails_sent": dict(sorted(Counter(
                kind for kind, t in self.sent if since <= t < until).items())),
        }

    def _invited(self, session: Session) -> list[str]:
        """Who holds the invite; with a calendar that keeps no holders, who could come."""
        if session.holders:
            return list(session.invited)
        return [m.email for m in self.members if m.eligible_on(session.date)]


def _summary(store: Store, community_id: str, members: list[Member],
             sessions: list[Session], start: date, today: date, now: datetime, tz) -> dict:
    """The summary `report` has always printed: sessions by kind, members by status, who
    presented how often and the spread of turns."""
    names = {m.email: m.name for m in members}
    window = [s for s in sessions if start <= s.date <= today]
    held = [s for s in window if s.held(now)]
    statuses = Counter(s.status for s in window if not s.held(now))
    presented = Counter(s.presenter for s in held if s.presenter)
    since = local_instant(start, time(0), tz)
    statuses_now = Counter(m.status(today) for m in members)
    active_all_time = [len(rota.presented(m, sessions, now)) for m in members
                       if m.status(today) == "active"]
    return {
        "sessions": {
            "held": len(held),
            "holiday": statuses[HOLIDAY], "blackout": statuses[BLACKOUT],
            "cancelled": statuses[CANCELLED],
            "without_presenter": sum(1 for s in held if not s.presenter),
            "with_topic": sum(1 for s in held if s.topic),
        },
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
            "turns_per_member_year": turns_per_year(members, sessions, now, today),
        },
    }
