"""`demo`: a sample community lived through N weeks, with the scheduler's ticks."""
from __future__ import annotations

import mailbox
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path

from .adapters.clock import FixedClock
from .bootstrap import App
from .config import Config, path_of
from .domain.jobs import next_due, next_tick
from .domain.timing import local_date
from .services import communities, members, views
from .services.tick import tick

COMMUNITY = "guild"
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
        shutil.rmtree(root)
    clock = FixedClock(start)
    app = App(Config.from_env({}, root), clock)
    communities.add_community(
        app.store, start, COMMUNITY, name="Product Guild", timezone="Australia/Sydney",
        weekday=4, start=time(16, 0), minutes=30, holidays="AU-NSW",
        video_url="https://meet.example.com/product-guild")
    members.import_members(app.store, start, COMMUNITY, ROSTER.encode())
    today = local_date(app.store.get_community(COMMUNITY), start)
    # Life happens: someone leaves in week 2, someone takes a break in week 3.
    script = [
        (start + timedelta(days=9), "dev@example.com opts out",
         lambda now: members.opt_out(app.store, now, COMMUNITY, "dev@example.com")),
        (start + timedelta(days=16), "grace@example.com pauses for two months",
         lambda now: members.pause(app.store, now, COMMUNITY, "grace@example.com",
                                   today + timedelta(days=60))),
    ]
    end = start + timedelta(weeks=weeks)
    ticks = 0
    while clock.now() < end:
        now = clock.now()
        for when, what, action in [s for s in script if s[0] <= now]:
            print(f"{local_date(app.store.get_community(COMMUNITY), now)}: {what}")
            action(now)
            script.remove((when, what, action))
        tick(app)
        ticks += 1
        sessions = app.store.list_sessions(COMMUNITY)
        due = [next_due(app.store.get_community(COMMUNITY), sessions, now),
               *(when for when, _, _ in script)]
        clock.set(max(next_tick(min(due)), now + timedelta(minutes=15)))
    _summary(app, root, start, end, ticks)


def _summary(app: App, root: Path, start: datetime, end: datetime, ticks: int) -> None:
    names = {m.email: m.name for m in app.store.list_members(COMMUNITY)}
    rows = views.schedule_rows(app.store, COMMUNITY, end, weeks=52,
                               start=local_date(app.store.get_community(COMMUNITY), start))
    print(f"\nProduct Guild, {len(names)} members, lived through "
          f"{(end - start).days // 7} weeks in {ticks} scheduler ticks:")
    for row in rows[: (end - start).days // 7 + 4]:
        who = names.get(row["presenter"], "-")
        print(f"  {row['date']}  {row['status']:<9}  {who}")
    outbox = path_of(app.config.mail)
    calendar = path_of(app.config.calendar)
    sent = len(mailbox.Maildir(outbox, create=False)) if outbox.exists() else 0
    invites = len(list(calendar.glob("*.ics"))) if calendar.exists() else 0
    print(f"\nEmails ({sent}):       {outbox}/new/  (RFC 5322 files; open with any mail app)")
    print(f"Invites ({invites}):       {calendar}/  (one .ics per session)")
    print(f"State:             {path_of(app.config.store)}")
    print(f"Try:  COP_NOW={end.isoformat(timespec='minutes')} python -m functions --data {root} "
          f"schedule {COMMUNITY} --from {rows[0]['date'] if rows else ''}")
