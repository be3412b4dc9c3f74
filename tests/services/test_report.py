"""`report`: every figure on a scenario whose truth is known, in total and per week."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from functions.services.jobs.tick import tick
from functions.services.reads.report import FIGURES, engagement
from functions.services.replies.inbox import handle_reply
from tests.services.test_replies import reply
from tests.services.test_tick import setup_guild


def _at(deps, instant: datetime) -> None:
    deps.clock.set(instant)
    tick(deps)


def _session(deps, day: str):
    return next(s for s in deps.store.list_sessions("guild") if s.date.isoformat() == day)


def lived(deps):
    """Six Sydney Fridays from 27 November 2026: two of them public holidays."""
    setup_guild(deps, allow_domains=("example.com",))
    tick(deps)  # Wednesday 25 November: p0, p1, p2, p3 planned
    assert [_session(deps, d).presenter for d in ("2026-11-27", "2026-12-04")] == [
        "p0@example.com", "p1@example.com"]
    ok = lambda who, text: handle_reply(deps, reply(deps, who, text)).outcome == "done"
    assert ok("p0@example.com", "skip")
    assert ok("p1@example.com", "swap with p5@example.com")
    assert ok("p5@example.com", "accept")
    assert ok("p2@example.com", "share: https://example.com/a first")
    assert ok("p2@example.com", "share: https://example.com/b second")
    deps.calendar.answers["guild-2026-11-27@cop"] = {
        "p1@example.com": "accepted", "p2@example.com": "accepted",
        "p3@example.com": "declined", "p5@example.com": "tentative"}
    tick(deps)
    assert ok("p3@example.com", "out")
    assert handle_reply(deps, reply(deps, "new@example.com", "in", headers={
        "Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}
    )).outcome == "done"
    # Thursday 3 December (week two): one more share.
    _at(deps, datetime(2026, 12, 2, 22, 0, tzinfo=timezone.utc))
    assert ok("p5@example.com", "share: https://example.com/c third")
    for day in (7, 14, 21, 28):  # each Monday's digest, then Saturday 2 January 2027
        _at(deps, datetime(2026, 12, day, 0, 0, tzinfo=timezone.utc))
    _at(deps, datetime(2027, 1, 2, 1, 0, tzinfo=timezone.utc))
    return deps


def test_report_counts_what_happened(deps):
    lived(deps)
    held = [s for s in deps.store.list_sessions("guild") if s.held(deps.clock.now())]
    assert [s.date.isoformat() for s in held] == [
        "2026-11-27", "2026-12-04", "2026-12-11", "2026-12-18"]
    # p0's skip moved p1 up to 27 November; p1 then swapped it to p5.
    assert [s.presenter for s in held] == ["p5@example.com", "p0@example.com",
                                          "p2@example.com", "p1@example.com"]
    figures = engagement(deps.store, "guild", deps.clock.now(), weeks=6)
    # Two days given away: p0's skip, and p1's swap with p5, who had no session to give
    # back (p1 gave the day away and keeps their place, as with a skip).
    # Invited: who could come. 27 November: p0, p1, p2, p4, p5, the newcomer (joined on the
    # 25th) and p3 (who declined, then left): 2 accepted, 1 declined, p5 tentative, p0, p4
    # and the newcomer no answer. The three later sessions: the same six, none answering.
    assert {k: figures[k] for k in FIGURES} == {
        "sessions_held": 4, "sessions_skipped_holiday": 2, "sessions_without_presenter": 0,
        "distinct_presenters": 4, "skips": 2, "swaps": 1, "shares": 3,
        "rsvp_accepted": 2, "rsvp_declined": 1, "rsvp_no_answer": 3 + 3 * 6,
        "joined": 7, "left": 1}
    assert figures["not_yet_presented"] == ["p4@example.com", "new@example.com"]
    assert (figures["from"], figures["to"]) == ("2026-11-22", "2027-01-02")
    weeks = figures["weeks"]
    assert [w["from"] for w in weeks] == ["2026-11-22", "2026-11-29", "2026-12-06",
                                          "2026-12-13", "2026-12-20", "2026-12-27"]
    for name in FIGURES:  # the weeks add up to the total
        if name != "distinct_presenters":
            assert sum(w[name] for w in weeks) == figures[name], name
    assert [w["sessions_held"] for w in weeks] == [1, 1, 1, 1, 0, 0]
    assert [w["sessions_skipped_holiday"] for w in weeks] == [0, 0, 0, 0, 1, 1]
    assert [w["shares"] for w in weeks] == [2, 1, 0, 0, 0, 0]
    assert [w["joined"] for w in weeks] == [7, 0, 0, 0, 0, 0]
    assert weeks[0]["swaps"] == weeks[0]["left"] == 1 and weeks[0]["skips"] == 2


def test_a_session_nobody_could_present_counts_as_held_without_presenter(deps):
    from datetime import date
    from functions.services.changes import members
    setup_guild(deps)
    for i in range(6):  # everyone away for the first Friday
        members.pause(deps, "guild", f"p{i}@example.com", date(2026, 11, 28))
    tick(deps)
    _at(deps, datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc))
    figures = engagement(deps.store, "guild", deps.clock.now(), weeks=1)
    assert figures["sessions_held"] == figures["sessions_without_presenter"] == 1
    assert figures["distinct_presenters"] == 0
    assert figures["rsvp_no_answer"] == 0  # nobody could come
    assert len(figures["not_yet_presented"]) == 6


def test_emails_sent_are_counted_from_the_ledger_the_tick_counts_from(deps):
    from collections import Counter

    from tests.builders import setup_guild as guild

    guild(deps, keep_welcomes=True)
    ticked = Counter()
    for _ in range(7 * 24):  # a week, a tick an hour
        ticked.update(tick(deps).kinds)
        deps.clock.advance(timedelta(hours=1))
    figures = engagement(deps.store, "guild", deps.clock.now(), weeks=2)
    mailed = Counter(m["X-Cop-Kind"] for m in deps.mailer.sent)
    assert figures["emails_sent"] == dict(mailed) and mailed["digest"] == 6
    assert ticked == mailed - Counter(welcome=6)  # the welcomes went out before any tick
    assert sum((Counter(w["emails_sent"]) for w in figures["weeks"]), Counter()) == mailed
