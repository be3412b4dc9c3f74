"""`tick [--now ISO-8601] [--dry-run]`: every job that is due, as the scheduler runs it."""
from __future__ import annotations

import sys
from argparse import Namespace

from ...bootstrap import Container, dry_run
from ..terminal import safe
from .base import check_mail, command
from .output import say


def register(commands) -> None:
    parser = command(commands.add_parser("tick", help="run every job that is due"), run)
    parser.add_argument("--now", metavar="ISO-8601")  # read by main, into the Config
    parser.add_argument("--dry-run", dest="dry_run", action="store_true",
                        help="print what would be planned, sent and published; change "
                        "nothing")


def run(app: Container, args: Namespace) -> None:
    from ...services.jobs.tick import tick

    if args.dry_run:
        return run_dry(app)
    check_mail(app, [c.id for c in app.store.list_communities()])
    report = tick(app)
    print(f"tick at {app.clock.now().isoformat()}: {report.summary()}")
    for problem in report.problems:  # one line each; exit status 1 when there is any
        print(f"error: {safe(problem)}", file=sys.stderr)
    if report.problems:
        raise SystemExit(1)


def run_dry(app: Container) -> None:
    """The real tick on copies that write nowhere; then what it did, line by line."""
    from ...services.jobs.tick import tick

    shadow = dry_run(app)
    report = tick(shadow)
    print(f"dry run at {app.clock.now().isoformat()}: nothing was changed")
    for community in shadow.store.list_communities():
        before = {s.date: s for s in app.store.list_sessions(community.id)}
        for s in shadow.store.top.list_sessions(community.id):
            old = before.get(s.date)
            if old is None or (old.status, old.presenter) != (s.status, s.presenter):
                say(f"plan     {community.id} {s.date}: {s.status}"
                    + (f", {s.presenter}" if s.presenter else "")
                    + (f" (was {old.presenter or old.status})" if old else ""))
    for message in shadow.mailer.sent:
        say(f"send     {message['X-Cop-Kind']} to {message['To']}: {message['Subject']}")
    for text in shadow.chat.posted:
        say(f"post     to the chat: {text.splitlines()[0]}")
    for event in shadow.calendar.published:
        say(f"publish  {event.uid} sequence {event.sequence}"
            + (" (cancelled)" if event.cancelled else ""))
    print(f"would: {report.summary()}")
    for error in report.errors:
        print(f"error: {safe(error)}", file=sys.stderr)
