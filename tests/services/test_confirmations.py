"""A confirmation is a promise: after random sequences of replies (skip, volunteer, swap
and answers to it, topic, pause, back, out, in) and organisers' commands (assign, pause,
resume), with ticks between, every "Done: …" a member received says what the schedule
holds right after it was sent."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.bootstrap import Container
from functions.domain.errors import InputError
from functions.mail.compose import MailSettings
from functions.mail.tokens import Tokens
from functions.services.changes import members, sessions
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild
from tests.conftest import START
from tests.fakes import MemoryCalendar, MemoryMailer

AUTH = {"Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}
DAY = r"(\w+day \d{1,2} \w+ \d{4})"
CLAIMS = [  # what a confirmation can say, and who it says presents
    (re.compile(rf"^you (?:now )?present on {DAY}$"), "me"),
    (re.compile(rf"^you are off the session on {DAY}$"), "not me"),
    # clauses that say nothing of the schedule
    (re.compile(r"^(?:you keep your place|nothing changed|you are already on the roster|"
                r"you have already left|you are already in|you are back on the roster)$"),
     "nothing"),
    (re.compile(rf"^you already present on {DAY}$"), "me"),
    (re.compile(rf"^you are already paused until {DAY}$"), "away"),
    (re.compile(rf"^asked .+ to swap your session on {DAY}$"), "nothing"),  # an offer
    (re.compile(rf"^the swap for {DAY} is off$"), "swap off"),
    (re.compile(rf"^nobody presents on {DAY} yet$"), None),
    (re.compile(rf"^(.+) presents on {DAY}$"), "named"),
    (re.compile(rf"^the topic of your session on {DAY} is now “(.*)”$"), "topic"),
    (re.compile(rf"^you are paused until {DAY} and back on the roster that day$"), "away"),
]
REPLIES = ("skip", "volunteer", "volunteer-date", "swap", "accept", "decline", "topic",
           "pause", "back", "out", "in", "join")
COMMANDS = ("assign", "org-pause", "org-resume")
step = st.tuples(st.sampled_from(REPLIES + COMMANDS + ("tick",)), st.integers(0, 30),
                 st.integers(0, 30), st.integers(1, 60))


def fresh_deps() -> Container:
    settings_ = MailSettings(public_url="https://cop.example.com",
                             tokens=Tokens("test-secret"), default_reply_to="cop@example.com")
    return Container(store=MemoryStore(), mailer=MemoryMailer(), calendar=MemoryCalendar(),
                     clock=FixedClock(START), mail=settings_)


def words_date(text: str) -> date:
    return datetime.strptime(text, "%A %d %B %Y").date()


def kept(deps, message) -> None:
    """Every clause of a "Done: …" subject is true of the schedule now."""
    subject = " ".join(str(message["Subject"]).split())
    if not subject.startswith("Done: "):
        return
    me = message["To"].addresses[0].addr_spec
    clauses = subject.removeprefix("Done: ").split("; ")
    if len(subject) >= 120:  # cut at 120 characters: the last clause may be cut short
        clauses = clauses[:-1]
    stored = {s.date: s for s in deps.store.list_sessions("guild")}
    names = {m.email: m.name for m in deps.store.list_members("guild")}
    for clause in clauses:
        for pattern, who in CLAIMS:
            found = pattern.match(clause)
            if not found:
                continue
            if who == "nothing":
                pass
            elif who == "swap off":
                assert stored[words_date(found[1])].swap_with is None, subject
            elif who == "named":
                name, day = found.groups()
                session = stored[words_date(day)]
                assert names.get(session.presenter) == name, (subject, session)
            elif who == "away":
                until, now = words_date(found[1]), deps.clock.now()
                assert not [s for s in stored.values() if s.presenter == me
                            and s.date < until and not s.started(now)], subject
            elif who == "topic":
                session = stored[words_date(found[1])]
                assert (session.presenter, session.topic) == (me, found[2]), (subject,
                                                                              session)
            else:
                session = stored[words_date(found[1])]
                if who == "me":
                    assert session.presenter == me, (subject, session)
                elif who == "not me":
                    assert session.presenter != me, (subject, session)
                else:
                    assert session.presenter is None, (subject, session)
            break
        else:  # a clause the test cannot check would pass unread
            raise AssertionError(f"unrecognised clause {clause!r} in {subject!r}")


def act(deps, kind: str, who: int, other: int, hours: int, joined: list[str]) -> None:
    everyone = [m.email for m in deps.store.list_members("guild")]
    email, partner = everyone[who % len(everyone)], everyone[other % len(everyone)]
    asked = [s.swap_with for s in deps.store.list_sessions("guild") if s.swap_with]
    if kind in ("accept", "decline") and asked:  # whoever was asked answers
        email = asked[who % len(asked)]
    today = deps.clock.now().date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7, weeks=other % 10)
    text = {"skip": "skip", "volunteer": "volunteer", "volunteer-date":
            f"volunteer {friday.isoformat()}", "swap": f"swap with {partner}",
            "accept": "accept", "decline": "decline", "topic": f"topic: Notes {who}",
            "pause": f"pause until {(today + timedelta(days=hours)).isoformat()}",
            "back": "back", "out": "out", "in": "in"}.get(kind)
    try:
        if kind == "tick":
            deps.clock.advance(timedelta(hours=hours))
            tick(deps)
        elif kind == "join":
            joined.append(f"new{len(joined)}@example.com")
            handle_reply(deps, reply(deps, joined[-1], "in", to="cop@example.com",
                                     headers=AUTH))
        elif kind == "assign":
            sessions.assign(deps, "guild", friday, email)
        elif kind == "org-pause":
            members.pause(deps, "guild", email, today + timedelta(days=hours),
                          by_organiser=True)
        elif kind == "org-resume":
            members.resume(deps, "guild", email, by_organiser=True)
        else:
            handle_reply(deps, reply(deps, email, text))
            if kind == "swap" and hours % 3:  # the partner answers at once
                handle_reply(deps, reply(deps, partner, "accept" if hours % 3 == 1
                                         else "decline"))
    except InputError:
        pass  # refused, with its reason: nothing changed


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=25))
def test_every_confirmation_matches_the_schedule_after_it(steps):
    deps = fresh_deps()
    setup_guild(deps, allow_domains=("example.com",))
    tick(deps)
    joined: list[str] = []
    for kind, who, other, hours in steps:
        before = len(deps.mailer.sent)
        act(deps, kind, who, other, hours, joined)
        for message in deps.mailer.sent[before:]:
            kept(deps, message)
