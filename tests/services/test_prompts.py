"""Prompts: a question in a quiet digest, formats in the heads-up, a topic reminder three
days before, and one question about a pause after three skips in a row; each sent once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from functions.mail.templating import lines
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.fakes import SilentCalendar
from tests.services.test_replies import reply
from tests.services.test_tick import setup_guild


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _every_quarter_hour(deps, until: datetime) -> None:
    while deps.clock.now() < until:
        tick(deps)
        deps.clock.advance(timedelta(minutes=15))


def _digests_to(deps, email):
    return deps.mailer.to(email, "digest")


def test_a_quiet_fortnight_opens_the_digest_with_a_question_until_shares_come_back(deps):
    # Five weeks of digests: with a calendar that tells no answers (as the real ones don't,
    # per event), the community runs only when a job is due, not at each quarter hour.
    deps = deps.replaced(calendar=SilentCalendar())
    setup_guild(deps)
    questions = lines("prompts/questions.txt")
    assert len(questions) >= 4 and not any(q.startswith("#") for q in questions)
    # Mondays 30 Nov, 7 Dec: the community is younger than two weeks; no question.
    _every_quarter_hour(deps, datetime(2026, 12, 8, 0, 0, tzinfo=timezone.utc))
    first, second = _digests_to(deps, "p1@example.com")
    assert not any(q in _text(first) + _text(second) for q in questions)
    # Monday 14 Dec: two weeks old, nothing shared: a question, in text and HTML.
    _every_quarter_hour(deps, datetime(2026, 12, 15, 0, 0, tzinfo=timezone.utc))
    third = _digests_to(deps, "p1@example.com")[-1]
    asked = [q for q in questions if q in _text(third)]
    assert len(asked) == 1 and asked[0] in _html(third)
    assert _text(third).index(asked[0]) < _text(third).index("This week")  # it opens it
    assert 'share: <a link>' in _text(third)
    # Someone shares: the next digest has the link and no question.
    assert handle_reply(deps, reply(deps, "p2@example.com", "share: https://example.org/x")
                        ).outcome == "done"
    _every_quarter_hour(deps, datetime(2026, 12, 22, 0, 0, tzinfo=timezone.utc))
    fourth = _digests_to(deps, "p1@example.com")[-1]
    assert "https://example.org/x" in _text(fourth)
    assert not any(q in _text(fourth) for q in questions)
    # Two quiet weeks later it asks again, another question in turn.
    _every_quarter_hour(deps, datetime(2027, 1, 5, 0, 0, tzinfo=timezone.utc))
    fifth, sixth = _digests_to(deps, "p1@example.com")[-2:]
    assert not any(q in _text(fifth) for q in questions)  # the link is 8 days old
    again = [q for q in questions if q in _text(sixth)]
    assert len(again) == 1 and again != asked


def test_heads_up_offers_formats_and_a_topic_reminder_goes_once_three_days_before(deps):
    setup_guild(deps)
    tick(deps)
    formats = lines("prompts/formats.txt")
    assert "A mistake worth sharing" in formats
    session = next(s for s in deps.store.list_sessions("guild")
                   if s.date.isoformat() == "2026-12-04")
    heads_up = deps.mailer.to(session.presenter, "heads-up")[-1]
    assert all(f in _text(heads_up) and f in _html(heads_up) for f in formats)
    # Ticks every quarter hour until the session: one topic reminder, three days before.
    sent_at = None
    while deps.clock.now() < session.starts_at:
        tick(deps)
        if sent_at is None and deps.mailer.to(session.presenter, "topic-reminder"):
            sent_at = deps.clock.now()
        deps.clock.advance(timedelta(minutes=15))
    assert sent_at == session.starts_at - timedelta(days=3)
    (reminder,) = deps.mailer.to(session.presenter, "topic-reminder")
    assert "topic: <your topic>" in _text(reminder)
    assert all(f in _text(reminder) for f in formats)
    assert len(deps.mailer.to(session.presenter, "reminder")) == 1


def test_no_topic_reminder_for_a_presenter_with_a_topic(deps):
    setup_guild(deps)
    tick(deps)
    session = next(s for s in deps.store.list_sessions("guild")
                   if s.date.isoformat() == "2026-12-04")
    assert handle_reply(deps, reply(deps, session.presenter, "topic: Small slices")
                        ).outcome == "done"
    _every_quarter_hour(deps, session.starts_at)
    assert deps.mailer.to(session.presenter, "topic-reminder") == []


def test_three_skips_in_a_row_bring_one_question_about_a_pause(deps):
    setup_guild(deps)
    tick(deps)
    who = "p0@example.com"
    ok = lambda text: handle_reply(deps, reply(deps, who, text)).outcome == "done"
    asked = lambda: deps.mailer.to(who, "pause-question")
    for n in range(3):
        turn = next(s for s in deps.store.list_sessions("guild")
                    if s.presenter == who and not s.started(deps.clock.now()))
        assert ok("skip")
        tick(deps)
        assert len(asked()) == (1 if n == 2 else 0), n
        deps.clock.set(turn.ends_at + timedelta(hours=1))
        tick(deps)
    _every_quarter_hour(deps, deps.clock.now() + timedelta(days=10))
    (question,) = asked()
    assert "pause until" in _text(question) and "away 6 weeks" in _html(question)
    assert _text(question).count("  - ") == 3
