"""Rota rules over random years of every operation the rota has.

Each example is a community and a year of events at random instants: members join (one at a
time or imported together), skip, volunteer (for the next session or a date further ahead),
offer, accept and decline swaps, set topics, pause, resume, leave, come back, and the
organiser assigns sessions, adds blackouts and moves the weekday; the scheduler's tick plans
between them. After every step the design's rules are checked, written independently of the
planner:
- fair: in the planned window nobody holds a second session while someone who could present
  that day holds none;
- complete: every planned session has a presenter when someone could present;
- right: a presenter is eligible on the day and did not give it away; holidays and
  blackouts have nobody;
- settled: nothing that has started ever changes;
- a topic belongs to its presenter: a session changing hands never keeps someone else's.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.domain.errors import InputError
from functions.domain.models import PLANNED, Community
from functions.domain.rota import Rota
from functions.domain.timing import day_status

START = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)  # a Monday
DAYS = 364

OPERATIONS = ["join", "import", "skip", "volunteer", "volunteer-date", "offer", "accept",
              "decline", "topic", "pause", "resume", "leave", "come-back", "assign",
              "blackout", "weekday"]
event = st.tuples(
    st.integers(0, DAYS * 24 - 1),  # the hour it happens
    st.sampled_from(OPERATIONS),
    st.integers(0, 40),  # who (modulo the roster)
    st.integers(0, 40),  # someone else, a number of weeks, a date offset…
)


def community(lookahead: int, region: str | None) -> Community:
    return Community(id="c", name="C", timezone="Europe/London", weekday=4, start=time(16),
                     holidays=region, lookahead=lookahead, created=START)


def people(rota: Rota) -> list[str]:
    return list(rota.roster)


def actor(rota: Rota, kind: str, who: int, now: datetime) -> str | None:
    """Who asks for the operation: a member, or someone with a swap offer or a pause."""
    emails = people(rota)
    pool = emails
    if kind in ("accept", "decline"):
        pool = [s.swap_with for s in rota.coming(now) if s.swap_with] or emails
    elif kind == "resume":
        pool = [m.email for m in rota.roster.values()
                if m.status(rota.today(now)) == "paused"] or emails
    return pool[who % len(pool)] if pool else None


def operate(rota: Rota, kind: str, who: int, other: int, now: datetime):
    """One operation, as the services call it. InputError: refused, nothing changes."""
    emails = people(rota)
    today = rota.today(now)
    email = actor(rota, kind, who, now)
    partner = emails[other % len(emails)] if emails else None
    coming = rota.coming(now)
    if kind == "join" or email is None:
        return rota.join([(f"p{len(emails)}@x.org", "P")], now)
    if kind == "import":
        return rota.join([(f"p{len(emails) + i}@x.org", "P") for i in range(other % 4 + 1)],
                         now)
    if kind == "skip":
        return rota.skip(email, now)
    if kind == "volunteer":
        return rota.volunteer(email, now)
    if kind == "volunteer-date":  # a session day up to 40 weeks ahead, or a wrong day
        weekday = rota.community.weekday + (other % 7 == 6)
        return rota.volunteer(email, now, today + timedelta(
            days=(weekday - today.weekday()) % 7, weeks=other))
    if kind == "offer":
        return rota.offer_swap(email, partner, now)
    if kind == "accept":
        return rota.accept_swap(email, now)
    if kind == "decline":
        return rota.decline_swap(email, now)
    if kind == "topic":
        return rota.set_topic(email, topic_of(email), now)
    if kind == "pause":
        return rota.pause(email, today + timedelta(weeks=other % 8 + 1), now)
    if kind == "resume":
        return rota.resume(email, now)
    if kind == "leave":
        return rota.leave(email, now)
    if kind == "come-back":
        return rota.come_back(email, now)
    if kind == "assign":
        day = coming[other % len(coming)].date if coming else today
        return rota.assign(day, email, now)
    if kind == "blackout":
        day = today + timedelta(days=other * 2)
        c = rota.community
        return rota.reconfigure(c.with_changes(blackouts=tuple(sorted({*c.blackouts, day}))),
                                now)
    if kind == "weekday":
        return rota.reconfigure(rota.community.with_changes(weekday=(3, 4)[other % 2]), now)
    raise AssertionError(kind)


def topic_of(email: str) -> str:
    return f"what {email} knows"


def check(before: Rota, after: Rota, decision, now: datetime) -> None:
    old = before.sessions
    for s in decision.sessions:  # settled: nothing that has started changes
        if s.date in old and old[s.date].started(now):
            assert old[s.date] == s, f"{s.date} changed after it started"
        assert s.date in old or not s.started(now), f"{s.date} created after it started"
    window = after.coming(now)
    holders = Counter(s.presenter for s in window if s.presenter)
    seen: set[str] = set()
    for s in window:  # a topic belongs to its presenter and moves with them
        assert s.topic in (None, topic_of(s.presenter or "")), f"{s.date}: {s}"
    for s in window:
        status, _ = day_status(after.community, s.date)
        assert status == PLANNED, f"{s.date} is a {status} but planned"
        assert s.date.weekday() == after.community.weekday or s.pinned is False
        could = [m.email for m in after.roster.values()
                 if m.eligible_on(s.date) and m.email not in s.declined]
        if s.presenter is None:
            assert not could, f"{s.date} has nobody though {could} could present"
            continue
        assert s.presenter in could, f"{s.presenter} cannot present on {s.date}"
        if s.presenter in seen:
            waiting = [e for e in could if holders[e] == 0]
            assert not waiting, (f"{s.presenter} presents twice while {waiting} hold no "
                                 f"session: {[(x.date, x.presenter) for x in window]}")
        seen.add(s.presenter)
    for s in after.sessions.values():  # holidays, blackouts and called-off have nobody
        if s.status != PLANNED:
            assert s.presenter is None or s.started(now) or s.status == "cancelled"


def honoured(kind: str, email: str | None, after: Rota, decision) -> None:
    """What the person asked for happened."""
    if decision.date is None:
        return
    session = after.sessions[decision.date]
    if kind in ("volunteer", "volunteer-date", "assign", "accept"):
        assert session.presenter == email, f"{kind} by {email} not honoured: {session}"
    if kind == "skip":
        assert session.presenter != email
    if kind == "topic":
        assert session.topic == topic_of(email)


def live(lookahead: int, region: str | None, events):
    rota = Rota.of(community(lookahead, region), [], [])
    history: dict[date, object] = {}
    for hour, kind, who, other in sorted(events):
        now = START + timedelta(hours=hour)
        # The tick plans first, as the scheduler does every 15 minutes.
        before = rota
        rota, decision = rota.plan(now)
        check(before, rota, decision, now)
        history.update({s.date: s for s in decision.sessions})
        try:
            after, decision = operate(rota, kind, who, other, now)
        except InputError:
            continue
        check(rota, after, decision, now)
        honoured(kind, actor(rota, kind, who, now), after, decision)
        history.update({s.date: s for s in decision.sessions})
        rota = after
    return rota, history


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(event, min_size=5, max_size=80), lookahead=st.integers(1, 6),
       region=st.sampled_from([None, "GB-ENG", "AU-NSW"]))
def test_every_operation_keeps_the_rules_for_a_year(events, lookahead, region):
    live(lookahead, region, events)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 9), lookahead=st.integers(1, 8),
       ticks=st.lists(st.booleans(), min_size=9, max_size=9),
       week=st.integers(0, 30), history=st.integers(0, 12))
def test_members_added_one_at_a_time_get_the_plan_of_an_import(size, lookahead, ticks, week,
                                                               history):
    """With or without ticks between the adds, the same day, as the same members imported."""
    base = Rota.of(community(lookahead, None), [], [])
    now = START + timedelta(weeks=week, hours=9)
    # Some history first: an earlier crew that presented, so places are not all equal.
    earlier = START + timedelta(weeks=week) - timedelta(weeks=history)
    base, _ = base.join([(f"old{i}@x.org", "Old") for i in range(history % 4)], earlier)
    for w in range(history):
        base, _ = base.plan(earlier + timedelta(weeks=w))
    together, _ = base.join([(f"m{i}@x.org", "M") for i in range(size)], now)
    together, _ = together.plan(now)
    one_by_one = base
    for i in range(size):
        one_by_one, _ = one_by_one.join([(f"m{i}@x.org", "M")], now + timedelta(minutes=i))
        if ticks[i]:
            one_by_one, _ = one_by_one.plan(now + timedelta(minutes=i, seconds=30))
    one_by_one, _ = one_by_one.plan(now + timedelta(minutes=size))
    assert ([(s.date, s.presenter) for s in one_by_one.coming(now)]
            == [(s.date, s.presenter) for s in together.coming(now)])


def test_five_members_added_one_at_a_time_present_in_turn():
    rota = Rota.of(community(4, None), [], [])
    now = START + timedelta(hours=9)
    for name in "abcde":
        rota, _ = rota.join([(f"{name}@x.org", name.upper())], now)
    assert [s.presenter for s in rota.coming(now)] == [f"{n}@x.org" for n in "abcd"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roster_size=st.integers(1, 12),
       events=st.lists(st.tuples(st.integers(0, 51), st.sampled_from(
           ["pause", "leave", "come-back", "join", "skip"]), st.integers(0, 15),
           st.integers(1, 8)), max_size=25),
       lookahead=st.integers(1, 6), region=st.sampled_from([None, "GB-ENG", "AU-NSW"]))
def test_among_people_there_all_year_turns_differ_by_at_most_one(
        roster_size, events, lookahead, region):
    """Nobody present all year gets a second turn before every one of them had one."""
    rota = Rota.of(community(lookahead, region), [], [])
    rota, _ = rota.join([(f"m{i}@x.org", "M") for i in range(roster_size)], START)
    steady = set(rota.roster)
    counts: Counter[str] = Counter()
    for week in range(52):
        # the tick that plans may come while a session is under way (Friday 16:10)
        now = START + timedelta(weeks=week, days=4 * (week % 2), hours=16 * (week % 2),
                                minutes=10 * (week % 2))
        for _, kind, who, length in [e for e in events if e[0] == week]:
            emails = people(rota)
            email = emails[who % len(emails)]
            try:
                rota, _ = operate(rota, kind, who, length, now)
            except InputError:
                continue
            if kind != "join":
                steady.discard(email)
        rota, _ = rota.plan(now)
        friday = START.date() + timedelta(weeks=week, days=4)
        session = rota.sessions.get(friday)
        if session and session.status == PLANNED and session.presenter:
            counts[session.presenter] += 1
            tally = [counts[e] for e in steady]
            if tally:
                assert max(tally) - min(tally) <= 1, f"unfair after {friday}: {dict(counts)}"


def test_volunteering_for_a_projected_date_takes_it():
    rota = Rota.of(community(2, None), [], [])
    now = START + timedelta(hours=9)
    rota, _ = rota.join([(f"{n}@x.org", n) for n in "abc"], now)
    far = rota.coming(now)[-1].date + timedelta(weeks=5)
    rota, decision = rota.volunteer("c@x.org", now, far)
    assert rota.sessions[far].presenter == "c@x.org"
    assert decision.summary.startswith("you present on")


def test_a_newcomer_takes_the_earliest_second_turn_and_moves_nobody_else():
    rota = Rota.of(community(4, None), [], [])
    now = START + timedelta(hours=9)
    rota, _ = rota.join([("a@x.org", "A"), ("b@x.org", "B"), ("c@x.org", "C")], now)
    assert [s.presenter for s in rota.coming(now)] == ["a@x.org", "b@x.org", "c@x.org",
                                                      "a@x.org"]
    rota, decision = rota.join([("d@x.org", "D")], now)
    assert [s.presenter for s in rota.coming(now)] == ["a@x.org", "b@x.org", "c@x.org",
                                                      "d@x.org"]
    assert [(c.before, c.after) for c in decision.changes] == [("a@x.org", "d@x.org")]


def test_held_sessions_are_counted_once_and_planning_needs_no_older_history():
    rota = Rota.of(community(2, None), [], [])
    rota, _ = rota.join([("a@x.org", "A"), ("b@x.org", "B")], START)
    for week in range(6):
        rota, _ = rota.plan(START + timedelta(weeks=week))
    again, decision = rota.plan(START + timedelta(weeks=5))
    assert decision.sessions == () and decision.members == ()
    counts = {m.email: m.times_presented for m in rota.roster.values()}
    assert counts == {"a@x.org": 3, "b@x.org": 2}  # 5 Fridays held by the start of week 6
    recent = Rota(rota.community, rota.roster,
                  {d: s for d, s in rota.sessions.items() if d >= rota.community.settled})
    later = START + timedelta(weeks=6, days=5)
    assert ([(s.date, s.presenter) for s in recent.plan(later)[0].coming(later)]
            == [(s.date, s.presenter) for s in rota.plan(later)[0].coming(later)])


def test_a_topic_moves_with_its_presenter():
    """Skip: the taker does not inherit the talk; a swap trades topics with the sessions;
    whoever moves up the queue brings their own."""
    rota = Rota.of(community(4, None), [], [])
    now = START
    rota, _ = rota.join([(f"p{i}@example.com", f"P{i}") for i in range(6)], now)
    rota, _ = rota.plan(now)
    first, second = rota.coming(now)[:2]
    rota, _ = rota.set_topic(first.presenter, topic_of(first.presenter), now)
    rota, _ = rota.set_topic(second.presenter, topic_of(second.presenter), now)
    swapped, _ = rota.offer_swap(first.presenter, second.presenter, now)
    swapped, _ = swapped.accept_swap(second.presenter, now)
    a, b = swapped.sessions[first.date], swapped.sessions[second.date]
    assert (a.presenter, a.topic) == (second.presenter, topic_of(second.presenter))
    assert (b.presenter, b.topic) == (first.presenter, topic_of(first.presenter))
    skipped, _ = rota.skip(first.presenter, now)
    taken = skipped.sessions[first.date]
    assert taken.presenter != first.presenter
    assert taken.topic in (None, topic_of(taken.presenter))


def test_swapping_back_a_date_one_skipped_gives_it_back_and_says_what_is_so():
    """Someone skipped a date, got a later one, and asks whoever took theirs to swap back:
    the swap happens as confirmed (not to a third person), and the confirmation says what
    the rota now holds."""
    rota = Rota.of(community(4, None), [], [])
    now = START
    rota, _ = rota.join([(f"p{i}@example.com", f"P{i}") for i in range(6)], now)
    rota, _ = rota.plan(now)
    first = rota.coming(now)[0]
    asker = first.presenter
    rota, _ = rota.skip(asker, now)
    taker = rota.sessions[first.date].presenter
    if not any(s.presenter == asker for s in rota.coming(now)):  # a later turn of theirs
        rota, _ = rota.volunteer(asker, now, rota.coming(now)[-1].date)
    rota, _ = rota.offer_swap(asker, taker, now)
    after, decision = rota.accept_swap(taker, now)
    later = next(s for s in after.coming(now) if s.presenter == taker)
    assert after.sessions[first.date].presenter == asker
    assert f"you now present on {later.date:%A} {later.date.day}" in decision.summary
    assert f"P{asker[1]} presents on {first.date:%A} {first.date.day}" in decision.summary


def test_a_swap_with_someone_who_has_no_session_gives_the_date_away_or_is_refused():
    """Accepting a swap without a session to give back takes the asker's date, and the
    asker keeps their place as with a skip; the fairness rule still holds: someone who has
    presented takes it only when nobody else who could present has never presented."""
    rota = Rota.of(community(1, None), [], [])
    now = START
    rota, _ = rota.join([("a@x.org", "A"), ("b@x.org", "B")], now)
    friday = rota.coming(now)[0]
    rota, _ = rota.skip(friday.presenter, now)  # a gives their first turn to b
    held = START + timedelta(days=4, hours=17)  # after that Friday's session
    rota, _ = rota.plan(held)
    [next_friday] = rota.coming(held)
    assert next_friday.presenter == "a@x.org"  # never presented: first
    offered, _ = rota.offer_swap("a@x.org", "b@x.org", held)
    after, decision = offered.accept_swap("b@x.org", held)
    taken = after.sessions[next_friday.date]
    assert (taken.presenter, taken.declined) == ("b@x.org", ("a@x.org",))
    assert "you now present on" in str(decision.summary)

    crowded, _ = rota.join([("c@x.org", "C")], held)  # c never presented either
    crowded, _ = crowded.offer_swap("a@x.org", "b@x.org", held)
    with pytest.raises(InputError, match="someone who could present that day has not had"):
        crowded.accept_swap("b@x.org", held)


@pytest.mark.parametrize("change", ["leave", "pause"])
def test_leaving_or_pausing_during_ones_own_session_keeps_it(change):
    """Both plan again at once, so a presenter still on a session when it ends was there
    when it began: asked during it, the session stays theirs and counts."""
    rota = Rota.of(community(2, None), [], [])
    rota, _ = rota.join([("a@x.org", "A"), ("b@x.org", "B")], START)
    friday = rota.coming(START)[0]
    during = friday.starts_at + timedelta(minutes=10)
    if change == "leave":
        rota, _ = rota.leave(friday.presenter, during)
    else:
        rota, _ = rota.pause(friday.presenter, friday.date + timedelta(weeks=3), during)
    after, _ = rota.plan(friday.ends_at + timedelta(minutes=15))

    assert after.sessions[friday.date].presenter == friday.presenter
    assert after.roster[friday.presenter].times_presented == 1


def test_who_gives_way_at_the_end_of_the_window_takes_a_repeat_turn_earlier_in_it():
    """p0 presents, then volunteers for the window's last date; p1 pauses until that date
    and, never having presented, takes it back: p0 made way and takes the repeat turn
    that p2 would otherwise hold twice (found by the property test above)."""
    rota, _ = live(2, None, [(0, "join", 0, 0), (0, "join", 0, 0), (0, "join", 0, 0),
                             (112, "volunteer-date", 0, 3), (113, "pause", 1, 2)])
    now = START + timedelta(hours=113)
    assert [s.presenter for s in rota.coming(now)] == ["p2@x.org", "p0@x.org", "p1@x.org"]
