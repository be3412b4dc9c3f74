"""The real googleapiclient, without credentials, talking HTTP to a local fake Google."""
from __future__ import annotations

from typing import Iterator

import httplib2
import pytest

from functions.adapters.google_auth import build_service
from tests.google.fake_google_api import FakeGoogle


class CountingFactory:
    """A ServiceFactory for the fake, without credentials; counts the clients it builds."""

    def __init__(self, fake: FakeGoogle, api: str, version: str) -> None:
        self.fake, self.api, self.version = fake, api, version
        self.builds = 0

    def __call__(self):
        self.builds += 1
        return build_service(self.api, self.version, root_url=self.fake.url,
                             http=httplib2.Http(timeout=10))


class Sleeps(list):
    """Stands in for time.sleep: records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle().start()
    yield server
    server.stop()


@pytest.fixture
def gmail_factory(fake: FakeGoogle) -> CountingFactory:
    return CountingFactory(fake, "gmail", "v1")


@pytest.fixture
def calendar_factory(fake: FakeGoogle) -> CountingFactory:
    return CountingFactory(fake, "calendar", "v3")


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
