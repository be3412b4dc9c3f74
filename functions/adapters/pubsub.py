"""Pub/Sub topics: the tick publishes one message per community (the fanout); the web
function publishes each one-click unsubscribe for a function that may write the store."""
from __future__ import annotations

import base64
import functools
import json
import time
from typing import Callable

from .google_auth import ServiceFactory, execute

MAX_PER_REQUEST = 1000  # Pub/Sub accepts up to 1,000 messages per publish call


class PubSubTopic:
    def __init__(self, topic: str, service_factory: ServiceFactory,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.topic = topic  # projects/P/topics/T
        self._client = functools.cache(service_factory)  # built on first use, once
        self._sleep = sleep

    @classmethod
    def from_url(cls, url: str, service_factory: ServiceFactory):
        return cls(url.removeprefix("pubsub://"), service_factory)

    def _publish(self, bodies: list[tuple[dict, dict[str, str]]]) -> None:
        """Each (JSON body, attributes) as one message, in as few requests as may be."""
        messages = [{"data": base64.b64encode(json.dumps(body).encode()).decode(),
                     "attributes": attributes} for body, attributes in bodies]
        for start in range(0, len(messages), MAX_PER_REQUEST):
            request = self._client().projects().topics().publish(
                topic=self.topic, body={"messages": messages[start:start + MAX_PER_REQUEST]})
            execute(request, self._sleep)


class PubSubFanout(PubSubTopic):
    def publish(self, community_ids: list[str]) -> None:
        self._publish([({"community": c}, {"community": c}) for c in community_ids])


class PubSubUnsubscribes(PubSubTopic):
    def publish(self, token: str) -> None:
        self._publish([({"token": token}, {})])
