"""`report ID [--weeks N] [--json]`: engagement figures."""
from __future__ import annotations

from argparse import Namespace

from ...bootstrap import Container
from ...domain.errors import InputError
from ..terminal import report_lines
from .base import command
from .output import print_json, say


def register(commands) -> None:
    parser = command(commands.add_parser("report", help="engagement figures"), run, "ID")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--json", action="store_true")


def run(app: Container, args: Namespace) -> None:
    if not 1 <= args.weeks <= 520:
        raise InputError("--weeks: give 1 to 520")
    from ...services.reads.report import engagement

    figures = engagement(app.store, args.id, app.clock.now(), args.weeks)
    if args.json:
        print_json(figures)
        return
    for line in report_lines(args.id, figures):
        say(line)
