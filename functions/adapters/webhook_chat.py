"""Posting to a team chat through its incoming webhook: Slack or Google Chat (urllib).

Both take `{"text": …}`; they differ in how text is kept from being read as markup: Slack
wants `&`, `<` and `>` escaped, Google Chat has no escape, so angle brackets (which would
make `<users/all>` a mention) become look-alikes. The webhook URL is a secret: no error or
log line here names more than its host.
"""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ..domain.delivery import PermanentFailure, TemporaryFailure

TIMEOUT = 10.0  # seconds


def payload(webhook: str, text: str) -> dict:
    host = (urlsplit(webhook).hostname or "").lower()
    if host == "chat.googleapis.com":
        return {"text": text.replace("<", "‹").replace(">", "›")}
    # hooks.slack.com, and anything else that takes Slack's shape
    return {"text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}


class WebhookChat:
    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout

    def post(self, webhook: str, text: str) -> None:
        host = urlsplit(webhook).hostname
        request = urllib.request.Request(
            webhook, data=json.dumps(payload(webhook, text)).encode(), method="POST",
            headers={"Content-Type": "application/json; charset=UTF-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = f"chat at {host} answered {error.code} {error.reason}"
            error.close()
            if error.code == 429 or error.code >= 500:
                raise TemporaryFailure(detail, _retry_after(error.headers.get("Retry-After"))
                                       ) from None
            raise PermanentFailure(detail) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TemporaryFailure(f"chat at {host} not reached: "
                                   f"{type(reason).__name__}") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (Slack sends a number of seconds)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
