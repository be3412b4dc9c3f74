"""Calendar on the Google Calendar API: one event per session, with its id derived from
the session's uid, so that publishing is idempotent and needs no stored mapping."""
from __future__ import annotations

import base64
import functools
import hashlib
import logging
import time
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from googleapiclient.errors import HttpError

from ..domain.invites import Event
from ..ports import INCREMENTAL
from . import google_auth
from .google_auth import ServiceFactory

log = logging.getLogger(__name__)

CONFIRMED, CANCELLED = "confirmed", "cancelled"
NOT_THERE = (404, 410)  # 410: deleted already


class CalendarError(Exception):
    """A Calendar API call failed for good. `status` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def event_id(uid: str) -> str:
    """Google event ids use base32hex characters (0-9, a-v), 5 to 1024 of them."""
    digest = hashlib.sha1(uid.encode("utf-8")).digest()  # 160 bits: 32 characters
    return base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")


class GoogleCalendar:
    """Publishes sessions to one calendar through the client `service_factory` builds.
    That client must act as a Workspace user who may write to the calendar: a service
    account acting as itself may not invite attendees.

    Cancelling deletes the event (sendUpdates=all mails the cancellation). Google keeps a
    deleted event, with status "cancelled", so its id stays taken: publishing it again
    patches it back to confirmed. The same happens to an event deleted by hand.
    """

    answering = INCREMENTAL  # answers_since: every change in one list call

    def __init__(self, calendar_id: str, service_factory: ServiceFactory,
                 sleep: Callable[[float], None] = time.sleep, *, attempts: int = 5) -> None:
        self.calendar_id = calendar_id
        self._client = functools.cache(service_factory)  # built on first use, once
        self._sleep = sleep
        self._attempts = attempts

    @property
    def events(self) -> Any:
        return self._client().events()

    # Calendar port ------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        if event.cancelled:
            self._cancel(event)
            return
        body = desired_body(event)
        try:
            self._call("create", event, self.events.insert(
                calendarId=self.calendar_id, body=body,
                conferenceDataVersion=1, sendUpdates="all"))
            return
        except CalendarError as error:
            if error.status != 409:
                raise
        # The id is taken: by an earlier publish (maybe one whose answer we never got),
        # or by an event deleted since. Bring it in line with what we want.
        existing = self._get(event)
        if existing is None:
            raise CalendarError(self._describe("update", event, "409, then 404"), 409)
        changes = differences(existing, body)
        if not changes:
            return
        self._call("update", event, self.events.patch(
            calendarId=self.calendar_id, eventId=body["id"], body=changes,
            sendUpdates="all",
            **({"conferenceDataVersion": 1} if "conferenceData" in changes else {})))

    def responses(self, event: Event) -> dict[str, str]:
        existing = self._get(event)
        if existing is None:
            return {}
        return {attendee["email"].lower(): attendee.get("responseStatus", "needsAction")
                for attendee in existing.get("attendees", []) if attendee.get("email")}

    def event_key(self, uid: str) -> str:
        """The key `answers_since` gives the answers of the event with that UID under: the
        UID itself, kept in the event's private properties (an event published before
        they held it is under its id until its next update)."""
        return uid

    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]:
        """Attendees' answers of the events changed since `token` (None: of every event),
        by event_key, and the token for next time: one events.list, a page per 250
        changed events. A token Google no longer takes means a full read."""
        changed: dict[str, dict[str, str]] = {}
        page = None
        while True:
            query = {"calendarId": self.calendar_id, "showDeleted": True, "maxResults": 250}
            query.update({"syncToken": token} if token else {})
            query.update({"pageToken": page} if page else {})
            try:
                answer = google_auth.execute(self.events.list(**query), self._sleep,
                                             self._attempts)
            except HttpError as error:
                if error.resp.status == 410 and token:
                    log.info("calendar %s: sync token expired, reading every event",
                             self.calendar_id)
                    token, page, changed = None, None, {}
                    continue
                raise CalendarError(f"Google Calendar {self.calendar_id}: could not list "
                                    f"changed events: HTTP {error.resp.status}",
                                    error.resp.status) from error
            except google_auth.TRANSPORT_ERRORS as error:
                raise CalendarError(f"Google Calendar {self.calendar_id}: could not list "
                                    f"changed events: {error!r}") from error
            for item in answer.get("items", []):
                key = item.get("extendedProperties", {}).get("private", {}).get("uid")
                changed[key or item["id"]] = {
                    a["email"].lower(): a.get("responseStatus", "needsAction")
                    for a in item.get("attendees", []) if a.get("email")}
            page = answer.get("nextPageToken")
            if not page:
                return changed, answer["nextSyncToken"]

    # Helpers --------------------------------------------------------------------------

    def _cancel(self, event: Event) -> None:
        existing = self._get(event)
        if existing is None or existing.get("status") == CANCELLED:
            return
        try:
            self._call("cancel", event, self.events.delete(
                calendarId=self.calendar_id, eventId=event_id(event.uid), sendUpdates="all"))
        except CalendarError as error:
            if error.status not in NOT_THERE:  # gone in the meantime: that is the goal
                raise

    def _get(self, event: Event) -> dict | None:
        try:
            return self._call("read", event, self.events.get(
                calendarId=self.calendar_id, eventId=event_id(event.uid)))
        except CalendarError as error:
            if error.status in NOT_THERE:
                return None
            raise

    def _call(self, action: str, event: Event, request: Any) -> Any:
        try:
            return google_auth.execute(request, self._sleep, self._attempts)
        except HttpError as error:
            status = error.resp.status
            message = self._describe(action, event, f"HTTP {status} {error.reason}")
            if status == 400:
                # Typically an attendee address Google will not take.
                log.error("%s; request body: %s", message, getattr(request, "body", ""))
            raise CalendarError(message, status) from error
        except google_auth.TRANSPORT_ERRORS as error:
            raise CalendarError(self._describe(action, event, repr(error))) from error

    def _describe(self, action: str, event: Event, detail: str) -> str:
        return (f"Google Calendar {self.calendar_id}: could not {action} the event of "
                f"{event.community_id}'s session on {event.date.isoformat()}: {detail}")


def desired_body(event: Event) -> dict:
    """The event resource for a session that takes place."""
    zone = ZoneInfo(event.timezone)
    description = event.description
    if event.video_url and event.video_url not in description:
        description = f"{description}\n\n{event.video_url}".strip()
    body: dict[str, Any] = {
        "id": event_id(event.uid),
        "status": CONFIRMED,
        "summary": event.summary,
        "description": description,
        "start": {"dateTime": event.starts_at.astimezone(zone).isoformat(),
                  "timeZone": event.timezone},
        "end": {"dateTime": event.ends_at.astimezone(zone).isoformat(),
                "timeZone": event.timezone},
        "attendees": [{"email": a.email, "displayName": a.name} for a in event.attendees],
        "reminders": {"useDefault": True},
        # Answers read back name their session (and so their community) by it.
        "extendedProperties": {"private": {"uid": event.uid}},
    }
    if event.video_url:
        body["location"] = event.video_url
    else:
        body["conferenceData"] = {"createRequest": {
            # Same id on a retried insert, so Google makes one Meet, not two.
            "requestId": f"{body['id']}-{event.sequence}",
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }}
    return body


def event_uid(body: dict) -> str:
    return body["extendedProperties"]["private"]["uid"]


def differences(existing: dict, body: dict) -> dict:
    """The fields of `body` that `existing` lacks or has otherwise: a patch body."""
    attendees = merged_attendees(existing.get("attendees", []), body["attendees"])
    if existing.get("status") == CANCELLED:
        # Deleted (perhaps by hand): bring everything back.
        revived = {k: v for k, v in body.items() if k != "id"}
        revived["attendees"] = attendees
        revived.setdefault("location", "")
        if existing.get("conferenceData"):
            revived.pop("conferenceData", None)
        return revived

    changes: dict[str, Any] = {}
    for field in ("summary", "description", "location"):
        if existing.get(field, "") != body.get(field, ""):
            changes[field] = body.get(field, "")
    if not (_same_time(existing.get("start"), body["start"])
            and _same_time(existing.get("end"), body["end"])):
        changes["start"], changes["end"] = body["start"], body["end"]
    if _emails(attendees) != _emails(existing.get("attendees", [])):
        changes["attendees"] = attendees
    private = existing.get("extendedProperties", {}).get("private", {})
    if private.get("uid") != event_uid(body):
        changes["extendedProperties"] = body["extendedProperties"]
    if "conferenceData" in body and not existing.get("conferenceData"):
        changes["conferenceData"] = body["conferenceData"]
    return changes


def merged_attendees(existing: list[dict], wanted: list[dict]) -> list[dict]:
    """The wanted attendees, keeping the answers of those already invited, and the
    organiser's own entry, which Google adds and is not ours to remove."""
    before = {a.get("email", "").lower(): a for a in existing}
    merged = []
    for attendee in wanted:
        entry = dict(attendee)
        old = before.get(attendee["email"].lower(), {})
        for kept in ("responseStatus", "comment", "optional", "additionalGuests"):
            if kept in old:
                entry[kept] = old[kept]
        merged.append(entry)
    wanted_emails = {a["email"].lower() for a in wanted}
    merged += [a for a in existing
               if a.get("organizer") and a.get("email", "").lower() not in wanted_emails]
    return merged


def _emails(attendees: list[dict]) -> list[str]:
    return sorted(a.get("email", "").lower() for a in attendees)


def _same_time(existing: dict | None, wanted: dict) -> bool:
    """Same instant and zone; Google may write the instant differently ("Z", offsets)."""
    if not existing or "dateTime" not in existing:
        return False
    return (datetime.fromisoformat(existing["dateTime"])
            == datetime.fromisoformat(wanted["dateTime"])
            and existing.get("timeZone") == wanted["timeZone"])
