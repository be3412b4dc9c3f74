"""One-click unsubscribe when the public web function may only read the store: the click is
published to the unsubscribe topic (the real googleapiclient against the local fake
Pub/Sub API) and applied by the function that consumes it; the page tells the member it is
under way, and a redelivered message changes nothing."""
from __future__ import annotations

import base64
import json

import pytest

from functions.adapters.pubsub import PubSubUnsubscribes
from functions.entrypoints import push
from functions.entrypoints.web import handle
from functions.services.changes.unsubscribe import unsubscribe
from functions.services.jobs.tick import tick
from tests.emails.support import EMAILS, setup_guild
from tests.fakes import CountingStore
from tests.google.conftest import CountingFactory

TOPIC = "projects/cop-project/topics/cop-unsubscribe"
READS = {"get_community", "get_member", "entries", "list_communities", "list_members",
         "list_sessions", "list_links", "list_records"}


@pytest.fixture
def guild(deps):
    setup_guild(deps)
    tick(deps)
    return deps


@pytest.fixture
def web(guild, fake, sleeps):
    """The web function as deployed: a store it only reads, unsubscribes published."""
    return guild.replaced(store=CountingStore(guild.store), unsubscribes=PubSubUnsubscribes(
        TOPIC, CountingFactory(fake, "pubsub", "v1"), sleep=sleeps))


def opted_out(deps) -> set[str]:
    return {m.email for m in deps.store.list_members("guild") if m.opted_out}


def delivered(fake, n: int) -> bytes:
    """The push request Pub/Sub makes for the n-th message published."""
    data = base64.b64encode(fake.published[n]["data"]).decode()  # the fake keeps it decoded
    return json.dumps({"message": {"data": data, "messageId": str(n)},
                       "subscription": "projects/cop-project/subscriptions/cop-unsubscribe-push",
                       "deliveryAttempt": 1}).encode()


def test_a_click_is_published_then_applied_by_the_consumer_once(guild, web, fake):
    token = guild.mail.tokens.unsubscribe_token("guild", EMAILS[2])

    body, status, _ = handle(web, "POST", "/unsubscribe", {"t": token}, {})

    assert status == 200 and "You are leaving Guild" in body
    assert "a minute at most" in body and "You have left" not in body
    assert set(web.store.calls) <= READS, web.store.calls  # web wrote nothing
    assert opted_out(guild) == set()  # not yet: the consumer does it
    assert [json.loads(m["data"]) for m in fake.published] == [{"token": token}]
    assert {m["topic"] for m in fake.published} == {TOPIC}

    sent = len(guild.mailer.sent)
    for _ in range(2):  # delivered, then delivered again: the same outcome
        read = push.read(delivered(fake, 0))
        done = unsubscribe(guild.store, guild.mail.tokens, read.json()["token"],
                           guild.clock.now())
        assert done is not None and done[1].opted_out
        assert opted_out(guild) == {EMAILS[2]}
    assert len(guild.mailer.sent) == sent  # leaving by the link sends nothing


def test_a_bad_link_is_refused_and_nothing_is_published(guild, web, fake):
    for token in ("garbled", guild.mail.tokens.unsubscribe_token("guild", "nobody@x.org")):
        body, status, _ = handle(web, "POST", "/unsubscribe", {"t": token}, {})
        assert status == 400
    assert fake.published == [] and opted_out(guild) == set()


def test_a_publish_that_fails_tells_the_member_nothing_false(guild, web, fake, sleeps):
    from googleapiclient.errors import HttpError

    fake.fail_next(403, path=r":publish$", reason="forbidden")
    token = guild.mail.tokens.unsubscribe_token("guild", EMAILS[2])
    with pytest.raises(HttpError):  # the framework answers 500: the member may click again
        handle(web, "POST", "/unsubscribe", {"t": token}, {})
    assert fake.published == [] and opted_out(guild) == set()
