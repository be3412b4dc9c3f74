"""Bounces as real mail systems send them: only authentic ones count against a member.

Authentic: the bounce came back to the signed envelope sender (VERP) of a message to that
member, or names the signed Message-ID of a message the ledger says was sent to them.
The bounces are real ones (tests/inbound/bounces), readdressed to our members.
"""
from __future__ import annotations

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from functions.adapters.maildir import MaildirOutbox
from functions.domain.models import BOUNCE_LIMIT
from functions.mail.compose import message_id
from functions.services.changes import communities
from functions.services.replies.inbox import handle_reply
from functions.services.jobs.tick import tick
from functions.services.reads.tables import member_rows
from tests.builders import setup_guild

BOUNCES = Path(__file__).parents[1] / "inbound" / "bounces" / "flufl"
ORGANISER = "org@example.com"


@pytest.fixture
def guild(deps):
    setup_guild(deps, organisers=(ORGANISER,))
    tick(deps)
    return deps


def victim_and_message(deps) -> tuple[str, EmailMessage]:
    """A member the rota has written to, and the last message it sent them."""
    session = deps.store.list_sessions("guild")[2]
    return session.presenter, deps.mailer.to(session.presenter)[-1]


def real_bounce(name: str, failed: str, to: str, *, original_id: str | None = None,
                new_id: str | None = None) -> bytes:
    """A bounce from the corpus about `failed`, delivered to `to`; optionally quoting the
    headers of the returned message with `original_id`."""
    raw = (BOUNCES / name).read_bytes()
    raw = raw.replace(b"userx@example.de", failed.encode())
    msg = message_from_bytes(raw)
    del msg["To"]
    msg["To"] = to
    del msg["Message-Id"]
    msg["Message-ID"] = new_id or make_msgid(domain="mx.example.net")
    raw = msg.as_bytes()
    if original_id:
        raw = raw.replace(b"Message removed", f"Message-ID: {original_id}\n".encode())
    return raw


def bounces_of(deps, email: str) -> int:
    return deps.store.get_member("guild", email).bounces


def test_a_bounce_naming_a_message_we_sent_counts(guild):
    victim, sent = victim_and_message(guild)
    raw = real_bounce("qmail_01.txt", victim, "cop@example.com", original_id=sent["Message-ID"])
    result = handle_reply(guild, raw)
    assert (result.outcome, result.member) == ("bounce", victim)
    assert bounces_of(guild, victim) == 1


def test_forged_bounces_are_logged_and_ignored(guild, caplog):
    victim, sent = victim_and_message(guild)
    genuine = sent["Message-ID"]
    forged_ids = [
        None,                                      # names no message at all
        re.sub(r"\.[0-9a-f]{16}@", "." + "0" * 16 + "@", genuine),  # a wrong signature
        # Signed correctly but never sent to them: the ledger has no such message.
        message_id(guild.mail.tokens, "digest", guild.store.get_community("guild"),
                   "2031-01-06", victim, "example.com"),
    ]
    for n in range(BOUNCE_LIMIT):
        for forged in forged_ids:
            raw = real_bounce("qmail_01.txt", victim, "cop@example.com", original_id=forged)
            assert handle_reply(guild, raw).outcome == "ignored"
    assert bounces_of(guild, victim) == 0
    assert "bounce not authentic" in caplog.text
    assert {r["mail"] for r in member_rows(guild.store, "guild", guild.clock.now())} == {"ok"}


def test_a_message_sent_to_someone_else_does_not_count_against_this_member(guild):
    victim, _ = victim_and_message(guild)
    other = guild.store.list_sessions("guild")[0].presenter
    theirs = guild.mailer.to(other)[-1]["Message-ID"]
    raw = real_bounce("qmail_01.txt", victim, "cop@example.com", original_id=theirs)
    assert handle_reply(guild, raw).member == other  # the message names its recipient
    assert bounces_of(guild, victim) == 0


def test_a_bounce_to_the_signed_return_path_counts_without_the_original(guild):
    victim, sent = victim_and_message(guild)
    return_path = sent["Return-Path"].strip("<>")
    assert return_path.startswith("cop+guild.") and return_path.endswith("@example.com")
    for name in ("qmail_01.txt", "postfix_01.txt", "yahoo_01.txt", "simple_01.txt"):
        before = bounces_of(guild, victim)
        raw = real_bounce(name, victim, return_path)
        result = handle_reply(guild, raw)
        assert (result.outcome, result.member) == ("bounce", victim), name
        assert bounces_of(guild, victim) == before + 1


@pytest.mark.parametrize("position", range(len("guild.") + 8 + 1 + 12))
def test_a_tampered_return_path_is_not_authentic(guild, position):
    victim, sent = victim_and_message(guild)
    local, _, domain = sent["Return-Path"].strip("<>").partition("@")
    base, _, token = local.partition("+")
    changed = token[:position] + ("a" if token[position] != "a" else "b") + token[position + 1:]
    raw = real_bounce("qmail_01.txt", victim, f"{base}+{changed}@{domain}")
    assert handle_reply(guild, raw).outcome == "ignored"
    assert bounces_of(guild, victim) == 0


def out_of_office(victim: str, sent, subject: str, text: str) -> bytes:
    """The victim's auto-reply, sent to the signed return path of a message they got."""
    msg = EmailMessage()
    msg["From"] = victim
    msg["To"] = sent["Return-Path"].strip("<>")
    msg["Subject"] = subject + sent["Subject"]
    msg["Auto-Submitted"] = "auto-replied"
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content(text)
    return msg.as_bytes()


def test_an_out_of_office_sent_to_the_return_path_is_not_a_bounce(guild):
    victim, sent = victim_and_message(guild)
    result = handle_reply(guild, out_of_office(victim, sent, "Automatic reply: ",
                                               "I am away until Monday.\n\nout\n"))
    assert result.outcome == "ignored"
    assert bounces_of(guild, victim) == 0
    assert not guild.store.get_member("guild", victim).opted_out


def test_an_out_of_office_whose_words_look_like_a_notice_is_not_a_bounce(guild):
    """An auto-reply at the signed return path is read as nothing but RFC 3464 and
    flufl.bounce: its prose (an address on a line of its own, a number like a reply code,
    "could not be delivered") is no mail system's notice."""
    victim, sent = victim_and_message(guild)
    result = handle_reply(guild, out_of_office(
        victim, sent, "Abwesend: ",
        "I am away until 5 January and your message could not be delivered to "
        "me in person.\nFor urgent matters call 550 0100 or write to\n<ben@example.com>\n"))
    assert result.outcome == "ignored"
    assert bounces_of(guild, victim) == 0


def test_a_delay_warning_does_not_count(guild):
    victim, sent = victim_and_message(guild)
    raw = (BOUNCES / "dsn_17.txt").read_bytes().replace(b"userx@example.fi", victim.encode())
    raw = raw.replace(b"\nTo: ", b"\nX-Was-To: ", 1)
    raw = f"To: {sent['Return-Path'].strip('<>')}\n".encode() + raw
    result = handle_reply(guild, raw)
    assert result.outcome == "bounce" and "delayed" in result.detail
    assert bounces_of(guild, victim) == 0


@pytest.mark.parametrize("action, status", [("relayed", "2.0.0"), ("delivered", "2.1.5"),
                                            ("expanded", "2.0.0")])
def test_a_success_report_to_the_return_path_does_not_count(guild, action, status):
    """An RFC 3464 report that says the message was delivered, relayed or expanded is no
    failure, even at the signed return path (made from the real delay report dsn_17)."""
    victim, sent = victim_and_message(guild)
    raw = (BOUNCES / "dsn_17.txt").read_bytes().replace(b"userx@example.fi", victim.encode())
    raw = raw.replace(b"Action: delayed", f"Action: {action}".encode())
    raw = raw.replace(b"Status: 4.3.0", f"Status: {status}".encode())
    raw = raw.replace(b"\nTo: ", b"\nX-Was-To: ", 1)
    raw = f"To: {sent['Return-Path'].strip('<>')}\n".encode() + raw
    result = handle_reply(guild, raw)
    assert result.outcome == "bounce" and "delivered, not counted" in result.detail
    assert bounces_of(guild, victim) == 0


def test_mail_stops_after_the_limit_and_the_organisers_hear_once(guild):
    victim, sent = victim_and_message(guild)
    for n in range(BOUNCE_LIMIT + 2):
        raw = real_bounce("qmail_01.txt", victim, sent["Return-Path"].strip("<>"))
        assert handle_reply(guild, raw).outcome == "bounce"
    rows = {r["email"]: r for r in member_rows(guild.store, "guild", guild.clock.now())}
    assert rows[victim]["mail"] == "stopped" and rows[victim]["status"] == "active"
    told = guild.mailer.to(ORGANISER, "alerts")
    assert len(told) == 1 and victim in told[0].get_body(("plain",)).get_content()
    assert "keeps bouncing" in told[0]["Subject"]
    assert told[0]["Auto-Submitted"] == "auto-generated"


def test_a_bounce_counts_only_in_the_community_whose_message_it_names(guild):
    now = guild.clock.now()
    victim, sent = victim_and_message(guild)
    communities.add_community(guild.store, now, "kitchen", name="Kitchen",
                              timezone="Australia/Sydney", reply_to="kitchen@example.com")
    guild.store.put_member("kitchen", guild.store.get_member("guild", victim))
    raw = real_bounce("qmail_01.txt", victim, "cop@example.com", original_id=sent["Message-ID"])
    assert handle_reply(guild, raw).community == "guild"
    assert guild.store.get_member("kitchen", victim).bounces == 0


def test_the_maildir_copy_records_the_signed_envelope_sender(guild, tmp_path):
    """Outbox as a delivering server would write it: Return-Path is the VERP address, and a
    bounce to it is found to be about that message and member."""
    victim, _ = victim_and_message(guild)
    guild.mailer = MaildirOutbox(tmp_path / "outbox")
    handle_reply(guild, reply_help(guild, victim))  # a confirmation goes out through the Maildir
    files = list((tmp_path / "outbox" / "new").iterdir())
    assert files
    copy = message_from_bytes(files[0].read_bytes())
    return_path = copy["Return-Path"].strip("<>")
    assert re.search(r"[\w.+-]+@[\w.-]+", copy["To"])[0] == victim
    raw = real_bounce("postfix_01.txt", victim, return_path)
    result = handle_reply(guild, raw)
    assert (result.outcome, result.member) == ("bounce", victim)


def reply_help(deps, sender: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"cop+{deps.mail.tokens.reply_token('guild', sender)}@example.com"
    msg["Subject"] = "Re: rota"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg.set_content("help\n")
    return msg.as_bytes()


def test_whose_mail_stopped_is_taken_off_the_rota_until_they_write(guild):
    """Mail stopped means off the rota: their coming sessions go to others (told why), the
    organisers hear what to do, and a reply from them puts them back in the queue."""
    from datetime import timedelta

    from tests.builders import reply

    victim, sent = victim_and_message(guild)
    theirs = [s.date for s in guild.store.list_sessions("guild") if s.presenter == victim]
    assert theirs
    for _ in range(BOUNCE_LIMIT):
        handle_reply(guild, real_bounce("qmail_01.txt", victim, sent["Return-Path"].strip("<>")))
    told = guild.mailer.to(ORGANISER, "alerts")[-1].get_body(("plain",)).get_content()
    assert "no longer plans" in told
    guild.mailer.sent.clear()
    tick(guild)
    for week in range(8):  # eight weeks on: never planned while the mail is stopped
        coming = guild.store.list_sessions("guild", start=guild.clock.now().date())
        assert victim not in {s.presenter for s in coming if s.status == "planned"}, week
        guild.clock.advance(timedelta(weeks=1))
        tick(guild)
    heads_ups = [m for m in guild.mailer.sent if m["X-Cop-Kind"] == "heads-up"
                 and any(d.isoformat() in m["Message-ID"] for d in theirs)]
    assert heads_ups and "keeps bouncing" in heads_ups[0].get_body(("plain",)).get_content()
    assert not guild.mailer.to(victim)  # nothing more was written to them

    handle_reply(guild, reply(guild, victim, "volunteer"))  # they write again
    coming = guild.store.list_sessions("guild", start=guild.clock.now().date())
    assert victim in {s.presenter for s in coming if s.status == "planned"}


def test_a_refused_answer_to_a_reply_counts_as_a_bounce(guild):
    """The answer to a reply (help, a confirmation) goes out on its own, outside a run: a
    server that refuses its recipient counts against them as any refusal does."""
    from tests.builders import reply

    member = "p1@example.com"
    raw = reply(guild, member, "frobnicate")  # answered with the help
    guild.mailer.refuse.add(member)
    assert handle_reply(guild, raw).outcome == "help"
    assert bounces_of(guild, member) == 1


SISIMAI = Path(__file__).parents[1] / "inbound" / "bounces" / "sisimai"


def sisimai_bounce(name: str, to: str, original_id: str | None = None,
                   sent_id: str | None = None) -> bytes:
    """A real notice from tests/inbound/bounces/sisimai delivered to `to`, the returned
    message's `original_id` (where the notice quotes it) replaced by `sent_id`."""
    raw = (SISIMAI / name).read_bytes().replace(b"\r\n", b"\n")
    head, blank, body = raw.partition(b"\n\n")
    head = re.sub(rb"(?im)^(?:To|Delivered-To|X-Original-To):.*\n(?:[ \t].*\n)*", b"",
                  head + b"\n")
    if original_id and sent_id:
        body = body.replace(original_id.strip("<>").encode(), sent_id.strip("<>").encode())
    return head + f"To: {to}\n".encode() + blank + body


@pytest.mark.parametrize("name, where", [
    ("rhost-messagelabs-01.eml", "a text/rfc822-headers part"),
    ("lhost-office365-01.eml", "the quoted 'Original message headers'"),
    ("lhost-notes-01.eml", "the text after '------- Returned Message --------'"),
    ("lhost-x1-01.eml", "the headers of a MIME part without a Content-Type"),
    ("lhost-x3-01.eml", "an attached message after a stray blank line"),
    ("lhost-mfilter-01.eml", "the text after '-------original message'"),
    ("rfc3464-61.eml", "X-Original-Message-ID among Gmail's delivery-status fields"),
    ("lhost-amazonworkmail-05.eml", "a Message-Id folded onto the next line"),
])
def test_a_notice_to_the_reply_address_counts_by_the_message_id_it_returns(guild, name, where):
    """Mail systems that send their notice to the reply address rather than the envelope
    sender: the returned Message-ID ties it to the member, wherever the notice puts it."""
    import json

    victim, sent = victim_and_message(guild)
    expected = json.loads((SISIMAI / "expected.json").read_text())[name]
    raw = sisimai_bounce(name, "cop@example.com", expected["message_id"], sent["Message-ID"])
    result = handle_reply(guild, raw)
    assert (result.outcome, result.member) == ("bounce", victim), where
    assert bounces_of(guild, victim) == 1


@pytest.mark.parametrize("name", ["rfc3464-34.eml", "lhost-zoho-04.eml", "lhost-gmail-08.eml",
                                  "lhost-sendmail-29.eml", "rfc3464-28.eml"])
def test_a_delay_or_success_notice_at_the_return_path_does_not_count(guild, name):
    """Real delay notices (a plain-text Postfix report "still being retried", Zoho and
    Gmail delay notices, a Sendmail 4-hour warning) and a success report (2.1.5): no
    failure is read, so nothing counts even at the signed envelope sender."""
    victim, sent = victim_and_message(guild)
    result = handle_reply(guild, sisimai_bounce(name, sent["Return-Path"].strip("<>")))
    assert "not counted" in result.detail or result.outcome == "ignored", result
    assert bounces_of(guild, victim) == 0


def test_a_failure_whose_recipient_is_unread_counts_at_the_return_path(guild):
    """Sendmail V5 gave up after 4 days and names the recipient only in the returned
    message: the failure is read from its words, and the envelope sender says whose."""
    victim, sent = victim_and_message(guild)
    raw = sisimai_bounce("lhost-v5sendmail-01.eml", sent["Return-Path"].strip("<>"))
    result = handle_reply(guild, raw)
    assert (result.outcome, result.member) == ("bounce", victim)
    assert bounces_of(guild, victim) == 1
