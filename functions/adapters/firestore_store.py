"""The cloud Store: Firestore documents, one collection per kind.

    communities/{id}                       a Community record
    communities/{id}/members/{email}       a Member record
    communities/{id}/sessions/{YYYY-MM-DD} a Session record (field `date` is queried)
    communities/{id}/links/{id}            a Link shared by reply (`shared_at_utc` queried)
    claims/{key}                           a job claim or outbox ledger entry
    due/{id}                               when the community next has a job due (`at`
                                           queried) and the mark of its latest change
    meta/due-index                         present once every community has a due/{id}

Document ids are escaped (see `doc_id`) because emails and claim keys may hold characters
Firestore does not allow in an id, '/' above all. Values are the plain dicts of `records`,
so dates and times are ISO strings and compare in date order.
"""
from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar
from urllib.parse import quote, unquote

from google.api_core.exceptions import AlreadyExists

from ..domain.delivery import PENDING, Entry
from ..domain.errors import Conflict
from ..domain.models import Community, Link, Member, Session
from ..ports import RotaWrite
from . import records
from .records import entry_from_record, entry_to_record, from_record, to_record

if TYPE_CHECKING:
    from google.cloud.firestore import Client, CollectionReference, DocumentReference

SUBCOLLECTIONS = ("members", "sessions", "links")  # under communities/{id}
# Every process sending as one mailbox takes its pace in a transaction on one document:
# under contention one commits and the others try again, more often than Firestore's 5.
PACE_ATTEMPTS = 20
T = TypeVar("T")


def doc_id(text: str) -> str:
    """A valid, reversible (urllib.parse.unquote) Firestore document id for any text."""
    if not text:
        raise ValueError("a document id cannot be empty")
    escaped = quote(text, safe="")
    # ".", ".." and "__*__" are reserved; quote() leaves '.' and '_' alone, so spell the
    # first character out ("%2E", "%5F"), which quote() itself never produces.
    if escaped in (".", "..") or (escaped.startswith("__") and escaped.endswith("__")):
        escaped = f"%{ord(escaped[0]):02X}{escaped[1:]}"
    return escaped


class FirestoreStore:
    def __init__(self, project: str, database: str = "(default)", client: Client | None = None):
        self.project = project
        self.database = database
        self._client_instance = client
        self._indexed = False  # the due-time index covers every community (see _index_once)

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

    def list_communities(self, created_since: datetime | None = None) -> list[Community]:
        from google.cloud.firestore import FieldFilter

        query: Any = self.client.collection("communities")
        if created_since is not None:
            query = query.where(filter=FieldFilter(
                "created_utc", ">=", created_since.astimezone(timezone.utc).isoformat()))
        found = [from_record(Community, s.to_dict()) for s in query.stream()]
        return sorted(found, key=lambda c: c.id)

    def put_community(self, community: Community) -> None:
        self._community(community.id).set(_community_record(community))

    def replying_at(self, address: str | None, limit: int) -> list[Community]:
        from google.cloud.firestore import FieldFilter

        communities = self.client.collection("communities")
        if address is None:
            queries = [communities.where(filter=FieldFilter("reply_to", "==", None))]
        else:  # the address itself, and with a +tag (the range of "local+…")
            local = address.rpartition("@")[0]
            queries = [communities.where(filter=FieldFilter("reply_to", "==", spelt))
                       for spelt in records.spellings(address)]
            queries.append(communities.where(filter=FieldFilter("reply_to", ">=", f"{local}+"))
                           .where(filter=FieldFilter("reply_to", "<", f"{local},")))
        found = {s.id: from_record(Community, s.to_dict())
                 for query in queries for s in query.limit(limit).stream()}
        return records.replying_at(found.values(), address)[:limit]

    def organised_by(self, email: str) -> list[Community]:
        from google.cloud.firestore import FieldFilter

        query = self.client.collection("communities").where(
            filter=FieldFilter("organisers", "array_contains", email))
        found = [from_record(Community, s.to_dict()) for s in query.stream()]
        return sorted(found, key=lambda c: c.id)

    # members
    def list_members(self, community_id: str) -> list[Member]:
        query = self._members(community_id).order_by("order")
        return [from_record(Member, s.to_dict()) for s in query.stream()]

    def get_member(self, community_id: str, email: str) -> Member | None:
        snapshot = self._members(community_id).document(doc_id(email)).get()
        return from_record(Member, snapshot.to_dict()) if snapshot.exists else None

    def put_member(self, community_id: str, member: Member) -> None:
        self._members(community_id).document(doc_id(member.email)).set(to_record(member))

    def member_of(self, email: str) -> list[str]:
        """A collection-group query over every community's members (its index:
        infra/firestore.tf)."""
        from google.cloud.firestore import FieldFilter

        query = self.client.collection_group("members").where(
            filter=FieldFilter("email", "==", email)).select(["email"])
        return sorted(unquote(s.reference.parent.parent.id) for s in query.stream())

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

    def save(self, write: RotaWrite) -> None:
        """One transaction: its reads (new members' documents, the due record) first, then
        every write. Firestore commits at most 500 writes at once: a rota's run is far
        below that; a larger import is refused by Firestore as a whole."""
        from google.cloud import firestore

        community_id = write.community_id
        new_refs = [self._members(community_id).document(doc_id(m.email))
                    for m in write.new_members]
        due_ref = self._due(community_id)
        timing = write.mark_due is not None or write.settle_due is not None

        @firestore.transactional
        def save(transaction) -> None:
            for snapshot in (self.client.get_all(new_refs, transaction=transaction)
                             if new_refs else ()):
                if snapshot.exists:
                    raise Conflict(f"{snapshot.get('email')} is already a member of "
                                   f"{community_id}")
            due = due_ref.get(transaction=transaction) if timing else None
            current = due.to_dict() if due is not None and due.exists else None
            for ref, member in zip(new_refs, write.new_members):
                transaction.create(ref, to_record(member))
            for member in write.members:
                transaction.set(self._members(community_id).document(doc_id(member.email)),
                                to_record(member))
            for session in {s.date: s for s in write.sessions}.values():
                transaction.set(self._sessions(community_id).document(
                    session.date.isoformat()), to_record(session))
            if write.community is not None:
                transaction.set(self._community(community_id),
                                _community_record(write.community))
            for key, entry in write.records:
                transaction.set(self._claim(key), _document(key, entry))
            if write.mark_due is not None:
                current = _due_record(community_id, current, write.mark_due, None, False)
            if write.settle_due is not None:
                current = _due_record(community_id, current, *write.settle_due, True)
            if timing:
                transaction.set(due_ref, current)

        save(self.client.transaction())

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

    # claims and the outbox ledger. `expires` is a timestamp: the TTL policy deletes by it.
    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        keys = list(keys)
        refs = [self._claim(k) for k in keys]
        by_id = {doc_id(k): k for k in keys}
        found: dict[str, Entry] = {}
        for start in range(0, len(refs), 300):
            for snapshot in self.client.get_all(refs[start:start + 300]):
                if snapshot.exists:
                    found[by_id[snapshot.id]] = _entry(snapshot.to_dict())
        return found

    def swap(self, key: str, expected: Entry | None, new: Entry | None) -> bool:
        from google.cloud import firestore

        ref = self._claim(key)
        if expected is None and new is not None:
            token = uuid.uuid4().hex
            try:
                ref.create({**_document(key, new), "token": token})
            except AlreadyExists:
                # A retried commit may have created it on its first attempt: the token tells.
                snapshot = ref.get()
                return snapshot.exists and snapshot.to_dict().get("token") == token
            return True

        @firestore.transactional
        def swap(transaction) -> bool:
            snapshot = ref.get(transaction=transaction)
            if (_entry(snapshot.to_dict()) if snapshot.exists else None) != expected:
                return False
            if new is None:
                transaction.delete(ref)
            else:
                transaction.set(ref, _document(key, new))
            return True

        return swap(self.client.transaction())

    def due_retries(self, now: datetime, limit: int, community: str
                    ) -> list[tuple[str, Entry]]:
        from google.cloud.firestore import FieldFilter

        # Only pending entries have `retry_at` (composite index in infra/firestore.tf).
        query = (self.client.collection("claims")
                 .where(filter=FieldFilter("community", "==", community))
                 .where(filter=FieldFilter("retry_at", "<=",
                                           now.astimezone(timezone.utc).isoformat()))
                 .order_by("retry_at").limit(limit))
        entries = [(d.get("key"), _entry(d.to_dict())) for d in query.stream()]
        return [(k, e) for k, e in entries if e.state == PENDING]

    # the due-time index
    def _due(self, community_id: str) -> DocumentReference:
        return self.client.collection("due").document(doc_id(community_id))

    def mark_due(self, community_id: str, at: datetime) -> None:
        self._set_due(community_id, at, settling=False, mark=None)

    def settle_due(self, community_id: str, at: datetime, mark: str | None) -> None:
        self._set_due(community_id, at, settling=True, mark=mark)

    def _set_due(self, community_id: str, at: datetime, settling: bool,
                 mark: str | None) -> None:
        from google.cloud import firestore

        ref = self._due(community_id)

        @firestore.transactional
        def update(transaction) -> None:
            snapshot = ref.get(transaction=transaction)
            current = snapshot.to_dict() if snapshot.exists else None
            transaction.set(ref, _due_record(community_id, current, at, mark, settling))

        update(self.client.transaction())

    def due_mark(self, community_id: str) -> str | None:
        snapshot = self._due(community_id).get()
        return snapshot.get("mark") if snapshot.exists else None

    def due_communities(self, now: datetime) -> list[str]:
        from google.cloud.firestore import FieldFilter

        self._index_once()
        query = self.client.collection("due").where(
            filter=FieldFilter("at", "<=", now.astimezone(timezone.utc).isoformat()))
        return sorted(s.get("community") for s in query.stream())

    def _index_once(self) -> None:
        """Communities stored before the index existed are due at once, one time."""
        if self._indexed:
            return
        marker = self.client.collection("meta").document("due-index")
        if not marker.get().exists:
            for community in self.list_communities():
                if not self._due(community.id).get().exists:
                    self._due(community.id).set({"community": community.id, "at": "",
                                                 "mark": "indexed"})
            marker.set({"built": True})
        self._indexed = True

    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        from google.cloud import firestore

        ref = self.client.collection("paces").document(doc_id(sender))

        @firestore.transactional
        def update(transaction) -> T:
            snapshot = ref.get(transaction=transaction)
            kept, answer = change(snapshot.to_dict() if snapshot.exists else None)
            transaction.set(ref, kept)
            return answer

        return update(self.client.transaction(max_attempts=PACE_ATTEMPTS))

    def prune(self, now: datetime) -> int:
        return 0  # the TTL policy on claims.expires (infra/firestore.tf) deletes them

    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        """Only the entries of that prefix, by a range on the `key` field (the default
        single-field index): never the whole ledger."""
        found = []
        for snapshot in self._prefixed(prefix).stream():
            data = snapshot.to_dict()
            found.append((data["key"], data["state"], datetime.fromisoformat(data["updated"]),
                          data.get("detail", "")))
        return sorted(found)

    def _prefixed(self, prefix: str) -> Any:
        from google.cloud.firestore import FieldFilter

        query: Any = self.client.collection("claims")
        if prefix:
            # Every key starting with `prefix` sorts from it to before its last character's
            # successor.
            query = query.where(filter=FieldFilter("key", ">=", prefix)).where(
                filter=FieldFilter("key", "<", prefix[:-1] + chr(ord(prefix[-1]) + 1)))
        return query

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
        refs += [s.reference for s in self._prefixed(prefix).stream()]
        self._delete_all(refs + [community, self._due(community_id)])

    def _delete_all(self, refs: list) -> None:
        for start in range(0, len(refs), 400):  # a batch holds at most 500 writes
            batch = self.client.batch()
            for ref in refs[start:start + 400]:
                batch.delete(ref)
            batch.commit()


def _community_record(community: Community) -> dict[str, Any]:
    record = to_record(community)
    if community.created is not None:  # queried, so in one zone (ISO strings sort by it)
        record["created_utc"] = community.created.astimezone(timezone.utc).isoformat()
    return record


def _due_record(community_id: str, current: dict | None, at: datetime, mark: str | None,
                settling: bool) -> dict[str, Any]:
    """The due record after marking (a new mark, the sooner time) or settling (the run's
    time if nothing was marked since it read `mark`, else the sooner one)."""
    record = {"community": community_id, "at": at.astimezone(timezone.utc).isoformat(),
              "mark": uuid.uuid4().hex}
    if current is not None:
        if not (settling and current.get("mark") == mark):
            record["at"] = min(record["at"], current["at"])
        if settling:
            record["mark"] = current["mark"]
    return record


def _document(key: str, entry: Entry) -> dict[str, Any]:
    # Every field, absent ones as null: a write leaves nothing of the entry it replaces.
    record = {f.name: None for f in fields(Entry)} | entry_to_record(entry)
    record["key"] = key
    record["community"] = key.split("/", 1)[0]
    if entry.expires is not None:
        record["expires"] = entry.expires.astimezone(timezone.utc)
    return record


def _entry(data: dict[str, Any]) -> Entry:
    data = dict(data)
    data.pop("key", None)
    data.pop("community", None)
    data.pop("token", None)
    if isinstance(data.get("expires"), datetime):
        data["expires"] = datetime.fromtimestamp(data["expires"].timestamp(), timezone.utc)
    return entry_from_record(data)
