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

from . import google_auth
from .google_auth import ServiceFactory

log = logging.getLogger(__name__)

BATCH_LIMIT = 100  # Gmail's maximum number of calls in one batch request


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

    Messages go out in batch requests of at most `batch_size` sends. Sends refused with
    429/5xx (or a rate-limit 403) are sent again in a later batch after a backoff, up to
    `attempts` times in all; anything else is final. A batch that gets no answer at all
    is not retried here: whether it went out is for was_sent to tell.
    """

    def __init__(self, sender: str, service_factory: ServiceFactory, *,
                 sleep: Callable[[float], None] = time.sleep,
                 batch_size: int = BATCH_LIMIT, attempts: int = 6) -> None:
        if not 1 <= batch_size <= BATCH_LIMIT or attempts < 1:
            raise ValueError(f"need 1 <= batch_size <= {BATCH_LIMIT} and attempts >= 1")
        self.sender = sender
        self._client = functools.cache(service_factory)  # built on first use, once
        self._sleep = sleep
        self._batch_size = batch_size
        self._attempts = attempts


    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        results: list[Exception | None] = [None] * len(messages)
        raws: dict[int, str] = {}
        for index, message in enumerate(messages):
            try:
                raws[index] = encode(message)
            except Exception as error:  # a message the email package cannot serialise
                results[index] = SendError(message.get("Message-ID", ""), None, repr(error))
        pending = sorted(raws)
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(google_auth.backoff(attempt - 1))
            again: list[int] = []
            for start in range(0, len(pending), self._batch_size):
                chunk = pending[start:start + self._batch_size]
                again += self._send_batch(chunk, messages, raws, results)
            pending = again
            if not pending:
                break
        if pending:
            log.warning("Gmail: %d message(s) still refused after %d attempts",
                        len(pending), self._attempts)
        return results

    def _send_batch(self, chunk: list[int], messages: list[EmailMessage],
                    raws: dict[int, str], results: list[Exception | None]) -> list[int]:
        """Send one batch; fill in results; return the indexes worth another try."""
        again: list[int] = []

        def done(request_id: str, _response: Any, error: HttpError | None) -> None:
            index = int(request_id)
            if error is None:
                results[index] = None
                return
            results[index] = _send_error(messages[index], error)
            if google_auth.retryable(error):
                again.append(index)

        sends = self._client().users().messages()
        batch = self._client().new_batch_http_request(callback=done)
        for index in chunk:
            batch.add(sends.send(userId="me", body={"raw": raws[index]}),
                      request_id=str(index))
        try:
            batch.execute()
        except (ApiClientError, *google_auth.TRANSPORT_ERRORS) as error:
            retry = isinstance(error, HttpError) and google_auth.retryable(error)
            log.warning("Gmail batch of %d failed (%s)%s", len(chunk), error,
                        "; will retry" if retry else "")
            for index in chunk:
                results[index] = _send_error(messages[index], error)
            return list(chunk) if retry else []
        return sorted(again)

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


def _send_error(message: EmailMessage, error: Exception) -> SendError:
    status = google_auth.status_of(error)
    detail = error.reason if isinstance(error, HttpError) else repr(error)
    failure = SendError(message.get("Message-ID", ""), status, detail)
    failure.__cause__ = error
    return failure
