"""Inbox on the Gmail API: unread mail in a Workspace mailbox's inbox, by domain-wide delegation.

A message is "not yet handled" while it is unread in the inbox; `done` marks it read. So the
mailbox should be the rota's own: a person reading it in Gmail would hide replies from it.
"""
from __future__ import annotations

import base64
import functools
import logging
import time
from typing import Any, Callable

from googleapiclient.errors import Error as ApiClientError
from googleapiclient.errors import HttpError

from . import google_auth
from .gmail import BATCH_LIMIT
from .google_auth import ServiceFactory

log = logging.getLogger(__name__)

QUERY = "in:inbox is:unread"
PAGE_LIMIT = 500  # the most messages.list returns in one page
BATCH_SIZE = 50  # Gmail advises against batches of more than 50 calls (rate limiting)


class GmailInbox:
    """Reads `mailbox` as userId "me" on the client `service_factory` builds, which acts
    as that user (its scopes: gmail.modify).

    fetch: the unread inbox messages (messages.list), then their raw bytes (messages.get,
    format=raw, in batch requests of at most `batch_size`), oldest first. Calls refused
    with 429/5xx (or a rate-limit 403) are made again after a backoff, up to `attempts`
    times in all. A message that still cannot be fetched is logged and left out: it stays
    unread, so the next fetch tries it again. done: removes the UNREAD label.
    """

    watches = True  # watch_inbox: new mail announced on a Pub/Sub topic

    def __init__(self, mailbox: str, service_factory: ServiceFactory, *,
                 sleep: Callable[[float], None] = time.sleep,
                 batch_size: int = BATCH_SIZE, attempts: int = 5) -> None:
        if not 1 <= batch_size <= BATCH_LIMIT or attempts < 1:
            raise ValueError(f"need 1 <= batch_size <= {BATCH_LIMIT} and attempts >= 1")
        self.mailbox = mailbox
        self._client = functools.cache(service_factory)  # built on first use, once
        self._sleep = sleep
        self._batch_size = batch_size
        self._attempts = attempts


    def fetch(self, limit: int = 100) -> list[tuple[str, bytes]]:
        ids = self._unread(limit)
        found = self._raw(ids) if ids else {}
        ordered = sorted(found.items(), key=lambda item: item[1][0])  # by Gmail's date
        return [(message_id, raw) for message_id, (_date, raw) in ordered]

    def done(self, handle: str) -> None:
        request = self._client().users().messages().modify(
            userId="me", id=handle, body={"removeLabelIds": ["UNREAD"]})
        try:
            google_auth.execute(request, self._sleep, self._attempts)
        except (HttpError, *google_auth.TRANSPORT_ERRORS) as error:
            # Still unread: fetched again next time, and then known as a duplicate.
            log.warning("Gmail %s: could not mark message %s read: %s",
                        self.mailbox, handle, error)

    def watch_inbox(self, topic: str) -> dict:
        """Have Gmail announce new inbox mail on the Pub/Sub `topic` (projects/P/topics/T).

        A watch lapses after 7 days unless renewed; renewing early is harmless.
        """
        request = self._client().users().watch(userId="me", body={
            "topicName": topic, "labelIds": ["INBOX"], "labelFilterBehavior": "include"})
        return google_auth.execute(request, self._sleep, self._attempts)

    def _unread(self, limit: int) -> list[str]:
        """Ids of up to `limit` unread inbox messages; as many as could be listed."""
        ids: dict[str, None] = {}  # in order, without repeats
        token = None
        while len(ids) < limit:
            request = self._client().users().messages().list(
                userId="me", q=QUERY, maxResults=min(limit - len(ids), PAGE_LIMIT),
                pageToken=token)
            try:
                page = google_auth.execute(request, self._sleep, self._attempts)
            except (HttpError, *google_auth.TRANSPORT_ERRORS) as error:
                log.error("Gmail %s: cannot list unread mail: %s", self.mailbox, error)
                break
            ids.update((m["id"], None) for m in page.get("messages", []))
            token = page.get("nextPageToken")
            if not token:
                break
        return list(ids)[:limit]

    def _raw(self, ids: list[str]) -> dict[str, tuple[int, bytes]]:
        """Each message's (internalDate, raw bytes); those that failed every attempt left out."""
        found: dict[str, tuple[int, bytes]] = {}
        errors: dict[str, Exception] = {}
        pending = ids
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(google_auth.backoff(attempt - 1))
            again: list[str] = []
            for start in range(0, len(pending), self._batch_size):
                again += self._get_batch(pending[start:start + self._batch_size], found,
                                         errors)
            pending = again
            if not pending:
                break
        for message_id in pending:
            log.warning("Gmail %s: message %s not fetched after %d attempts (%s); "
                        "it stays unread for the next read", self.mailbox, message_id,
                        self._attempts, errors.get(message_id))
        return found

    def _get_batch(self, chunk: list[str], found: dict[str, tuple[int, bytes]],
                   errors: dict[str, Exception]) -> list[str]:
        """Get one batch of messages into `found`; return the ids worth another try."""
        again: list[str] = []

        def got(message_id: str, response: Any, error: HttpError | None) -> None:
            if error is None:
                try:
                    found[message_id] = (int(response.get("internalDate") or 0),
                                         _decode(response["raw"]))
                except (KeyError, TypeError, ValueError) as problem:
                    log.warning("Gmail %s: message %s came back unreadable: %r",
                                self.mailbox, message_id, problem)
                return
            errors[message_id] = error
            if google_auth.retryable(error):
                again.append(message_id)
            else:
                log.warning("Gmail %s: cannot fetch message %s: %s",
                            self.mailbox, message_id, error)

        gets = self._client().users().messages()
        batch = self._client().new_batch_http_request(callback=got)
        for message_id in chunk:
            batch.add(gets.get(userId="me", id=message_id, format="raw"),
                      request_id=message_id)
        try:
            batch.execute()
        except (ApiClientError, *google_auth.TRANSPORT_ERRORS) as error:
            # Gets change nothing, so a whole batch lost in transit is simply asked again.
            retry = google_auth.retryable(error)
            log.warning("Gmail %s: a batch of %d gets failed (%s)%s", self.mailbox,
                        len(chunk), error, "; will retry" if retry else "")
            errors.update((message_id, error) for message_id in chunk)
            return list(chunk) if retry else []
        return again


def _decode(raw: str) -> bytes:
    """The `raw` field: base64url of the RFC 5322 bytes, padding optional."""
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
