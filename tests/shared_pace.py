"""Several processes sending as one mailbox at once, on real elapsed time: each with its own
store client and its own Gmail client (the Google API fake, which refuses with 429 what
passes its quota in any window of its own clock)."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Callable

from functions.adapters.clock import SystemClock
from functions.adapters.gmail import GmailMailer
from functions.adapters.google_auth import SingleShotHttp, build_service
from functions.ports import Store
from functions.services.delivery.outbox import Outbox, Outgoing
from functions.services.delivery.pacing import Pacer
from tests.google.fake_google_api import FakeGoogle

SENDER = "rota@example.com"
NOW = datetime(2026, 12, 4, tzinfo=timezone.utc)


def message(n: int, sender: str = SENDER) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, f"m{n}@example.com"
    msg["Subject"], msg["Message-ID"] = "Digest", f"<{n}.bench@cop>"
    msg.set_content("Hello\n")
    return msg


def send_at_once(open_store: Callable[[], Store], processes: int, messages: int, limit: int,
                 window: float, budget: timedelta = timedelta(minutes=1),
                 sender: str = SENDER) -> dict:
    """`messages` spread over `processes` threads, each with its own clients (a store from
    `open_store`), sending as `sender` at once under `limit` a `window` (seconds). What the
    fake saw. Another sender in the same store starts afresh (its own pace and ledger)."""
    fake = FakeGoogle().start()
    fake.limit_sends(limit, time.monotonic, window=window)
    errors: list[BaseException] = []
    ready = threading.Barrier(processes)

    def run(worker: int) -> None:
        try:
            # Warm instances: clients built and connected before the sends start.
            store = open_store()
            store.due_mark("warm-up")
            service = build_service("gmail", "v1", root_url=fake.url, http=SingleShotHttp(30))
            mailer = GmailMailer(sender, lambda: service)
            ready.wait()
            pacer = Pacer(limit, budget, SystemClock(), time.sleep, paces=store,
                          sender=f"gmail:{sender}",
                          window=timedelta(seconds=window))
            pacer.begin()
            mine = range(worker, messages, processes)
            Outbox(store, mailer, SystemClock(), pacer, NOW).send(
                [Outgoing(f"c{worker}-{sender.split('@')[0]}/digest/2026-12-04/m{n}@example.com",
                          lambda n=n: message(n, sender)) for n in mine])
            getattr(store, "close", lambda: None)()
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fake.stop()
    if errors:
        raise errors[0]
    times = sorted(fake.send_times)
    # After the first window's burst, the rate it kept: what the quota allows is `limit`
    # a window; the first `limit` go at once.
    kept = (len(times) - limit) / (times[-1] - times[0]) * window if len(times) > limit \
        else float(limit)
    return {"sent": len(fake.sent), "throttled": fake.throttled, "throughput": kept / limit,
            "seconds": times[-1] - times[0] if times else 0.0}
