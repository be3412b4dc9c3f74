"""The command line: `python -m functions [--data DIR] COMMAND …`, over the same services."""
from __future__ import annotations

import argparse
import os
import sys
from email.policy import SMTP
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from . import logs
from ..adapters.records import to_record
from ..bootstrap import Container, dry_run
from ..config import Config, parse_instant
from ..domain import settings, validation
from ..domain.errors import InputError
from ..domain.wording import day_words
from ..mail.compose import refusal, reply_address
from ..services import lookup
from .terminal import report_lines, safe, safe_json

# The services each command calls are imported in that command: `--help` and simple reads
# load only what they use.


MAX_MESSAGE = 25 * 2**20
MEMBER_KEYS = ("email", "name", "status", "paused_until", "times_presented", "last_presented")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every bad input
        raise InputError(f"{message} (see: {self.prog} --help)")


def community_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Checked settings from the options that were given (the rules are the domain's)."""
    return settings.community_settings({name: getattr(args, name, None)
                                        for name in settings.OPTIONS})


def _community_options(parser: argparse.ArgumentParser, creating: bool) -> None:
    parser.add_argument("id")
    parser.add_argument("--name", required=creating)
    parser.add_argument("--timezone", required=creating)
    parser.add_argument("--weekday")
    parser.add_argument("--time", dest="start")
    parser.add_argument("--minutes", type=int)
    parser.add_argument("--holidays")
    parser.add_argument("--lookahead", type=int)
    parser.add_argument("--digest", help='weekday and local time, e.g. "mon 09:00"')
    parser.add_argument("--reply-to", dest="reply_to")
    parser.add_argument("--blackout", nargs="+", action="extend", metavar="YYYY-MM-DD")
    parser.add_argument("--allow-domain", dest="allow_domain", nargs="+", action="extend")
    parser.add_argument("--organiser", nargs="+", action="extend")
    parser.add_argument("--video-url", dest="video_url", help="https link to the call")
    parser.add_argument("--chat-webhook", dest="chat_webhook", metavar="URL",
                        help="Slack or Google Chat incoming webhook (none: remove it)")


def build_parser() -> Parser:
    parser = Parser(prog="python -m functions",
                    description="Run a weekly knowledge-share rota.")
    parser.add_argument("--data", metavar="DIR", help="folder of the embedded backends "
                        "(default .data/)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    community = commands.add_parser("community", help="add, change or list communities")
    sub = community.add_subparsers(dest="action", required=True, parser_class=Parser)
    _community_options(sub.add_parser("add"), creating=True)
    _community_options(sub.add_parser("set"), creating=False)
    sub.add_parser("list").add_argument("--json", action="store_true")
    sub.add_parser("show").add_argument("id")
    sub.add_parser("export").add_argument("id")
    rm = sub.add_parser("remove")
    rm.add_argument("id"), rm.add_argument("--yes", action="store_true",
                                           help="confirm: delete it and call off its sessions")

    member = commands.add_parser("member", help="manage a community's members")
    sub = member.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = sub.add_parser("add")
    add.add_argument("id"), add.add_argument("email"), add.add_argument("--name")
    imp = sub.add_parser("import")
    imp.add_argument("id"), imp.add_argument("file")
    lst = sub.add_parser("list")
    lst.add_argument("id"), lst.add_argument("--json", action="store_true")
    for action in ("optout", "optin", "resume", "remove"):
        p = sub.add_parser(action)
        p.add_argument("id"), p.add_argument("email")
    p = sub.add_parser("pause")
    p.add_argument("id"), p.add_argument("email")
    p.add_argument("--until", required=True, metavar="YYYY-MM-DD")

    schedule = commands.add_parser("schedule", help="planned and projected sessions; "
                                   "`schedule assign ID DATE EMAIL` puts someone on one")
    schedule.add_argument("id", help="the community, or `assign`")
    schedule.add_argument("assign", nargs="*", metavar="ID DATE EMAIL", help=argparse.SUPPRESS)
    schedule.add_argument("--weeks", type=int, default=8)
    schedule.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    schedule.add_argument("--json", action="store_true")

    rp = commands.add_parser("report", help="engagement figures")
    rp.add_argument("id")
    rp.add_argument("--weeks", type=int, default=12)
    rp.add_argument("--json", action="store_true")

    r = commands.add_parser("reply", help="handle one inbound message as the inbox would")
    r.add_argument("file", metavar="FILE.eml")

    t = commands.add_parser("tick", help="run every job that is due")
    t.add_argument("--now", metavar="ISO-8601")
    t.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="print what would be planned, sent and published; change nothing")

    sv = commands.add_parser("serve", help="the web pages (unsubscribe, roster, feed) here")
    sv.add_argument("--port", type=int, default=8080)
    sv.add_argument("--host", default="127.0.0.1")

    pv = commands.add_parser("preview", help="show exactly what an email would say now")
    pv.add_argument("id")
    pv.add_argument("kind", choices=["digest", "heads-up", "reminder"])
    pv.add_argument("--format", choices=["html", "text", "eml"], default="text")

    demo = commands.add_parser("demo", help="a sample community lived through N weeks")
    demo.add_argument("--weeks", type=int, default=6)
    return parser


def _print_json(value: Any) -> None:
    print(safe_json(value))


def _table(rows: list[dict], columns: Sequence[str]) -> None:
    if not rows:
        print("(none)")
        return
    cells = [[safe(r.get(c) if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def _say(text: str) -> None:
    print(safe(text))


def _check_mail(app: Container, community_ids: Sequence[str]) -> None:
    """Refuse before changing anything when the mail this command sends must not go out."""
    for community_id in community_ids:
        community = app.store.get_community(community_id)
        refused = community and refusal(app.mail, community)
        if refused:
            raise InputError(refused)


def community_row(c) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "timezone": c.timezone,
            "weekday": validation.WEEKDAYS[c.weekday], "time": c.start.strftime("%H:%M"),
            "minutes": c.minutes, "holidays": c.holidays, "lookahead": c.lookahead,
            "digest": f"{validation.WEEKDAYS[c.digest_weekday]} {c.digest_time:%H:%M}",
            "reply_to": c.reply_to,
            "blackouts": [d.isoformat() for d in c.blackouts],
            "allow_domains": list(c.allow_domains), "organisers": list(c.organisers),
            "video_url": c.video_url, "chat_webhook": validation.masked_url(c.chat_webhook)}


def run_community_command(app: Container, args: argparse.Namespace) -> None:
    now = app.clock.now()
    if args.action == "list":
        rows = [community_row(c) for c in lookup.communities(app.store)]
        if args.json:
            _print_json(rows)
        else:
            _table(rows, ["id", "name", "timezone", "weekday", "time", "minutes", "holidays",
                          "video_url"])
        return
    community_id = validation.community_id(args.id)
    if args.action in ("show", "export", "remove"):
        return run_community_record(app, args, community_id)
    options = community_settings(args)
    warning = validation.timezone_warning(options.get("timezone", ""))
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    from ..services.changes import communities

    if args.action == "add":
        c = communities.add_community(app.store, now, community_id, **options)
        _say(f"added community {c.id} ({c.name}): {validation.WEEKDAYS[c.weekday]} "
             f"{c.start:%H:%M} {c.timezone}, {c.minutes} minutes")
    else:
        if not options:
            raise InputError("community set: give at least one option to change")
        c = communities.set_community(app, community_id, **options)
        print(f"updated community {c.id}")


def run_community_record(app: Container, args: argparse.Namespace, community_id: str) -> None:
    if args.action == "show":
        c = lookup.community(app.store, community_id)
        row = community_row(c)
        row["reply_to"] = f"{c.reply_to or '-'} (replies go to {reply_address(app.mail, c)})"
        width = max(map(len, row))
        for key, value in row.items():
            if isinstance(value, list):
                value = ", ".join(value) or "-"
            _say(f"{key.ljust(width)}  {'-' if value is None else value}")
    elif args.action == "export":
        from ..services.changes import removal

        data = removal.export_community(app.store, community_id)
        community = data["community"]  # the webhook is a secret: not in exports either
        data["community"] = {**to_record(community),
                             "chat_webhook": validation.masked_url(community.chat_webhook)}
        _print_json({key: [to_record(v) for v in value] if key in ("members", "sessions",
                                                                    "links") else value
                     for key, value in {**data, "format": "cop-rota export 1"}.items()})
    else:
        from ..services.changes import removal

        if args.yes:
            _check_mail(app, [community_id])
        c = removal.remove_community(app, community_id, args.yes)
        _say(f"removed community {c.id} ({c.name}): coming sessions called off, no more "
             "planning or mail")


def run_member_command(app: Container, args: argparse.Namespace) -> None:
    from ..services.reads import tables as views

    now = app.clock.now()
    if args.action == "list":
        rows = views.member_rows(app.store, args.id, now)
        if args.json:  # exactly the contract's keys: scripts rely on them
            _print_json([{key: row[key] for key in MEMBER_KEYS} for row in rows])
            return
        for row in rows:  # why mail stopped, for people to read
            if row["mail"] == "stopped":
                row["mail"] = f"stopped after {row['bounces']} bounces"
        _table(rows, ["email", "name", "status", "paused_until", "times_presented",
                      "last_presented", "mail"])
        return
    from ..services.changes import members, removal
    from ..services.delivery.notifier import Confirmation

    if args.action != "pause":
        _check_mail(app, [args.id])
    if args.action == "add":
        name = validation.person_name(args.name) if args.name is not None else None
        m = members.join(app, args.id, args.email, name)
        _say(f"added {m.email} to {args.id}")
    elif args.action == "import":
        path = Path(args.file)
        if not path.is_file():
            raise InputError(f"{args.file}: no such file")
        added = members.join_many(app, args.id, path.read_bytes())
        print(f"imported {len(added)} members into {args.id}")
    elif args.action == "optout":
        m = members.leave(app, args.id, args.email)
        _say(f"{m.email} opted out of {args.id}")
    elif args.action == "optin":
        m = members.come_back(app, args.id, args.email)
        _say(f"{m.email} is back in {args.id}")
    elif args.action == "resume":
        m = members.resume(app, args.id, args.email)
        _say(f"{m.email} is back on the rota of {args.id} from today")
    elif args.action == "remove":
        removal.remove_member(app, args.id, args.email)
        _say(f"removed {args.email.strip().lower()} from {args.id}: their address and name "
             "are erased; their coming sessions are replanned")
    elif args.action == "pause":
        until = validation.iso_date(args.until, "--until")
        words = day_words(until)
        m = members.pause(app, args.id, args.email, until, Confirmation(
            validation.email_address(args.email), subject=f"You are paused until {words}",
            context={"summary": f"an organiser paused you until {words}; you are back on "
                                "the roster that day"}))
        _say(f"{m.email} paused until {until} (back on that date)")


def run_schedule(app: Container, args: argparse.Namespace) -> None:
    from ..services.changes import sessions
    from ..services.reads import tables as views

    if args.id == "assign" and args.assign:
        if len(args.assign) != 3:
            raise InputError("schedule assign: give ID DATE EMAIL")
        community_id, day, email = args.assign
        _check_mail(app, [community_id])
        address = lookup.member(app.store, community_id, validation.email_address(email)).email
        sessions.assign(app, community_id, validation.iso_date(day, "DATE"), address)
        m = lookup.member(app.store, community_id, address)
        _say(f"{m.name} <{m.email}> presents at {community_id} on {day}")
        return
    if args.assign:
        raise InputError(f"schedule {args.id}: unexpected {' '.join(args.assign)!r}")
    if not 1 <= args.weeks <= 260:
        raise InputError("--weeks: give 1 to 260")
    start = validation.iso_date(args.start, "--from") if args.start else None
    rows = views.schedule_rows(app.store, args.id, app.clock.now(), args.weeks, start)
    if args.json:
        _print_json(rows)
        return
    names = views.names(app.store, args.id)
    for row in rows:
        row["email"] = row["presenter"]
        row["presenter"] = names.get(row["presenter"], row["presenter"])
    _table(rows, ["date", "presenter", "email", "status"])


def run_tick(app: Container, args: argparse.Namespace) -> None:
    from ..services.jobs.tick import tick

    if args.dry_run:
        return run_dry_tick(app)
    _check_mail(app, [c.id for c in app.store.list_communities()])
    report = tick(app)
    print(f"tick at {app.clock.now().isoformat()}: {report.communities} communities, "
          f"{report.sent} emails sent, {report.posted} chat posts, {report.failed} failed, "
          f"{report.deferred} waiting to "
          f"be sent again, {report.events} calendar updates, {report.reassigned} sessions "
          f"(re)assigned, {report.replies} replies read")
    for problem in report.problems:  # one line each; exit status 1 when there is any
        print(f"error: {safe(problem)}", file=sys.stderr)
    if report.problems:
        raise SystemExit(1)


def run_dry_tick(app: Container) -> None:
    """The real tick on copies that write nowhere; then what it did, line by line."""
    from ..services.jobs.tick import tick

    shadow = dry_run(app)
    report = tick(shadow)
    print(f"dry run at {app.clock.now().isoformat()}: nothing was changed")
    for community in shadow.store.list_communities():
        before = {s.date: s for s in app.store.list_sessions(community.id)}
        for s in shadow.store.top.list_sessions(community.id):
            old = before.get(s.date)
            if old is None or (old.status, old.presenter) != (s.status, s.presenter):
                _say(f"plan     {community.id} {s.date}: {s.status}"
                     + (f", {s.presenter}" if s.presenter else "")
                     + (f" (was {old.presenter or old.status})" if old else ""))
    for message in shadow.mailer.sent:
        _say(f"send     {message['X-Cop-Kind']} to {message['To']}: {message['Subject']}")
    for text in shadow.chat.posted:
        _say(f"post     to the chat: {text.splitlines()[0]}")
    for event in shadow.calendar.published:
        _say(f"publish  {event.uid} sequence {event.sequence}"
             + (" (cancelled)" if event.cancelled else ""))
    print(f"would: {report.reassigned} sessions (re)assigned, {len(shadow.mailer.sent)} "
          f"emails, {len(shadow.calendar.published)} calendar updates, {report.replies} "
          "replies read")
    for error in report.errors:
        print(f"error: {safe(error)}", file=sys.stderr)


def run_serve(app: Container, args: argparse.Namespace) -> None:
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: give 1 to 65535")
    from .serve import serve
    serve(app, args.host, args.port)


def run_report(app: Container, args: argparse.Namespace) -> None:
    if not 1 <= args.weeks <= 520:
        raise InputError("--weeks: give 1 to 520")
    from ..services.reads.report import engagement

    figures = engagement(app.store, args.id, app.clock.now(), args.weeks)
    if args.json:
        _print_json(figures)
        return
    for line in report_lines(args.id, figures):
        _say(line)


def run_reply(app: Container, args: argparse.Namespace) -> None:
    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"{args.file}: no such file")
    if path.stat().st_size > MAX_MESSAGE:
        raise InputError(f"{args.file}: larger than {MAX_MESSAGE // 2**20} MB; not a reply")
    from ..services.replies.inbox import handle_reply

    result = handle_reply(app, path.read_bytes())
    if result.outcome == "refused":  # a forged or unknown sender: nothing was done
        raise InputError(f"refused: {result.detail}")
    where = f" ({result.community} {result.member})" if result.member else ""
    _say(f"{result.outcome}{where}: {result.detail}".rstrip(": "))


def run_preview(app: Container, args: argparse.Namespace) -> None:
    from ..services.jobs.preview import preview

    message = preview(app, args.id, args.kind)
    if args.format == "eml":
        sys.stdout.write(message.as_bytes(policy=SMTP).decode("ascii", "replace"))
        return
    part = message.get_body(("html",) if args.format == "html" else ("plain",))
    sys.stdout.write(safe(part.get_content(), keep_lines=True))


def run_demo(app: Container, args: argparse.Namespace) -> None:
    from .demo import run_demo as demo
    if not 1 <= args.weeks <= 52:
        raise InputError("--weeks: give 1 to 52")
    demo(Path(args.data or ".data"), args.weeks, app.clock.now())


HANDLERS: dict[str, Callable[[Container, argparse.Namespace], None]] = {
    "community": run_community_command, "member": run_member_command,
    "schedule": run_schedule, "tick": run_tick, "preview": run_preview, "demo": run_demo,
    "reply": run_reply, "report": run_report, "serve": run_serve,
}


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    logs.setup(env, "ERROR")
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        bad = next((arg for arg in argv if not _is_text(arg)), None)
        if bad is not None:
            raise InputError(f"{bad!r} is not valid text (an undecodable byte; use UTF-8)")
        args = build_parser().parse_args(argv)
        config = Config.from_env(env, args.data)
        if getattr(args, "now", None):
            config = Config(**{**config.__dict__, "now": parse_instant(args.now)})
        app = Container(config)
        try:
            HANDLERS[args.command](app, args)
        finally:
            app.close()
    except InputError as error:
        print(f"error: {safe(error)}", file=sys.stderr)
        return 2
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `… | head` stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug or an outage: one line, details with COP_DEBUG=1
        if env.get("COP_DEBUG"):
            raise
        print(f"error: {type(error).__name__}: {safe(error)} (run with COP_DEBUG=1 for "
              "details)",
              file=sys.stderr)
        return 1
    return 0


def _is_text(arg: str) -> bool:
    """Whether a command-line word decoded as text (undecodable bytes arrive as surrogates)."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
