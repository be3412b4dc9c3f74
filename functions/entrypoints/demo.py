"""`demo`: a sample community lived through N weeks, with the scheduler's ticks."""
from __future__ import annotations

import mailbox
import os
import sys
from collections import Counter
import shutil
from datetime import datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

from ..bootstrap import Container, simulated
from ..domain.errors import InputError
from ..domain.jobs import next_due, next_tick
from ..domain.timing import local_date
from ..services.changes import communities, members
from ..services.reads import tables as views
from ..services.reads.report import engagement
from .terminal import report_lines, safe
from ..services.jobs.tick import tick

COMMUNITY = "guild"
MARKER = ".cop-demo"  # only a folder holding this is deleted by the next demo
ROSTER = """email,name
ana@example.com,Ana Souza
ben@example.com,Ben Okafor
chloe@example.com,Chloé Martin
dev@example.com,Dev Patel
emma@example.com,Emma Wilson
farid@example.com,Farid Haddad
grace@example.com,Grace Liu
hiro@example.com,Hiro Tanaka
"""


def run_demo(data: Path, weeks: int, start: datetime) -> None:
    root = data / "demo"
    start = start.replace(second=0, microsecond=0)
    if root.exists():
        if not (root / MARKER).is_file() and any(root.iterdir()):
            raise InputError(f"{root} exists and was not made by demo; move it away or use "
                             "another --data")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by `python -m functions demo`; rewritten on every run\n")
    app = simulated(root, start)
    clock = app.clock
    communities.add_community(
        app.store, start, COMMUNITY, name="Product Guild", timezone="Australia/Sydney",
        weekday=4, start=time(16, 0), minutes=30, holidays="AU-NSW",
        video_url="https://meet.example.com/product-guild", reply_to="guild@example.com")
    members.join_many(app, COMMUNITY, ROSTER.encode())
    today = local_date(app.store.get_community(COMMUNITY), start)
    back = (today + timedelta(days=60)).isoformat()
    # Life happens, by reply to the rota's emails (dropped into the inbox Maildir).
    script = [
        (start + timedelta(days=1), "ana@example.com", "topic: Shipping in small slices"),
        (start + timedelta(days=9), "dev@example.com", "out"),
        (start + timedelta(days=12), "ben@example.com",
         "share: https://martinfowler.com/articles/feature-toggles.html worth a read"),
        (start + timedelta(days=16), "grace@example.com", f"pause until {back}"),
    ]
    inbox = mailbox.Maildir(app.config.inbox.path, create=True)
    end = start + timedelta(weeks=weeks)
    ticks = 0
    while clock.now() < end:
        now = clock.now()
        for item in [s for s in script if s[0] <= now]:
            _, sender, text = item
            print(f"{local_date(app.store.get_community(COMMUNITY), now)}: {sender} "
                  f"replies \"{text}\"")
            inbox.add(_reply(app.config.mail.path, sender, text, now))
            script.remove(item)
        tick(app)
        ticks += 1
        sessions = app.store.list_sessions(COMMUNITY)
        due = [next_due(app.store.get_community(COMMUNITY), sessions, now, app.timing),
               *(when for when, _, _ in script)]
        clock.set(max(next_tick(min(due)), now + timedelta(minutes=15)))
    _summary(app, root, start, end, ticks)
    # The report's weeks end today and leave out the first day of the demo: one week more
    # takes in everything the demo printed (the same emails, the same sessions).
    span = min(weeks + 1, 520)
    print(f"\nThe report since the community began (`report {COMMUNITY} --weeks {span}`):")
    for line in report_lines(COMMUNITY, engagement(app.store, COMMUNITY, end, span)):
        print(safe(line))


def _reply(outbox: Path, sender: str, text: str, now: datetime) -> bytes:
    """A reply as a mail client writes it, to the last email the rota sent that person."""
    parse = BytesParser(policy=policy.default).parse
    sent = [parse(f.open("rb")) for f in (outbox / "new").iterdir()]
    sent = [m for m in sent if sender in str(m["To"])]
    last = max(sent, key=lambda m: parsedate_to_datetime(m["Date"]))
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = last["Reply-To"]
    reply["Subject"] = f"Re: {last['Subject']}"
    reply["Date"] = format_datetime(now)
    reply["Message-ID"] = make_msgid(domain="mail.example.com")
    reply["In-Reply-To"] = last["Message-ID"]
    quoted = "".join(f"> {line}\n"
                     for line in last.get_body(("plain",)).get_content().splitlines()[:5])
    reply.set_content(f"{text}\n\nOn {last['Date']}, {last['From']} wrote:\n{quoted}")
    return reply.as_bytes()


def _summary(app: Container, root: Path, start: datetime, end: datetime, ticks: int) -> None:
    names = {m.email: m.name for m in app.store.list_members(COMMUNITY)}
    rows = views.schedule_rows(app.store, COMMUNITY, end, weeks=52,
                               start=local_date(app.store.get_community(COMMUNITY), start))
    print(f"\nProduct Guild, {len(names)} members, lived through "
          f"{(end - start).days // 7} weeks in {ticks} scheduler ticks:")
    topics = {s.date.isoformat(): s.topic for s in app.store.list_sessions(COMMUNITY)}
    for row in rows[: (end - start).days // 7 + 4]:
        who = names.get(row["presenter"], "-")
        topic = f"  “{topics[row['date']]}”" if topics.get(row["date"]) else ""
        print(f"  {row['date']}  {row['status']:<9}  {who}{topic}")
    outbox = app.config.mail.path
    calendar = app.config.calendar.path
    kinds = Counter(m["X-Cop-Kind"] for m in mailbox.Maildir(outbox, create=False))
    sent = sum(kinds.values())
    invites = len(list(calendar.glob("*.ics"))) if calendar.exists() else 0
    print(f"\nEmails ({sent}):       {outbox}/new/  (RFC 5322 files; open with any mail app)")
    print("                   " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    print(f"Invites ({invites}):       {calendar}/  (one .ics per session)")
    print(f"State:             {app.config.store.path}")
    python = os.path.relpath(sys.executable) if sys.prefix != sys.base_prefix else "python"
    print(f"Try:  COP_NOW={end.isoformat(timespec='minutes')} {python} -m functions --data {root} "
          f"schedule {COMMUNITY} --from {rows[0]['date'] if rows else ''}")
