"""Delivery and cost ratios for `make bench`: pacing against Gmail's quota, HTTP requests
against the batched minimum, Google API calls of an idle tick, render cost per recipient,
and the entry points' import time. Everything on simulated time or counted, so that the
ratios hold on a busy machine."""
from __future__ import annotations

import math
import subprocess
import sys
import time
from datetime import datetime, time as clock_time, timedelta, timezone
from pathlib import Path

from functions.adapters.clock import FixedClock
from functions.adapters.gmail import GmailMailer
from functions.adapters.google_auth import SingleShotHttp, build_service
from functions.adapters.google_calendar import GoogleCalendar
from functions.adapters.memory_store import MemoryStore
from functions.mail.compose import MailSettings
from functions.services.changes import communities, members
from functions.bootstrap import Container
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.tick import tick
from functions.mail.tokens import Tokens
from tests.google.fake_google_api import FakeGoogle

START = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)
GMAIL_PER_MINUTE = 150  # messages.send a sender may make in a minute
ROOT = Path(__file__).resolve().parents[1]


def cloud(fake: FakeGoogle, pace: FixedClock, clock: FixedClock) -> Container:
    def client(api, version):
        return lambda: build_service(api, version, root_url=fake.url, http=SingleShotHttp(30))

    pacer = Pacer(budget=timedelta(hours=1), clock=pace,
                  sleep=lambda s: pace.advance(timedelta(seconds=s)))
    return Container(store=MemoryStore(), clock=clock, pacer=pacer,
                  mailer=GmailMailer("rota@example.com", client("gmail", "v1")),
                  calendar=GoogleCalendar("rota@example.com", client("calendar", "v3")),
                  mail=MailSettings("https://cop.example.com", Tokens("bench"),
                                    "cop@example.com"))


def community(deps: Container, name: str, size: int) -> None:
    communities.add_community(deps.store, START, name, name=name.title(),
                              timezone="Australia/Sydney", start=clock_time(16))
    roster = "email,name\n" + "".join(f"m{i}@example.com,Member {i}\n" for i in range(size))
    members.join_many(deps, name, roster.encode())


def paced_digest(size: int = 1000) -> dict[str, float]:
    """A digest to `size` members through the Gmail mailer and the fake, which answers 429
    past 150 sends in any minute of the simulated clock the pacer sleeps on."""
    fake = FakeGoogle().start()
    try:
        pace, clock = FixedClock(START), FixedClock(START)
        deps = cloud(fake, pace, clock)
        community(deps, "guild", size)
        tick(deps)  # plans, heads-ups
        fake.limit_sends(GMAIL_PER_MINUTE, lambda: pace.now().timestamp())
        clock.set(START + timedelta(days=7))  # Monday, past 09:00 in Sydney
        requests_before, began = len(fake.calls), pace.now()
        sent_before = len(fake.sent)
        tick(deps)
        digests = len([s for s in fake.sent[sent_before:]
                       if s["message"]["X-Cop-Kind"] == "digest"])
        seconds = (pace.now() - began).total_seconds()  # until the last batch went
        requests = len(fake.calls) - requests_before
        gmail_requests = len([c for c in fake.calls[requests_before:]
                              if c.path.startswith("/batch") and any(
                                  p.email() and p.email()["X-Cop-Kind"] == "digest"
                                  for p in c.parts)])
    finally:
        fake.stop()
    minimum = digests / GMAIL_PER_MINUTE * 60
    return {"digests": digests, "seconds": seconds, "minimum": minimum,
            "throttled": fake.throttled, "requests": requests,
            "gmail_requests": gmail_requests, "batched_minimum": math.ceil(digests / 50)}


def idle_tick_calls(count: int) -> int:
    """Google API calls of a tick with nothing due, for `count` communities."""
    fake = FakeGoogle().start()
    try:
        pace, clock = FixedClock(START), FixedClock(START)
        deps = cloud(fake, pace, clock)
        for n in range(count):
            community(deps, f"c{n}", 3)
        tick(deps)
        clock.advance(timedelta(minutes=15))
        tick(deps)  # answers the first tick's own changes
        clock.advance(timedelta(minutes=15))
        before = len(fake.api_calls())
        tick(deps)
        return len(fake.api_calls()) - before
    finally:
        fake.stop()


def render_ratio(recipients: int = 200) -> float:
    """CPU per recipient of rendering a digest as the outbox does (templates parsed and CSS
    inlined once), over the same with the template cache emptied for every recipient."""
    from functions.mail import templating
    from functions.domain.models import Community, Member
    from functions.services.delivery.organisers import Alert, render_organiser

    settings = MailSettings("https://cop.example.com", Tokens("bench"), "cop@example.com")
    guild = Community(id="guild", name="Guild", timezone="Australia/Sydney")
    people = [Member(f"m{i}@example.com", f"Member {i}", START.date(), i)
              for i in range(recipients)]

    def render(member, fresh):
        if fresh:
            templating_clear(templating)
        alert = Alert("over-cap", "over-cap", "Too many", context={"recipients": recipients,
                                                                    "cap": 100})
        render_organiser(settings, guild, {member.email: member}, member.email,
                         kind="alerts", key="k", subject="Too many", now=START,
                         alerts=[alert.section()])

    timings = []
    for fresh in (False, True):
        render(people[0], fresh)  # warm
        began = time.process_time()
        for member in people:
            render(member, fresh)
        timings.append(time.process_time() - began)
    return timings[0] / timings[1]


def templating_clear(templating) -> None:
    for value in vars(templating).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()


def import_ratio(runs: int = 5) -> float:
    """Extra import time of the Cloud Functions entry points over functions-framework's own
    (best of `runs`, each in a fresh interpreter)."""
    def best(code: str) -> float:
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            times.append(time.perf_counter() - began)
        return min(times)

    bare = best("pass")
    framework = best("import functions_framework") - bare
    entry_points = best("import functions.entrypoints.cloud") - bare
    return (entry_points - framework) / framework


SHARED_WINDOW = 5.0  # seconds: a twelfth of Gmail's minute, so that the bench takes seconds
SHARED_LIMIT = 50  # sends in any window


def shared_pace(processes: int, messages: int = 200) -> dict:
    """`processes` senders at once as one mailbox (threads, each with its own SQLite
    connection and Gmail client) against the fake enforcing its quota on real elapsed time,
    each within a run budget of a minute: 429 answers and the share of the quota kept."""
    import tempfile

    from functions.adapters.sqlite_store import SqliteStore
    from tests.shared_pace import send_at_once

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cop.db"
        SqliteStore(path).close()  # created before they race
        return send_at_once(lambda: SqliteStore(path), processes, messages, SHARED_LIMIT,
                            SHARED_WINDOW)
