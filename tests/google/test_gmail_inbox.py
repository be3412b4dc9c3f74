"""GmailInbox against the local fake Gmail API, through the real googleapiclient: replies
delivered to the mailbox are handled once and marked read; failures leave mail unread."""
from __future__ import annotations

import base64
import json
from datetime import timedelta
from email.message import EmailMessage

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.adapters.gmail_inbox import GmailInbox
from functions.adapters.google_auth import GMAIL_INBOX_SCOPES, service_factory
from functions.adapters.maildir import MaildirInbox
from functions.bootstrap import Container
from functions.config import Config
from functions.domain.errors import InputError
from functions.services.replies.inbox import read_inbox
from functions.services.jobs.tick import tick
from functions.services.jobs.watch import renew_watch
from tests.builders import reply
from tests.builders import setup_guild

MAILBOX = "replies@example.com"
TOPIC = "projects/proj/topics/cop-gmail-push"
LIST_PATH = "/gmail/v1/users/me/messages"


@pytest.fixture
def inbox(gmail_factory, sleeps) -> GmailInbox:
    return GmailInbox(MAILBOX, gmail_factory, sleep=sleeps)


@pytest.fixture
def cloud(deps, inbox) -> Container:
    """The service-test collaborators, but replies come from the fake Gmail mailbox."""
    setup_guild(deps)
    tick(deps)  # plans the sessions and sends the heads-ups the members reply to
    return Container(store=deps.store, mailer=deps.mailer, calendar=deps.calendar,
                  clock=deps.clock, mail=deps.mail, inbox=inbox)


@pytest.fixture
def replies(cloud, fake) -> list[str]:
    """Three replies in the mailbox, unread: a skip, a topic and a shared link."""
    first, second = cloud.store.list_sessions("guild")[:2]
    other = next(m.email for m in cloud.store.list_members("guild")
                 if m.email not in (first.presenter, second.presenter))
    return [fake.deliver(reply(cloud, first.presenter, "skip")),
            fake.deliver(reply(cloud, second.presenter, "topic: Shipping in small slices")),
            fake.deliver(reply(cloud, other, "share: https://example.org/slices worth a read"))]


def gets_of(fake, message_id: str) -> list:
    return [c for c in fake.api_calls()
            if c.method == "GET" and c.path == f"{LIST_PATH}/{message_id}"]


def test_replies_are_handled_and_marked_read(cloud, fake, replies, sleeps):
    first, second = cloud.store.list_sessions("guild")[:2]

    handled = read_inbox(cloud)

    assert [h.outcome for h in handled] == ["done"] * 3
    assert [h.detail for h in handled] == ["skip", "topic", "share"]  # oldest first
    sessions = cloud.store.list_sessions("guild")
    assert sessions[0].presenter not in (None, first.presenter)
    assert next(s.topic for s in sessions if s.presenter == second.presenter) == \
        "Shipping in small slices"
    links = cloud.store.list_links("guild", cloud.clock.now() - timedelta(days=1))
    assert [link.url for link in links] == ["https://example.org/slices"]
    assert any("Done: " in m.get_body(("plain",)).get_content()  # confirmed by email
               for m in cloud.mailer.to(first.presenter))
    assert all(fake.labels(m) == {"INBOX"} for m in replies)
    [listing] = [c for c in fake.api_calls() if c.path == LIST_PATH]
    assert listing.query["q"] == "in:inbox is:unread" and listing.query["maxResults"] == "50"  # a page
    [batch] = fake.batches()  # the three gets in one batch request
    assert {(c.method, c.query["format"]) for c in batch.parts} == {("GET", "raw")}
    modifies = [c for c in fake.api_calls() if c.path.endswith("/modify")]
    assert [c.body for c in modifies] == [{"removeLabelIds": ["UNREAD"]}] * 3
    assert sleeps == []

    calls = len(fake.api_calls())
    assert read_inbox(cloud) == []  # nothing unread: one list call, nothing else
    assert [c.path for c in fake.api_calls()[calls:]] == [LIST_PATH]


def test_raw_bytes_come_back_exactly_as_delivered(fake, inbox):
    message = EmailMessage()
    message["From"], message["To"] = "Zoë <zoe@example.com>", "cop+x@example.com"
    message["Subject"] = "Re: «naïve» ideas"
    message.set_content("skip\n" + "ünïcödé line\n" * 200)
    raw = message.as_bytes()
    handle = fake.deliver(raw)
    fake.deliver(b"Subject: already read\r\n\r\nhi\r\n", labels=("INBOX",))
    fake.deliver(b"Subject: archived\r\n\r\nhi\r\n", labels=("UNREAD",))

    assert inbox.fetch() == [(handle, raw)]


def test_a_get_failing_with_500_once_is_retried(cloud, fake, replies, sleeps):
    fake.fail_next(500, method="GET", path=f"/messages/{replies[1]}$")

    handled = read_inbox(cloud)

    assert [h.detail for h in handled] == ["skip", "topic", "share"]
    assert [c.status for c in gets_of(fake, replies[1])] == [500, 200]
    assert [len(b.parts) for b in fake.batches()] == [3, 1]
    assert sleeps == [1.0]
    assert all(fake.labels(m) == {"INBOX"} for m in replies)


def test_a_message_that_cannot_be_fetched_stays_unread_and_the_others_go(
        cloud, fake, replies, sleeps):
    fake.fail_next(503, times=5, method="GET", path=f"/messages/{replies[0]}$")

    handled = read_inbox(cloud)

    assert [h.detail for h in handled] == ["topic", "share"]
    assert len(gets_of(fake, replies[0])) == 5  # every attempt, then left for later
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert fake.labels(replies[0]) == {"INBOX", "UNREAD"}
    assert fake.labels(replies[1]) == fake.labels(replies[2]) == {"INBOX"}

    assert [h.detail for h in read_inbox(cloud)] == ["skip"]  # the next poll gets it
    assert fake.labels(replies[0]) == {"INBOX"}


def test_a_message_gmail_refuses_is_not_asked_for_again(fake, inbox, sleeps):
    gone, kept = fake.deliver(b"Subject: a\r\n\r\na\r\n"), fake.deliver(b"Subject: b\r\n\r\nb\r\n")
    fake.fail_next(404, method="GET", path=f"/messages/{gone}$")

    assert [handle for handle, _ in inbox.fetch()] == [kept]
    assert len(gets_of(fake, gone)) == 1 and sleeps == []


def test_a_whole_batch_lost_is_asked_again(fake, inbox, sleeps):
    ids = [fake.deliver(f"Subject: {n}\r\n\r\n{n}\r\n".encode()) for n in range(3)]
    fake.fail_next(503, batch=True)

    assert [handle for handle, _ in inbox.fetch()] == ids
    assert [b.status for b in fake.batches()] == [503, 200]
    assert sleeps == [1.0]


def test_when_the_inbox_cannot_be_listed_nothing_is_read_and_nothing_breaks(
        cloud, fake, replies, sleeps):
    fake.fail_next(503, times=5, method="GET", path=f"{LIST_PATH}$")

    assert read_inbox(cloud) == []
    assert all(fake.labels(m) == {"INBOX", "UNREAD"} for m in replies)
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_marking_read_failing_is_logged_and_the_message_is_a_duplicate_next_time(
        cloud, fake, replies, caplog):
    fake.fail_next(403, method="POST", path=f"/messages/{replies[0]}/modify$",
                   reason="forbidden")

    assert [h.outcome for h in read_inbox(cloud)] == ["done"] * 3
    assert fake.labels(replies[0]) == {"INBOX", "UNREAD"}
    assert "could not mark message" in caplog.text

    assert [h.outcome for h in read_inbox(cloud)] == ["duplicate"]
    assert fake.labels(replies[0]) == {"INBOX"}


def test_many_unread_messages_are_paged_and_batched_by_50(fake, inbox):
    ids = [fake.deliver(f"Subject: {n}\r\n\r\n{n}\r\n".encode()) for n in range(520)]

    fetched = inbox.fetch(limit=510)

    assert len(fetched) == 510 and set(h for h, _ in fetched) <= set(ids)
    assert [h for h, _ in fetched] == sorted(h for h, _ in fetched)  # oldest first
    lists = [c for c in fake.api_calls() if c.path == LIST_PATH]
    assert [(c.query["maxResults"], c.query.get("pageToken")) for c in lists] == \
        [("500", None), ("10", "500")]
    assert [len(b.parts) for b in fake.batches()] == [50] * 10 + [10]


def test_nothing_unread_builds_the_client_once_and_gets_nothing(fake, inbox, gmail_factory):
    assert gmail_factory.builds == 0  # built on first use
    assert inbox.fetch() == []
    assert inbox.fetch() == []
    assert gmail_factory.builds == 1
    assert fake.batches() == []


# --- The watch behind Gmail's push notifications -------------------------------------------

def test_the_watch_is_renewed_once_a_day(cloud, fake, clock):
    assert renew_watch(cloud, TOPIC) is True
    assert renew_watch(cloud, TOPIC) is False  # a second tick the same day
    assert fake.watches == [{"user": "me", "body": {
        "topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "include"}}]

    clock.advance(timedelta(days=1))
    assert renew_watch(cloud, TOPIC) is True
    assert renew_watch(cloud, TOPIC) is False
    assert len(fake.watches) == 2


def test_a_failed_renewal_is_tried_again_by_the_next_tick(cloud, fake, sleeps):
    fake.fail_next(403, path=r"/watch$", reason="forbidden")  # e.g. Gmail may not publish

    assert renew_watch(cloud, TOPIC) is False
    assert fake.watches == []
    assert renew_watch(cloud, TOPIC) is True
    assert len(fake.watches) == 1


def test_no_topic_or_an_inbox_without_push_renews_nothing(cloud, deps, fake, tmp_path):
    assert renew_watch(cloud, None) is False
    maildir = Container(store=deps.store, mailer=deps.mailer, calendar=deps.calendar,
                     clock=deps.clock, mail=deps.mail, inbox=MaildirInbox(tmp_path))
    assert renew_watch(maildir, TOPIC) is False
    assert fake.calls == []


# --- Configuration and credentials ---------------------------------------------------------

def test_cop_inbox_gmail_builds_a_gmail_inbox_for_the_mailbox(tmp_path):
    app = Container(Config.from_env({"COP_INBOX": f"gmail://{MAILBOX}",
                                     "COP_GMAIL_TOPIC": TOPIC}, data_dir=tmp_path))
    assert isinstance(app.inbox, GmailInbox) and app.inbox.mailbox == MAILBOX
    assert app.config.gmail_topic == TOPIC


def test_a_malformed_gmail_topic_is_refused(tmp_path):
    with pytest.raises(InputError, match="COP_GMAIL_TOPIC"):
        Config.from_env({"COP_GMAIL_TOPIC": "pubsub://projects/p/topics/t"},
                        data_dir=tmp_path)


def test_the_inbox_acts_as_its_mailbox_with_gmail_modify_only(fake, sleeps):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    key = json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "k",
                      "private_key": pem, "client_email": "bot@p.iam.gserviceaccount.com",
                      "client_id": "1", "token_uri": fake.url + "token"})
    inbox = GmailInbox(MAILBOX, service_factory("gmail-inbox", MAILBOX, key,
                                                root_url=fake.url), sleep=sleeps)

    assert inbox.fetch() == []

    [grant] = [c for c in fake.calls if c.path == "/token"]
    payload = grant.body["assertion"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == MAILBOX
    assert claims["scope"].split() == list(GMAIL_INBOX_SCOPES) == [
        "https://www.googleapis.com/auth/gmail.modify"]
