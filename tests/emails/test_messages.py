"""Every kind of email, sent by the real services, read back from its wire form."""
from __future__ import annotations

import copy
import re
from datetime import datetime, time, timedelta

import icalendar
import pytest

from functions.services.jobs import preview as preview_service
from functions.services.delivery.messages import render_message
from functions.services.jobs.tick import tick
from functions.mail.tokens import Tokens
from tests.emails.support import (
    EMAILS, FIRST_DIGEST, PUBLIC_URL, SECRET, START, calendar_parts, invite_event,
    live_first_week, make_deps, of_kind, on_the_wire, raw_headers, recipient, setup_guild,
    text_of)

KINDS = ("digest", "heads-up", "reminder", "welcome", "goodbye", "confirm")
WITH_INVITE = ("digest", "heads-up")
MESSAGE_ID = re.compile(r"<([a-z-]+)\.guild\.([0-9a-z~-]+)\.[0-9a-f]{16}@example\.com>")
UNSUBSCRIBE = re.compile(re.escape(PUBLIC_URL) + r"/unsubscribe\?t=([A-Za-z0-9_.-]+)")


@pytest.fixture(scope="module")
def first_week():
    """The first week, lived once for this module."""
    deps = make_deps(attach_invites=True)
    return deps, live_first_week(deps)


@pytest.fixture
def lived(first_week):
    """The first week: (deps, story), a copy of its own for each test."""
    return copy.deepcopy(first_week)


def everyone(deps) -> list[str]:
    return [m.email for m in deps.store.list_members("guild")]


def test_every_kind_was_sent(lived):
    deps, _ = lived
    kinds = deps.mailer.kinds()
    for kind in KINDS:
        assert kind in kinds, f"no {kind} was sent: {kinds}"
    # each of the six members got the digest once (Gus joined on Monday, so did he)
    digests = [recipient(m) for m in of_kind(deps, "digest")]
    assert len(digests) == len(set(digests)) and set(EMAILS) <= set(digests)


@pytest.mark.parametrize("kind", KINDS)
def test_headers_of_every_message(lived, kind):
    deps, _ = lived
    tokens = Tokens(SECRET)
    members = everyone(deps)
    messages = of_kind(deps, kind)
    assert messages
    for sent in messages:
        data, msg = on_the_wire(sent)
        raw = raw_headers(data)
        to = recipient(msg)
        assert to in members
        assert msg["From"].addresses[0].addr_spec == "cop@example.com"
        assert msg["From"].addresses[0].display_name == "Guild"
        assert msg["Subject"] and "\n" not in msg["Subject"]
        assert START <= msg["Date"].datetime <= deps.clock.now()
        # Message-ID: this kind, this community, a key, and the reply domain
        match = MESSAGE_ID.fullmatch(msg["Message-ID"])
        assert match and match.group(1) == kind, msg["Message-ID"]
        # Reply-To: the community address plus-addressed with this member's token
        reply = msg["Reply-To"].addresses[0]
        assert reply.domain == "example.com"
        base, plus, token = reply.username.partition("+")
        assert (base, plus) == ("cop", "+") and token
        assert tokens.reply_member(token, members) == to
        assert tokens.reply_member(token, [m for m in members if m != to]) is None
        assert msg["List-Id"] == "Guild <guild.example.com>"
        # List-Unsubscribe: one HTTPS URL under the public URL, with this member's token
        url = re.fullmatch(r"<(.+)>", msg["List-Unsubscribe"]).group(1)
        link = UNSUBSCRIBE.fullmatch(url)
        assert link, url
        assert tokens.unsubscribe_target(link.group(1)) == ("guild", to)
        # ... written as itself: a mail client does not decode RFC 2047 words in it
        assert raw["list-unsubscribe"] == f"<{url}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["Auto-Submitted"] == "auto-generated"
        # both alternatives, each with the visible unsubscribe link
        plain, html = text_of(msg, "plain"), text_of(msg, "html")
        assert url in plain
        assert f'href="{url}"' in html
        alternative = [p for p in msg.walk() if p.get_content_type() == "multipart/alternative"]
        assert len(alternative) == 1
        assert {p.get_content_type() for p in alternative[0].iter_parts()} >= {
            "text/plain", "text/html"}


def test_message_ids_differ_between_recipients_and_messages(lived):
    deps, _ = lived
    ids = [m["Message-ID"] for m in deps.mailer.sent]
    assert len(ids) == len(set(ids))
    digests = of_kind(deps, "digest")
    keys = {MESSAGE_ID.fullmatch(m["Message-ID"]).group(2) for m in digests}
    assert keys == {"2026-12-04"}  # one digest, about one session, to several people
    assert len({m["Message-ID"] for m in digests}) == len(digests) > 1


def test_message_id_is_the_same_when_rendered_again(lived):
    deps, story = lived
    community = deps.store.get_community("guild")
    roster = {m.email: m for m in deps.store.list_members("guild")}
    args = dict(kind="goodbye", key="2027-01-01", subject="You have left Guild",
                now=deps.clock.now())
    first = render_message(deps.mail, community, roster[EMAILS[0]], **args)
    again = render_message(deps.mail, community, roster[EMAILS[0]], **args)
    other = render_message(deps.mail, community, roster[EMAILS[1]], **args)
    later = render_message(deps.mail, community, roster[EMAILS[0]],
                           **{**args, "now": deps.clock.now() + timedelta(days=1)})
    assert first["Message-ID"] == again["Message-ID"] == later["Message-ID"]
    assert other["Message-ID"] != first["Message-ID"]


def quiet_guild(deps) -> None:
    """The guild with members added without a welcome: they hold no invite yet, as the
    preview shows its reader."""
    setup_guild(deps, welcome=False)


def test_preview_of_the_digest_is_the_message_that_was_sent():
    deps = make_deps()
    quiet_guild(deps)
    tick(deps)
    deps.clock.set(FIRST_DIGEST - timedelta(minutes=15))
    tick(deps)  # the plan moves on before the digest is due
    deps.clock.set(FIRST_DIGEST)
    shown = preview_service.preview(deps, "guild", "digest")
    again = preview_service.preview(deps, "guild", "digest")
    tick(deps)
    sent = {recipient(m): m for m in of_kind(deps, "digest")}
    assert shown["Message-ID"] == again["Message-ID"] == sent[EMAILS[0]]["Message-ID"]
    assert text_of(shown, "plain") == text_of(sent[EMAILS[0]], "plain")
    assert len({m["Message-ID"] for m in sent.values()}) == len(EMAILS)
    # what the preview shows includes the invite that goes with the digest
    assert invite_event(shown)[1]["UID"] == invite_event(sent[EMAILS[0]])[1]["UID"]


@pytest.mark.parametrize("kind", ["heads-up", "reminder"])
def test_preview_of_presenter_mail_carries_the_same_invite(kind):
    deps = make_deps()
    quiet_guild(deps)
    tick(deps)
    if kind == "reminder":
        deps.clock.set(deps.store.list_sessions("guild")[0].starts_at - timedelta(hours=2))
        tick(deps)
    shown = preview_service.preview(deps, "guild", kind)
    sent = next(m for m in of_kind(deps, kind) if m["Message-ID"] == shown["Message-ID"])
    assert text_of(shown, "plain") == text_of(sent, "plain")
    assert [p.get_content_type() for p in shown.walk()] == \
        [p.get_content_type() for p in sent.walk()]


@pytest.mark.parametrize("kind", WITH_INVITE)
def test_heads_up_and_digest_carry_the_sessions_itip_invite(lived, kind):
    deps, _ = lived
    stored = {s.date.isoformat(): s for s in deps.store.list_sessions("guild")}
    for sent in of_kind(deps, kind):
        _, msg = on_the_wire(sent)
        day = MESSAGE_ID.fullmatch(msg["Message-ID"]).group(2).partition("~")[0]
        if f"guild-{day}@cop" not in uids(msg):
            # only someone who already holds that event (their welcome, the heads-up)
            earlier = deps.mailer.sent[:deps.mailer.sent.index(sent)]
            assert any(f"guild-{day}@cop" in uids(m) for m in earlier
                       if recipient(m) == recipient(msg)), (kind, recipient(msg), day)
            continue
        calendar, event = invite_event(msg)
        assert calendar["METHOD"] == "REQUEST"
        assert event["UID"] == f"guild-{day}@cop"
        start = event.decoded("DTSTART")
        assert start == stored[day].starts_at
        assert (start.date().isoformat(), start.time()) == (day, time(16))
        assert str(start.tzinfo) == "Australia/Sydney"
        assert event.decoded("DTEND") - start == timedelta(minutes=30)
        # the organiser is the recipient's own reply address: a calendar's RSVP names them
        organiser = str(event["ORGANIZER"]).lower().removeprefix("mailto:")
        assert organiser == msg["Reply-To"].addresses[0].addr_spec.lower()
        found = event.get("ATTENDEE", [])
        found = found if isinstance(found, list) else [found]
        attendees = [str(a).lower().removeprefix("mailto:") for a in found]
        assert recipient(msg) in attendees  # so the invite can be answered
        # the same file as an attachment, for clients without iTIP
        files = [p for p in msg.iter_attachments() if p.get_content_type() == "application/ics"]
        assert len(files) == 1
        assert icalendar.Calendar.from_ical(files[0].get_content())  # parses too


def uids(message) -> set[str]:
    """The events a message carries an invite for."""
    return {str(event["UID"]) for part in calendar_parts(message)
            for event in icalendar.Calendar.from_ical(part.get_payload(decode=True))
            .walk("VEVENT")}


def methods(message) -> set[str]:
    return {part.get_param("method") for part in calendar_parts(on_the_wire(message)[1])}


def test_membership_mail_carries_only_what_changes_in_the_recipients_calendar(lived):
    """A welcome offers the coming sessions; a goodbye and a pause only cancel."""
    deps, _ = lived
    assert all(methods(m) <= {"REQUEST"} for m in of_kind(deps, "welcome"))
    assert all(methods(m) <= {"CANCEL"} for m in of_kind(deps, "goodbye"))
    assert all(methods(m) <= {"CANCEL"} for m in of_kind(deps, "confirm"))
    assert methods(of_kind(deps, "goodbye")[0]) == {"CANCEL"}  # they held invites


def test_no_invites_in_mail_when_a_calendar_service_sends_them():
    deps = make_deps(attach_invites=False)
    live_first_week(deps)
    assert set(deps.mailer.kinds()) >= set(KINDS)
    for sent in deps.mailer.sent:
        _, msg = on_the_wire(sent)
        types = {p.get_content_type() for p in msg.walk()}
        assert "text/calendar" not in types and "application/ics" not in types
        assert msg.get_content_type() == "multipart/alternative"


def test_digest_says_who_what_when_and_who_is_next(lived):
    deps, story = lived
    roster = {m.email: m.name for m in deps.store.list_members("guild")}
    presenter = roster[story["second"].presenter]
    last = roster[story["first"].presenter]
    digest = next(m for m in of_kind(deps, "digest") if recipient(m) == EMAILS[2])
    _, msg = on_the_wire(digest)
    plain, html = text_of(msg, "plain"), text_of(msg, "html")
    assert msg["Subject"] == f"Guild this week: {presenter} — What Postgres indexes really cost"
    upcoming = [s for s in deps.store.list_sessions("guild", datetime(2026, 12, 5).date())
                ][:4]
    for body in (plain, html):
        assert "Hi Chen," in body  # the first name
        assert presenter in body
        assert "What Postgres indexes really cost" in body
        assert "Friday 4 December 2026, 16:00–16:30 AEDT" in body
        assert "https://meet.example.com/guild-weekly" in body
        # last week's recap: who presented what
        assert last in body and "Feature flags on a budget" in body
        assert "Friday 27 November 2026" in body
        # the upcoming roster, holidays included
        assert "Friday 11 December 2026" in body and "Friday 18 December 2026" in body
        assert "Christmas Day" in body
        for s in upcoming:
            if s.presenter:
                assert roster.get(s.presenter, "") in body
    assert plain.index("This week") < plain.index("Last time") < plain.index("Coming up")
    assert "reply" in plain.lower() and "topic:" in plain


def test_first_digest_has_no_recap_before_anything_was_held():
    deps = make_deps()
    setup_guild(deps, weekday=0)  # Mondays: the first session is after the first digest
    tick(deps)
    deps.clock.set(FIRST_DIGEST)
    tick(deps)
    digest = of_kind(deps, "digest")[0]
    assert "Last time" not in text_of(digest, "plain")
    assert "Last time" not in text_of(digest, "html")


def test_heads_up_and_reminder_say_when_and_how_to_change(lived):
    deps, story = lived
    first = story["first"]
    heads_up = next(m for m in of_kind(deps, "heads-up") if "27 November" in m["Subject"])
    reminder = of_kind(deps, "reminder")[0]
    assert recipient(heads_up) == recipient(reminder) == first.presenter
    for msg in (heads_up, reminder):
        plain = text_of(on_the_wire(msg)[1], "plain")
        assert "Friday 27 November 2026, 16:00–16:30 AEDT" in plain
        assert "skip" in plain
    assert "Feature flags on a budget" in text_of(reminder, "plain")
    assert "swap with" in text_of(heads_up, "plain")


def test_welcome_goodbye_and_confirm_say_what_happened(lived):
    deps, story = lived
    [welcome] = [m for m in of_kind(deps, "welcome") if recipient(m) == "gus@example.com"]
    assert "Every Friday at 16:00" in text_of(welcome, "plain")
    goodbye = of_kind(deps, "goodbye")[0]
    assert recipient(goodbye) == EMAILS[5]
    assert "You have left Guild" in goodbye["Subject"]
    [confirm] = of_kind(deps, "confirm")
    assert recipient(confirm) == "gus@example.com"
    assert "paused until" in text_of(confirm, "plain")
    declined = story["declined"]
    told = [m for m in deps.mailer.to(declined.presenter)
            if "you declined the invite" in text_of(m, "plain")]
    assert len(told) == 1


def test_an_answer_to_a_reply_threads_with_it():
    """In-Reply-To and References hold the message id as written, however long."""
    from functions.services.changes import members

    deps = make_deps()
    setup_guild(deps)
    their_id = ("<CAKx1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP_qrstu"
                "+more.parts@mail.gmail.com>")
    members.leave(deps, "guild", EMAILS[1], in_reply_to=their_id)
    data, msg = on_the_wire(of_kind(deps, "goodbye")[0])
    raw = raw_headers(data)
    assert raw["in-reply-to"] == raw["references"] == their_id
    assert msg["In-Reply-To"] == their_id
    assert msg["Auto-Submitted"] == "auto-replied"
