"""The monthly health email to organisers: once, on the first digest day of the month, once
the community has held sessions for four weeks. Read back from the bytes sent."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from functions.services.changes import members
from functions.services.jobs.health import actions, health_picture
from functions.services.jobs.tick import tick
from tests.emails.support import on_the_wire
from tests.services.test_tick import setup_guild
from tests.services.test_organiser_mail import assert_organiser_mail


def _until(deps, end):
    while deps.clock.now() < end:
        tick(deps)
        deps.clock.advance(timedelta(hours=1))


def _parts(message):
    msg = on_the_wire(message)[1]
    return msg, *(msg.get_body((t,)).get_content().replace("\r\n", "\n")
                  for t in ("plain", "html"))


def test_no_picture_before_four_weeks_of_sessions_then_one_a_month(deps):
    # Created on Wednesday 25 November 2026; the first session is held on Friday 27th.
    setup_guild(deps, organisers=("lead@example.org",))
    # Monday 7 December is December's first digest day: ten days of sessions, no email.
    _until(deps, datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc))
    assert deps.mailer.to("lead@example.org", "health") == []
    # Someone joins on 28 December: not chased yet on 4 January, the next first Monday.
    deps.clock.set(datetime(2026, 12, 28, 0, 0, tzinfo=timezone.utc))
    members.join(deps, "guild", "new@example.com", "Nia Ewe")
    _until(deps, datetime(2027, 1, 5, 12, 0, tzinfo=timezone.utc))
    (health,) = deps.mailer.to("lead@example.org", "health")
    msg, text, html = _parts(health)
    assert msg["Subject"] == "Guild: how it went in the last four weeks"
    # Organiser mail: greeting, why and how to stop, no unsubscribe.
    assert_organiser_mail(msg, "Hello,", "THEIR-ADDRESS")
    # 27 November and 4 December held in the four weeks before; 11 and 18 December in the
    # last four (25 December and 1 January are holidays).
    assert "  Sessions held                    2  (before: 2)" in text
    assert "(which count from 2026-11-25, when the community started)" in " ".join(text.split())
    # Six members, four presented; the newcomer is left alone.
    assert "2 members have not presented since joining" in text
    assert "3 members" not in text and "3 members" not in html
    # The chart starts at the community's first week (24-30 November), not before it.
    weeks = re.findall(r"^  (\d{4}-\d\d-\d\d)  ", text, re.M)
    assert weeks[0] == "2026-11-24" and len(weeks) == 6 and weeks == sorted(weeks)
    charted = re.findall(r'class="chart-week"[^>]*>(\d{4}-\d\d-\d\d)<', html)
    assert charted == weeks
    assert "<script" not in html and "<svg" not in html
    # Nothing more in January; nothing to members.
    _until(deps, datetime(2027, 1, 12, 0, 0, tzinfo=timezone.utc))
    assert len(deps.mailer.to("lead@example.org", "health")) == 1
    assert deps.mailer.to("p0@example.com", "health") == []


def test_an_organiser_who_is_a_member_is_greeted_by_name(deps):
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\nben@example.com,Ben Okafor\n",
                organisers=("ana@example.com", "lead@example.org"))
    _until(deps, datetime(2027, 1, 5, 12, 0, tzinfo=timezone.utc))
    (health,) = deps.mailer.to("ana@example.com", "health")
    msg, text, html = _parts(health)
    assert text.startswith("Hi Ana,\n") and ">Hi Ana,</p>" in html
    assert "community set guild --organiser lead@example.org" in text
    assert "List-Unsubscribe" not in msg
    # Her member mail keeps its own unsubscribe link.
    digest = on_the_wire(deps.mailer.to("ana@example.com", "digest")[-1])[1]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe?t=" in digest.get_body(("plain",)).get_content()


def _week(**figures):
    base = {k: 0 for k in ("sessions_held", "sessions_without_presenter",
                           "distinct_presenters", "skips", "swaps", "shares",
                           "rsvp_accepted", "rsvp_declined", "joined", "left")}
    return {"from": "2026-01-01", **base, **figures}


def test_the_picture_compares_months_and_names_what_to_do():
    weeks = [_week(sessions_held=1, shares=2)] * 4 + [_week(sessions_held=1, skips=3,
                                                           sessions_without_presenter=1)] * 4
    figures = {"weeks": weeks, "not_yet_presented": ["a@x", "b@x", "c@x", "d@x"],
               "fairness": {"turns_per_member_year": {"least": 1.5, "most": 2.5,
                                                     "spread": 1.0, "members": 4}}}
    picture = health_picture(figures)
    assert picture["fairness"] == ("Turns per member-year: from 1.5 to 2.5 (a spread of "
                                   "1.0), among the 4 members of a quarter or more.")
    held = next(r for r in picture["rows"] if r["label"] == "Sessions held")
    shares = next(r for r in picture["rows"] if r["label"] == "Links shared")
    assert (held["now"], held["before"], shares["now"], shares["before"]) == (4, 4, 0, 8)
    assert picture["actions"][0].startswith("4 members have not presented since joining")
    assert len(picture["actions"]) == 3
    assert [b["width"] for b in picture["chart"][0]["bars"]] == [50, 100, 0]
    assert actions({"not_yet_presented": []}, [_week(sessions_held=1, shares=1)]) == [
        "All is well: nothing needs doing this month."]
