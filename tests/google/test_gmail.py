"""GmailMailer against the local fake Gmail API, through the real googleapiclient."""
from __future__ import annotations

import base64
import email
import email.message
import email.policy
import re

import pytest

import httplib2

from functions.adapters.gmail import GmailMailer
from functions.adapters.google_auth import build_service
from functions.domain.delivery import PermanentFailure, TemporaryFailure

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


def test_a_call_is_one_batch_of_at_most_50(fake, mailer, gmail_factory, sleeps):
    messages = [message(n) for n in range(120)]

    results = mailer.send_many(messages)

    assert results == [None] * 120
    assert [len(b.parts) for b in fake.batches()] == [50, 50, 20]
    assert fake.calls == fake.batches()  # nothing went outside a batch
    assert {(c.method, c.path) for c in fake.api_calls()} == {("POST", SEND_PATH)}
    assert fake.sent_ids() == [m["Message-ID"] for m in messages]
    assert gmail_factory.builds == 1
    assert sleeps == []
    assert mailer.batch_size == 50


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


@pytest.mark.parametrize("status, reason", [(500, None), (503, None), (429, None),
                                            (403, "userRateLimitExceeded")])
def test_a_busy_gmail_is_a_temporary_failure_of_that_message_only(fake, mailer, sleeps,
                                                                  status, reason):
    messages = [message(n) for n in range(10)]
    fake.fail_next(status, when=about(7), reason=reason, retry_after=30)

    results = mailer.send_many(messages)

    assert [r is None for r in results] == [n != 7 for n in range(10)]
    assert isinstance(results[7], TemporaryFailure) and results[7].retry_after == 30.0
    assert results[7].__cause__.resp.status == status
    assert "<m7@cop.example.com>" not in fake.sent_ids()
    assert len(fake.batches()) == 1 and sleeps == []  # retries are the outbox's to pace


def test_a_refused_message_is_a_permanent_failure_and_a_bounce(fake, mailer, sleeps):
    messages = [message(n) for n in range(5)]
    messages[3] = message(3, to=None)  # Gmail: "Recipient address required"

    results = mailer.send_many(messages)

    assert [r is None for r in results] == [True, True, True, False, True]
    assert isinstance(results[3], PermanentFailure) and results[3].bounce
    assert "m3@cop.example.com" in str(results[3]) and "Recipient" in str(results[3])
    assert "HTTP 400" in str(results[3])
    assert len(fake.sent) == 4


@pytest.mark.parametrize("status, reason, kind", [
    (403, "insufficientPermissions", TemporaryFailure),  # delegation not granted yet
    (401, None, TemporaryFailure), (404, None, PermanentFailure)])
def test_other_refusals_are_sorted_by_whether_a_later_try_can_succeed(fake, mailer, status,
                                                                       reason, kind):
    fake.fail_next(status, reason=reason, times=2)  # a batch sends a 401 again itself

    (result,) = mailer.send_many([message(0)])

    assert type(result) is kind and len(fake.sent) == 0
    assert not getattr(result, "bounce", False)


def test_a_whole_batch_refused_with_503_fails_each_message_for_now(fake, mailer, sleeps):
    fake.fail_next(503, batch=True, retry_after=12)

    results = mailer.send_many([message(n) for n in range(3)])

    assert all(isinstance(r, TemporaryFailure) and r.retry_after == 12.0 for r in results)
    assert [b.status for b in fake.batches()] == [503] and fake.sent == []


def test_a_batch_without_answer_is_a_temporary_failure(fake, gmail_factory):
    mailer = GmailMailer(SENDER, gmail_factory)
    fake.fail_next(200, batch=True, drop=True, times=2)  # httplib2 tries twice itself

    results = mailer.send_many([message(n) for n in range(3)])

    assert all(isinstance(r, TemporaryFailure) for r in results)


def test_a_batch_that_times_out_is_a_temporary_failure(fake):
    factory = lambda: build_service("gmail", "v1", root_url=fake.url,  # noqa: E731
                                    http=httplib2.Http(timeout=0.2))
    fake.fail_next(200, batch=True, stall=0.5)

    results = GmailMailer(SENDER, factory).send_many([message(1)])

    assert isinstance(results[0], TemporaryFailure)
    assert "timed out" in str(results[0]).lower()


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
