"""`member add|import|list|optout|optin|resume|remove|pause`."""
from __future__ import annotations

import sys
from argparse import Namespace

from ...bootstrap import Container
from ...domain import validation
from ...domain.timing import local_date
from ...services import lookup
from ...services.delivery.record import recording
from .base import Parser, check_mail, command, read_file
from .output import print_json, say, table

KEYS = ("email", "name", "status", "paused_until", "times_presented", "last_presented")


def register(commands) -> None:
    parser = commands.add_parser("member", help="manage a community's members")
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)
    adding = command(actions.add_parser("add"), add, "ID", "EMAIL")
    adding.add_argument("--name")
    importing = command(actions.add_parser("import"), import_, "ID", "FILE.csv")
    for parser in (adding, importing):
        parser.add_argument("--no-welcome", dest="welcome", action="store_false",
                            help="add them quietly: no welcome email")
    command(actions.add_parser("list"), list_, "ID").add_argument("--json", action="store_true")
    for name, run in (("optout", optout), ("optin", optin), ("resume", resume),
                      ("remove", remove)):
        command(actions.add_parser(name), run, "ID", "EMAIL")
    command(actions.add_parser("pause"), pause, "ID", "EMAIL").add_argument(
        "--until", required=True, metavar="YYYY-MM-DD")


def list_(app: Container, args: Namespace) -> None:
    from ...services.reads import tables

    rows = tables.member_rows(app.store, args.id, app.clock.now())
    if args.json:  # exactly the contract's keys: scripts rely on them
        print_json([{key: row[key] for key in KEYS} for row in rows])
        return
    for row in rows:  # why mail stopped, for people to read
        if row["mail"] == "stopped":
            row["mail"] = f"stopped after {row['bounces']} bounces"
    table(rows, [*KEYS, "mail"])


def add(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    check_mail(app, [args.id])
    name = validation.person_name(args.name) if args.name is not None else None
    with recording() as report:
        m = members.join(app, args.id, args.email, name, args.welcome)
    say(f"added {m.email} to {args.id}; " + _welcomes(app, args, report, [m]))


def import_(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    check_mail(app, [args.id])
    with recording() as report:
        added = members.join_many(app, args.id, read_file(args.file), args.welcome)
    print(f"imported {len(added)} members into {args.id}; "
          + _welcomes(app, args, report, added))
    warn_sender(app, args.id)


def warn_sender(app: Container, community_id: str) -> None:
    """A `warning:` line when the community is past what one sender serves in a day."""
    from ...services.jobs.digest import sender_warning

    warning = sender_warning(app, community_id, local_date(
        lookup.community(app.store, community_id), app.clock.now()))
    if warning:
        print(f"warning: {community_id}: {warning}", file=sys.stderr)


def _welcomes(app: Container, args: Namespace, report, added) -> str:
    """What became of their welcomes, counted from what was really sent."""
    if not args.welcome:
        return "no welcome sent (--no-welcome)"
    waiting = sum(1 for m in added if m.welcome_due)
    if waiting:
        return (f"{waiting} welcome{'s' if waiting != 1 else ''} wait until the community has "
                f"a reply address: community set {args.id} --reply-to ADDRESS (they go out "
                "at the next tick after)")
    sent = report.kinds["welcome"]
    return f"{sent} welcome{'s' if sent != 1 else ''} sent"


def optout(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    check_mail(app, [args.id])
    m, decision = members.leave(app, args.id, args.email, by_organiser=True)
    say(f"{m.email} has already opted out of {args.id}; nothing changed, nothing sent"
        if decision.unchanged else f"{m.email} opted out of {args.id}")


def optin(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    check_mail(app, [args.id])
    m, decision = members.come_back(app, args.id, args.email)
    say(f"{m.email} is already on the roster of {args.id}; nothing changed, nothing sent"
        if decision.unchanged else f"{m.email} is back in {args.id}")


def resume(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    check_mail(app, [args.id])
    m, decision = members.resume(app, args.id, args.email, by_organiser=True)
    say(f"{m.email} is already on the roster of {args.id} (not paused); nothing changed, "
        "nothing sent" if decision.unchanged
        else f"{m.email} is back on the rota of {args.id} from today")


def remove(app: Container, args: Namespace) -> None:
    from ...services.changes import removal

    check_mail(app, [args.id])
    removal.remove_member(app, args.id, args.email)
    say(f"removed {args.email.strip().lower()} from {args.id}: their address and name "
        "are erased; their coming sessions are replanned")


def pause(app: Container, args: Namespace) -> None:
    from ...services.changes import members

    until = validation.iso_date(args.until, "--until")
    m, decision = members.pause(app, args.id, args.email, until, by_organiser=True)
    say(f"{m.email} is already paused until {until}; nothing changed, nothing sent"
        if decision.unchanged else f"{m.email} paused until {until} (back on that date)")
