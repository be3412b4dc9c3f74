"""Every message read as the person who receives it: its subject is composed from parts
(no clause twice, no stray space), "Done:" goes only to whoever asked for the change, the
greeting uses the recipient's first name, and no sentence ends on a URL's full stop.

Checked over random sequences of every change people and organisers make (through the
services, as replies and commands make them), and over the story that sends every kind of
message."""
from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.domain.errors import InputError
from functions.domain.wording import greeting
from functions.services.changes import members, sessions
from functions.services.jobs.tick import tick
from tests.emails.support import EMAILS, make_deps, recipient, setup_guild, text_of

ENDS_ON_URL_STOP = re.compile(r"https?://\S+\.(?=\s|$)", re.MULTILINE)


def subject_problems(subject: str) -> list[str]:
    problems = []
    if subject != " ".join(subject.split()):
        problems.append("stray space")
    clauses = [c.strip().lower() for c in re.split(r";|: ", subject) if c.strip()]
    for i, clause in enumerate(clauses):
        if any(clause in other for other in clauses[:i]):
            problems.append(f"clause said twice: {clause!r}")
    return problems


def community_of(message: EmailMessage) -> str:
    return re.search(r"<([^.<>]+)\.[^<>]*>\s*$", str(message["List-Id"])).group(1)


def message_problems(message: EmailMessage, names: dict[str, dict[str, str]],
                     asked: set[str]) -> list[str]:
    """What is wrong with `message` for its recipient; `names`: by community, each member's
    name; `asked`: who asked for a change."""
    who = recipient(message)
    names = names.get(community_of(message), {})
    plain = text_of(message, "plain")
    where = f"{message['X-Cop-Kind']} to {who}: {message['Subject']}"
    problems = [f"{where}: {p}" for p in subject_problems(str(message["Subject"]))]
    first_line = plain.strip().splitlines()[0]
    if who in names and first_line != greeting(names[who], who):
        problems.append(f"{where}: greets {first_line!r}")
    done = "Done:" in plain or str(message["Subject"]).startswith("Done")
    if done and who not in asked:
        problems.append(f"{where}: says Done to someone who did not ask")
    problems += [f"{where}: {m!r} ends a sentence" for m in ENDS_ON_URL_STOP.findall(plain)]
    return problems


# Random changes, each by someone (or by an organiser), then the tick -----------------------

CHANGES = ["skip", "volunteer", "volunteer-later", "swap", "accept", "decline", "topic",
           "pause", "resume", "leave", "come-back", "assign", "organiser-pause",
           "organiser-resume", "organiser-leave", "join"]
step = st.tuples(st.sampled_from(CHANGES), st.integers(0, 6), st.integers(0, 6),
                 st.integers(0, 72))  # the change, who, someone else, hours until it


def apply(deps, change: str, who: str, other: str) -> str | None:
    """Make the change; who asked for it (None: an organiser, or nobody)."""
    today = deps.clock.now().date()
    if change == "skip":
        sessions.skip(deps, "guild", who, confirmation=_confirm(who))
    elif change in ("volunteer", "volunteer-later"):
        later = today + timedelta(weeks=6) if change == "volunteer-later" else None
        if later is not None:
            later += timedelta(days=(4 - later.weekday()) % 7)
        sessions.volunteer(deps, "guild", who, later, _confirm(who))
    elif change == "swap":
        sessions.offer_swap(deps, "guild", who, other, _confirm(who))
    elif change == "accept":
        sessions.accept_swap(deps, "guild", who, _confirm(who))
    elif change == "decline":
        sessions.decline_swap(deps, "guild", who, _confirm(who))
    elif change == "topic":
        sessions.set_topic(deps, "guild", who, "  Small   slices ", _confirm(who))
    elif change == "pause":
        members.pause(deps, "guild", who, today + timedelta(weeks=2), _confirm(who))
    elif change == "resume":
        members.resume(deps, "guild", who, _confirm(who))
    elif change == "leave":
        members.leave(deps, "guild", who)
    elif change == "come-back":
        members.come_back(deps, "guild", who)
    elif change == "assign":
        coming = [s for s in deps.store.list_sessions("guild", start=today)
                  if s.status == "planned"]
        if coming:
            sessions.assign(deps, "guild", coming[-1].date, who)
        return None
    elif change == "organiser-pause":
        members.pause(deps, "guild", who, today + timedelta(weeks=3), by_organiser=True)
        return None
    elif change == "organiser-resume":
        members.resume(deps, "guild", who, by_organiser=True)
        return None
    elif change == "organiser-leave":
        members.leave(deps, "guild", who, by_organiser=True)
        return None
    elif change == "join":
        members.join(deps, "guild", f"new{len(deps.store.list_members('guild'))}@example.com",
                     "Dr. Ana Lima")
        return None
    return who


def roster_names(deps) -> dict[str, dict[str, str]]:
    return {c.id: {m.email: m.name for m in deps.store.list_members(c.id)}
            for c in deps.store.list_communities()}


def _confirm(who: str):
    from functions.services.delivery.notifier import Confirmation
    return Confirmation(who)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=8))
def test_every_change_is_told_in_words_that_fit_whoever_reads_them(steps):
    deps = make_deps()
    setup_guild(deps)
    tick(deps)
    problems = []
    for change, i, j, hours in steps:
        deps.clock.advance(timedelta(hours=hours))
        before = len(deps.mailer.sent)
        try:
            actor = apply(deps, change, EMAILS[i % len(EMAILS)], EMAILS[j % len(EMAILS)])
        except InputError:
            continue  # refused, and nothing was sent for it
        tick(deps)
        names = roster_names(deps)
        for message in deps.mailer.sent[before:]:
            problems += message_problems(message, names, {actor} if actor else set())
    assert not problems, "\n".join(problems)


# The story that sends every kind ------------------------------------------------------------

@pytest.fixture(scope="module")
def told(story_sent):
    deps, sent, _ = story_sent
    return deps, sent


def test_every_message_of_the_story_fits_whoever_reads_it(told):
    deps, sent = told
    names = roster_names(deps)
    # Who asked for a change in the story: each "Done" answers their own reply (it says
    # so in In-Reply-To), or their own declined invite.
    problems = []
    for message in sent:
        asked = {recipient(message)} if (message["In-Reply-To"]
                                          or "declined" in str(message["Subject"])) else set()
        problems += message_problems(message, names, asked)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("subject, problem", [
    ("Done: you present on Friday 4 December; you present on Friday 4 December",
     "clause said twice"),
    (" Guild: a change", "stray space"), ("Topic:  “Small slices”", "stray space"),
])
def test_the_subject_check_finds_what_it_looks_for(subject, problem):
    assert any(problem in p for p in subject_problems(subject))
