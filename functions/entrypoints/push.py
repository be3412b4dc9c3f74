"""Pub/Sub push requests: the JSON envelope Pub/Sub POSTs to a push subscription's endpoint,

    {"message": {"data": BASE64, "attributes": {...}, "messageId": "…", "publishTime": "…"},
     "subscription": "projects/P/subscriptions/S", "deliveryAttempt": N}

and what to answer. Any 2xx acknowledges the message; anything else makes Pub/Sub deliver
it again, with backoff, until its subscription's dead-letter policy moves it aside. So a
message that cannot be read is acknowledged (and logged: delivering it again would not
help), and a temporary failure is answered with a 5xx.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

ACK = ("", 204)  # handled, or dropped for good: Pub/Sub must not deliver it again
RETRY = ("failed; Pub/Sub delivers it again\n", 500)


class Malformed(ValueError):
    """A request that no delivery of the same message could ever handle."""


@dataclass(frozen=True)
class PushMessage:
    data: bytes
    message_id: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    subscription: str = ""
    delivery_attempt: int | None = None  # set when the subscription has a dead-letter policy

    def json(self) -> Any:
        """The data as JSON."""
        try:
            return json.loads(self.data)
        except (UnicodeDecodeError, ValueError) as error:
            raise Malformed(f"message {self.message_id or '?'}: data is not JSON") from error

    def describe(self) -> str:
        attempt = f", delivery {self.delivery_attempt}" if self.delivery_attempt else ""
        return f"message {self.message_id or '?'}{attempt}"


def read(body: bytes | str) -> PushMessage:
    """The message of a push request's body; Malformed when it is not a push envelope."""
    try:
        envelope = json.loads(body or b"")
    except (UnicodeDecodeError, ValueError) as error:
        raise Malformed("the body is not JSON") from error
    message = envelope.get("message") if isinstance(envelope, dict) else None
    if not isinstance(message, dict):
        raise Malformed("no message in the push envelope")
    try:
        data = base64.b64decode(message.get("data") or "", validate=True)
    except (binascii.Error, TypeError, ValueError) as error:
        raise Malformed("message data is not base64") from error
    attributes = message.get("attributes") or {}
    attempt = envelope.get("deliveryAttempt")
    return PushMessage(
        data=data,
        message_id=str(message.get("messageId") or message.get("message_id") or ""),
        attributes=attributes if isinstance(attributes, dict) else {},
        subscription=str(envelope.get("subscription") or ""),
        delivery_attempt=attempt if isinstance(attempt, int) else None)
