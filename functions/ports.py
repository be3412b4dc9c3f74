"""The small interfaces services depend on. Adapters implement them; fakes too."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from typing import Callable, Iterable, Protocol, TypeVar

from .domain.delivery import Entry
from .domain.invites import Event
from .domain.models import Community, Link, Member, Session

T = TypeVar("T")


@dataclass(frozen=True)
class RotaWrite:
    """Everything one unit of work changed in one community, written in one transaction:
    all of it lands, or none of it.

    `mark_due`: the community is due again at that time (the sooner of it and its current
    due time; its mark changes). `settle_due` (time, mark): after a run, its due time becomes
    that time if the mark is still the one the run read, else the sooner of the two.
    """

    community_id: str
    community: Community | None = None
    new_members: tuple[Member, ...] = ()  # created; Conflict if any of them exists
    members: tuple[Member, ...] = ()  # replaced
    sessions: tuple[Session, ...] = ()
    records: tuple[tuple[str, Entry], ...] = ()  # ledger entries set (activity, answers)
    mark_due: datetime | None = None
    settle_due: tuple[datetime, str | None] | None = None

    def __bool__(self) -> bool:
        return any((self.community, self.new_members, self.members, self.sessions,
                    self.records, self.mark_due, self.settle_due))


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class RotaStore(Protocol):
    """Communities, their members, sessions and shared links. Everything a unit of work
    changes is written by one `save`."""

    def get_community(self, community_id: str) -> Community | None: ...
    def list_communities(self, created_since: datetime | None = None) -> list[Community]:
        """All of them, or only those created at or after `created_since`."""
    def list_members(self, community_id: str) -> list[Member]:
        """Ordered by Member.order (the order members were added)."""
    def get_member(self, community_id: str, email: str) -> Member | None: ...
    def list_sessions(self, community_id: str, start: date | None = None,
                      end: date | None = None) -> list[Session]:
        """Sessions with start <= date < end, ordered by date."""
    def save(self, write: RotaWrite) -> None:
        """Everything of `write` in one transaction (raises Conflict, writing nothing, when
        one of its new members exists)."""
    def add_link(self, community_id: str, link: Link) -> None:
        """Keep a shared link (the same id again replaces it)."""
    def list_links(self, community_id: str, since: datetime) -> list[Link]:
        """Links shared at or after `since`, oldest first."""
    # erasure: a member or a community leaves no trace behind
    def delete_member(self, community_id: str, email: str) -> None: ...
    def delete_community(self, community_id: str) -> None:
        """The community, its members, sessions and links, and its ledger entries (keys
        starting with `community_id/`)."""


class Ledger(Protocol):
    """Entries by key (`LedgerKey` for a community's messages and notes; claims of the
    tick's own jobs): read with `entries`, written with `swap`, nothing else."""

    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The entries of those keys that exist (one read for all of them)."""
    def swap(self, key: str, expected: Entry | None, new: Entry | None) -> bool:
        """Atomically replace the entry by `new` (None: delete) if it still equals
        `expected` (None: absent). True when it did."""
    def due_retries(self, now: datetime, limit: int, community: str
                    ) -> list[tuple[str, Entry]]:
        """Pending entries of keys `community/…` whose `retry_at` is at or before `now`,
        soonest first."""
    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        """(key, state, updated, detail) of every entry whose key starts with `prefix`."""
    def forget_records(self, text: str) -> int:
        """Delete every entry whose key or detail holds `text`, leaving no copy of it in
        the store's files. Returns how many."""
    def prune(self, now: datetime) -> int:
        """Delete entries whose `expires` has passed (a backend with its own TTL may
        leave that to it); how many went."""


class DueIndex(Protocol):
    """When each community next has a job due: the tick reads only those that do."""

    def mark_due(self, community_id: str, at: datetime) -> None:
        """The community has a job due at `at`: its due time becomes `at` if that is sooner,
        and its mark changes."""
    def due_communities(self, now: datetime) -> list[str]:
        """Ids of the communities due at or before `now` (one query)."""
    def due_mark(self, community_id: str) -> str | None:
        """The community's latest mark; None when it has no due time."""
    def settle_due(self, community_id: str, at: datetime, mark: str | None) -> None:
        """After a run: the due time becomes `at` if the mark is still `mark` (nothing was
        marked since the run read it), else the sooner of `at` and the marked time."""


class SenderPaces(Protocol):
    """Each sending mailbox's pace record (domain.pace), shared by every process."""

    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        """Read the sender's record (None: none yet), keep what `change` makes of it and
        return `change`'s answer, in one transaction: `change` may be called again when
        another process changed the record meanwhile, so it must be pure."""


class Directory(Protocol):
    """Who belongs where, each found by an index (one query), never by reading every
    community: what mail without a token and the console's sign-in ask."""

    def member_of(self, email: str) -> list[str]:
        """The ids of the communities with `email` among their members, sorted."""
    def replying_at(self, address: str | None, limit: int) -> list[Community]:
        """Up to `limit` communities (by id) whose own reply address is `address` (a
        mailbox: validation.mailbox) or that with a +tag; None: those without their own."""
    def organised_by(self, email: str) -> list[Community]:
        """The communities with `email` among their organisers, by id."""


class Store(RotaStore, Ledger, DueIndex, SenderPaces, Directory, Protocol):
    """One backend that keeps them all (SQLite, Firestore, memory), so that a run's
    `save` covers the rota, its ledger notes and its due time in one transaction."""


class Mailer(Protocol):
    batch_size: int  # at most this many messages per send_many call

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        """Hand RFC 5322 messages over for delivery; one result per message, None = accepted.

        A failure worth trying again is a TemporaryFailure; one that never will succeed is a
        PermanentFailure (with `bounce` when the recipient was refused); anything else counts
        as permanent. One bad message never stops the others. Raises only when nothing at
        all was handed over.
        """

    def was_sent(self, message_id: str) -> bool | None:
        """Whether a message with that Message-ID went out; None when it cannot tell."""


# How a calendar tells the invitees' answers (Calendar.answering).
NO_ANSWERS = "none"  # it cannot (an .ics file has no way back)
PER_EVENT = "per-event"  # `responses`, one event at a time, read every tick
INCREMENTAL = "incremental"  # `answers_since`: what changed in the whole calendar


class Calendar(Protocol):
    answering: str  # NO_ANSWERS, PER_EVENT or INCREMENTAL (then it is an IncrementalCalendar)

    def publish(self, event: Event) -> None:
        """Create or update the event, or cancel it when `event.cancelled`. Idempotent."""

    def responses(self, event: Event) -> dict[str, str]:
        """Attendees' answers by email: accepted, declined, tentative, needsAction.

        Empty when this calendar cannot tell (an .ics file has no way back).
        """


class IncrementalCalendar(Calendar, Protocol):
    """A calendar that tells which events' answers changed since a token (Google)."""

    calendar_id: str

    def event_key(self, uid: str) -> str:
        """The key `answers_since` gives the answers of the event with that UID under."""
    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]:
        """{event key: {email: answer}} of the events changed since `token` (None: all),
        and the token for next time."""


class Chat(Protocol):
    def post(self, webhook: str, text: str) -> None:
        """Post plain text to a chat's incoming webhook (Slack or Google Chat).

        Raises TemporaryFailure (5xx, 429 with its Retry-After, a timeout, no connection)
        or PermanentFailure (any other refusal). Never logs the webhook: it is a secret.
        """


class Pacing(Protocol):
    """Paces one sender's messages under its provider's rate (services.delivery.pacing)."""

    daily_cap: int | None  # at most this many messages a day, when known

    def begin(self) -> None:
        """A run starts: its time budget starts now."""
    def out_of_time(self) -> bool:
        """The run's budget is spent: what is left waits for the next run."""
    def acquire(self, count: int) -> int:
        """How many of `count` messages may go now (waits for the rate as needed)."""
    def hold(self, seconds: float) -> None:
        """The provider asked to wait this long before the next message."""


class Unsubscribes(Protocol):
    def publish(self, token: str) -> None:
        """Hand a verified one-click unsubscribe token to whoever takes its member off the
        rota (a function with write access to the store)."""


class Fanout(Protocol):
    def publish(self, community_ids: list[str]) -> None:
        """Ask for each community's jobs to run elsewhere (one message per community)."""


class Inbox(Protocol):
    watches: bool  # True: it is a WatchableInbox (announces new mail on a Pub/Sub topic)

    def fetch(self, limit: int = 100) -> list[tuple[str, bytes]]:
        """Messages not yet handled, as (handle, raw RFC 5322 bytes)."""

    def done(self, handle: str) -> None:
        """Mark a message handled, so that `fetch` does not return it again."""


class WatchableInbox(Inbox, Protocol):
    def watch_inbox(self, topic: str) -> dict:
        """Announce new mail on `topic` for the next days (Gmail: at most 7)."""
