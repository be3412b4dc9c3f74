"""Hostile and unusual input in names, topics and addresses: escaped, folded or refused
per recipient, never a crash of the whole run and never an injected header."""
from __future__ import annotations

from functions.services import ledger

import csv
import email.policy
import io
import re
from email.parser import Parser

import icalendar
import pytest

from functions.adapters.maildir import MaildirOutbox
from functions.adapters.smtp import SmtpMailer
from functions.services.changes import sessions
from functions.services.jobs.tick import tick
from functions.mail.tokens import Tokens
from tests.emails.support import (
    FIRST_DIGEST,
    SECRET,
    invite_event,
    make_deps,
    of_kind,
    on_the_wire,
    raw_headers,
    recipient,
    setup_guild,
    text_of,
)
from tests.smtp_server import SmtpServers

SCRIPT = "<script>alert(1)</script>"
INJECTION = "Zoë\r\nBcc: evil@example.com"
LONG = "x" * 10_000
HOSTILE_TOPIC = '<img src=x onerror=alert(1)> & "quotes"\r\nBcc: evil@example.com'
# In the order they join: the first two present on the first two Fridays.
PEOPLE = [
    ("ana@example.com", "Ana Lima"),
    ("script@example.com", SCRIPT),
    ("zoe@example.com", INJECTION),
    ("li@example.com", "李雷"),
    ("sam@example.com", "Sam 🚀 Rocket"),
    ("long@example.com", LONG),
    ("josé@example.com", "José Ñúñez"),
    ("user@bücher.de", "Bücher Fan"),
]
IDN_WIRE = "user@xn--bcher-kva.de"


def hostile_guild(deps, topic: str = HOSTILE_TOPIC, **settings):
    """Everyone above joins; the second presenter sets `topic`; the digest is due."""
    roster = io.StringIO()
    csv.writer(roster).writerows([("email", "name"), *PEOPLE])
    setup_guild(deps, roster=roster.getvalue(), **settings)
    tick(deps)
    second = deps.store.list_sessions("guild")[1]
    assert second.presenter == "script@example.com"
    sessions.set_topic(deps, "guild", second.presenter, topic)
    deps.clock.set(FIRST_DIGEST)


@pytest.fixture
def deps():
    return make_deps(attach_invites=True)


@pytest.fixture
def digests(deps):
    hostile_guild(deps)
    report = tick(deps)
    assert report.errors == [] and report.failed == 0
    return {recipient(m): m for m in of_kind(deps, "digest")}


def wire_form(message):
    """As the adapters write it: the message's own policy, CRLF line ends."""
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return data, parse_utf8(data)


def parse_utf8(data: bytes):
    """Parse a message whose headers may be UTF-8 (RFC 6532), as such mail clients do."""
    return Parser(policy=email.policy.default).parsestr(data.decode("utf-8"))


def header_block(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def test_everyone_gets_the_digest(digests):
    expected = {a for a, _ in PEOPLE} - {"user@bücher.de"} | {IDN_WIRE}
    assert set(digests) == expected


def test_markup_in_names_and_topics_is_escaped_in_html(digests):
    msg = digests["ana@example.com"]
    html = text_of(msg, "html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;" in html
    # the text part is plain text: shown as typed, not as markup
    plain = text_of(msg, "plain")
    assert SCRIPT in plain and "<img src=x onerror=alert(1)> & \"quotes\"" in plain
    # the name is escaped in the greeting of the member's own digest too
    own = text_of(digests["script@example.com"], "html")
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;," in own


def test_no_header_can_be_injected(deps, digests):
    for sent in deps.mailer.sent:
        data, msg = wire_form(sent)
        block = header_block(data)
        for line in block.split(b"\r\n"):
            assert not line.lower().startswith(b"bcc"), line
            assert len(line) <= 998
        assert msg["Bcc"] is None and msg["Cc"] is None
        assert len(msg["To"].addresses) == 1
        assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    zoe = digests["zoe@example.com"]
    _, msg = on_the_wire(zoe)
    assert msg["To"].addresses[0].addr_spec == "zoe@example.com"
    assert msg["To"].addresses[0].display_name == "Zoë Bcc: evil@example.com"
    # the hostile topic is in the subject, on one line, as text
    assert msg["Subject"].endswith('— <img src=x onerror=alert(1)> & "quotes" Bcc: '
                                   'evil@example.com')


def test_names_read_from_storage_with_line_breaks_stay_on_one_line(deps):
    """Data written by other means (a console, an import) is made safe when mail is built."""
    from functions.domain.models import Member
    from functions.services.delivery.messages import notify

    setup_guild(deps)
    raw = Member(email="raw@example.com", name="Raw\r\nBcc: evil@example.com\nX-Evil: 1",
                 joined=FIRST_DIGEST.date(), order=99)
    deps.store.put_member("guild", raw)
    notify(deps, deps.store.get_community("guild"), raw, kind="welcome", key="raw",
           subject="Welcome", weekday="Friday", local_time="16:00", next_turn=None)
    data, msg = on_the_wire(of_kind(deps, "welcome")[0])
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert not re.search(rb"\r\n(Bcc|X-Evil):", header_block(data), re.IGNORECASE)


def test_community_name_with_markup_and_line_breaks(deps):
    setup_guild(deps, name="Design <3 & co\r\nBcc: evil@example.com")
    tick(deps)
    data, msg = on_the_wire(deps.mailer.sent[0])
    assert msg["Bcc"] is None
    assert msg["From"].addresses[0].display_name == "Design <3 & co Bcc: evil@example.com"
    # List-Id names the list by the last <…>, and the phrase cannot fake one
    assert re.fullmatch(r"[^<>]*<guild\.example\.com>", msg["List-Id"]), msg["List-Id"]
    html = text_of(msg, "html")
    assert "Design &lt;3 &amp; co" in html and "<3" not in html


def test_non_ascii_display_names_go_out_as_encoded_words(deps, digests):
    for address, name in [("zoe@example.com", "Zoë Bcc: evil@example.com"),
                          ("li@example.com", "李雷"), ("sam@example.com", "Sam 🚀 Rocket")]:
        data, msg = on_the_wire(digests[address])
        block = header_block(data)
        assert block.isascii()  # 7-bit headers, as RFC 5322 wants without SMTPUTF8
        to = raw_headers(data)["to"]
        assert "=?utf-8?" in to and to.endswith(f"<{address}>")
        assert msg["To"].addresses[0].display_name == name
        assert f"Hi {name.split()[0]}," in text_of(msg, "plain")  # the first name


def test_ten_thousand_characters(deps):
    hostile_guild(deps, topic="A very long topic " + LONG)
    tick(deps)
    digests = {recipient(m): m for m in of_kind(deps, "digest")}
    data, msg = on_the_wire(digests["ana@example.com"])
    assert len(msg["Subject"]) <= 180 and msg["Subject"].endswith("…")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert LONG in text_of(msg, "html") and LONG in text_of(msg, "plain")
    _, event = invite_event(msg)
    assert LONG in str(event["SUMMARY"])
    # a 10,000-character name was cut to a readable length when the member joined
    long = next(m for m in deps.store.list_members("guild") if m.email == "long@example.com")
    assert len(long.name) == 200
    assert len(digests["long@example.com"]["To"].addresses[0].display_name) <= 80


def test_internationalised_domain_is_sent_as_its_a_label(digests):
    data, msg = on_the_wire(digests[IDN_WIRE])
    assert header_block(data).isascii()
    assert raw_headers(data)["to"].endswith(f"<{IDN_WIRE}>")
    assert msg["To"].addresses[0].addr_spec == IDN_WIRE
    tokens = Tokens(SECRET)
    token = msg["Reply-To"].addresses[0].username.partition("+")[2]
    assert tokens.reply_member(token, ["ana@example.com", "user@bücher.de"]) == "user@bücher.de"
    link = re.fullmatch(r"<.*\?t=(.+)>", msg["List-Unsubscribe"]).group(1)
    assert tokens.unsubscribe_target(link) == ("guild", "user@bücher.de")


def test_non_ascii_local_part_goes_out_as_internationalised_mail(digests):
    """josé@example.com cannot be written in 7-bit headers: the message uses UTF-8 headers
    (RFC 6532); a relay without SMTPUTF8 refuses that one recipient (see the SMTP test)."""
    sent = digests["josé@example.com"]
    assert sent.policy.utf8
    data, msg = wire_form(sent)
    assert "josé@example.com".encode() in header_block(data)
    assert msg["To"].addresses[0].addr_spec == "josé@example.com"
    assert msg["To"].addresses[0].display_name == "José Ñúñez"
    # everyone else's mail stays 7-bit
    for address, other in digests.items():
        if address != "josé@example.com":
            assert not other.policy.utf8
            assert header_block(wire_form(other)[0]).isascii()


def test_one_refused_recipient_does_not_stop_the_digest(deps):
    hostile_guild(deps)
    deps.mailer.refuse = {"li@example.com", IDN_WIRE}
    report = tick(deps)
    assert report.errors == [] and report.failed == 2
    got = sorted(recipient(m) for m in of_kind(deps, "digest"))
    assert got == sorted({a for a, _ in PEOPLE} - {"li@example.com", "user@bücher.de"})
    assert ledger.state(deps.store, "guild/digest/2026-12-04/li@example.com")[0] == "failed"
    # the next tick sends nothing twice
    tick(deps)
    assert sorted(recipient(m) for m in of_kind(deps, "digest")) == got


def test_maildir_outbox_stores_every_hostile_message(deps, tmp_path):
    hostile_guild(deps, welcome=False)  # the digest brings everyone their invite
    deps.mailer = MaildirOutbox(tmp_path / "outbox")
    report = tick(deps)
    assert report.errors == [] and report.failed == 0
    stored = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(stored) == report.sent
    to, invites = set(), 0
    for path in stored:
        msg = parse_utf8(path.read_bytes())
        assert msg["Bcc"] is None
        if msg["X-Cop-Kind"] == "digest":
            to.add(msg["To"].addresses[0].addr_spec)
        for part in msg.walk():  # whoever lacks an invite gets one; each parses
            if part.get_content_type() == "text/calendar":
                assert icalendar.Calendar.from_ical(part.get_payload(decode=True))
                invites += 1
    assert invites >= len(to)
    assert to == {a for a, _ in PEOPLE} - {"user@bücher.de"} | {IDN_WIRE}


class Recorder:
    def __init__(self):
        self.deliveries = []

    async def handle_DATA(self, server, session, envelope):
        self.deliveries.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Queued"


@pytest.fixture
def smtp_server():
    servers = SmtpServers()

    def start(**options):
        recorder = Recorder()
        return recorder, servers.start(recorder, **options)

    yield start
    servers.stop_all()


@pytest.mark.parametrize("smtputf8", [False, True])
def test_smtp_relay_with_and_without_smtputf8(deps, smtp_server, smtputf8, caplog):
    recorder, port = smtp_server(enable_SMTPUTF8=smtputf8)
    hostile_guild(deps)
    deps.mailer = SmtpMailer("127.0.0.1", port, starttls=False, timeout=10)
    report = tick(deps)
    assert report.errors == []
    delivered = {rcpt for rcpts, _ in recorder.deliveries for rcpt in rcpts}
    ascii_people = {a for a, _ in PEOPLE if a != "josé@example.com"} - {"user@bücher.de"}
    assert ascii_people | {IDN_WIRE} <= delivered
    state = ledger.state(deps.store, "guild/digest/2026-12-04/josé@example.com")[0]
    if smtputf8:
        assert "josé@example.com" in delivered and state == "sent"
        data = next(d for r, d in recorder.deliveries if r == ["josé@example.com"])
        assert parse_utf8(data)["To"].addresses[0].addr_spec == "josé@example.com"
    else:
        assert "josé@example.com" not in delivered and state == "failed"
        assert report.failed == 1
        refusal = [r.getMessage() for r in caplog.records if "josé" in r.getMessage()]
        assert len(refusal) == 1 and "SMTPUTF8" in refusal[0], refusal
