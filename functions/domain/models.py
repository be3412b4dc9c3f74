"""The things the rota is made of: communities, members and sessions."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Literal

ACTIVE, PAUSED, OPTED_OUT = "active", "paused", "opted_out"
MemberStatus = Literal["active", "paused", "opted_out"]

# Stored session states; "held" and "projected" are derived when the schedule is shown.
PLANNED, CANCELLED, HOLIDAY, BLACKOUT = "planned", "cancelled", "holiday", "blackout"
HELD, PROJECTED = "held", "projected"
NO_SESSION = (CANCELLED, HOLIDAY, BLACKOUT)
BOUNCE_LIMIT = 3  # delivery failures in a row after which mail to a member stops


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    timezone: str
    weekday: int = 4  # Monday is 0; Friday by default
    start: time = time(16, 0)
    minutes: int = 30
    holidays: str | None = None  # "AU-NSW": country, then optional region
    lookahead: int = 4
    digest_weekday: int = 0
    digest_time: time = time(9, 0)
    reply_to: str | None = None
    blackouts: tuple[date, ...] = ()
    allow_domains: tuple[str, ...] = ()
    organisers: tuple[str, ...] = ()
    video_url: str | None = None
    language: str = "en"  # of its mail, invites and pages (domain/language.py)
    # Slack or Google Chat incoming webhook: a secret, so never in a repr (nor a log line)
    chat_webhook: str | None = field(default=None, repr=False)
    created: datetime | None = None
    # Sessions before this date have been counted into each member's turns (see Rota.settle),
    # so planning never needs to read the history before it. None: nothing counted yet.
    settled: date | None = None

    def with_changes(self, **changes) -> "Community":
        return replace(self, **changes)


@dataclass(frozen=True)
class Member:
    email: str  # lower-cased; the member's identity within a community
    name: str
    joined: date
    order: int  # position in the order members were added; breaks ties
    opted_out: bool = False
    paused_until: date | None = None  # back on this date
    bounces: int = 0
    times_presented: int = 0  # sessions held with them presenting (counted by Rota.settle)
    last_presented: date | None = None
    welcome_due: bool = False  # owed a welcome, sent once the community has a reply address
    language: str | None = None  # their own choice, over the community's
    # A topic they set for a session that went to someone else: it waits for their next turn.
    topic: str | None = None

    @property
    def waiting_since(self) -> date:
        """Their last held turn, or the day they joined if they never presented."""
        return self.last_presented or self.joined

    def status(self, today: date) -> MemberStatus:
        if self.opted_out:
            return OPTED_OUT
        if self.paused_until is not None and self.paused_until > today:
            return PAUSED
        return ACTIVE

    @property
    def reachable(self) -> bool:
        """Mail to them has not bounced again and again (a reply from them resets it)."""
        return self.bounces < BOUNCE_LIMIT

    def eligible_on(self, day: date) -> bool:
        """Active, not opted out, not paused over that date, joined by then."""
        if self.opted_out or self.joined > day:
            return False
        return self.paused_until is None or self.paused_until <= day


OPEN = "-"  # Session.told: people were told nobody presents it


@dataclass(frozen=True)
class Session:
    community: str
    date: date  # local date of the session in the community's time zone
    status: str = PLANNED
    presenter: str | None = None
    topic: str | None = None
    starts_at: datetime | None = None  # aware; follows the community's time settings
    ends_at: datetime | None = None
    declined: tuple[str, ...] = ()  # skipped or declined this date: not picked again for it
    swap_with: str | None = None  # a swap the presenter offered, waiting for `accept`
    pinned: bool = False  # the presenter was chosen by a person (volunteer, swap, assign)
    note: str | None = None  # why there is no session (holiday name), or other remark
    sequence: int = 0  # bumped on every change that invitees should see (RFC 5545)
    calendar_hash: str | None = None  # fingerprint of what the calendar last received
    # Invites sent by mail: who holds this session's event at the SEQUENCE they last got,
    # and who got its CANCEL (stored as -1 - SEQUENCE of that CANCEL).
    holders: tuple[tuple[str, int], ...] = ()
    reassigned: int = 0  # times a presenter lost this session: a new heads-up each time
    # Who the people concerned were last told presents it (OPEN: nobody; None: nothing told
    # yet): the run tells a burst of changes once, as the change from this to now.
    told: str | None = None
    cause: str = ""  # why it last changed hands (domain.rota: SKIPPED, VOLUNTEERED, …)
    cause_by: str | None = None  # whose request that was

    def held_by(self, email: str) -> int | None:
        """The SEQUENCE of this event that `email` last received, if they hold it."""
        seq = next((seq for who, seq in self.holders if who == email), None)
        return seq if seq is not None and seq >= 0 else None

    def cancelled_for(self, email: str) -> int | None:
        """The SEQUENCE of the CANCEL `email` last received for this event, if any."""
        seq = next((seq for who, seq in self.holders if who == email), None)
        return -1 - seq if seq is not None and seq < 0 else None

    def with_holder(self, email: str, sequence: int, cancelled: bool = False) -> "Session":
        """`email` got this event at `sequence`: a REQUEST, or a CANCEL."""
        rest = tuple(h for h in self.holders if h[0] != email)
        entry = (email, -1 - sequence if cancelled else sequence)
        return replace(self, holders=tuple(sorted((*rest, entry))),
                       sequence=max(self.sequence, sequence))

    @property
    def invited(self) -> tuple[str, ...]:
        """Who holds this event's invite now."""
        return tuple(who for who, seq in self.holders if seq >= 0)

    @property
    def heads_up_key(self) -> str:
        """The ledger key of this session's heads-up: new after every reassignment."""
        return self.date.isoformat() + (f"~{self.reassigned}" if self.reassigned else "")

    @property
    def is_session(self) -> bool:
        return self.status == PLANNED

    def held(self, now: datetime) -> bool:
        return self.status == PLANNED and self.ends_at is not None and self.ends_at <= now

    def started(self, now: datetime) -> bool:
        return self.starts_at is not None and self.starts_at <= now

    def with_changes(self, **changes) -> "Session":
        return replace(self, **changes)


@dataclass(frozen=True)
class Link:
    """A link a member shared by reply, collected for the next digest."""

    id: str  # stable per inbound message, so a redelivered reply is stored once
    email: str
    name: str
    url: str
    note: str
    shared_at: datetime
