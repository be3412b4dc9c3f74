"""Many communities alike, to count what one unit of work reads as the deployment grows.

`lived()` lets one community (`c0`: 8 members, an organiser, Fridays in Sydney) live from
Monday 23 November 2026 to the morning of Monday 4 January 2027, when its digest and its
first monthly health email are due. `cloned(lived, n)` is a store holding n copies of it
(`c0` … `c<n-1>`), the same history under each id. `WORK` are the units of work measured
on `c0`, each returning how many of them it did (messages, pages, replies), so that a
figure is per unit.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Callable

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.bootstrap import Container
from functions.domain.jobs import next_tick
from functions.mail.compose import MailSettings
from functions.mail.tokens import Tokens
from functions.services.changes import communities, members
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.run import run_community
from functions.services.jobs.feeds import index_feeds
from functions.services.jobs.rsvp import read_changed_answers
from functions.services.jobs.tick import tick
from functions.services.reads import public
from functions.services.reads.report import engagement
from functions.services.replies.inbox import handle_reply
from tests.fakes import CountingStore, IncrementalMemoryCalendar, MemoryMailer


class LookingMailer(MemoryMailer):
    """Counts the times it is asked whether a message went out (a Gmail search each)."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def was_sent(self, message_id: str) -> bool | None:
        self.lookups += 1
        return super().was_sent(message_id)

START = datetime(2026, 11, 23, tzinfo=timezone.utc)
DIGEST_DAY = datetime(2027, 1, 3, 22, 15, tzinfo=timezone.utc)  # Mon 4 Jan, 09:15 Sydney
ORGANISER = "org@example.com"
SIZE = 8


def lived() -> Container:
    clock = FixedClock(START)
    deps = Container(store=MemoryStore(), mailer=MemoryMailer(),
                     calendar=IncrementalMemoryCalendar(), clock=clock,
                     pacer=Pacer(per_minute=10**6, budget=timedelta(hours=1)),
                     mail=MailSettings("https://cop.example.com", Tokens("scale"),
                                       "cop@example.com"))
    communities.add_community(deps.store, START, "c0", name="Guild",
                              timezone="Australia/Sydney", start=time(16),
                              holidays="AU-NSW", organisers=(ORGANISER,))
    roster = "email,name\n" + "".join(f"m{i}@example.com,Member {i}\n" for i in range(SIZE))
    members.join_many(deps, "c0", roster.encode())
    store: MemoryStore = deps.store
    while deps.clock.now() < DIGEST_DAY - timedelta(hours=1):
        tick(deps)
        due = min(at for at, _ in store.due.values())
        deps.clock.set(max(next_tick(due), deps.clock.now() + timedelta(minutes=15)))
    return deps


def cloned(deps: Container, count: int) -> MemoryStore:
    """A store with `count` copies of the community `c0` of `deps` (c0 itself first)."""
    source: MemoryStore = deps.store
    store = MemoryStore()
    for n in range(count):
        cid = f"c{n}"
        store.communities[cid] = replace(source.communities["c0"], id=cid)
        store.members[cid] = copy.copy(source.members["c0"])
        store.sessions[cid] = copy.copy(source.sessions["c0"])
        store.links[cid] = copy.copy(source.links.get("c0", {}))
        store.due[cid] = source.due["c0"]
        for key, entry in source.claims.items():
            if key.startswith("c0/"):
                store.claims[f"{cid}/{key[3:]}"] = entry
    store.claims.update((k, e) for k, e in source.claims.items() if not k.startswith("c"))
    return store


def on(deps: Container, store, at: datetime = DIGEST_DAY) -> Container:
    return deps.replaced(store=store, clock=FixedClock(at), mailer=LookingMailer(),
                         calendar=copy.deepcopy(deps.calendar),
                         pacer=Pacer(per_minute=10**6, budget=timedelta(hours=1)))


def a_reply(deps: Container, sender: str, text: str, attachment: str | None = None) -> bytes:
    token = deps.mail.tokens.reply_token("c0", sender)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"cop+{token}@example.com"
    msg["Subject"] = "Re: Guild"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg.set_content(text + "\n")
    if attachment:
        msg.add_attachment(attachment.encode(), maintype="text", subtype="calendar",
                           params={"method": "REPLY"}, filename="invite.ics")
    return msg.as_bytes()


def fresh_mail(sender: str, to: str, text: str) -> bytes:
    """A new mail (no reply token), its sender vouched for by DMARC."""
    msg = EmailMessage()
    msg["Authentication-Results"] = ("mx.google.com; dmarc=pass "
                                     f"header.from={sender.rpartition('@')[2]}")
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Hello"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg.set_content(text + "\n")
    return msg.as_bytes()


def presenter_of_next(deps: Container) -> tuple[date, str]:
    coming = [s for s in deps.store.list_sessions("c0", start=DIGEST_DAY.date())
              if s.presenter]
    return coming[0].date, coming[0].presenter


def decline_ics(day: date, email: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nMETHOD:REPLY\r\n"
            f"BEGIN:VEVENT\r\nUID:c0-{day.isoformat()}@cop\r\nDTSTAMP:20270103T220000Z\r\n"
            f"ATTENDEE;PARTSTAT=DECLINED:mailto:{email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


# The units of work: each takes deps on a counting store and returns how many units it did.

def digest_and_health(deps: Container) -> int:
    run_community(deps, "c0")
    kinds = deps.mailer.kinds()
    assert "health" in kinds and "digest" in kinds, kinds
    return 1


def report(deps: Container) -> int:
    assert engagement(deps.store, "c0", deps.clock.now(), weeks=12)["sessions_held"] > 0
    return 1


def inbound_reply(deps: Container) -> int:
    result = handle_reply(deps, a_reply(deps, "m1@example.com", "share: https://example.com/a"))
    assert (result.outcome, result.community) == ("done", "c0"), result
    return 1


def member_without_token(deps: Container) -> int:
    """A member of c0 alone writes a new mail to the deployment's shared reply address."""
    store: MemoryStore = deps.store.store
    store.members["c0"]["solo@example.com"] = replace(
        next(iter(store.members["c0"].values())), email="solo@example.com", name="Solo")
    deps.store.reads = 0
    raw = fresh_mail("solo@example.com", "cop@example.com", "share: https://example.com/b")
    result = handle_reply(deps, raw)
    assert (result.outcome, result.community) == ("done", "c0"), result
    return 1


def newcomer_without_token(deps: Container) -> int:
    """Someone not yet a member writes `in` to c0's own reply address."""
    store: MemoryStore = deps.store.store
    store.communities["c0"] = replace(store.communities["c0"], reply_to="guild@example.com",
                                      allow_domains=("example.net",))
    deps.store.reads = 0
    result = handle_reply(deps, fresh_mail("new@example.net", "guild@example.com", "in"))
    assert (result.outcome, result.community) == ("done", "c0"), result
    return 1


def emailed_decline(deps: Container) -> int:
    day, presenter = presenter_of_next(deps)
    result = handle_reply(deps, a_reply(deps, presenter, "Sorry", decline_ics(day, presenter)))
    assert result.detail == "declined: skipped", result
    return 1


def calendar_decline(deps: Container) -> int:
    day, presenter = presenter_of_next(deps)
    before = deps.store.get_member("c0", presenter)
    deps.calendar.answer(f"c0-{day.isoformat()}@cop", presenter, "declined")
    read_changed_answers(deps, deps.clock.now())
    session = deps.store.list_sessions("c0", start=day, end=day + timedelta(days=1))[0]
    assert before and session.presenter != presenter, session
    return 1


def roster_page(deps: Container) -> int:
    tokens = deps.mail.tokens
    now = deps.clock.now()
    index_feeds(deps.store.store, tokens, now)  # the tick keeps the index
    deps.store.reads = 0
    community = public.community_by_token(deps.store, tokens, tokens.feed_token("c0"))
    assert community is not None and public.roster_page(deps, community, now)["sessions"]
    return 1


def held_over_copies(deps: Container) -> int:
    """The digest run with no time left holds every message over; the next run sends them:
    reads of that second run per message."""
    counting: CountingStore = deps.store
    out_of_time = deps.replaced(pacer=Pacer(per_minute=10**6, budget=timedelta(0)))
    run_community(out_of_time, "c0")
    counting.reads = 0
    deps.clock.advance(timedelta(minutes=15))
    sent = len(deps.mailer.sent)
    run_community(deps, "c0")
    copies = len(deps.mailer.sent) - sent
    assert copies >= SIZE, copies
    assert deps.mailer.lookups == 0  # never handed over: no need to ask the mailer
    return copies


def idle_tick(deps: Container) -> int:
    """A tick with nothing due (its reads in all)."""
    deps.clock.set(DIGEST_DAY - timedelta(minutes=45))
    assert tick(deps).communities == 0
    return 1


WORK: dict[str, Callable[[Container], int]] = {
    "digest run with the monthly health email": digest_and_health,
    "report": report,
    "inbound reply (share)": inbound_reply,
    "new mail without a token, from a member": member_without_token,
    "new mail without a token, `in` from a newcomer": newcomer_without_token,
    "declined invite, emailed back": emailed_decline,
    "declined invite, read from the calendar": calendar_decline,
    "roster page": roster_page,
    "held-over copy, sent by the next run": held_over_copies,
    "idle tick": idle_tick,
}


def reads_per_unit(deps: Container, count: int, work: Callable[[Container], int],
                   store_of: Callable[[MemoryStore], object] = lambda s: s) -> float:
    """Store reads of one unit of `work` on c0, with `count` communities in the store."""
    counting = CountingStore(store_of(cloned(deps, count)))
    units = work(on(deps, counting))
    return counting.reads / units
