"""GmailMailer against the local fake Gmail API, through the real googleapiclient."""
from __future__ import annotations

import base64
import email
import email.message
import email.policy
import re

import pytest

from functions.adapters.gmail import GmailMailer, SendError

SENDER = "rota@example.com"
SEND_PATH = "/gmail/v1/users/me/messages/send"


def message(n: int, to: str | None = "member@example.com") -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"] = f"Knowledge share <{SENDER}>"
    if to:
        msg["To"] = to
    msg["Subject"] = f"Week {n}: Zoë presents — «naïve» ideas"
    msg["Message-ID"] = f"<m{n}@cop.example.com>"
    msg.set_content(f"Hello {n},\n\nZoë presents on Friday.\n" + "filler line\n" * 20)
    msg.add_alternative(f"<p>Hello {n}, <b>Zoë</b> presents.</p>", subtype="html")
    return msg


def about(n: int):
    """Matches the fake's calls that send message n."""
    return lambda call: call.email()["Message-ID"] == f"<m{n}@cop.example.com>"


def sends_of(fake, message_id: str) -> list:
    return [c for c in fake.api_calls()
            if c.path == SEND_PATH and c.email()["Message-ID"] == message_id]


@pytest.fixture
def mailer(gmail_factory, sleeps) -> GmailMailer:
    return GmailMailer(SENDER, gmail_factory, sleep=sleeps)


def test_250_messages_go_out_in_three_batches(fake, mailer, gmail_factory, sleeps):
    messages = [message(n) for n in range(250)]

    results = mailer.send_many(messages)

    assert results == [None] * 250
    assert [len(b.parts) for b in fake.batches()] == [100, 100, 50]
    assert fake.calls == fake.batches()  # nothing went outside a batch
    assert {(c.method, c.path) for c in fake.api_calls()} == {("POST", SEND_PATH)}
    assert fake.sent_ids() == [m["Message-ID"] for m in messages]
    assert gmail_factory.builds == 1
    assert sleeps == []


def test_raw_is_base64url_of_the_message_and_decodes_back(fake, mailer):
    messages = [message(1), message(2, to="Zoë Ødegaard <zoe@example.com>")]

    mailer.send_many(messages)

    for original, call in zip(messages, fake.api_calls()):
        raw = call.body["raw"]
        assert re.fullmatch(r"[A-Za-z0-9_-]+=*", raw)
        data = base64.urlsafe_b64decode(raw)
        assert data == original.as_bytes(policy=email.policy.SMTP)
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["Subject"] == original["Subject"]
        assert parsed["To"] == original["To"]
        assert parsed["Message-ID"] == original["Message-ID"]
        for kind in ("plain", "html"):
            received = parsed.get_body((kind,)).get_content().replace("\r\n", "\n")
            assert received == original.get_body((kind,)).get_content()


def test_a_send_failing_with_500_once_is_sent_again_exactly_once(fake, mailer, sleeps):
    messages = [message(n) for n in range(10)]
    fake.fail_next(500, when=about(7))

    results = mailer.send_many(messages)

    assert results == [None] * 10
    assert [len(b.parts) for b in fake.batches()] == [10, 1]
    assert [c.status for c in sends_of(fake, "<m7@cop.example.com>")] == [500, 200]
    assert fake.sent_ids().count("<m7@cop.example.com>") == 1
    assert sorted(fake.sent_ids()) == sorted(m["Message-ID"] for m in messages)
    assert sleeps == [1.0]


def test_a_refused_message_gives_its_error_and_the_others_go(fake, mailer, sleeps):
    messages = [message(n) for n in range(5)]
    messages[3] = message(3, to=None)  # Gmail: "Recipient address required"

    results = mailer.send_many(messages)

    assert [r is None for r in results] == [True, True, True, False, True]
    assert isinstance(results[3], SendError)
    assert results[3].status == 400
    assert "m3@cop.example.com" in str(results[3]) and "Recipient" in str(results[3])
    assert len(sends_of(fake, "<m3@cop.example.com>")) == 1  # not retried
    assert "<m3@cop.example.com>" not in fake.sent_ids()
    assert len(fake.sent) == 4
    assert sleeps == []


def test_rate_limiting_that_never_ends_gives_up_after_the_attempts(fake, gmail_factory, sleeps):
    mailer = GmailMailer(SENDER, gmail_factory, sleep=sleeps, attempts=3)
    fake.fail_next(429, times=99, when=about(1))

    results = mailer.send_many([message(0), message(1), message(2)])

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], SendError) and results[1].status == 429
    assert len(sends_of(fake, "<m1@cop.example.com>")) == 3
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("reason, retried", [("userRateLimitExceeded", True),
                                             ("insufficientPermissions", False)])
def test_a_403_is_retried_only_for_rate_limits(fake, mailer, reason, retried):
    fake.fail_next(403, reason=reason)

    results = mailer.send_many([message(0)])

    assert (results[0] is None) == retried
    assert len(fake.sent) == (1 if retried else 0)


def test_a_whole_batch_refused_with_503_is_sent_again(fake, mailer, sleeps):
    fake.fail_next(503, batch=True)

    results = mailer.send_many([message(n) for n in range(3)])

    assert results == [None] * 3
    assert [b.status for b in fake.batches()] == [503, 200]
    assert len(fake.sent) == 3
    assert sleeps == [1.0]


def test_nothing_to_send_makes_no_request(fake, mailer, gmail_factory):
    assert mailer.send_many([]) == []
    assert fake.calls == []
    assert gmail_factory.builds == 0  # the client is built on first use


def test_was_sent_searches_the_mailbox_by_message_id(fake, mailer):
    mailer.send_many([message(1)])

    assert mailer.was_sent("<m1@cop.example.com>") is True
    assert mailer.was_sent("m1@cop.example.com") is True
    assert mailer.was_sent("<m2@cop.example.com>") is False

    search = fake.calls[-1]
    assert (search.method, search.path) == ("GET", "/gmail/v1/users/me/messages")
    assert search.query["q"] == "rfc822msgid:m2@cop.example.com"
    assert search.query["includeSpamTrash"] == "true"


def test_was_sent_is_unknown_when_gmail_cannot_answer(fake, mailer, sleeps):
    fake.fail_next(500, times=99, path="/messages$")

    assert mailer.was_sent("<m1@cop.example.com>") is None
    assert len(fake.calls) == 3 and sleeps == [1.0, 2.0]


def test_was_sent_retries_a_passing_failure(fake, mailer, sleeps):
    mailer.send_many([message(1)])
    fake.fail_next(429, path="/messages$")

    assert mailer.was_sent("<m1@cop.example.com>") is True
    assert sleeps == [1.0]
