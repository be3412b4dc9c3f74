"""Firestore document reads of a tick with nothing due, counted on the wire.

A community lives through 1 or 5 years on the in-memory store (ticking only when it is
due, as the index has it), is copied into the local Firestore emulator (tests/emulator),
and then an idle tick runs against it with the real google-cloud-firestore client, the
Gmail and Calendar clients against the Google API fake. A gRPC interceptor counts the
documents each call returns as Firestore bills them: every document a query or a get
returns, one for a query that returns none, one for a get of a missing document.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from functions.adapters.clock import FixedClock
from functions.adapters.firestore_store import FirestoreStore
from functions.adapters.ics_calendar import IcsCalendar
from functions.adapters.memory_store import MemoryStore
from functions.bootstrap import Container
from functions.mail.compose import MailSettings
from functions.mail.tokens import Tokens
from functions.domain.jobs import next_tick
from functions.services.jobs.tick import tick
from tests.google.fake_google_api import FakeGoogle
from tests.wire_reads import copy, counting_store

EMULATOR = Path(__file__).resolve().parents[1] / "tests" / "emulator"
READY = "firestore emulator ready on "


@contextmanager
def emulator() -> Iterator[str]:
    """host:port of the local emulator, stopped afterwards."""
    node = shutil.which("node")
    if node is None or not (EMULATOR / "node_modules").is_dir():
        raise RuntimeError("the Firestore emulator is not installed (make emulator)")
    process = subprocess.Popen([node, "start.js", "0", "--exit-with-stdin"], cwd=EMULATOR,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith(READY):
            raise RuntimeError(f"the Firestore emulator said {line!r}")
        host = line[len(READY):].strip()
        previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
        os.environ["FIRESTORE_EMULATOR_HOST"] = host  # read by the client it builds
        try:
            yield host
        finally:
            if previous is None:
                del os.environ["FIRESTORE_EMULATOR_HOST"]
            else:
                os.environ["FIRESTORE_EMULATOR_HOST"] = previous
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdin.close()
        process.stdout.close()


def live(deps, years: int) -> None:
    """Tick at every moment the due index says something is due, for `years`."""
    store: MemoryStore = deps.store
    end = deps.clock.now() + timedelta(days=365 * years)
    while deps.clock.now() < end:
        tick(deps)
        due = min(at for at, _ in store.due.values())
        deps.clock.set(max(next_tick(due), deps.clock.now() + timedelta(minutes=15)))


def history(years: int, folder: Path):
    """A 10-member community that lived `years` (every message accepted, invites by file)."""
    from benchmarks.__main__ import CountingMailer
    from benchmarks.delivery import START, community

    deps = Container(store=MemoryStore(), mailer=CountingMailer(),
                  calendar=IcsCalendar(folder, FixedClock(START)), clock=FixedClock(START),
                  mail=MailSettings("https://cop.example.com", Tokens("bench"),
                                    "cop@example.com"))
    community(deps, "guild", 10)
    live(deps, years)
    return deps


def idle_reads(years: int, host: str, folder: Path) -> tuple[int, int]:
    """(Firestore document reads of an idle tick, documents the store holds) with one
    community that lived `years`, in the cloud's setup: Gmail, Google Calendar (the fake)."""
    from benchmarks.delivery import cloud

    lived = history(years, folder)
    store, counter = counting_store(host)
    copy(lived.store, store)
    fake = FakeGoogle().start()
    try:
        deps = cloud(fake, FixedClock(lived.clock.now()), lived.clock).replaced(store=store)
        for _ in range(100):  # until a tick has nothing to do
            before = counter.reads
            if tick(deps).communities == 0:
                break
            lived.clock.advance(timedelta(minutes=15))
        else:
            raise RuntimeError("no idle tick in 25 hours")
    finally:
        fake.stop()
    held = sum(len(t.get("guild", {})) for t in (lived.store.sessions, lived.store.members))
    return counter.reads - before, held + len(lived.store.claims)
