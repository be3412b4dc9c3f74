"""The one fairness rule, for all time: nobody presents again while someone who could
present that day has never presented; only real presenters count."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from functions.domain.errors import InputError
from functions.domain.fairness import turns_per_year
from functions.domain.models import BOUNCE_LIMIT
from functions.domain.rota import NOTICE, Rota, presented
from tests.unit.test_rota_properties import START, community


def a_round(size: int, lookahead: int = 4) -> tuple[Rota, object]:
    """`size` members imported together, planned week by week until each presented once."""
    rota = Rota.of(community(lookahead, None), [], [])
    rota, _ = rota.join([(f"m{i}@x.org", f"M{i}") for i in range(size)], START)
    now = START
    while any(m.times_presented == 0 for m in rota.roster.values()):
        now += timedelta(weeks=1)
        rota, _ = rota.plan(now)
    return rota, now


def test_a_newcomer_takes_the_next_session_planned_not_the_back_of_the_round():
    """In a community of 25 that has gone round once, someone who joins presents within
    the planned weeks, before anyone's third turn, not half a year later."""
    rota, now = a_round(25)
    rota, _ = rota.join([("new@x.org", "New")], now)
    for week in range(1, 6):
        rota, _ = rota.plan(now + timedelta(weeks=week))
    new = rota.roster["new@x.org"]
    assert new.times_presented == 1
    assert max(m.times_presented for m in rota.roster.values()) == 2


def test_newcomers_go_in_join_order_whether_added_together_or_one_at_a_time():
    rota, now = a_round(8)
    together, _ = rota.join([("a@x.org", "A"), ("b@x.org", "B")], now)
    apart, _ = rota.join([("a@x.org", "A")], now)
    apart, _ = apart.plan(now + timedelta(minutes=5))
    apart, _ = apart.join([("b@x.org", "B")], now + timedelta(minutes=10))
    later = now + timedelta(minutes=15)
    plans = [[s.presenter for s in r.plan(later)[0].coming(later)] for r in (together, apart)]
    assert plans[0] == plans[1]
    # they take the next sessions but for a repeat turn within the week, which stays
    firm = len([s for s in together.plan(later)[0].coming(later)
                if s.starts_at < later + NOTICE])
    assert plans[0][firm:firm + 2] == ["a@x.org", "b@x.org"]


def test_volunteering_far_ahead_for_a_second_turn_is_refused_while_someone_has_none():
    rota, now = a_round(3)
    rota, _ = rota.join([("new@x.org", "New")], now)
    rota, _ = rota.pause("new@x.org", now.date() + timedelta(weeks=8), now)  # away now
    far = now.date() + timedelta(days=(4 - now.weekday()) % 7, weeks=20)
    with pytest.raises(InputError, match="nobody presents again while a member who could "
                                         "has never presented"):
        rota.volunteer("m0@x.org", now, far)
    taken, _ = rota.volunteer("new@x.org", now, far)  # a first turn, however far ahead
    assert taken.sessions[far].presenter == "new@x.org"


def test_a_session_counts_only_for_a_presenter_who_could_present():
    """Mail to the presenter stopped once the session began: nobody presented it."""
    rota, now = a_round(3)
    friday = rota.coming(now)[0]
    during = friday.starts_at + timedelta(minutes=5)
    who = friday.presenter
    stopped = replace(rota, roster={**rota.roster, who: replace(
        rota.roster[who], bounces=BOUNCE_LIMIT)})
    before = stopped.roster[who].times_presented
    after, decision = stopped.plan(friday.ends_at + timedelta(minutes=1))
    assert after.sessions[friday.date].presenter is None
    assert after.roster[who].times_presented == before
    assert friday.date in {s.date for s in decision.sessions}
    kept, _ = rota.plan(during)  # reachable: it counts once it ends
    kept, _ = kept.plan(friday.ends_at + timedelta(minutes=1))
    assert kept.roster[who].times_presented == before + 1


def test_leaving_after_presenting_keeps_the_turn_counted():
    rota, now = a_round(3)
    friday = rota.coming(now)[0]
    who = friday.presenter
    before = rota.roster[who].times_presented
    after, _ = rota.leave(who, friday.ends_at + timedelta(minutes=1))
    assert after.roster[who].times_presented == before + 1
    assert after.sessions[friday.date].presenter == who


def test_the_fairness_figure_is_turns_per_member_year_of_those_there_a_quarter():
    rota, now = a_round(4)
    for week in range(1, 40):
        rota, _ = rota.plan(now + timedelta(weeks=week))
    rota, _ = rota.join([("late@x.org", "Late")], now + timedelta(weeks=39))
    end = now + timedelta(weeks=40)
    rota, _ = rota.plan(end)
    members, sessions = list(rota.roster.values()), list(rota.sessions.values())
    figure = turns_per_year(members, sessions, end, end.date())
    counts = sorted(len(presented(m, sessions, end)) for m in members
                    if m.email != "late@x.org")
    years = (end.date() - START.date()).days / 365.25
    assert figure["members"] == 4  # the newcomer of a week is left out
    assert figure["least"] == round(counts[0] / years, 1)
    assert figure["most"] == round(counts[-1] / years, 1)
    assert figure["spread"] == round(figure["most"] - figure["least"], 1) <= round(1 / years, 1)


def test_a_topic_waits_for_its_presenters_next_turn_and_leaves_with_them():
    rota, now = a_round(6, lookahead=2)
    second = rota.coming(now)[1]  # others wait longer than its presenter: not planned again
    who = second.presenter
    rota, _ = rota.set_topic(who, "Feature flags", now)
    rota, _ = rota.skip(who, now)
    assert rota.sessions[second.date].topic is None  # the taker brings their own, or none
    assert rota.roster[who].topic == "Feature flags"
    later = now
    while not any(s.presenter == who for s in rota.coming(later)):
        later += timedelta(weeks=1)
        rota, _ = rota.plan(later)
    turn = next(s for s in rota.coming(later) if s.presenter == who)
    assert turn.topic == "Feature flags" and rota.roster[who].topic is None
    rota, _ = rota.skip(who, later)
    gone, _ = rota.leave(who, later)
    assert gone.roster[who].topic is None
    assert all(s.topic != "Feature flags" for s in gone.coming(later))


def test_a_repeat_turn_within_the_week_stays_with_its_presenter():
    """Whoever has been preparing this week's talk (and whom the digest named) keeps it; a
    newcomer takes the next repeat turn instead."""
    rota, now = a_round(3)
    everyone = rota.coming(now)
    settled = everyone[-1].ends_at + timedelta(minutes=1)  # a round held: all repeat turns
    rota, _ = rota.plan(settled)
    soon = next(s for s in rota.coming(settled) if s.starts_at < settled + NOTICE)
    joined, _ = rota.join([("new@x.org", "New")], settled)
    kept = joined.sessions[soon.date]
    assert kept.presenter == soon.presenter
    later = next(s for s in joined.coming(settled) if s.date > soon.date)
    assert later.presenter == "new@x.org"


def test_within_the_week_a_member_who_was_there_when_it_was_planned_still_goes_first():
    """Someone who never presented, a member long before this week's repeat turn was
    planned, comes back from a pause: the rule holds even within the week."""
    rota = Rota.of(community(2, None), [], [])
    rota, _ = rota.join([(f"m{i}@x.org", f"M{i}") for i in range(3)], START)
    rota, _ = rota.join([("away@x.org", "Away")], START)
    rota, _ = rota.pause("away@x.org", START.date() + timedelta(weeks=52), START)
    now = START
    while any(rota.roster[f"m{i}@x.org"].times_presented == 0 for i in range(3)):
        now += timedelta(weeks=1)
        rota, _ = rota.plan(now)
    now += timedelta(weeks=1)
    rota, _ = rota.plan(now)
    soon = next(s for s in rota.coming(now) if s.starts_at < now + NOTICE)
    assert soon.presenter != "away@x.org"
    back, _ = rota.resume("away@x.org", now)
    assert back.sessions[soon.date].presenter == "away@x.org"
