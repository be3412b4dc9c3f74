"""The cloud Store: Firestore documents, one collection per kind.

    communities/{id}                       a Community record
    communities/{id}/members/{email}       a Member record
    communities/{id}/sessions/{YYYY-MM-DD} a Session record (field `date` is queried)
    communities/{id}/links/{id}            a Link shared by reply (`shared_at_utc` queried)
    claims/{key}                           a job claim or outbox ledger entry

Document ids are escaped (see `doc_id`) because emails and claim keys may hold characters
Firestore does not allow in an id, '/' above all. Values are the plain dicts of `records`,
so dates and times are ISO strings and compare in date order.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import quote, unquote

from google.api_core.exceptions import AlreadyExists

from ..domain.errors import Conflict
from ..domain.models import Community, Link, Member, Session
from .records import from_record, to_record

if TYPE_CHECKING:
    from google.cloud.firestore import Client, CollectionReference, DocumentReference

SUBCOLLECTIONS = ("members", "sessions", "links")  # under communities/{id}
_RESERVED_ID = re.compile(r"\.{1,2}|__.*__", re.DOTALL)


def doc_id(text: str) -> str:
    """A valid, reversible (urllib.parse.unquote) Firestore document id for any text."""
    if not text:
        raise ValueError("a document id cannot be empty")
    escaped = quote(text, safe="")
    # ".", ".." and "__*__" are reserved; quote() leaves '.' and '_' alone, so spell the
    # first character out ("%2E", "%5F"), which quote() itself never produces.
    if _RESERVED_ID.fullmatch(escaped):
        escaped = f"%{ord(escaped[0]):02X}{escaped[1:]}"
    return escaped


class FirestoreStore:
    def __init__(self, project: str, database: str = "(default)", client: Client | None = None):
        self.project = project
        self.database = database
        self._client_instance = client

    @property
    def client(self) -> Client:
        """Built on first use (honours FIRESTORE_EMULATOR_HOST at that moment)."""
        if self._client_instance is None:
            from google.cloud import firestore

            self._client_instance = firestore.Client(project=self.project,
                                                     database=self.database)
        return self._client_instance

    def close(self) -> None:
        if self._client_instance is not None:
            self._client_instance.close()

    def _community(self, community_id: str) -> DocumentReference:
        return self.client.collection("communities").document(doc_id(community_id))

    def _members(self, community_id: str) -> CollectionReference:
        return self._community(community_id).collection("members")

    def _sessions(self, community_id: str) -> CollectionReference:
        return self._community(community_id).collection("sessions")

    def _claim(self, key: str) -> DocumentReference:
        return self.client.collection("claims").document(doc_id(key))

    # communities
    def get_community(self, community_id: str) -> Community | None:
        snapshot = self._community(community_id).get()
        return from_record(Community, snapshot.to_dict()) if snapshot.exists else None

    def list_communities(self) -> list[Community]:
        query = self.client.collection("communities").order_by("id")
        return [from_record(Community, s.to_dict()) for s in query.stream()]

    def put_community(self, community: Community) -> None:
        self._community(community.id).set(to_record(community))

    # members
    def list_members(self, community_id: str) -> list[Member]:
        query = self._members(community_id).order_by("order")
        return [from_record(Member, s.to_dict()) for s in query.stream()]

    def get_member(self, community_id: str, email: str) -> Member | None:
        snapshot = self._members(community_id).document(doc_id(email)).get()
        return from_record(Member, snapshot.to_dict()) if snapshot.exists else None

    def put_member(self, community_id: str, member: Member) -> None:
        self._members(community_id).document(doc_id(member.email)).set(to_record(member))

    def add_members(self, community_id: str, members: Iterable[Member]) -> None:
        from google.cloud import firestore

        new = list(members)
        if not new:
            return
        seen: set[str] = set()
        for m in new:
            if m.email in seen:
                raise Conflict(f"{m.email} is listed more than once")
            seen.add(m.email)
        refs = [self._members(community_id).document(doc_id(m.email)) for m in new]

        @firestore.transactional
        def add(transaction) -> None:
            # All reads before any write; a clash aborts the whole batch.
            for snapshot in self.client.get_all(refs, transaction=transaction):
                if snapshot.exists:
                    email = snapshot.get("email")
                    raise Conflict(f"{email} is already a member of {community_id}")
            for ref, member in zip(refs, new):
                transaction.create(ref, to_record(member))

        add(self.client.transaction())

    # sessions
    def list_sessions(self, community_id: str, start: date | None = None,
                      end: date | None = None) -> list[Session]:
        from google.cloud.firestore import FieldFilter

        query: Any = self._sessions(community_id)
        if start is not None:
            query = query.where(filter=FieldFilter("date", ">=", start.isoformat()))
        if end is not None:
            query = query.where(filter=FieldFilter("date", "<", end.isoformat()))
        return [from_record(Session, s.to_dict()) for s in query.order_by("date").stream()]

    def put_sessions(self, community_id: str, sessions: Iterable[Session]) -> None:
        by_date = {s.date: s for s in sessions}  # one write per document; the last one wins
        if not by_date:
            return
        batch = self.client.batch()
        for day, s in by_date.items():
            batch.set(self._sessions(community_id).document(day.isoformat()), to_record(s))
        batch.commit()

    # shared links
    def add_link(self, community_id: str, link: Link) -> None:
        record = to_record(link)
        record["shared_at_utc"] = link.shared_at.astimezone(timezone.utc).isoformat()
        self._community(community_id).collection("links").document(doc_id(link.id)).set(record)

    def list_links(self, community_id: str, since: datetime) -> list[Link]:
        from google.cloud.firestore import FieldFilter

        query = (self._community(community_id).collection("links")
                 .where(filter=FieldFilter("shared_at_utc", ">=",
                                           since.astimezone(timezone.utc).isoformat()))
                 .order_by("shared_at_utc"))
        return sorted((from_record(Link, d.to_dict()) for d in query.stream()),
                      key=lambda k: (k.shared_at, k.id))

    # claims and the outbox ledger
    def claim(self, key: str, now: datetime) -> bool:
        ref = self._claim(key)
        token = uuid.uuid4().hex
        try:
            ref.create({"state": "claimed", "updated": now.isoformat(), "detail": "",
                        "token": token})
        except AlreadyExists:
            # A retried commit may have created it on its first attempt: the token tells.
            snapshot = ref.get()
            return snapshot.exists and snapshot.to_dict().get("token") == token
        return True

    def release(self, key: str) -> None:
        self._claim(key).delete()

    def record(self, key: str, state: str, now: datetime, detail: str = "") -> None:
        self._claim(key).set({"state": state, "updated": now.isoformat(), "detail": detail})

    def record_state(self, key: str) -> tuple[str, datetime] | None:
        snapshot = self._claim(key).get()
        if not snapshot.exists:
            return None
        return snapshot.get("state"), datetime.fromisoformat(snapshot.get("updated"))

    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        found = []
        for snapshot in self.client.collection("claims").stream():
            key = unquote(snapshot.id)
            if key.startswith(prefix):
                data = snapshot.to_dict()
                found.append((key, data["state"], datetime.fromisoformat(data["updated"]),
                              data.get("detail", "")))
        return sorted(found)

    # erasure (rare: a scan of the ledger is fine)
    def delete_member(self, community_id: str, email: str) -> None:
        self._members(community_id).document(doc_id(email)).delete()

    def forget_records(self, text: str) -> int:
        gone = [s.reference for s in self.client.collection("claims").stream()
                if text in unquote(s.id) or text in (s.to_dict().get("detail") or "")]
        self._delete_all(gone)
        return len(gone)

    def delete_community(self, community_id: str) -> None:
        prefix = f"{community_id}/"
        community = self._community(community_id)
        refs = [snapshot.reference for name in SUBCOLLECTIONS
                for snapshot in community.collection(name).stream()]
        refs += [s.reference for s in self.client.collection("claims").stream()
                 if unquote(s.id).startswith(prefix)]
        self._delete_all(refs + [community])

    def _delete_all(self, refs: list) -> None:
        for start in range(0, len(refs), 400):  # a batch holds at most 500 writes
            batch = self.client.batch()
            for ref in refs[start:start + 400]:
                batch.delete(ref)
            batch.commit()
