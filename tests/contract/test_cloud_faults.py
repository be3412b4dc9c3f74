"""Faults of the cloud path, against the local Firestore emulator with the real client and
the Gmail API fake: a digest's run delivered twice at once by Pub/Sub (two instances, each
with its own clients), then once more, while Gmail answers 429 and 503, then a whole batch
500.
Every digest goes out, none twice. (The emulator does not abort a transaction that lost a
race, see test_shared_pace: the claims these runs race for are create-if-absent writes,
which it does refuse.)"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from functions.adapters.clock import FixedClock
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.run import run_community
from functions.services.jobs.tick import tick
from tests.conftest import START
from tests.google.fake_google_api import FakeGoogle
from tests.services.test_delivery_faults import (
    MEMBERS, SEND, before_the_digest, gmail, gmail_digests, lost_and_doubled, world)

pytestmark = pytest.mark.emulator


class Meeting:
    """A store client whose first claim of a digest waits for the other instance's: both
    found the digests unsent, and race to claim each one."""

    def __init__(self, store, meeting: threading.Barrier) -> None:
        self.store, self.meeting, self.met = store, meeting, False

    def __getattr__(self, name):
        return getattr(self.store, name)

    def swap(self, key, expected, new):
        if not self.met and "/digest/" in key:
            self.met = True
            self.meeting.wait(timeout=10)
        return self.store.swap(key, expected, new)


@pytest.fixture
def google():
    server = FakeGoogle().start()
    yield server
    server.stop()


def test_a_fanout_delivered_twice_at_once_and_again_sends_each_digest_once(
        open_store, backend, google):
    if backend != "firestore":
        pytest.skip("the cloud path: Firestore")
    clock = FixedClock(START)
    deps = world(open_store(), gmail(google), clock, count=20)
    before_the_digest(deps, clock)
    google.fail_next(429, times=3, path=SEND, retry_after=1)
    google.fail_next(503, times=2, path=SEND)

    meeting = threading.Barrier(2)

    def instance(meet: bool = True) -> None:  # its own clients and pace, as a new instance
        store = Meeting(open_store(), meeting) if meet else open_store()
        run_community(deps.replaced(store=store, mailer=gmail(google), pacer=Pacer()),
                      "guild")

    instances = [threading.Thread(target=instance) for _ in range(2)]
    for one in instances:
        one.start()
    for one in instances:
        one.join()
    google.fail_next(500, batch=True, times=1)
    instance(meet=False)  # redelivered once more, after both
    for _ in range(4):  # what waited for a retry goes at the next ticks
        clock.advance(timedelta(minutes=15))
        tick(deps)

    assert lost_and_doubled(gmail_digests(google), MEMBERS[:20]) == (0, 0)
