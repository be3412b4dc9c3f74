"""Mailer on the Gmail API: a Workspace user's mailbox, reached by domain-wide delegation."""
from __future__ import annotations

import base64
import functools
import logging
import time
from email.message import EmailMessage
from typing import Any, Callable

from googleapiclient.errors import Error as ApiClientError
from googleapiclient.errors import HttpError

from ..domain.delivery import PermanentFailure, TemporaryFailure
from . import google_auth
from .google_auth import ServiceFactory

log = logging.getLogger(__name__)

BATCH_LIMIT = 100  # Gmail's maximum number of calls in one batch request
BATCH_SIZE = 50  # what Gmail advises: larger batches of sends tend to be rate limited


class SendError(Exception):
    """Gmail did not accept one message. `status` is the HTTP status (None: no answer)."""

    def __init__(self, message_id: str, status: int | None, detail: str) -> None:
        super().__init__(f"Gmail did not accept {message_id or 'a message'}: "
                         + (f"HTTP {status} {detail}" if status else detail))
        self.message_id = message_id
        self.status = status


def encode(message: EmailMessage) -> str:
    """The `raw` field: base64url of the RFC 5322 bytes, CRLF line ends."""
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return base64.urlsafe_b64encode(data).decode("ascii")


class GmailMailer:
    """Sends as `sender`: userId "me" on the client `service_factory` builds, which acts
    as that user (domain-wide delegation).

    One `send_many` is one batch request of at most `batch_size` sends, tried once: pacing
    and retries belong to the outbox, which knows the deadlines. A send refused with 429 or
    5xx (or a rate-limit 403), and a batch with no answer at all (a timeout, a dropped
    connection) are temporary failures, with Gmail's Retry-After; so are 401 and other
    403s (delegation not granted yet). Other 4xx are permanent, 400 (a recipient Gmail
    cannot take) counting as a bounce.
    """

    def __init__(self, sender: str, service_factory: ServiceFactory, *,
                 sleep: Callable[[float], None] = time.sleep,
                 batch_size: int = BATCH_SIZE) -> None:
        if not 1 <= batch_size <= BATCH_LIMIT:
            raise ValueError(f"need 1 <= batch_size <= {BATCH_LIMIT}")
        self.sender = sender
        self._client = functools.cache(service_factory)  # built on first use, once
        self._sleep = sleep
        self.batch_size = batch_size

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        results: list[Exception | None] = [None] * len(messages)
        raws: dict[int, str] = {}
        for index, message in enumerate(messages):
            try:
                raws[index] = encode(message)
            except Exception as error:  # a message the email package cannot serialise
                results[index] = PermanentFailure(str(SendError(
                    message.get("Message-ID", ""), None, repr(error))))
        pending = sorted(raws)
        for start in range(0, len(pending), self.batch_size):
            self._send_batch(pending[start:start + self.batch_size], messages, raws, results)
        return results

    def _send_batch(self, chunk: list[int], messages: list[EmailMessage],
                    raws: dict[int, str], results: list[Exception | None]) -> None:
        def done(request_id: str, _response: Any, error: HttpError | None) -> None:
            index = int(request_id)
            results[index] = None if error is None else _failure(messages[index], error)

        sends = self._client().users().messages()
        batch = self._client().new_batch_http_request(callback=done)
        for index in chunk:
            batch.add(sends.send(userId="me", body={"raw": raws[index]}),
                      request_id=str(index))
        try:
            batch.execute()
        except (ApiClientError, *google_auth.TRANSPORT_ERRORS) as error:
            # Some may have gone out before the answer was lost: was_sent tells, later.
            log.warning("Gmail batch of %d failed: %s", len(chunk), error)
            for index in chunk:
                results[index] = _failure(messages[index], error, whole_batch=True)

    def was_sent(self, message_id: str) -> bool | None:
        query = "rfc822msgid:" + message_id.strip().strip("<>")
        request = self._client().users().messages().list(
            userId="me", q=query, includeSpamTrash=True, maxResults=1)
        try:
            found = google_auth.execute(request, self._sleep, attempts=3)
        except (HttpError, *google_auth.TRANSPORT_ERRORS) as error:
            log.warning("Gmail: cannot tell whether %s was sent: %s", message_id, error)
            return None
        return bool(found.get("messages"))


def _failure(message: EmailMessage, error: Exception, whole_batch: bool = False
             ) -> TemporaryFailure | PermanentFailure:
    status = google_auth.status_of(error)
    detail = error.reason if isinstance(error, HttpError) else repr(error)
    text = str(SendError(message.get("Message-ID", ""), status, detail))
    failure: TemporaryFailure | PermanentFailure
    if (whole_batch and not isinstance(error, HttpError)) or google_auth.retryable(error) \
            or status in (401, 403):
        failure = TemporaryFailure(text, _retry_after(error))
    else:
        failure = PermanentFailure(text, bounce=status == 400)
    failure.__cause__ = error
    return failure


def _retry_after(error: Exception) -> float | None:
    """Seconds from a Retry-After header (Google sends a number of seconds)."""
    value = getattr(getattr(error, "resp", None), "get", lambda _k: None)("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
