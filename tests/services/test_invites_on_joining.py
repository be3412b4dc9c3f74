"""Every member holds every invite they should: whoever joins (`member add`, an import,
replying `in`) or comes back (from a pause or after leaving) gets at once the invite of
every coming session of the planned window, this week's included, even after Monday's
digest went out. Each person's calendar is rebuilt from the iTIP parts they received."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from functions.services.changes import members
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild
from tests.services.test_calendar_truth import coming, replay

AUTH = {"Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}


@pytest.fixture
def deps(deps):
    """The embedded calendar: the rota's emails carry the invites."""
    deps.mail = dataclasses.replace(deps.mail, attach_invites=True)
    return deps


def holds_every_coming_invite(deps, email: str) -> None:
    calendar = replay(deps.mailer.to(email))
    member = deps.store.get_member("guild", email)
    for session in coming(deps):
        if not member.eligible_on(session.date):
            continue
        event = calendar.get(f"guild-{session.date.isoformat()}@cop")
        assert event is not None and not event["cancelled"], (email, session.date)
        assert email in session.invited, (email, session.date)


def thursday(deps) -> None:
    """Wednesday 10:00 in Sydney: the scheduler has run all week; now Thursday morning,
    after Monday's digest."""
    tick(deps)
    deps.clock.advance(timedelta(days=1))
    tick(deps)


def test_a_member_added_on_thursday_holds_this_fridays_invite_and_the_rest(deps):
    setup_guild(deps)
    thursday(deps)
    members.join(deps, "guild", "late@example.com", "Late Comer")
    assert len(coming(deps)) == 4
    holds_every_coming_invite(deps, "late@example.com")
    tick(deps)  # the next run sends no invite a second time (replay checks it)
    holds_every_coming_invite(deps, "late@example.com")


def test_joining_by_replying_in_brings_every_invite(deps):
    setup_guild(deps, allow_domains=("example.com",))
    thursday(deps)
    raw = reply(deps, "walkin@example.com", "in", to="cop@example.com", headers=AUTH)
    assert handle_reply(deps, raw).outcome == "done"
    holds_every_coming_invite(deps, "walkin@example.com")


def test_coming_back_from_a_pause_or_after_leaving_brings_every_invite(deps):
    setup_guild(deps, keep_welcomes=True)  # their first invites came with them
    tick(deps)
    away, gone = "p4@example.com", "p5@example.com"
    until = (deps.clock.now() + timedelta(weeks=6)).date().isoformat()
    assert handle_reply(deps, reply(deps, away, f"pause until {until}")).outcome == "done"
    assert handle_reply(deps, reply(deps, gone, "out")).outcome == "done"
    thursday(deps)
    assert handle_reply(deps, reply(deps, away, "back")).outcome == "done"
    assert handle_reply(deps, reply(deps, gone, "in")).outcome == "done"
    holds_every_coming_invite(deps, away)
    holds_every_coming_invite(deps, gone)
