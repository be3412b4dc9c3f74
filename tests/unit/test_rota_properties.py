"""Rota rules over random rosters, pauses, opt-outs, joins and holidays for a year of weeks.

The simulation is the pure planner alone: each week, events happen (someone joins, pauses,
opts out or back in), then the planner keeps the look-ahead planned, then the week's session
is held. The checks below are the design's rules, written independently of the planner.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.domain import rota
from functions.domain.models import PLANNED, Community, Member
from functions.domain.timing import day_status

START = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)  # a Monday
WEEKS = 52

event = st.tuples(
    st.integers(0, WEEKS - 1),  # week it happens
    st.sampled_from(["pause", "optout", "optin", "join"]),
    st.integers(0, 15),  # which member (modulo the roster)
    st.integers(1, 8),  # pause length in weeks
)


def simulate(roster_size, events, blackout_weeks, lookahead, region):
    community = Community(id="c", name="C", timezone="Europe/London", weekday=4,
                          start=time(16), holidays=region, lookahead=lookahead,
                          blackouts=tuple(START.date() + timedelta(weeks=w, days=4)
                                          for w in blackout_weeks))
    members = {f"m{i}@x.org": Member(f"m{i}@x.org", f"M{i}", START.date(), i)
               for i in range(roster_size)}
    sessions: dict[date, object] = {}
    touched: set[str] = set()  # paused, opted out, or joined late at some point
    at_session: list[tuple[date, str | None, dict[str, Member]]] = []
    for week in range(WEEKS):
        now = START + timedelta(weeks=week)
        today = now.date()
        for _, kind, who, length in [e for e in events if e[0] == week]:
            emails = sorted(members, key=lambda e: members[e].order)
            email = emails[who % len(emails)]
            m = members[email]
            if kind == "join":
                new = f"late{len(members)}@x.org"
                members[new] = Member(new, "Late", today, len(members))
                touched.add(new)
            elif kind == "pause":
                members[email] = Member(**{**m.__dict__,
                                           "paused_until": today + timedelta(weeks=length)})
                touched.add(email)
            elif kind == "optout":
                members[email] = Member(**{**m.__dict__, "opted_out": True})
                touched.add(email)
            elif kind == "optin":
                members[email] = Member(**{**m.__dict__, "opted_out": False})
        changed, _ = rota.plan(community, list(members.values()), list(sessions.values()), now)
        sessions.update({s.date: s for s in changed})
        # The session of this week is held on Friday, with the members as they are then.
        friday = today + timedelta(days=4)
        if friday in sessions:
            s = sessions[friday]
            at_session.append((friday, s.presenter if s.status == PLANNED else None,
                               dict(members)))
    return community, sessions, at_session, touched


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roster_size=st.integers(1, 12), events=st.lists(event, max_size=25),
       blackout_weeks=st.lists(st.integers(0, WEEKS - 1), max_size=6),
       lookahead=st.integers(1, 6), region=st.sampled_from([None, "GB-ENG", "AU-NSW"]))
def test_rota_rules_hold_for_a_year(roster_size, events, blackout_weeks, lookahead, region):
    community, sessions, held, touched = simulate(roster_size, events, blackout_weeks,
                                                  lookahead, region)
    assert len(held) >= WEEKS - 1
    steady = [e for e in held[0][2] if e not in touched]  # active the whole year
    counts: Counter[str] = Counter()
    for day, presenter, members in held:
        status, _ = day_status(community, day)
        if status != PLANNED:
            assert presenter is None, f"{presenter} presents on {status} {day}"
            continue
        if presenter is None:
            assert not any(m.eligible_on(day) for m in members.values()), \
                f"{day} has no presenter although someone was eligible"
            continue
        member = members[presenter]
        assert member.eligible_on(day), f"{presenter} is paused or out on {day}"
        counts[presenter] += 1
        # Among people active all year, nobody gets a second turn before everyone had one,
        # so at every point their counts differ by at most one.
        if steady:
            tally = [counts[e] for e in steady]
            assert max(tally) - min(tally) <= 1, f"unfair after {day}: {dict(counts)}"


@settings(max_examples=200, deadline=None)
@given(roster_size=st.integers(2, 10), lookahead=st.integers(1, 6),
       newcomer_week=st.integers(1, 20))
def test_newcomer_does_not_reshuffle_planned_weeks_and_joins_the_back(
        roster_size, lookahead, newcomer_week):
    community = Community(id="c", name="C", timezone="Europe/London", lookahead=lookahead)
    members = [Member(f"m{i}@x.org", f"M{i}", START.date(), i) for i in range(roster_size)]
    sessions = {}
    for week in range(newcomer_week + 1):
        changed, _ = rota.plan(community, members, list(sessions.values()),
                               START + timedelta(weeks=week))
        sessions.update({s.date: s for s in changed})
    now = START + timedelta(weeks=newcomer_week, days=1)
    before = {d: s.presenter for d, s in sessions.items()}
    members.append(Member("new@x.org", "New", now.date(), roster_size))
    changed, changes = rota.plan(community, members, list(sessions.values()), now)
    sessions.update({s.date: s for s in changed})
    assert all(sessions[d].presenter == p for d, p in before.items())
    assert all(c.before is None for c in changes)  # only new dates get a presenter
    # The newcomer presents only after everyone who was there when they joined.
    order = [s.presenter for d, s in sorted(sessions.items()) if d > now.date()]
    if "new@x.org" in order:
        first_new = order.index("new@x.org")
        held_before = {s.presenter for d, s in sessions.items() if d <= now.date()}
        waiting = {m.email for m in members[:-1]} - set(order[:first_new])
        assert not (waiting - held_before) or waiting <= set(order[:first_new]) | held_before
