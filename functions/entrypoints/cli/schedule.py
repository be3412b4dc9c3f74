"""`schedule ID [--weeks N] [--from YYYY-MM-DD] [--json]` and
`schedule assign ID DATE EMAIL`."""
from __future__ import annotations

from argparse import Namespace

from ...bootstrap import Container
from ...domain import validation
from ...domain.errors import InputError
from ...services import lookup
from .base import check_mail, command
from .output import print_json, say, table


def register(commands) -> None:
    parser = commands.add_parser(
        "schedule", help="planned and projected sessions; `schedule assign ID DATE EMAIL` "
        "puts someone on one", epilog="or: schedule assign ID DATE EMAIL (see: schedule "
        "assign --help)")
    command(parser, show, "ID")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    parser.add_argument("--json", action="store_true")
    command(parser.add_verb("assign", description="put someone on a planned session; "
                            "announced at once"), assign, "ID", "DATE", "EMAIL")


def show(app: Container, args: Namespace) -> None:
    from ...services.reads import tables

    if not 1 <= args.weeks <= 260:
        raise InputError("--weeks: give 1 to 260")
    start = validation.iso_date(args.start, "--from") if args.start else None
    rows = tables.schedule_rows(app.store, args.id, app.clock.now(), args.weeks, start)
    if args.json:
        print_json(rows)
        return
    names = tables.names(app.store, args.id)
    for row in rows:
        row["status"] = tables.shown_status(row)  # nobody can present: `open`
        row["email"] = row["presenter"]
        row["presenter"] = names.get(row["presenter"], row["presenter"])
    table(rows, ["date", "presenter", "email", "status"])


def assign(app: Container, args: Namespace) -> None:
    from ...services.changes import sessions

    check_mail(app, [args.id])
    address = lookup.member(app.store, args.id, validation.email_address(args.email)).email
    sessions.assign(app, args.id, validation.iso_date(args.date, "DATE"), address)
    m = lookup.member(app.store, args.id, address)
    say(f"{m.name} <{m.email}> presents at {args.id} on {args.date}")
