"""An in-memory Store: the fake that service tests run on, with the same rules as the real ones."""
from __future__ import annotations

import copy
import threading
import uuid
from datetime import date, datetime
from typing import Callable, Iterable, TypeVar

from ..domain.delivery import PENDING, Entry
from ..domain.errors import Conflict
from ..domain.models import Community, Link, Member, Session
from ..ports import RotaWrite
from . import records

T = TypeVar("T")
_PACING = threading.Lock()  # threads of one process may share a store


class MemoryStore:
    def __init__(self) -> None:
        self.communities: dict[str, Community] = {}
        self.members: dict[str, dict[str, Member]] = {}
        self.sessions: dict[str, dict[date, Session]] = {}
        self.claims: dict[str, Entry] = {}
        self.links: dict[str, dict[str, Link]] = {}
        self.due: dict[str, tuple[datetime, str]] = {}  # community: (due time, mark)
        self.paces: dict[str, dict] = {}  # sender: its pace record

    def get_community(self, community_id: str) -> Community | None:
        return self.communities.get(community_id)

    def list_communities(self, created_since: datetime | None = None) -> list[Community]:
        return records.created_since(self.communities.values(), created_since)

    def put_community(self, community: Community) -> None:
        self.communities[community.id] = community

    def list_members(self, community_id: str) -> list[Member]:
        return sorted(self.members.get(community_id, {}).values(), key=lambda m: m.order)

    def get_member(self, community_id: str, email: str) -> Member | None:
        return self.members.get(community_id, {}).get(email)

    def put_member(self, community_id: str, member: Member) -> None:
        self.members.setdefault(community_id, {})[member.email] = member

    def member_of(self, email: str) -> list[str]:
        return sorted(cid for cid, roster in self.members.items() if email in roster)

    def replying_at(self, address: str | None, limit: int) -> list[Community]:
        return records.replying_at(self.communities.values(), address)[:limit]

    def organised_by(self, email: str) -> list[Community]:
        return sorted((c for c in self.communities.values() if email in c.organisers),
                      key=lambda c: c.id)

    def add_members(self, community_id: str, members: Iterable[Member]) -> None:
        roster = self.members.setdefault(community_id, {})
        new = list(members)
        seen: set[str] = set()
        for m in new:
            if m.email in roster:
                raise Conflict(f"{m.email} is already a member of {community_id}")
            if m.email in seen:
                raise Conflict(f"{m.email} is listed more than once")
            seen.add(m.email)
        for m in new:
            roster[m.email] = m

    def list_sessions(self, community_id: str, start: date | None = None,
                      end: date | None = None) -> list[Session]:
        return [s for d, s in sorted(self.sessions.get(community_id, {}).items())
                if (start is None or d >= start) and (end is None or d < end)]

    def put_sessions(self, community_id: str, sessions: Iterable[Session]) -> None:
        new = {s.date: copy.copy(s) for s in sessions}  # read them all before writing any
        self.sessions.setdefault(community_id, {}).update(new)

    def save(self, write: RotaWrite) -> None:
        if write.new_members:  # checked before anything is written
            self.add_members(write.community_id, write.new_members)
        for member in write.members:
            self.put_member(write.community_id, member)
        self.put_sessions(write.community_id, write.sessions)
        if write.community is not None:
            self.put_community(write.community)
        self.claims.update(write.records)
        if write.mark_due is not None:
            self.mark_due(write.community_id, write.mark_due)
        if write.settle_due is not None:
            self.settle_due(write.community_id, *write.settle_due)

    def add_link(self, community_id: str, link: Link) -> None:
        self.links.setdefault(community_id, {})[link.id] = link

    def list_links(self, community_id: str, since: datetime) -> list[Link]:
        return sorted((k for k in self.links.get(community_id, {}).values()
                       if k.shared_at >= since), key=lambda k: (k.shared_at, k.id))

    # claims and the outbox ledger
    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        return {k: self.claims[k] for k in keys if k in self.claims}

    def swap(self, key: str, expected: Entry | None, new: Entry | None) -> bool:
        if self.claims.get(key) != expected:
            return False
        if new is None:
            self.claims.pop(key, None)
        else:
            self.claims[key] = new
        return True

    def due_retries(self, now: datetime, limit: int, community: str
                    ) -> list[tuple[str, Entry]]:
        due = [(k, e) for k, e in self.claims.items() if k.startswith(community + "/")
               and e.state == PENDING and e.retry_at is not None and e.retry_at <= now]
        return sorted(due, key=lambda item: item[1].retry_at)[:limit]

    def mark_due(self, community_id: str, at: datetime) -> None:
        current = self.due.get(community_id)
        self.due[community_id] = (min(at, current[0]) if current else at, uuid.uuid4().hex)

    def due_communities(self, now: datetime) -> list[str]:
        return sorted(c for c, (at, _) in self.due.items() if at <= now)

    def due_mark(self, community_id: str) -> str | None:
        return self.due[community_id][1] if community_id in self.due else None

    def settle_due(self, community_id: str, at: datetime, mark: str | None) -> None:
        current = self.due.get(community_id)
        if current is not None and current[1] != mark:
            at = min(at, current[0])
        self.due[community_id] = (at, current[1] if current else uuid.uuid4().hex)

    def prune(self, now: datetime) -> int:
        gone = [k for k, e in self.claims.items() if e.expires is not None and e.expires <= now]
        for key in gone:
            del self.claims[key]
        return len(gone)

    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        with _PACING:
            kept, answer = change(copy.deepcopy(self.paces.get(sender)))
            self.paces[sender] = kept
        return answer

    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        return [(k, e.state, e.updated, e.detail) for k, e in sorted(self.claims.items())
                if k.startswith(prefix)]

    def delete_member(self, community_id: str, email: str) -> None:
        self.members.get(community_id, {}).pop(email, None)

    def forget_records(self, text: str) -> int:
        gone = [k for k, e in self.claims.items() if text in k or text in e.detail]
        for key in gone:
            del self.claims[key]
        return len(gone)

    def delete_community(self, community_id: str) -> None:
        for table in (self.communities, self.members, self.sessions, self.links, self.due):
            table.pop(community_id, None)
        for key in [k for k in self.claims if k.startswith(f"{community_id}/")]:
            del self.claims[key]
