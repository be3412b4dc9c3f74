"""A local stand-in for the Google Calendar v3, Gmail v1 and Pub/Sub v1 REST APIs.

It serves the real googleapiclient over HTTP on 127.0.0.1, keeps state (events by
calendar and id, sent messages, a mailbox of received messages with their labels, Gmail
watches, published Pub/Sub messages), answers batch requests,
records every call, and can be told to fail the next matching calls. Only what the
adapters use is implemented.
"""
from __future__ import annotations

import base64
import copy
import email
import email.policy
import hashlib
import itertools
import json
import re
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

BATCH_PATHS = ("/batch", "/batch/calendar/v3")  # from the discovery documents' batchPath
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REASONS = {400: "badRequest", 403: "forbidden", 404: "notFound", 409: "duplicate",
           410: "deleted", 429: "rateLimitExceeded", 500: "backendError",
           503: "backendError"}


@dataclass
class Call:
    """One API call as the fake saw it; a batch envelope lists its calls in `parts`."""
    method: str
    path: str
    query: dict[str, str]
    body: Any = None  # parsed JSON
    parts: list["Call"] = field(default_factory=list)
    status: int = 0  # the status the fake answered
    authorization: str | None = None  # the Authorization header, if any

    def email(self) -> EmailMessage | None:
        """The message in a Gmail send call's `raw`."""
        raw = (self.body or {}).get("raw")
        return _parse_raw(raw) if raw else None


@dataclass
class Failure:
    status: int
    times: int
    method: str | None = None
    path: str | None = None  # a regular expression searched in the path
    when: Callable[[Call], bool] | None = None
    batch: bool = False  # fail the batch envelope rather than API calls
    reason: str | None = None
    retry_after: int | None = None  # seconds, in a Retry-After header
    drop: bool = False  # close the connection without an answer (a network error)
    stall: float = 0.0  # seconds to wait before answering (a client timeout)

    def matches(self, call: Call, envelope: bool) -> bool:
        return (self.times > 0 and envelope == self.batch
                and (self.method is None or self.method == call.method)
                and (self.path is None or re.search(self.path, call.path) is not None)
                and (self.when is None or self.when(call)))


def error_body(status: int, message: str, reason: str | None = None) -> dict:
    reason = reason or REASONS.get(status, "error")
    return {"error": {"code": status, "message": message,
                      "errors": [{"domain": "global", "reason": reason, "message": message}]}}


class FakeGoogle:
    def __init__(self) -> None:
        self.calls: list[Call] = []  # every HTTP request, in order
        self.events: dict[tuple[str, str], dict] = {}  # (calendar id, event id) -> event
        self.sent: list[dict] = []  # {"id", "user", "raw", "message", "message_id"}
        # Gmail messages received, by id in delivery order: {"id", "raw", "labels", "date"}
        self.mailbox: dict[str, dict] = {}
        self.watches: list[dict] = []  # users.watch requests: {"user", "body"}
        # Pub/Sub: {"topic", "id", "data" (decoded bytes), "attributes"}, in publish order
        self.published: list[dict] = []
        self._failures: list[Failure] = []
        self._limit: tuple[int, Callable[[], float], float] | None = None
        self.send_times: list[float] = []  # by limit_sends' clock, each accepted send
        self._arrived: float | None = None  # when the batch being answered came in
        self._changes = itertools.count(1)  # Calendar: each change of an event gets the next
        self.changed: dict[tuple[str, str], int] = {}
        self.sync_generation = 0
        self.page_size = 2500  # Calendar's most per page; tests make it small
        self._send_times: dict[str, list[float]] = {}
        self.throttled = 0  # sends answered 429 by limit_sends
        self.stall = 0.0  # set by a stalling failure for the handler of that request
        self.retry_after: int | None = None  # likewise, a Retry-After header to send
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeGoogle":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    # What tests arrange and inspect ---------------------------------------------------

    def fail_next(self, status: int, times: int = 1, *, method: str | None = None,
                  path: str | None = None, when: Callable[[Call], bool] | None = None,
                  batch: bool = False, reason: str | None = None,
                  retry_after: int | None = None, drop: bool = False,
                  stall: float = 0.0) -> None:
        """Answer the next `times` matching calls with `status` instead of handling them
        (`drop`: no answer at all; `stall`: only after that many seconds). A batch failure
        with status 200 handles the calls, then stalls or hangs up: the answer is lost."""
        with self._lock:
            self._failures.append(Failure(status, times, method, path, when, batch, reason,
                                          retry_after, drop, stall))

    def limit_sends(self, per_minute: int, clock: Callable[[], float],
                    window: float = 60.0) -> None:
        """Gmail's per-user sending rate: past `per_minute` sends in the `window` seconds
        (a minute unless told) before `clock()` (seconds: simulated, or real elapsed time),
        a send gets 429 with Retry-After. `send_times` keeps when each accepted one came."""
        with self._lock:
            self._limit = (per_minute, clock, window)

    def api_calls(self) -> list[Call]:
        """Every API call, with batches replaced by the calls inside them."""
        with self._lock:
            return [part for call in self.calls for part in (call.parts or [call])]

    def batches(self) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path in BATCH_PATHS]

    def event(self, calendar_id: str, event_id: str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self.events.get((calendar_id, event_id)))

    def delete_by_hand(self, calendar_id: str, event_id: str) -> None:
        """What deleting in the Calendar UI does: the event stays, cancelled."""
        with self._lock:
            self.events[(calendar_id, event_id)]["status"] = "cancelled"
            self.changed[(calendar_id, event_id)] = next(self._changes)

    def respond(self, calendar_id: str, event_id: str, attendee: str, answer: str) -> None:
        with self._lock:
            for entry in self.events[(calendar_id, event_id)]["attendees"]:
                if entry["email"].lower() == attendee.lower():
                    entry["responseStatus"] = answer
            self.changed[(calendar_id, event_id)] = next(self._changes)

    def sent_ids(self) -> list[str]:
        with self._lock:
            return [s["message_id"] for s in self.sent]

    def deliver(self, raw: bytes, labels: tuple[str, ...] = ("INBOX", "UNREAD")) -> str:
        """A message arrives in the Gmail mailbox (any user's: the fake has one); its id."""
        with self._lock:
            message_id = f"{next(self._ids):016x}"
            self.mailbox[message_id] = {"id": message_id, "raw": bytes(raw),
                                        "labels": set(labels),
                                        "date": 1_700_000_000_000 + len(self.mailbox) * 1000}
            return message_id

    def labels(self, message_id: str) -> set[str]:
        with self._lock:
            return set(self.mailbox[message_id]["labels"])

    # HTTP -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> tuple[int, str, bytes]:
        """One HTTP request in; status, content type and body out (status 0: hang up)."""
        content_type = headers.get("Content-Type", "")
        with self._lock:
            path, query = _split(target)
            if method == "POST" and path in BATCH_PATHS:
                return self._batch(path, query, headers, body)
            if content_type.startswith("application/x-www-form-urlencoded"):
                parsed = dict(parse_qsl(body.decode()))
            else:
                parsed = json.loads(body) if body.strip() else None
            call = Call(method, path, query, parsed, authorization=headers.get("Authorization"))
            self.calls.append(call)
            status, payload = self._dispatch(call)
            if isinstance(payload, dict):
                payload.pop("_retry_after", None)
            text = b"" if payload is None else json.dumps(payload).encode()
            return status, "application/json; charset=UTF-8", text

    def _batch(self, path: str, query: dict, headers: Mapping[str, str],
               body: bytes) -> tuple[int, str, bytes]:
        envelope = Call("POST", path, query, authorization=headers.get("Authorization"))
        self.calls.append(envelope)
        # Its sends count from when it came in, as Gmail counts a batch's calls at once.
        self._arrived = self._limit[1]() if self._limit is not None else None
        try:
            return self._answer_batch(envelope, headers, body)
        finally:
            self._arrived = None

    def _answer_batch(self, envelope: Call, headers: Mapping[str, str],
                      body: bytes) -> tuple[int, str, bytes]:
        failure = self._take_failure(envelope, envelope=True)
        answer_lost = failure is not None and failure.status == 200  # sent, then no answer
        if answer_lost:
            self.stall, failure = failure.stall, None
        if failure:
            envelope.status = 0 if failure.drop else failure.status
            self.stall, self.retry_after = failure.stall, failure.retry_after
            payload = error_body(failure.status, "injected failure", failure.reason)
            return envelope.status, "application/json", json.dumps(payload).encode()
        container = email.message_from_bytes(
            f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body)
        boundary = f"batch_{uuid.uuid4().hex}"
        out = []
        for part in container.get_payload():
            request_line, rest = part.get_payload().split("\n", 1)
            method, target, _version = request_line.strip().split(" ", 2)
            inner = email.message_from_string(rest)
            content = inner.get_payload()
            sub_path, sub_query = _split(target)
            parsed = json.loads(content) if content.strip() else None
            call = Call(method, sub_path, sub_query, parsed, authorization=inner["Authorization"])
            envelope.parts.append(call)
            status, payload = self._dispatch(call)
            content_id = part["Content-ID"].strip()[1:-1]
            wait = (payload or {}).pop("_retry_after", None) if isinstance(payload, dict) \
                else None
            text = "" if payload is None else json.dumps(payload)
            out.append(f"--{boundary}\r\nContent-Type: application/http\r\n"
                       f"Content-ID: <response-{content_id}>\r\n\r\n"
                       f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                       + (f"Retry-After: {wait}\r\n" if wait is not None else "")
                       + f"Content-Type: application/json; charset=UTF-8\r\n\r\n{text}\r\n")
        out.append(f"--{boundary}--\r\n")
        envelope.status = 200
        if answer_lost and not self.stall:
            return 0, "", b""  # hang up
        return 200, f"multipart/mixed; boundary={boundary}", "".join(out).encode()

    def _take_failure(self, call: Call, envelope: bool) -> Failure | None:
        for failure in self._failures:
            if failure.matches(call, envelope):
                failure.times -= 1
                return failure
        return None

    def _dispatch(self, call: Call) -> tuple[int, dict | None]:
        failure = self._take_failure(call, envelope=False)
        if failure:
            status, payload = failure.status, error_body(
                failure.status, "injected failure", failure.reason)
            if failure.retry_after is not None:
                payload["_retry_after"] = failure.retry_after
        else:
            status, payload = self._route(call)
        call.status = status
        return status, payload

    def _route(self, call: Call) -> tuple[int, dict | None]:
        for method, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, call.path)
            if match and method == call.method:
                return handler(self, call, *match.groups())
        return 404, error_body(404, f"fake: no route for {call.method} {call.path}")

    # Calendar -------------------------------------------------------------------------

    def insert_event(self, call: Call, calendar_id: str) -> tuple[int, dict | None]:
        body = copy.deepcopy(call.body or {})
        event_id = body.pop("id", None) or uuid.uuid4().hex  # hex is base32hex too
        if not EVENT_ID.fullmatch(event_id):
            return 400, error_body(400, "Invalid resource id value.", "invalid")
        if (calendar_id, event_id) in self.events:
            return 409, error_body(409, "The requested identifier already exists.")
        event = {"kind": "calendar#event", "id": event_id, "status": "confirmed",
                 "iCalUID": f"{event_id}@google.com", "sequence": 0,
                 "htmlLink": f"https://calendar.example/event?eid={event_id}",
                 "organizer": {"email": calendar_id, "self": True},
                 "creator": {"email": calendar_id, "self": True}}
        problem = self._apply(event, body, call.query)
        if problem:
            return problem
        self.events[(calendar_id, event_id)] = event
        self.changed[(calendar_id, event_id)] = next(self._changes)
        return 200, copy.deepcopy(event)

    def get_event(self, call: Call, calendar_id: str, event_id: str):
        event = self.events.get((calendar_id, event_id))
        if event is None:
            return 404, error_body(404, "Not Found")
        return 200, copy.deepcopy(event)

    def patch_event(self, call: Call, calendar_id: str, event_id: str):
        event = self.events.get((calendar_id, event_id))
        if event is None:
            return 404, error_body(404, "Not Found")
        changed = copy.deepcopy(event)
        problem = self._apply(changed, copy.deepcopy(call.body or {}), call.query)
        if problem:
            return problem
        changed["sequence"] += 1
        self.events[(calendar_id, event_id)] = changed
        self.changed[(calendar_id, event_id)] = next(self._changes)
        return 200, copy.deepcopy(changed)

    def delete_event(self, call: Call, calendar_id: str, event_id: str):
        event = self.events.get((calendar_id, event_id))
        if event is None:
            return 404, error_body(404, "Not Found")
        if event["status"] == "cancelled":
            return 410, error_body(410, "Resource has been deleted")
        event["status"] = "cancelled"
        event["sequence"] += 1
        self.changed[(calendar_id, event_id)] = next(self._changes)
        return 204, None

    def list_events(self, call: Call, calendar_id: str):
        """Incremental sync: without syncToken every event, with it those changed since;
        pages of maxResults; nextSyncToken on the last page. A token from before
        `expire_sync_tokens` answers 410, as Google does when a token is too old."""
        token = call.query.get("syncToken")
        generation, _, number = (token or "").partition(":")
        if token is not None and (generation != str(self.sync_generation)
                                  or not number.isdigit()):
            return 410, error_body(410, "Sync token is no longer valid, a full sync is "
                                        "required.", "fullSyncRequired")
        since = int(number or 0)
        ids = sorted((n, eid) for (cal, eid), n in self.changed.items()
                     if cal == calendar_id and n > since)
        start = int(call.query.get("pageToken", 0))
        size = min(int(call.query.get("maxResults", 250)), self.page_size)
        page = [copy.deepcopy(self.events[(calendar_id, eid)]) for _, eid in ids[start:start + size]]
        answer: dict[str, Any] = {"kind": "calendar#events", "items": page}
        if start + size < len(ids):
            answer["nextPageToken"] = str(start + size)
        else:
            answer["nextSyncToken"] = f"{self.sync_generation}:{max([since] + [n for n, _ in ids])}"
        return 200, answer

    def expire_sync_tokens(self) -> None:
        with self._lock:
            self.sync_generation += 1

    def _apply(self, event: dict, body: dict, query: dict) -> tuple[int, dict] | None:
        """Patch semantics: objects merge, everything else replaces. None when valid."""
        conference = body.pop("conferenceData", None)
        for key, value in body.items():
            if isinstance(value, dict) and isinstance(event.get(key), dict):
                event[key] = {**event[key], **value}
            else:
                event[key] = value
        for entry in event.get("attendees", []):
            if not ADDRESS.fullmatch(entry.get("email", "")):
                return 400, error_body(400, "Invalid attendee email.", "invalid")
            entry.setdefault("responseStatus", "needsAction")
        try:
            start, end = (_instant(event.get(k, {})) for k in ("start", "end"))
        except (KeyError, ValueError):
            return 400, error_body(400, "Missing or invalid time.", "required")
        if end <= start:
            return 400, error_body(400, "The specified time range is empty.", "timeRangeEmpty")
        for key in ("start", "end"):
            event[key]["dateTime"] = _google_datetime(event[key])
        if conference and query.get("conferenceDataVersion") == "1":
            event["conferenceData"] = _meet(conference)
            event["hangoutLink"] = event["conferenceData"]["entryPoints"][0]["uri"]
        event["updated"] = datetime.now(timezone.utc).isoformat()
        return None

    # OAuth -------------------------------------------------------------------------

    def token(self, call: Call) -> tuple[int, dict | None]:
        """Any assertion gets a token; tests read the assertion from the recorded call."""
        return 200, {"access_token": f"token-{next(self._ids)}", "expires_in": 3600,
                     "token_type": "Bearer"}

    # Gmail ----------------------------------------------------------------------------

    def send_message(self, call: Call, user: str) -> tuple[int, dict | None]:
        raw = (call.body or {}).get("raw")
        try:
            message = _parse_raw(raw)
        except (TypeError, ValueError):
            message = None
        if message is None or not message.keys():
            return 400, error_body(400, "Invalid value for ByteString", "invalidArgument")
        if not any(message.get_all(h) for h in ("To", "Cc", "Bcc")):
            return 400, error_body(400, "Recipient address required", "invalidArgument")
        if self._limit is not None:
            per_minute, clock, window = self._limit
            now = self._arrived if self._arrived is not None else clock()
            recent = [t for t in self._send_times.get(user, []) if t > now - window]
            if len(recent) >= per_minute:
                self.throttled += 1
                payload = error_body(429, "User-rate limit exceeded", "rateLimitExceeded")
                payload["_retry_after"] = max(1, int(recent[0] + window - now + 0.999))
                return 429, payload
            self._send_times[user] = recent + [now]
            self.send_times.append(now)
        message_id = f"{next(self._ids):016x}"
        self.sent.append({"id": message_id, "user": user, "message": message,
                          "raw": base64.urlsafe_b64decode(_padded(raw)),
                          "message_id": str(message.get("Message-ID", ""))})
        return 200, {"id": message_id, "threadId": message_id, "labelIds": ["SENT"]}

    def list_messages(self, call: Call, user: str) -> tuple[int, dict | None]:
        query = call.query.get("q", "").strip()
        match = re.fullmatch(r"rfc822msgid:<?([^<>\s]+)>?", query)
        if match:
            found = [{"id": s["id"], "threadId": s["id"]} for s in self.sent
                     if s["user"] == user and s["message_id"].strip("<>") == match.group(1)]
            return 200, ({"messages": found, "resultSizeEstimate": len(found)}
                         if found else {"resultSizeEstimate": 0})
        if sorted(query.split()) != ["in:inbox", "is:unread"]:
            return 400, error_body(400, f"fake: unsupported query {query!r}", "invalidArgument")
        # Newest first, as Gmail lists; pages of maxResults (default 100, at most 500).
        unread = [{"id": m["id"], "threadId": m["id"]} for m in reversed(self.mailbox.values())
                  if {"INBOX", "UNREAD"} <= m["labels"]]
        size = min(int(call.query.get("maxResults", 100)), 500)
        start = int(call.query.get("pageToken", 0))
        page: dict[str, Any] = {"resultSizeEstimate": len(unread)}
        if unread[start:start + size]:
            page["messages"] = unread[start:start + size]
        if start + size < len(unread):
            page["nextPageToken"] = str(start + size)
        return 200, page

    def get_message(self, call: Call, user: str, message_id: str) -> tuple[int, dict | None]:
        message = self.mailbox.get(message_id)
        if message is None:
            return 404, error_body(404, "Requested entity was not found.")
        if call.query.get("format") != "raw":
            return 400, error_body(400, "fake: only format=raw", "invalidArgument")
        return 200, {"id": message_id, "threadId": message_id,
                     "labelIds": sorted(message["labels"]),
                     "sizeEstimate": len(message["raw"]), "internalDate": str(message["date"]),
                     "raw": base64.urlsafe_b64encode(message["raw"]).decode("ascii")}

    def modify_message(self, call: Call, user: str, message_id: str
                       ) -> tuple[int, dict | None]:
        message = self.mailbox.get(message_id)
        if message is None:
            return 404, error_body(404, "Requested entity was not found.")
        body = call.body or {}
        if not (body.get("addLabelIds") or body.get("removeLabelIds")):
            return 400, error_body(400, "No label add or removes specified", "invalidArgument")
        message["labels"] |= set(body.get("addLabelIds") or [])
        message["labels"] -= set(body.get("removeLabelIds") or [])
        return 200, {"id": message_id, "threadId": message_id,
                     "labelIds": sorted(message["labels"])}

    def watch(self, call: Call, user: str) -> tuple[int, dict | None]:
        body = call.body or {}
        if not re.fullmatch(r"projects/[^/]+/topics/[^/]+", body.get("topicName", "")):
            return 400, error_body(400, "Invalid topicName", "invalidArgument")
        self.watches.append({"user": user, "body": copy.deepcopy(body)})
        expiration = int(datetime.now(timezone.utc).timestamp() * 1000) + 7 * 86_400_000
        return 200, {"historyId": str(next(self._ids)), "expiration": str(expiration)}

    # Pub/Sub --------------------------------------------------------------------------

    def publish(self, call: Call, topic: str) -> tuple[int, dict | None]:
        """topics.publish: 1 to 1,000 messages, each with base64 data or attributes."""
        messages = (call.body or {}).get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 1000:
            return 400, error_body(400, "The value for message_count is out of range.",
                                   "invalidArgument")
        accepted = []
        for message in messages:
            try:
                data = base64.b64decode(message.get("data", ""), validate=True)
            except (TypeError, ValueError):
                return 400, error_body(400, "Invalid data: not base64.", "invalidArgument")
            attributes = message.get("attributes") or {}
            if not data and not attributes:
                return 400, error_body(400, "Some messages are empty.", "invalidArgument")
            accepted.append({"topic": topic, "id": str(next(self._ids)), "data": data,
                             "attributes": dict(attributes)})
        self.published += accepted
        return 200, {"messageIds": [m["id"] for m in accepted]}


ROUTES: list[tuple[str, str, Callable[..., tuple[int, dict | None]]]] = [
    ("POST", r"/token", FakeGoogle.token),
    ("POST", r"/calendar/v3/calendars/([^/]+)/events", FakeGoogle.insert_event),
    ("GET", r"/calendar/v3/calendars/([^/]+)/events", FakeGoogle.list_events),
    ("GET", r"/calendar/v3/calendars/([^/]+)/events/([^/]+)", FakeGoogle.get_event),
    ("PATCH", r"/calendar/v3/calendars/([^/]+)/events/([^/]+)", FakeGoogle.patch_event),
    ("DELETE", r"/calendar/v3/calendars/([^/]+)/events/([^/]+)", FakeGoogle.delete_event),
    ("POST", r"/gmail/v1/users/([^/]+)/messages/send", FakeGoogle.send_message),
    ("GET", r"/gmail/v1/users/([^/]+)/messages", FakeGoogle.list_messages),
    ("GET", r"/gmail/v1/users/([^/]+)/messages/([^/]+)", FakeGoogle.get_message),
    ("POST", r"/gmail/v1/users/([^/]+)/messages/([^/]+)/modify", FakeGoogle.modify_message),
    ("POST", r"/gmail/v1/users/([^/]+)/watch", FakeGoogle.watch),
    ("POST", r"/v1/(projects/[^/]+/topics/[^/:]+):publish", FakeGoogle.publish),
]


class _Handler(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake = self.server.fake  # type: ignore[attr-defined]
        status, content_type, payload = fake.handle(self.command, self.path, self.headers, body)
        stall, fake.stall = fake.stall, 0.0
        if stall:
            threading.Event().wait(stall)  # the client gives up first
        if status == 0:  # hang up without an answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        wait, fake.retry_after = fake.retry_after, None
        if wait is not None:
            self.send_header("Retry-After", str(wait))
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204:
            try:
                self.wfile.write(payload)
            except BrokenPipeError:  # the client timed out and hung up
                pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass


def _split(target: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(target)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return unquote(parts.path), query


def _padded(raw: str) -> str:
    return raw + "=" * (-len(raw) % 4)


def _parse_raw(raw: str) -> EmailMessage:
    data = base64.urlsafe_b64decode(_padded(raw))
    return email.message_from_bytes(data, policy=email.policy.default)


def _instant(when: dict) -> datetime:
    moment = datetime.fromisoformat(when["dateTime"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(when["timeZone"]))
    return moment


def _google_datetime(when: dict) -> str:
    """How Google writes an instant back: in the event's zone, "Z" for a zero offset."""
    moment = _instant(when)
    if when.get("timeZone"):
        moment = moment.astimezone(ZoneInfo(when["timeZone"]))
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _meet(conference: dict) -> dict:
    request = conference.get("createRequest", {})
    digest = hashlib.sha1(request.get("requestId", "").encode()).hexdigest()
    code = "".join(chr(ord("a") + int(c, 16) % 26) for c in digest[:10])
    uri = f"https://meet.google.com/{code[:3]}-{code[3:7]}-{code[7:]}"
    return {"createRequest": {**request, "status": {"statusCode": "success"}},
            "entryPoints": [{"entryPointType": "video", "uri": uri, "label": uri[8:]}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
            "conferenceId": uri.rsplit("/", 1)[1]}
