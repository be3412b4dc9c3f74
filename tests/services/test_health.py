"""The monthly health email to organisers: once, on the first digest day of the month."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from functions.services.jobs.health import actions, health_picture
from functions.services.jobs.tick import tick
from tests.services.test_tick import setup_guild


def _until(deps, end):
    while deps.clock.now() < end:
        tick(deps)
        deps.clock.advance(timedelta(minutes=15))


def test_organisers_get_the_picture_once_on_the_first_digest_day_of_the_month(deps):
    setup_guild(deps, organisers=("lead@example.org",))
    # Through Monday 7 December 2026 (the first Monday of December) and the next day.
    _until(deps, datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc))
    (health,) = deps.mailer.to("lead@example.org", "health")
    text = health.get_body(("plain",)).get_content()
    assert "Sessions held" in text and "Worth doing" in text
    # 27 November and 4 December held, out of six members: four have not presented yet.
    assert "  Sessions held                    2  (before: 0, +2)" in text
    assert "4 members have not presented since joining" in text
    html = health.get_body(("html",)).get_content()
    assert "<script" not in html and "<svg" not in html
    # Nothing more in December; January's first Monday brings the next one.
    _until(deps, datetime(2027, 1, 5, 0, 0, tzinfo=timezone.utc))
    assert len(deps.mailer.to("lead@example.org", "health")) == 2
    assert deps.mailer.to("p0@example.com", "health") == []


def _week(**figures):
    base = {k: 0 for k in ("sessions_held", "sessions_without_presenter",
                           "distinct_presenters", "skips", "swaps", "shares",
                           "rsvp_accepted", "rsvp_declined", "joined", "left")}
    return {"from": "2026-01-01", **base, **figures}


def test_the_picture_compares_months_and_names_what_to_do():
    weeks = [_week(sessions_held=1, shares=2)] * 4 + [_week(sessions_held=1, skips=3,
                                                           sessions_without_presenter=1)] * 4
    figures = {"weeks": weeks, "not_yet_presented": ["a@x", "b@x", "c@x", "d@x"]}
    picture = health_picture(figures)
    held = next(r for r in picture["rows"] if r["label"] == "Sessions held")
    shares = next(r for r in picture["rows"] if r["label"] == "Links shared")
    assert (held["now"], held["before"], shares["now"], shares["before"]) == (4, 4, 0, 8)
    assert picture["actions"][0].startswith("4 members have not presented since joining")
    assert len(picture["actions"]) == 3
    assert [b["width"] for b in picture["chart"][0]["bars"]] == [50, 100, 0]
    assert actions({"not_yet_presented": []}, [_week(sessions_held=1, shares=1)]) == [
        "All is well: nothing needs doing this month."]
