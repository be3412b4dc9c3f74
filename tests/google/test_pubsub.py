"""PubSubFanout through the real googleapiclient against the local fake Pub/Sub API, and the
tick fanning out one message per community."""
from __future__ import annotations

import json
from datetime import time

import pytest

from functions.adapters.pubsub import PubSubFanout
from functions.entrypoints import push
from functions.services.changes import communities, members
from functions.services.jobs.tick import run_community, tick
from tests.google.conftest import CountingFactory

TOPIC = "projects/cop-project/topics/cop-communities"
PUBLISH_PATH = f"/v1/{TOPIC}:publish"
IDS = ["kitchen", "design-guild", "pm-circle"]


@pytest.fixture
def pubsub_factory(fake) -> CountingFactory:
    return CountingFactory(fake, "pubsub", "v1")


@pytest.fixture
def fanout(pubsub_factory, sleeps) -> PubSubFanout:
    return PubSubFanout(TOPIC, pubsub_factory, sleep=sleeps)


def add_communities(deps, ids=IDS):
    now = deps.clock.now()
    for community_id in ids:
        communities.add_community(deps.store, now, community_id, name=community_id.title(),
                                  timezone="Europe/London", weekday=4, start=time(16))
        members.join_many(deps, community_id,
                          b"email,name\nana@example.com,Ana\nbo@example.com,Bo\n")


def decoded(fake) -> list[dict]:
    return [json.loads(m["data"]) for m in fake.published]


def test_tick_publishes_one_message_per_community(deps, fake, fanout, pubsub_factory, sleeps):
    add_communities(deps)
    assert pubsub_factory.builds == 0  # no client until there is something to publish

    report = tick(deps.replaced(fanout=fanout))

    assert report.communities == len(IDS) and report.errors == []
    assert sorted(decoded(fake), key=lambda d: d["community"]) == [
        {"community": c} for c in sorted(IDS)]
    assert sorted(m["attributes"]["community"] for m in fake.published) == sorted(IDS)
    assert {m["topic"] for m in fake.published} == {TOPIC}
    calls = fake.api_calls()
    assert [(c.method, c.path) for c in calls] == [("POST", PUBLISH_PATH)]
    assert len(calls[0].body["messages"]) == len(IDS)
    assert pubsub_factory.builds == 1 and sleeps == []
    # the tick itself did no community's work: that is for each message's function
    assert deps.mailer.kinds() == ["welcome"] * 2 * len(IDS)


def pushed(message: dict, message_id: str) -> bytes:
    """The body Pub/Sub POSTs to a push subscription's endpoint for a published message."""
    return json.dumps({"message": {**message, "messageId": message_id,
                                   "publishTime": "2026-11-25T00:00:00Z"},
                       "subscription": "projects/cop-project/subscriptions/cop-run-push",
                       "deliveryAttempt": 1}).encode()


def test_each_published_message_runs_its_community(deps, fake, fanout):
    add_communities(deps)
    tick(deps.replaced(fanout=fanout))
    for n, message in enumerate(fake.api_calls()[0].body["messages"]):
        # what functions.entrypoints.cloud.run_community reads from the push request
        read = push.read(pushed(message, str(n)))
        assert read.attributes["community"] == read.json()["community"]
        run_community(deps, read.json()["community"])
    presenters = {m["To"].addresses[0].addr_spec for m in deps.mailer.sent
                  if m["X-Cop-Kind"] == "heads-up"}
    assert presenters == {"ana@example.com", "bo@example.com"}
    assert {e.community_id for e in deps.calendar.published} == set(IDS)


def test_a_redelivered_message_does_nothing_twice(deps, fake, fanout):
    add_communities(deps, ["kitchen"])
    tick(deps.replaced(fanout=fanout))
    (message,) = fake.api_calls()[0].body["messages"]
    run_community(deps, push.read(pushed(message, "1")).json()["community"])
    sent = len(deps.mailer.sent)
    assert deps.mailer.kinds().count("heads-up") == 4  # the four planned sessions

    run_community(deps, push.read(pushed(message, "1")).json()["community"])

    assert len(deps.mailer.sent) == sent


def test_no_communities_publishes_nothing(deps, fake, fanout):
    report = tick(deps.replaced(fanout=fanout))
    assert report.communities == 0
    assert fake.calls == []


def test_fanout_from_its_url(fake, pubsub_factory):
    fanout = PubSubFanout.from_url(f"pubsub://{TOPIC}", pubsub_factory)
    assert fanout.topic == TOPIC
    fanout.publish(["kitchen"])
    assert fake.published[0]["topic"] == TOPIC


def test_a_transient_error_is_retried_with_backoff(deps, fake, fanout, sleeps):
    add_communities(deps)
    fake.fail_next(503, path=r":publish$")
    tick(deps.replaced(fanout=fanout))
    assert [c.status for c in fake.api_calls()] == [503, 200]
    assert sleeps == [1.0]
    assert sorted(d["community"] for d in decoded(fake)) == sorted(IDS)  # once each


def test_a_permanent_error_reaches_the_scheduler(deps, fake, fanout, sleeps):
    from googleapiclient.errors import HttpError

    add_communities(deps)
    fake.fail_next(403, path=r":publish$", reason="forbidden")
    with pytest.raises(HttpError):
        tick(deps.replaced(fanout=fanout))
    assert fake.published == [] and sleeps == []


def test_more_than_a_thousand_communities_take_several_requests(fake, fanout):
    ids = [f"c{n}" for n in range(2500)]
    fanout.publish(ids)
    assert [len(c.body["messages"]) for c in fake.api_calls()] == [1000, 1000, 500]
    assert [json.loads(m["data"])["community"] for m in fake.published] == ids
