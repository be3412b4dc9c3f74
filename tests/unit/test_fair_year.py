"""Random years of random communities, each change loaded from and saved to the in-memory
store as the services do (`rotas.apply`): members join (one at a time or imported), leave
and come back, pause and resume, their mail stops after bounces and starts again when they
write, they skip, volunteer (for the next session or a date months ahead), swap and set
topics, the organiser assigns, holidays fall. The scheduler plans twice a week. Checked,
with rules written independently of the planner:

- fair for all time: nobody holds a coming repeat turn while someone who could present
  that day has never presented, and no volunteer or assignment, for any date, gives one;
- only real presenters count: every session held has a presenter who could present that
  day when it began, or nobody, and each member's count is the number of sessions they held;
- a topic belongs to its presenter: no session, held or coming, carries someone else's.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.adapters.memory_store import MemoryStore
from functions.domain.errors import InputError
from functions.domain.models import BOUNCE_LIMIT, PLANNED
from functions.domain.rota import ASSIGNED, NOTICE, VOLUNTEERED, Rota
from functions.domain.timing import session_times
from functions.services import rotas
from functions.services.changes.communities import add_community
from functions.services.changes.members import update
from tests.unit.test_rota_properties import topic_of

START = datetime(2027, 1, 4, 9, tzinfo=timezone.utc)  # a Monday
WEEKS = 52
KINDS = ("join", "import", "leave", "come-back", "bounce", "write", "pause", "resume",
         "skip", "volunteer", "volunteer-far", "swap", "assign")
event = st.tuples(st.integers(0, WEEKS * 7 * 24 - 1), st.sampled_from(KINDS),
                  st.integers(0, 60), st.integers(0, 60))


class Year:
    def __init__(self, size: int, lookahead: int, region: str | None) -> None:
        self.store = MemoryStore()
        add_community(self.store, START, "c", name="C", timezone="Europe/London",
                      weekday=4, start=time(16), lookahead=lookahead, holidays=region)
        self.joined = 0
        self.away_since: dict[str, datetime] = {}  # when each last left or paused
        self.apply(START, lambda rota, now: rota.join(self.newcomers(size), now))

    def newcomers(self, count: int) -> list[tuple[str, str]]:
        self.joined += count
        return [(f"m{i}@x.org", f"M{i}") for i in range(self.joined - count, self.joined)]

    def rota(self, now: datetime) -> Rota:
        return rotas.load(self.store, "c", now)

    def apply(self, now: datetime, operation) -> bool:
        """Whether it changed something."""
        try:
            after, decision = rotas.apply(self.store, "c", now,
                                          lambda rota: operation(rota, now))
        except InputError:
            return False
        if not decision.unchanged:  # else nothing was written: the rota is the one loaded,
            self.fair(after, decision, now)  # as a raw update (mail works again) left it
        return not decision.unchanged

    def fair(self, after: Rota, decision, now: datetime) -> None:
        """No coming repeat turn, even on a date someone chose, while someone who could
        present that day has never presented (and has not chosen a date of their own)."""
        coming = after.coming(now)
        chose = {s.presenter for s in coming if s.pinned}
        planning = timedelta(weeks=after.community.lookahead)
        for session in coming:
            if (session.presenter is None
                    or not presented(after, session.presenter, session.date)):
                continue
            # within the week, only who was a member when the session was planned has a claim
            firm = session.starts_at < now + NOTICE
            waiting = [m.email for m in after.roster.values()
                       if m.email not in chose and could(m, session)
                       and not presented(after, m.email, session.date)
                       and not (firm and m.joined > session.date - planning)]
            assert not waiting, (f"{session.presenter} presents again on {session.date} "
                                 f"while {waiting} never presented")
        for change in decision.changes:  # a volunteer for any date follows the rule too
            session = after.sessions.get(change.date)
            if change.cause in (VOLUNTEERED, ASSIGNED) and session and session.pinned:
                assert not presented(after, change.after, change.date) or not [
                    m for m in after.roster.values() if m.email not in chose
                    and could(m, session) and not presented(after, m.email, change.date)]

    def act(self, now: datetime, kind: str, who: int, other: int) -> None:
        rota = self.rota(now)
        emails = list(rota.roster)
        email, partner = emails[who % len(emails)], emails[other % len(emails)]
        today = rota.today(now)
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        operations = {
            "join": lambda r, t: r.join(self.newcomers(1), t),
            "import": lambda r, t: r.join(self.newcomers(other % 4 + 2), t),
            "leave": lambda r, t: r.leave(email, t),
            "come-back": lambda r, t: r.come_back(email, t),
            "pause": lambda r, t: r.pause(email, today + timedelta(days=other % 50 + 1), t),
            "resume": lambda r, t: r.resume(email, t),
            "skip": lambda r, t: r.skip(email, t),
            "volunteer": lambda r, t: r.volunteer(email, t),
            "volunteer-far": lambda r, t: r.volunteer(
                email, t, friday + timedelta(weeks=other % 40 + 1)),
            "swap": lambda r, t: r.offer_swap(email, partner, t),
            "assign": lambda r, t: r.assign(friday + timedelta(weeks=other % 3), email, t),
        }
        if kind in ("bounce", "write"):  # mail to them stops, or starts again
            update(self.store, "c", email, bounces=BOUNCE_LIMIT if kind == "bounce" else 0)
            return
        # Whoever has a turn set a topic for it: sessions changing hands carry topics.
        self.apply(now, lambda r, t: r.set_topic(email, topic_of(email), t))
        self.apply(now, lambda r, t: r.set_topic(partner, topic_of(partner), t))
        if self.apply(now, operations[kind]) and kind in ("leave", "pause"):
            self.away_since[email] = now
        if kind == "swap":  # the partner answers at once
            self.apply(now, lambda r, t: r.accept_swap(partner, t))

    def check(self, now: datetime) -> None:
        rota = self.rota(now)
        sessions = self.store.list_sessions("c")
        held = Counter()
        for s in sessions:
            assert s.topic in (None, topic_of(s.presenter or "")), s
            if s.held(now) and s.presenter:
                held[s.presenter] += 1
        for m in rota.settle(now).roster.values():
            assert m.times_presented == held[m.email], (m, held[m.email])


def presented(rota: Rota, email: str, day) -> bool:
    member = rota.roster[email]
    return member.times_presented > 0 or any(
        s.presenter == email and s.status == PLANNED and d < day
        for d, s in rota.sessions.items())


def left_during(year: Year, member, session) -> bool:
    """Away only since the session began, and able to present but for that."""
    since = year.away_since.get(member.email)
    return (since is not None and since >= session.starts_at
            and could(replace(member, opted_out=False, paused_until=None), session))


def could(member, session) -> bool:
    return (member.eligible_on(session.date) and member.bounces < BOUNCE_LIMIT
            and member.email not in session.declined)


def live(size: int, lookahead: int, region: str | None, events) -> Year:
    year = Year(size, lookahead, region)
    # Mondays, and a quarter of an hour after each Friday's session ended (no change falls
    # between: changes come on the hour), when it is counted.
    community = year.rota(START).community
    ticks = [START + timedelta(weeks=n) for n in range(WEEKS)] + [
        session_times(community, START.date() + timedelta(weeks=n, days=4))[1]
        + timedelta(minutes=15) for n in range(WEEKS)]
    moments = sorted([(t, "tick", 0, 0) for t in ticks]
                     + [(START + timedelta(hours=h), k, a, b) for h, k, a, b in events])
    last_held: dict = {}
    for now, kind, who, other in moments:
        if kind == "tick":
            year.apply(now, lambda rota, t: rota.plan(t))
            # A session that ended is held by someone who could present then, or nobody.
            rota = year.rota(now)
            for s in year.store.list_sessions("c", start=(now - timedelta(days=4)).date()):
                if s.held(now) and s.date not in last_held:
                    last_held[s.date] = s.presenter
                    if s.presenter:
                        member = rota.roster[s.presenter]
                        # could present when it began (leaving or a pause asked during
                        # one's own session starts after it)
                        assert could(member, s) or left_during(year, member, s), (s, member)
            year.check(now)
        else:
            year.act(now, kind, who, other)
    return year


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(2, 14), lookahead=st.integers(2, 5),
       region=st.sampled_from([None, "GB-ENG"]),
       events=st.lists(event, min_size=10, max_size=70))
def test_a_year_of_a_random_community_keeps_the_rules(size, lookahead, region, events):
    live(size, lookahead, region, events)
