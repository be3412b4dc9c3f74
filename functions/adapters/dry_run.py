"""Backends for `tick --dry-run`: read the real ones, keep every write in memory.

The real tick runs unchanged against these, so what it prints is what a tick would do.
"""
from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from typing import Callable, Iterable, TypeVar

from ..domain.delivery import Entry
from ..domain.errors import Conflict
from ..domain.invites import Event
from ..domain.models import Community, Link, Member, Session
from ..ports import Calendar, Inbox, Mailer, RotaWrite, Store
from . import records
from .memory_store import MemoryStore

T = TypeVar("T")


class OverlayStore:
    """Reads fall through to the real store; writes land in memory and are read back
    (a sender's pace too: a dry run books nothing)."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.top = MemoryStore()
        self.deleted: set[tuple[str, str]] = set()
        self.forgotten: set[str] = set()  # ledger entries deleted in the dry run

    def get_community(self, community_id: str) -> Community | None:
        return self.top.get_community(community_id) or self.base.get_community(community_id)

    def list_communities(self, created_since: datetime | None = None) -> list[Community]:
        found = {c.id: c for c in self.base.list_communities(created_since)}
        found.update({c.id: c for c in self.top.list_communities(created_since)})
        return [found[k] for k in sorted(found)]

    def put_community(self, community: Community) -> None:
        self.top.put_community(community)

    def list_members(self, community_id: str) -> list[Member]:
        found = {m.email: m for m in self.base.list_members(community_id)}
        found.update({m.email: m for m in self.top.list_members(community_id)})
        return sorted((m for m in found.values() if (community_id, m.email) not in self.deleted),
                      key=lambda m: m.order)

    def get_member(self, community_id: str, email: str) -> Member | None:
        if (community_id, email) in self.deleted:
            return None
        return self.top.get_member(community_id, email) or self.base.get_member(community_id,
                                                                                email)

    def member_of(self, email: str) -> list[str]:
        found = set(self.base.member_of(email)) | set(self.top.member_of(email))
        return sorted(c for c in found if (c, email) not in self.deleted)

    def replying_at(self, address: str | None, limit: int) -> list[Community]:
        found = {c.id: c for c in self.base.replying_at(address, limit)}
        found.update({c.id: c for c in self.top.list_communities()})  # changed in the run
        return records.replying_at(found.values(), address)[:limit]

    def organised_by(self, email: str) -> list[Community]:
        found = {c.id: c for c in self.base.organised_by(email)}
        found.update({c.id: c for c in self.top.list_communities()})
        return [found[k] for k in sorted(found) if email in found[k].organisers]

    def put_member(self, community_id: str, member: Member) -> None:
        self.deleted.discard((community_id, member.email))
        self.top.put_member(community_id, member)

    def add_members(self, community_id: str, members: Iterable[Member]) -> None:
        new = list(members)
        for m in new:
            if self.get_member(community_id, m.email) is not None:
                raise Conflict(f"{m.email} is already a member of {community_id}")
        for m in new:
            self.put_member(community_id, m)

    def list_sessions(self, community_id: str, start: date | None = None,
                      end: date | None = None) -> list[Session]:
        found = {s.date: s for s in self.base.list_sessions(community_id, start, end)}
        found.update({s.date: s for s in self.top.list_sessions(community_id, start, end)})
        return [found[d] for d in sorted(found)]

    def put_sessions(self, community_id: str, sessions: Iterable[Session]) -> None:
        self.top.put_sessions(community_id, sessions)

    def save(self, write: RotaWrite) -> None:
        self.add_members(write.community_id, write.new_members)
        for member in write.members:
            self.put_member(write.community_id, member)
        self.top.save(RotaWrite(write.community_id, write.community,
                                sessions=write.sessions, mark_due=write.mark_due,
                                settle_due=write.settle_due))
        for key, entry in write.records:
            self.forgotten.discard(key)
            self.top.claims[key] = entry

    def add_link(self, community_id: str, link: Link) -> None:
        self.top.add_link(community_id, link)

    def delete_member(self, community_id: str, email: str) -> None:
        self.top.delete_member(community_id, email)
        self.deleted.add((community_id, email))

    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        found = {r[0]: r for r in self.base.list_records(prefix)}
        found.update({r[0]: r for r in self.top.list_records(prefix)})
        return [found[k] for k in sorted(found) if k not in self.forgotten]

    def forget_records(self, text: str) -> int:
        return 0  # a dry run erases nothing

    def list_links(self, community_id: str, since: datetime) -> list[Link]:
        found = {k.id: k for k in self.base.list_links(community_id, since)}
        found.update({k.id: k for k in self.top.list_links(community_id, since)})
        return sorted(found.values(), key=lambda k: (k.shared_at, k.id))

    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        keys = list(keys)
        found = {**self.base.entries(keys), **self.top.entries(keys)}
        return {k: e for k, e in found.items() if k not in self.forgotten}

    def swap(self, key: str, expected: Entry | None, new: Entry | None) -> bool:
        if self.entries([key]).get(key) != expected:
            return False
        self.top.claims.pop(key, None)
        if new is None:
            self.forgotten.add(key)
        else:
            self.forgotten.discard(key)
            self.top.claims[key] = new
        return True

    def due_retries(self, now: datetime, limit: int, community: str
                    ) -> list[tuple[str, Entry]]:
        due = {k: e for k, e in self.base.due_retries(now, limit, community)
               if k not in self.top.claims and k not in self.forgotten}
        due.update(self.top.due_retries(now, limit, community))
        return sorted(due.items(), key=lambda item: item[1].retry_at)[:limit]

    def prune(self, now: datetime) -> int:
        return 0  # a dry run deletes nothing

    def mark_due(self, community_id: str, at: datetime) -> None:
        self.top.mark_due(community_id, at)

    def due_communities(self, now: datetime) -> list[str]:
        return sorted({*self.base.due_communities(now), *self.top.due_communities(now)})

    def due_mark(self, community_id: str) -> str | None:
        return self.top.due_mark(community_id) or self.base.due_mark(community_id)

    def settle_due(self, community_id: str, at: datetime, mark: str | None) -> None:
        self.top.settle_due(community_id, at, mark)

    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        return self.top.pace(sender, change)


class RecordingMailer:
    """Accepts every message and keeps it; asks the real mailer what already went out."""

    def __init__(self, base: Mailer) -> None:
        self.base = base
        self.batch_size = base.batch_size  # the same batches as the real run
        self.sent: list[EmailMessage] = []

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        self.sent.extend(messages)
        return [None] * len(messages)

    def was_sent(self, message_id: str) -> bool | None:
        return self.base.was_sent(message_id)


class RecordingCalendar:
    """Keeps what would be published; answers come from the real calendar, read the way
    it reads them (every capability it declares is forwarded, so the dry run takes the
    path the real tick takes)."""

    def __init__(self, base: Calendar) -> None:
        self.base = base
        self.published: list[Event] = []
        self.answering = base.answering

    def publish(self, event: Event) -> None:
        self.published.append(event)

    def responses(self, event: Event) -> dict[str, str]:
        return self.base.responses(event)

    # IncrementalCalendar (when the real one is): reads only
    @property
    def calendar_id(self) -> str:
        return self.base.calendar_id  # type: ignore[attr-defined]

    def event_key(self, uid: str) -> str:
        return self.base.event_key(uid)  # type: ignore[attr-defined]

    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]:
        return self.base.answers_since(token)  # type: ignore[attr-defined]


class PeekingInbox:
    """Reads the real inbox but leaves every message in it, unhandled (and renews no
    watch: that would be a change at the mail provider)."""

    watches = False

    def __init__(self, base: Inbox) -> None:
        self.base = base
        self.seen: set[str] = set()

    def fetch(self, limit: int = 100) -> list[tuple[str, bytes]]:
        return [(h, raw) for h, raw in self.base.fetch(limit) if h not in self.seen]

    def done(self, handle: str) -> None:
        self.seen.add(handle)


class RecordingChat:
    """Keeps what would be posted to a team chat (without its webhook, a secret)."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    def post(self, webhook: str, text: str) -> None:
        self.posted.append(text)
