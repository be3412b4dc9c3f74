"""Mail to organisers is its own kind: greeted by name (or "Hello,"), a footer saying why
they get it and how to stop, no member unsubscribe; a run's alerts go to each organiser in
one message, and an alert told once is not told again. Read back from the bytes sent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from functions.domain.delivery import LEASE
from functions.domain.models import BOUNCE_LIMIT
from functions.services.changes import members
from functions.domain.wording import greeting
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild
from tests.emails.support import on_the_wire
from tests.emails.support import text_of as wire_text
from tests.services.test_bounces import real_bounce

ANA, LEAD = "ana@example.com", "lead@example.org"  # Ana is a member too; the lead is not
# Monday 30 November 2026, 09:01 in Sydney: the first digest is due.
MONDAY = datetime(2026, 11, 29, 22, 1, tzinfo=timezone.utc)


def sent(deps, to: str, kind: str) -> list[EmailMessage]:
    """What went to `to` of that kind, as a mail program reads it off the wire."""
    return [on_the_wire(m)[1] for m in deps.mailer.to(to, kind)]


def text_of(msg: EmailMessage, subtype: str) -> str:
    return wire_text(msg, subtype).replace("\r\n", "\n")


def assert_organiser_mail(msg: EmailMessage, hello: str, others: str) -> None:
    """Greeting, footer and no unsubscribe, in both parts."""
    assert "List-Unsubscribe" not in msg and "List-Unsubscribe-Post" not in msg
    text, html = text_of(msg, "plain"), text_of(msg, "html")
    assert text.startswith(hello + "\n")
    assert f'">{hello}</p>' in html
    for part in (text, html):
        assert "unsubscribe" not in part.lower()
        assert "You get this because you organise Guild." in part
        assert f"community set guild --organiser {others}" in part
        assert "you are a member" not in part
        assert "Hi ana," not in part and "Hi lead," not in part


@pytest.fixture
def empty_weeks(deps):
    """The guild's only member is Ana, paused for ten weeks: nobody can present."""
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\n", keep_welcomes=True,
                organisers=(ANA, LEAD))
    members.pause(deps, "guild", ANA, deps.clock.now().date() + timedelta(weeks=10))
    return deps


def test_a_runs_alerts_go_to_each_organiser_in_one_message(empty_weeks):
    deps = empty_weeks
    tick(deps)
    open_dates = [s.date for s in deps.store.list_sessions("guild") if not s.presenter]
    assert len(open_dates) == 4
    (to_ana,) = sent(deps, ANA, "alerts")
    (to_lead,) = sent(deps, LEAD, "alerts")
    for msg in (to_ana, to_lead):
        assert msg["Subject"] == "Guild: 4 things need you"
        assert msg["Auto-Submitted"] == "auto-generated"
        text, html = text_of(msg, "plain"), text_of(msg, "html")
        assert "4 things in Guild need you." in text
        for n, day in enumerate(open_dates, 1):
            title = f"Nobody can present on {day:%A} {day.day} {day:%B %Y}"
            assert f"{n}. {title}" in text
            assert f"schedule assign guild {day.isoformat()} THEIR-ADDRESS" in text
            assert f"volunteer {day.isoformat()}" in html
        assert html.count('class="card"') == 4
    # The organiser who is a member is greeted by her first name, the other neutrally.
    assert_organiser_mail(to_ana, "Hi Ana,", LEAD)
    assert_organiser_mail(to_lead, "Hello,", ANA)
    assert str(to_ana["To"]) == "Ana Lima <ana@example.com>"
    assert str(to_lead["To"]) == LEAD


def test_an_alert_told_is_not_told_again_and_a_new_one_alone(empty_weeks, clock):
    deps = empty_weeks
    tick(deps)
    for _ in range(3):
        clock.advance(timedelta(minutes=15))
        tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 1
    # A week on, one more session is planned and nobody can present it either.
    clock.advance(timedelta(weeks=1))
    tick(deps)
    first, second = sent(deps, LEAD, "alerts")
    new = max(s.date for s in deps.store.list_sessions("guild") if not s.presenter)
    assert second["Subject"] == f"Guild: nobody can present on {new:%A} {new.day} {new:%B %Y}"
    text = text_of(second, "plain")
    assert text.count("Nobody can present on") == 1 and "need you" not in text
    assert second["Message-ID"] != first["Message-ID"]
    tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 2


def test_an_organisers_member_mail_keeps_its_unsubscribe(empty_weeks, clock):
    deps = empty_weeks
    tick(deps)
    clock.set(MONDAY)
    tick(deps)
    as_member = [on_the_wire(m)[1] for m in deps.mailer.to(ANA)
                 if m["X-Cop-Kind"] != "alerts"]
    assert {m["X-Cop-Kind"] for m in as_member} >= {"welcome", "digest"}
    for msg in as_member:
        assert msg["List-Unsubscribe"].startswith("<https://cop.example.com/unsubscribe?t=")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        for subtype in ("plain", "html"):
            assert "https://cop.example.com/unsubscribe?t=" in text_of(msg, subtype)
            assert "You get this because you are a member of Guild." in text_of(msg, subtype)


def test_alerts_of_different_kinds_share_one_message(deps, clock):
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\nben@example.com,Ben Okafor\n"
                "chen@example.com,Chen Wei\ndana@example.com,Dana Novak\n", organisers=(LEAD,))
    tick(deps)
    assert sent(deps, LEAD, "alerts") == []
    deps = deps.replaced(pacer=Pacer(daily_cap=2, clock=clock))
    members.update(deps.store, "guild", "ben@example.com", bounces=BOUNCE_LIMIT)
    clock.set(MONDAY)
    tick(deps)  # the members Ben's sessions went to hear first: two a day fills the day
    for day in (30, 1):  # the sender's next days: the last heads-ups, then the alert
        clock.set(datetime(2026, 11 + (day == 1), day, 0, 1, tzinfo=timezone.utc))
        tick(deps)
    (msg,) = sent(deps, LEAD, "alerts")
    assert msg["Subject"] == "Guild: 2 things need you"
    text, html = text_of(msg, "plain"), text_of(msg, "html")
    assert "1. The digest is larger than the sender's daily limit" in text
    assert "goes to 3 people, more than the 2 messages a day" in " ".join(text.split())
    assert "2. Mail to Ben Okafor keeps bouncing" in text
    assert "member remove guild ben@example.com" in text
    assert "3 people, 2 messages a day" in html and "Ben Okafor" in html
    assert_organiser_mail(msg, "Hello,", "")  # the only organiser: name someone else
    assert "You are its only organiser" in text
    clock.advance(timedelta(minutes=15))
    tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 1


def test_mail_stopped_by_refusals_in_a_run_is_told_at_the_next_tick(deps, clock):
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\nben@example.com,Ben Okafor\n",
                organisers=(LEAD,))
    deps.mailer.refuse = {"ben@example.com"}
    for _ in range(12):
        tick(deps)
        if deps.store.get_member("guild", "ben@example.com").bounces >= BOUNCE_LIMIT:
            break
        clock.advance(timedelta(days=1))
    assert deps.store.get_member("guild", "ben@example.com").bounces == BOUNCE_LIMIT
    assert sent(deps, LEAD, "alerts") == []
    clock.advance(timedelta(minutes=15))
    tick(deps)
    told = sent(deps, LEAD, "alerts")
    assert len(told) == 1 and "Mail to Ben Okafor keeps bouncing" in text_of(told[0], "plain")
    tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 1


def test_a_bounce_tells_the_organisers_at_once_once_and_again_after_mail_restarted(deps):
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\nben@example.com,Ben Okafor\n",
                organisers=(ANA,))
    tick(deps)
    last = deps.mailer.to("ben@example.com")[-1]

    def bounce_three_times():
        for _ in range(BOUNCE_LIMIT):
            raw = real_bounce("qmail_01.txt", "ben@example.com", last["Return-Path"].strip("<>"))
            assert handle_reply(deps, raw).outcome == "bounce"

    bounce_three_times()
    (told,) = sent(deps, ANA, "alerts")
    assert told["Subject"] == "Guild: mail to Ben Okafor keeps bouncing"
    assert_organiser_mail(told, "Hi Ana,", "")
    assert "bounced 3 times in a row" in text_of(told, "plain").replace("\n", " ")
    tick(deps)  # the run does not tell it again
    assert len(sent(deps, ANA, "alerts")) == 1
    # Ben writes: his mail starts again; the next day it stops again, and is told again.
    assert handle_reply(deps, reply(deps, "ben@example.com", "help")).outcome == "done"
    assert deps.store.get_member("guild", "ben@example.com").bounces == 0
    deps.clock.advance(timedelta(days=1))
    bounce_three_times()
    assert len(sent(deps, ANA, "alerts")) == 2


class StopsAtSave:
    """A store whose process dies at the run's save, once its mail went out."""

    def __init__(self, store):
        self.store, self.armed = store, True

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if name != "save":
            return method

        def save(write):
            if self.armed and any("/told/" in key for key, _ in write.records):
                self.armed = False
                raise RuntimeError("the run stopped before it saved")
            return method(write)
        return save


def test_a_run_stopped_before_saving_does_not_tell_an_alert_twice(empty_weeks, clock):
    deps = empty_weeks
    dying = deps.replaced(store=StopsAtSave(deps.store))
    report = tick(dying)
    assert report.errors  # the run stopped after sending, before its write
    assert len(sent(deps, LEAD, "alerts")) == 1
    assert deps.store.list_records("guild/told/") == []
    clock.advance(LEASE + timedelta(minutes=5))
    tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 1
    assert len(deps.store.list_records("guild/told/")) == 8  # 4 alerts, 2 organisers
    clock.advance(timedelta(minutes=15))
    tick(deps)
    assert len(sent(deps, LEAD, "alerts")) == 1


@pytest.mark.parametrize("name, expected", [
    ("Ana Lima", "Hi Ana,"), ("Ana", "Hi Ana,"), ("ana", "Hello,"), ("  ", "Hello,"),
    ("山田 太郎", "Hi 山田,"), ("Lima, Ana", "Hi Ana,"), ("Dr. Ana Lima", "Hi Ana,"),
    ("José Álvarez", "Hi José,"),
])
def test_an_organiser_is_greeted_by_their_own_name_only(name, expected):
    assert greeting(name, "ana@example.com") == expected
    assert greeting(None, "ana@example.com") == "Hello,"


def test_no_organisers_no_alerts(deps):
    setup_guild(deps, "email,name\nana@example.com,Ana Lima\n")
    members.pause(deps, "guild", ANA, deps.clock.now().date() + timedelta(weeks=10))
    tick(deps)
    assert "alerts" not in deps.mailer.kinds()
    assert deps.store.list_records("guild/told/") == []
