"""Reading real-looking replies from many clients: who sent them, what is new, what is automatic."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.mail.inbound import MAX_MESSAGE, MAX_TEXT, Inbound, authenticated, find_reply_token, html_to_text, parse_inbound, reply_text, unflow
from functions.domain.commands import Command, Unclear, parse_command
from functions.mail.tokens import Tokens

CORPUS = Path(__file__).parent / "corpus"
TODAY = date(2026, 12, 4)
TRUSTED = "mx.google.com"
REPLY_BASES = ("cop@example.com",)
TOKENS = Tokens("test-secret")  # the secret the corpus tokens were signed with


@dataclass(frozen=True)
class Expect:
    verb: str | None = None          # None: no command is found in the new text
    args: dict = field(default_factory=dict)
    automatic: str | None = None     # a word the reason contains; None: not automatic
    auth: bool = False
    token_for: str | None = None     # the member whose signed token the reply was sent to
    bounce: str | None = None        # the failed recipient of a delivery-status report
    calendar: tuple[str, str] | None = None  # (attendee, PARTSTAT)


EXPECTED = {
    "gmail_skip.eml": Expect("skip", auth=True, token_for="chloe@gmail.com"),
    "gmail_empty_reply.eml": Expect(None, auth=True, token_for="chloe@gmail.com"),
    "outlook_html_only_out.eml": Expect("out", auth=True, token_for="hana@outlook.com"),
    "outlook_desktop_volunteer.eml": Expect("volunteer", {"on": date(2027, 1, 15)}, auth=True,
                                            token_for="ivan@example.com"),
    "outlook_empty_reply.eml": Expect(None, token_for="ivan@example.com"),
    "outlook_mobile_away.eml": Expect("pause", {"weeks": 2, "until": date(2026, 12, 18)},
                                      token_for="hana@outlook.com"),
    "apple_mail_pause.eml": Expect("pause", {"until": date(2027, 1, 10)}, auth=True,
                                   token_for="gus@icloud.com"),
    "apple_mail_html_only_in.eml": Expect("in", token_for="gus@icloud.com"),
    "iphone_count_me_in.eml": Expect("in", auth=True, token_for="ana@example.com"),
    "thunderbird_bottom_posted_topic.eml": Expect(
        "topic", {"text": "Roadmaps that survive contact with clients"},
        token_for="ben@example.org"),
    "german_gmail_out.eml": Expect("out", auth=True, token_for="dieter@example.de"),
    "spanish_gmail_help.eml": Expect("help", auth=True, token_for="elena@example.es"),
    "spanish_bottom_posted_out.eml": Expect("out", token_for="elena@example.es"),
    "french_gmail_out.eml": Expect("out", auth=True, token_for="francois@example.fr"),
    "out_of_office.eml": Expect(None, automatic="auto-replied", token_for="ana@example.com"),
    "x_autoreply_only.eml": Expect("skip", automatic="x-autoreply", token_for="ben@example.org"),
    "precedence_bulk.eml": Expect("help", automatic="bulk", token_for="ana@example.com"),
    "own_mail_loop.eml": Expect("help", automatic="x-cop-kind", token_for="ana@example.com"),
    "mailer_daemon_plain.eml": Expect(None, automatic="mailer-daemon", token_for="ben@example.org",
                                      bounce="ben@example.org"),
    "bounce_dsn.eml": Expect(None, automatic="delivery-status", token_for="ben@example.org",
                             bounce="ben@example.org"),
    "forged_from_dmarc_fail.eml": Expect("out"),
    "untrusted_authserv_above.eml": Expect("skip"),
    "trusted_pass_no_token.eml": Expect("back", auth=True),
    "two_from_addresses.eml": Expect("out"),
    "header_injection.eml": Expect("in", auth=True, token_for="ana@example.com"),
    "broken_missing_boundary.eml": Expect(None, token_for="ben@example.org"),
    "bad_charset.eml": Expect("volunteer", token_for="ben@example.org"),
    "html_only_volunteer.eml": Expect("volunteer", token_for="ben@example.org"),
    "calendar_reply_declined.eml": Expect(None, auth=True,
                                          calendar=("ana@example.com", "DECLINED")),
    "topic_qp_unicode.eml": Expect("topic", {"text": "Ünïcode — naïve Bayes"},
                                   token_for="ben@example.org"),
    "share_link.eml": Expect("share", {"url": "https://example.com/article",
                                       "text": "a great read"}, token_for="chloe@gmail.com"),
    "swap_with.eml": Expect("swap", {"email": "ana@example.com"}, token_for="ben@example.org"),
}


def read(name: str) -> Inbound:
    return parse_inbound((CORPUS / name).read_bytes(), TRUSTED, REPLY_BASES)


def header_fields(inbound: Inbound) -> list[str]:
    """Every string that came from a header (everything but the body text), flattened."""
    values: list[str] = []
    for item in dataclasses.fields(inbound):
        value = getattr(inbound, item.name)
        if item.name == "text":
            continue
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, tuple):
            values.extend(v for v in value if isinstance(v, str))
        elif dataclasses.is_dataclass(value):
            values.extend(v for v in dataclasses.astuple(value) if isinstance(v, str))
    return values


def assert_single_line(inbound: Inbound) -> None:
    for value in header_fields(inbound):
        assert all(c.isprintable() for c in value), value


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name):
    expect = EXPECTED[name]
    inbound = read(name)

    assert inbound.refused is None
    assert_single_line(inbound)
    assert not any(line.lstrip().startswith(">") for line in inbound.text.splitlines())

    command = parse_command(inbound.text, TODAY)
    if expect.verb is None:
        assert isinstance(command, Unclear), command
    else:
        assert isinstance(command, Command) and command.verb == expect.verb, command
        for key, value in expect.args.items():
            assert getattr(command, key) == value

    if expect.automatic is None:
        assert inbound.automatic is None
    else:
        assert expect.automatic in (inbound.automatic or "").lower()

    assert inbound.auth is expect.auth
    if expect.token_for is None:
        assert inbound.reply_token is None
    else:
        assert TOKENS.reply_member(inbound.reply_token, [expect.token_for]) == expect.token_for

    assert (inbound.bounce.recipient if inbound.bounce else None) == expect.bounce
    calendar = inbound.calendar_reply
    assert ((calendar.attendee, calendar.partstat) if calendar else None) == expect.calendar


def test_replies_from_members_carry_their_own_token():
    for name, expect in EXPECTED.items():
        inbound = read(name)
        if expect.token_for and not expect.automatic and inbound.from_address:
            assert inbound.from_address == expect.token_for, name


def test_quoted_history_is_left_out_of_the_new_text():
    for name in ("gmail_skip.eml", "german_gmail_out.eml", "spanish_gmail_help.eml",
                 "french_gmail_out.eml", "apple_mail_pause.eml", "outlook_desktop_volunteer.eml",
                 "outlook_html_only_out.eml", "iphone_count_me_in.eml"):
        text = read(name).text.lower()
        for marker in ("wrote:", "schrieb", "escribió", "a écrit", "from:", "sent from my"):
            assert marker not in text, (name, marker)


def test_a_bottom_posted_reply_counts_only_below_the_quote():
    inbound = read("thunderbird_bottom_posted_topic.eml")
    assert inbound.text.splitlines()[0].startswith("topic:")
    assert "Ben Okafor" not in inbound.text  # the signature after "-- " is gone


def test_message_fields():
    inbound = read("gmail_skip.eml")
    assert inbound.message_id == "<CAFx8kQ2vW+3oJ=Zt9aV0bq4@mail.gmail.com>"
    assert inbound.in_reply_to == inbound.references[0]
    assert inbound.in_reply_to.startswith("<digest.product-guild.")
    assert inbound.from_name == "Chloe Martin"
    assert inbound.subject.startswith("Re: Product Guild")
    assert inbound.recipients[0].startswith("cop+product-guild.")
    assert len(inbound.digest) == 64


def test_encoded_names_and_subjects_are_decoded():
    assert read("german_gmail_out.eml").from_name == "Dieter Müller"
    assert read("french_gmail_out.eml").subject.endswith("cette semaine — Ben")
    assert read("topic_qp_unicode.eml").subject.endswith("✓")


def test_header_injection_comes_out_on_one_line():
    inbound = read("header_injection.eml")
    assert "Bcc:" in inbound.subject and "Bcc:" in inbound.from_name  # kept, but harmless
    assert inbound.from_address == "ana@example.com"
    assert_single_line(inbound)


def test_bounce_names_the_original_message():
    bounce = read("bounce_dsn.eml").bounce
    assert bounce.permanent and bounce.status == "5.1.1"
    assert bounce.original_ids[0].startswith("<digest.product-guild.2026-12-04.")


def test_calendar_reply_names_the_session():
    reply = read("calendar_reply_declined.eml").calendar_reply
    assert reply.uid == "product-guild-2026-12-11@cop"


def test_several_from_addresses_are_not_trusted():
    inbound = read("two_from_addresses.eml")
    assert inbound.from_address is None and inbound.auth is False


def test_unknown_charset_is_read_with_replacements():
    inbound = read("bad_charset.eml")
    assert "\ufffd" in inbound.text and inbound.text.startswith("volunteer")


# --- size -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ten_megabyte_reply() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ana Lima <ana@example.com>"
    msg["To"] = "cop+" + TOKENS.reply_token("product-guild", "ana@example.com") + "@example.com"
    msg["Subject"] = "Re: slides"
    msg["Message-ID"] = "<big.0001@example.com>"
    msg.set_content("skip\n\nSlides attached.\n\nOn Fri, 4 Dec 2026 at 09:00, Product Guild "
                    "<cop@example.com> wrote:\n> out\n")
    msg.add_attachment(bytes(range(256)) * (40 * 1024), maintype="application",
                       subtype="octet-stream", filename="slides.pdf")
    return msg.as_bytes()


def test_a_ten_megabyte_attachment_is_not_read(ten_megabyte_reply):
    assert len(ten_megabyte_reply) > 10 * 1024 * 1024
    inbound = parse_inbound(ten_megabyte_reply, TRUSTED, REPLY_BASES)
    assert parse_command(inbound.text, TODAY) == Command("skip")
    assert inbound.reply_token is not None and inbound.refused is None


def test_a_huge_text_body_is_capped():
    msg = EmailMessage()
    msg["From"] = "ana@example.com"
    msg.set_content("in\n" + "lorem ipsum dolor sit amet\n" * 400_000, cte="base64")
    inbound = parse_inbound(msg.as_bytes(), TRUSTED, ())
    assert len(inbound.text) <= MAX_TEXT
    assert parse_command(inbound.text, TODAY) == Command("in")


def test_messages_over_the_limit_are_refused_unread():
    inbound = parse_inbound(b"From: ana@example.com\r\n\r\n" + b"x" * MAX_MESSAGE, TRUSTED, ())
    assert inbound.refused == "too large" and inbound.from_address is None
    assert inbound.digest


# --- pieces ---------------------------------------------------------------------------------

def test_reply_tokens_on_the_reply_addresses_come_first():
    good = TOKENS.reply_token("kitchen", "ana@example.com")
    other = TOKENS.reply_token("garden", "ana@example.com")
    addresses = ["other+evil.abc@example.net", f"rota+{other}@old.example.com",
                 f"COP+{good.upper()}@Example.com"]
    assert find_reply_token(addresses, ["cop@example.com"]) == good
    assert find_reply_token(addresses, ["cop+x@example.com"]) == good
    # A community's earlier reply address still carries its tokens.
    assert find_reply_token(addresses, ["rota@example.com"]) == other
    assert find_reply_token(addresses, []) == other
    assert find_reply_token(["cop@example.com", "x+evil.abc@example.com"], []) is None
    assert find_reply_token(["cop+a b;<x>@example.com"], []) is None


@pytest.mark.parametrize("headers, expected", [
    (["mx.google.com; dmarc=pass header.from=example.com"], True),
    (["mx.google.com 1; dkim=pass (good sig; really) header.i=@example.com; "
      "dmarc=pass (p=none) header.from=\"EXAMPLE.com\""], True),
    (["mx.google.com; dmarc=pass header.from=other.example"], False),  # not aligned
    (["mx.google.com; dmarc=pass"], False),                            # no header.from
    (["mx.google.com; spf=pass smtp.mailfrom=example.com"], False),    # no DMARC at all
    (["mx.google.com; none"], False),
    (["mx.google.com; dmarc=bestguesspass header.from=example.com"], False),
    (["other.example; dmarc=pass header.from=example.com"], False),
    (["mx.google.com; dmarc=fail header.from=example.com",
      "mx.google.com; dmarc=pass header.from=example.com"], False),   # only the top one counts
    (["other.example; dmarc=fail header.from=example.com",
      "mx.google.com; dmarc=pass header.from=example.com"], True),
    (["mx.google.com; dmarc=pass header.from=example.com; dmarc=fail header.from=example.com"],
     False),
    ([], False),
])
def test_authentication_results(headers, expected):
    assert authenticated(headers, "mx.google.com", "ana@example.com") is expected


def test_authentication_needs_a_trusted_server():
    assert not authenticated(["mx.google.com; dmarc=pass header.from=example.com"], "",
                             "ana@example.com")


def test_html_to_text_drops_quotes_and_hidden_content():
    html = ("<html><head><title>skip</title><style>p{}</style></head><body><p>in</p>"
            "<script>out</script><div class='gmail_quote'><div>nested <div>deeper</div></div>"
            "out</div><blockquote type=cite>skip<blockquote>out</blockquote>skip</blockquote>"
            "<p>kept&nbsp;&amp; more</p><div id=appendonsend></div><p>after</p></body></html>")
    assert html_to_text(html).split() == ["in", "kept", "&", "more"]


def test_unflow_joins_soft_line_breaks():
    text = "share: https://example.com/a \r\ngreat read\r\n-- \r\nsig"
    assert unflow(text).splitlines()[0] == "share: https://example.com/a great read"
    assert unflow("pause until 2027-01- \r\n10", delsp=True).splitlines()[0] == \
        "pause until 2027-01-10"


# --- quoted commands are never obeyed ---------------------------------------------------------

QUOTED_FORMS = {
    "plain": lambda cmd: f"On Fri, 4 Dec 2026 at 09:00, Product Guild <cop@example.com> wrote:\n"
                         f"> Hi,\n> {cmd}\n",
    "plain-nested": lambda cmd: f"> On Thu, Ana wrote:\n> > {cmd}\n",
    "outlook": lambda cmd: f"\n________________________________\nFrom: Product Guild "
                           f"<cop@example.com>\nSent: Friday, 4 December 2026 9:00 AM\n"
                           f"To: Ana\nSubject: Product Guild\n\n{cmd}\n",
}
HTML_FORMS = {
    "gmail": lambda cmd: f"<div dir=ltr></div><div class=gmail_quote><div>On Fri wrote:</div>"
                         f"<blockquote class=gmail_quote>{cmd}</blockquote></div>",
    "apple": lambda cmd: f"<body><blockquote type=cite><div>{cmd}</div></blockquote></body>",
    "outlook": lambda cmd: f"<div><br></div><div id=appendonsend></div><hr><div id=divRplyFwdMsg>"
                           f"<b>From:</b> Product Guild</div><div><p>{cmd}</p></div>",
}
COMMAND_LINES = st.sampled_from([
    "in", "out", "skip", "stop", "help", "volunteer", "back", "accept", "unsubscribe",
    "pause until 2027-01-10", "away 2 weeks", "swap with ana@example.com",
    "topic: quoted", "share: https://example.com/quoted"])


@given(COMMAND_LINES, st.sampled_from(sorted(QUOTED_FORMS)))
def test_a_command_in_quoted_plain_text_is_never_obeyed(command, form):
    text = reply_text(QUOTED_FORMS[form](command))
    assert isinstance(parse_command(text, TODAY), Unclear), text


@given(COMMAND_LINES, st.sampled_from(sorted(HTML_FORMS)))
def test_a_command_in_quoted_html_is_never_obeyed(command, form):
    text = reply_text(html_to_text(HTML_FORMS[form](command)))
    assert isinstance(parse_command(text, TODAY), Unclear), text


# --- never raises ---------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    b"From: ", b"To: ", b"Subject: ", b"Content-Type: ", b"multipart/mixed; boundary=b",
    b"multipart/report; report-type=delivery-status; boundary=b", b"message/delivery-status",
    b"text/html", b"text/calendar; method=REPLY", b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable", b"charset=utf-7", b"charset=idna",
    b"charset=zlib", b"--b", b"--b--", b"\r\n", b"\n", b"\r\n\r\n", b": ", b"=?utf-8?q?a=0D=0A?=",
    b"=?bogus?b?!!!?=", b"<a@b>", b"ana@example.com", b"\"", b"(", b")", b";", b"<", b">",
    b"<blockquote>", b"</div>", b"Authentication-Results: mx.google.com; dmarc=pass",
    b"Final-Recipient: rfc822; x@y", b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n", b"\xff\xfe", b"\x00",
    b"Auto-Submitted: no", b"> skip", b"On x wrote:",
])


def check_never_raises(raw: bytes) -> None:
    inbound = parse_inbound(raw, TRUSTED, REPLY_BASES)
    assert isinstance(inbound, Inbound)
    assert_single_line(inbound)
    parse_command(inbound.text, TODAY)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(raw):
    check_never_raises(raw)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.binary(max_size=12), max_size=80))
def test_message_like_bytes_never_raise(pieces):
    check_never_raises(b"".join(pieces))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(EXPECTED)),
       st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 16), FRAGMENTS | st.binary(
           max_size=8)), min_size=1, max_size=8))
def test_mutated_corpus_messages_never_raise(name, mutations):
    raw = bytearray((CORPUS / name).read_bytes())
    for position, length, replacement in mutations:
        at = position % (len(raw) + 1)
        raw[at:at + length] = replacement
    check_never_raises(bytes(raw))


# --- limits ---------------------------------------------------------------------------------

def nested_multiparts(depth: int) -> bytes:
    out = b"From: ana@example.com\r\nTo: cop@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    for i in range(depth):
        out += f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
    out += b"Content-Type: text/plain\r\n\r\nskip\r\n"
    return out + b"".join(f"--b{i}--\r\n".encode() for i in reversed(range(depth)))


def test_deeply_nested_multiparts_are_refused_before_parsing():
    assert parse_inbound(nested_multiparts(990), TRUSTED, ()).refused == "too complex"
    assert parse_inbound(nested_multiparts(5), TRUSTED, ()).text == "skip"


@pytest.mark.parametrize("header", [b"X-A: b\r\n" * 5_000, b"X-A: " + b"b" * 300_000 + b"\r\n"])
def test_too_many_or_too_large_headers_are_refused(header):
    raw = b"From: ana@example.com\r\n" + header + b"\r\nskip\r\n"
    assert parse_inbound(raw, TRUSTED, ()).refused == "too many headers"
    ordinary = b"From: ana@example.com\r\n" + b"Received: from a by b\r\n" * 200 + b"\r\nskip\r\n"
    assert parse_inbound(ordinary, TRUSTED, ()).text == "skip"


# --- automatic mail ----------------------------------------------------------------------------

def automatic_reply(headers: dict[str, str], subject: str = "Re: Product Guild") -> bytes:
    msg = EmailMessage()
    msg["From"] = "ana@example.com"
    msg["To"] = "cop+" + TOKENS.reply_token("product-guild", "ana@example.com") + "@example.com"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("out\n")
    return msg.as_bytes()


@pytest.mark.parametrize("headers", [
    {"X-Auto-Response-Suppress": "All", "X-MS-Exchange-Organization-AuthAs": "Internal"},
    {"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"},
    {"X-MS-Exchange-Generated-Message-Source": "Mailbox Rules Agent"},
    {"X-MS-Exchange-Inbox-Rules-Loop": "ana@example.com"},
    {"X-Autorespond": "yes"}, {"X-Autoreply": "yes"}, {"X-AutoReply-From": "ana@example.com"},
    {"Precedence": "auto_reply"}, {"Precedence": "junk"},
    {"List-Id": "<news.example.com>"}, {"List-Unsubscribe": "<mailto:u@example.com>"},
    {"Feedback-ID": "1:campaign:example"},
])
def test_automatic_headers_are_never_answered(headers):
    assert parse_inbound(automatic_reply(headers), TRUSTED, REPLY_BASES).automatic


@pytest.mark.parametrize("subject", [
    "Automatic reply: Product Guild", "Out of Office: Product Guild", "Abwesenheitsnotiz: x",
    "Réponse automatique : x", "Respuesta automática: x", "Risposta automatica: x",
    "Automatisch antwoord: x", "Autosvar: x", "Automatyczna odpowiedź: x",
    "Автоматический ответ: x", "自動応答: x", "自动回复: x", "자동 회신: x", "不在: x",
])
def test_out_of_office_subjects_are_never_answered(subject):
    assert parse_inbound(automatic_reply({}, subject), TRUSTED, REPLY_BASES).automatic


@pytest.mark.parametrize("subject", ["Re: Product Guild", "Re: Out of office next week?",
                                     "Absent friends", "AW: Automatic replies are annoying"])
def test_people_writing_about_absence_are_read(subject):
    assert parse_inbound(automatic_reply({}, subject), TRUSTED, REPLY_BASES).automatic is None


def test_a_command_under_a_gateway_banner_and_a_phone_signature_is_obeyed():
    """As Exchange Online delivers an iPhone reply from outside: its banner prepended to
    both parts, the phone's signature line, then the command, the quote below."""
    from tests.inbound.accuracy import verb

    banner = ("CAUTION: This email originated from outside of the organization. Do not click "
              "links or open attachments unless you recognize the sender and know the content "
              "is safe.")
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.com>"
    msg["To"] = "cop+guild.abcdefghijkl@example.com"
    msg["Subject"] = "AW: Product Guild: this week"
    msg.set_content(f"{banner}\n\nGesendet von meinem iPhone\n\nskip\n\n"
                    "> Am 04.12.2026 um 09:00 schrieb Product Guild <cop@example.com>:\n>\n"
                    "> Ana presents on Friday.\n")
    msg.add_alternative(f"<html><body><p><b>{banner}</b></p><div>Gesendet von meinem iPhone"
                        "</div><div>skip</div><blockquote>Ana presents on Friday."
                        "</blockquote></body></html>", subtype="html")
    assert verb(msg.as_bytes()) == "skip"


def test_a_reply_through_relays_that_mark_their_mail_is_still_a_reply():
    """MessageLabs, Amazon WorkMail/SES and Apache James mark every message they pass on,
    not only their notices: such marks never make a person's reply a bounce."""
    from tests.inbound.accuracy import verb

    msg = EmailMessage()
    msg["Received"] = "from mail.example.com by mx.example.org (JAMES SMTP Server 3.7.0)"
    msg["X-Msg-Ref"] = "server-3.tower-1.messagelabs.com!1701234567!123456!1"
    msg["X-SES-Outgoing"] = "2026.12.04-54.240.27.6"
    msg["X-Mailer"] = "Amazon WorkMail"
    msg["From"] = "Ana <ana@example.com>"
    msg["To"] = "cop+guild.abcdefghijkl@example.com"
    msg["Subject"] = "Re: Product Guild: this week"
    msg.set_content("skip\n\n> Ana presents on Friday.\n")
    assert verb(msg.as_bytes()) == "skip"
