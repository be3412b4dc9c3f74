"""Replying by email runs the roster: each command, who may send it, and what is refused."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from functions.services.changes import communities, members
from functions.services.replies.inbox import handle_reply
from functions.services.jobs.tick import tick
from functions.services.reads.tables import schedule_rows
from tests.builders import reply, setup_guild


@pytest.fixture
def guild(deps):
    setup_guild(deps, allow_domains=("example.com",))
    tick(deps)
    return deps


def first_session(deps):
    return deps.store.list_sessions("guild")[0]


def answers_to(deps, email):
    """The messages answering a reply: "Done: …" confirmations, or heads-ups that are one."""
    return [m for m in deps.mailer.to(email) if m["Auto-Submitted"] == "auto-replied"
            and "Done: " in m.get_body(("plain",)).get_content()]


def test_skip_hands_the_session_on_and_tells_both_at_once(guild):
    first = first_session(guild)
    result = handle_reply(guild, reply(guild, first.presenter, "skip"))
    assert result.outcome == "done"
    now_first = first_session(guild)
    assert now_first.presenter not in (None, first.presenter)
    [confirm] = answers_to(guild, first.presenter)
    assert confirm["In-Reply-To"]
    text = confirm.get_body(("plain",)).get_content()
    assert f"{first.date:%A} {first.date.day} {first.date:%B}" in text  # a human date
    assert first.date.isoformat() not in text
    # the new presenter hears at the next tick (a burst of changes is told once), in
    # words written for them
    day = f"{first.date.day} {first.date:%B}"
    assert not [m for m in guild.mailer.to(now_first.presenter) if day in m["Subject"]]
    tick(guild)
    [heads_up] = [m for m in guild.mailer.to(now_first.presenter, "heads-up")
                  if day in m["Subject"]]
    assert heads_up["Auto-Submitted"] == "auto-generated"
    assert "Done:" not in heads_up.get_body(("plain",)).get_content()
    sent = len(guild.mailer.sent)
    tick(guild)  # and nothing of it again
    assert not [m for m in guild.mailer.sent[sent:] if day in m["Subject"]]


def test_same_message_delivered_twice_is_handled_once(guild):
    first = first_session(guild)
    raw = reply(guild, first.presenter, "skip")
    assert handle_reply(guild, raw).outcome == "done"
    assert handle_reply(guild, raw).outcome == "duplicate"
    assert len(answers_to(guild, first.presenter)) == 1


def test_topic_reaches_the_session_and_the_calendar(guild):
    first = first_session(guild)
    handle_reply(guild, reply(guild, first.presenter, "topic: Naïve Bayes in 10 minutes"))
    assert first_session(guild).topic == "Naïve Bayes in 10 minutes"
    tick(guild)
    event = guild.calendar.events[f"guild-{first.date.isoformat()}@cop"]
    assert "Naïve Bayes" in event.summary and event.sequence == 1


def test_pause_out_and_back_in(guild):
    who = "p5@example.com"
    until = (first_session(guild).date + timedelta(weeks=3)).isoformat()
    assert handle_reply(guild, reply(guild, who, f"pause until {until}")).outcome == "done"
    assert guild.store.get_member("guild", who).paused_until.isoformat() == until
    handle_reply(guild, reply(guild, who, "out"))
    assert guild.store.get_member("guild", who).opted_out
    assert guild.mailer.to(who, "goodbye")
    handle_reply(guild, reply(guild, who, "in"))
    member = guild.store.get_member("guild", who)
    assert not member.opted_out and member.paused_until is None
    assert any("Welcome back" in m["Subject"] for m in guild.mailer.to(who, "welcome"))


def test_a_reply_asking_for_what_is_already_so_is_answered_once_and_changes_nothing(guild):
    who = "p5@example.com"
    until = (first_session(guild).date + timedelta(weeks=3)).isoformat()
    for text, answer in (("back", "you are already on the roster; nothing changed"),
                         (f"pause until {until}", None),
                         (f"pause until {until}", "you are already paused until"),
                         ("out", None),
                         ("out", "you have already left; nothing changed")):
        sent = len(guild.mailer.sent)
        assert handle_reply(guild, reply(guild, who, text)).outcome == "done"
        new = guild.mailer.sent[sent:]
        if answer is None:
            continue
        [confirm] = new  # the answer only: no second goodbye, no invites moved
        assert confirm["X-Cop-Kind"] == "confirm"
        assert answer in confirm.get_body(("plain",)).get_content()
    assert len(guild.mailer.to(who, "goodbye")) == 1


def test_swap_needs_the_other_to_accept(guild):
    s1, s2 = guild.store.list_sessions("guild")[:2]
    handle_reply(guild, reply(guild, s1.presenter, f"swap with {s2.presenter}"))
    assert first_session(guild).presenter == s1.presenter  # nothing yet
    asked = guild.mailer.to(s2.presenter, "notice")[-1]  # their request, not theirs done
    assert "accept" in asked.get_body(("plain",)).get_content()
    assert "Done" not in asked.get_body(("plain",)).get_content() + asked["Subject"]
    handle_reply(guild, reply(guild, s2.presenter, "accept"))
    a, b = guild.store.list_sessions("guild")[:2]
    assert (a.presenter, b.presenter) == (s2.presenter, s1.presenter)


def test_volunteer_takes_the_next_session_and_the_planned_person_keeps_their_place(guild):
    first = first_session(guild)
    volunteer = "p5@example.com"  # not planned in the look-ahead
    handle_reply(guild, reply(guild, volunteer, "volunteer"))
    assert first_session(guild).presenter == volunteer
    tick(guild)  # the next tick tells everyone else
    [told] = guild.mailer.to(first.presenter, "changed")  # told they are off, and why
    text = told.get_body(("plain",)).get_content()
    assert "You keep your place" in text and "Person 5 volunteered for" in text
    # planned weeks stay put; the displaced person is first in line for the next free one
    rows = schedule_rows(guild.store, "guild", guild.clock.now(), weeks=8)
    projected = [r["presenter"] for r in rows if r["status"] == "projected"]
    assert projected[0] == first.presenter


def test_share_goes_into_the_next_digest(guild, clock):
    handle_reply(guild, reply(guild, "p2@example.com", "share: https://example.org/post Great read"))
    monday = first_session(guild).starts_at + timedelta(days=3)
    clock.set(monday)
    tick(guild)
    digest = guild.mailer.to("p0@example.com", "digest")[-1]
    assert "https://example.org/post" in digest.get_body(("plain",)).get_content()
    assert "Great read" in digest.get_body(("html",)).get_content()


def test_unclear_reply_gets_help_once_a_day_never_a_loop(guild):
    who = "p4@example.com"
    assert handle_reply(guild, reply(guild, who, "what is this?")).outcome == "help"
    assert handle_reply(guild, reply(guild, who, "still confused")).outcome == "help"
    assert len(guild.mailer.to(who, "help")) == 1


def test_command_inside_quoted_text_is_never_obeyed(guild):
    who = "p5@example.com"
    handle_reply(guild, reply(guild, who, "Thanks, see you Friday!", quote="out\nskip"))
    assert not guild.store.get_member("guild", who).opted_out


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
])
def test_automatic_replies_are_never_answered(guild, headers):
    who = "p5@example.com"
    before = len(guild.mailer.sent)
    result = handle_reply(guild, reply(guild, who, "out", headers=headers))
    assert result.outcome == "ignored"
    assert not guild.store.get_member("guild", who).opted_out
    assert len(guild.mailer.sent) == before


def test_forged_sender_without_token_or_dmarc_is_refused(guild):
    raw = reply(guild, "p0@example.com", "out", to="cop@example.com", headers={
        "Authentication-Results": "mx.google.com; dmarc=fail header.from=example.com"})
    before = len(guild.mailer.sent)
    assert handle_reply(guild, raw).outcome == "refused"
    assert not guild.store.get_member("guild", "p0@example.com").opted_out
    assert len(guild.mailer.sent) == before  # no backscatter


def test_token_of_another_member_cannot_be_borrowed_by_changing_from(guild):
    # p1 forwarded a digest; p3 replies to p1's token: p3 is not p1.
    raw = reply(guild, "p1@example.com", "out")
    forged = raw.replace(b"From: p1@example.com", b"From: p3@example.com")
    assert handle_reply(guild, forged).outcome == "refused"
    assert not guild.store.get_member("guild", "p1@example.com").opted_out
    assert not guild.store.get_member("guild", "p3@example.com").opted_out
    # With DMARC vouching for p3, it is p3's own reply.
    vouched = forged.replace(b"From: p3@example.com", b"Authentication-Results: mx.google.com;"
                             b" dmarc=pass header.from=example.com\nFrom: p3@example.com")
    assert handle_reply(guild, vouched).member == "p3@example.com"
    assert not guild.store.get_member("guild", "p1@example.com").opted_out
    assert guild.store.get_member("guild", "p3@example.com").opted_out


@pytest.mark.parametrize("sender", ["p1@EXAMPLE.com", "P1@example.com", "p1+rota@example.com"])
def test_the_member_is_recognised_as_mail_systems_compare_addresses(guild, sender):
    raw = reply(guild, "p1@example.com", "out")
    raw = raw.replace(b"From: p1@example.com", f"From: {sender}".encode())
    assert handle_reply(guild, raw).outcome == "done"
    assert guild.store.get_member("guild", "p1@example.com").opted_out


def test_dmarc_pass_without_token_identifies_the_member(guild):
    raw = reply(guild, "p2@example.com", "out", to="cop@example.com", headers={
        "Authentication-Results":
            "mx.google.com; dkim=pass header.i=@example.com; dmarc=pass header.from=example.com"})
    assert handle_reply(guild, raw).outcome == "done"
    assert guild.store.get_member("guild", "p2@example.com").opted_out


def test_a_new_mail_goes_to_the_community_at_the_address_it_was_sent_to(guild):
    """Without a token: the sender's communities at the address written to, or the one
    community there for a newcomer. When that leaves several of a member's, nothing is
    done and they are asked to reply to one community's email; a stranger is not answered."""
    def mail(sender, text, to):
        return handle_reply(guild, reply(guild, sender, text, to=to, headers={
            "Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}))

    now = guild.clock.now()
    for cid, own in (("pm", "pm@example.com"), ("ops", None)):
        communities.add_community(guild.store, now, cid, name=cid.upper(), timezone="UTC",
                                  reply_to=own, allow_domains=("example.com",))
    members.join_many(guild, "pm", b"email,name\np2@example.com,P Two\n", welcome=False)
    members.join_many(guild, "ops", b"email,name\np2@example.com,P Two\n", welcome=False)

    shared = mail("p2@example.com", "out", "cop@example.com")
    assert shared.outcome == "help"
    assert "belongs to several communities" in shared.detail and "guild, ops" in shared.detail
    [asked] = guild.mailer.to("p2@example.com", "help")
    text = asked.get_body(("plain",)).get_content()
    assert "I could not act on your reply: you are a member of Guild and OPS, which share " \
           "this address; reply to an email from the one you mean." in " ".join(text.split())
    assert asked["Auto-Submitted"] == "auto-replied"
    assert not any(guild.store.get_member(c, "p2@example.com").opted_out
                   for c in ("guild", "pm", "ops"))
    own = mail("p2@example.com", "out", "PM+anything@Example.com")
    assert (own.outcome, own.community) == ("done", "pm")
    assert [c for c in ("guild", "pm", "ops")
            if guild.store.get_member(c, "p2@example.com").opted_out] == ["pm"]

    sent = len(guild.mailer.sent)
    crowded = mail("newbie@example.com", "in", "cop@example.com")
    assert crowded.outcome == "refused" and "several communities share" in crowded.detail
    assert len(guild.mailer.sent) == sent
    joined = mail("newbie@example.com", "in", "pm@example.com")
    assert (joined.outcome, joined.community) == ("done", "pm")
    assert guild.store.member_of("newbie@example.com") == ["pm"]


def test_newcomer_from_allowed_domain_joins_with_in(guild):
    auth = {"Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}
    raw = reply(guild, "newbie@example.com", "join", to="cop@example.com", headers=auth)
    assert handle_reply(guild, raw).outcome == "done"
    assert guild.store.get_member("guild", "newbie@example.com") is not None
    assert guild.mailer.to("newbie@example.com", "welcome")
    other = {"Authentication-Results": "mx.google.com; dmarc=pass header.from=else.org"}
    raw = reply(guild, "x@else.org", "in", to="cop@example.com", headers=other)
    assert handle_reply(guild, raw).outcome == "refused"


def test_bounces_stop_mail_after_the_limit(guild, clock):
    victim = guild.store.list_sessions("guild")[3].presenter  # has had a heads-up
    sent = guild.mailer.to(victim)[-1]["Message-ID"]

    def bounce(n):
        return (
            "From: MAILER-DAEMON@mx.example.com\r\nTo: cop@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <bounce{n}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.com\r\n\r\n"
            f"Final-Recipient: rfc822; {victim}\r\nAction: failed\r\n"
            "Status: 5.1.1\r\n\r\n"
            f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {sent}\r\n"
            "\r\n--b1--\r\n").encode()
    for n in range(3):
        assert handle_reply(guild, bounce(n)).outcome == "bounce"
    assert guild.store.get_member("guild", victim).bounces == 3
    clock.set(first_session(guild).starts_at + timedelta(days=3))
    tick(guild)
    others = [m.email for m in guild.store.list_members("guild") if m.email != victim]
    assert guild.mailer.to(others[0], "digest")
    assert not guild.mailer.to(victim, "digest")


def test_presenter_declining_by_calendar_reply_skips(guild):
    first = first_session(guild)
    ours = guild.mailer.to(first.presenter)[-1]
    msg = EmailMessage()
    msg["From"] = first.presenter
    msg["To"] = str(ours["Reply-To"])
    msg["Subject"] = "Declined: Guild"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg.set_content("I can't make it")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nMETHOD:REPLY\r\n"
           "BEGIN:VEVENT\r\nUID:guild-" + first.date.isoformat() + "@cop\r\n"
           "DTSTAMP:20261130T000000Z\r\nATTENDEE;PARTSTAT=DECLINED:mailto:" + first.presenter +
           "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    msg.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    result = handle_reply(guild, msg.as_bytes())
    assert result.outcome == "rsvp"
    assert first_session(guild).presenter != first.presenter
    assert first.presenter in first_session(guild).declined


def test_tokens_stay_valid_when_the_reply_address_changes(guild):
    raw = reply(guild, "p1@example.com", "out")  # to cop+TOKEN@example.com
    community = guild.store.get_community("guild")
    guild.store.put_community(dataclasses.replace(community, reply_to="rota@new.example.org"))
    assert handle_reply(guild, raw).outcome == "done"
    assert guild.store.get_member("guild", "p1@example.com").opted_out


def test_a_refused_reply_is_handled_once_the_settings_are_fixed(guild):
    raw = reply(guild, "p2@example.com", "out", to="cop@example.com", headers={
        "Authentication-Results": "mx.example.org; dmarc=pass header.from=example.com"})
    assert handle_reply(guild, raw).outcome == "refused"
    assert handle_reply(guild, raw).outcome == "refused"  # still not trusted, not "duplicate"
    guild.mail = dataclasses.replace(guild.mail, trusted_authserv="mx.example.org")
    assert handle_reply(guild, raw).outcome == "done"
    assert guild.store.get_member("guild", "p2@example.com").opted_out
    assert handle_reply(guild, raw).outcome == "duplicate"  # a replay does nothing twice
