"""`community add|set|list|show|export|remove`."""
from __future__ import annotations

import sys
from argparse import Namespace
from typing import Any

from ...bootstrap import Container, as_record
from ...domain import settings, validation
from ...domain.errors import InputError
from ...domain.timing import local_date
from ...mail.compose import reply_address
from ...services import lookup
from ..terminal import safe
from .base import Parser, check_mail, command
from .member import warn_sender
from .output import print_json, say, table


def register(commands) -> None:
    parser = commands.add_parser("community", help="add, change or list communities")
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)
    _settings(command(actions.add_parser("add"), add, "ID"), creating=True)
    _settings(command(actions.add_parser("set"), change, "ID"), creating=False)
    command(actions.add_parser("list"), list_).add_argument("--json", action="store_true")
    command(actions.add_parser("show"), show, "ID")
    command(actions.add_parser("export"), export, "ID")
    command(actions.add_parser("remove"), remove, "ID").add_argument(
        "--yes", action="store_true", help="confirm: delete it and call off its sessions")


def _settings(parser: Parser, creating: bool) -> None:
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
    parser.add_argument("--language", help="of its mail, invites and pages (default en)")
    parser.add_argument("--chat-webhook", dest="chat_webhook", metavar="URL",
                        help="Slack or Google Chat incoming webhook (none: remove it)")


def _given(args: Namespace) -> tuple[str, dict[str, Any]]:
    """The community and its settings from the options given, checked by the domain's
    rules."""
    community_id = validation.community_id(args.id)
    options = settings.community_settings({name: getattr(args, name, None)
                                           for name in settings.OPTIONS})
    return community_id, options


def _warn(app: Container, c, options: dict[str, Any]) -> None:
    """Settings taken that are probably not what was meant, one `warning:` line each on
    stderr (the command still succeeds): a zone without daylight saving where one with it
    is usual, holidays of another country than the zone's, a blackout already past."""
    warnings = [validation.timezone_warning(options.get("timezone", ""))]
    if "timezone" in options or "holidays" in options:
        warnings.append(validation.holidays_warning(c.holidays, c.timezone))
    warnings += validation.blackout_warnings(options.get("blackouts", ()),
                                             local_date(c, app.clock.now()))
    for warning in filter(None, warnings):
        print(f"warning: {safe(warning)}", file=sys.stderr)


def add(app: Container, args: Namespace) -> None:
    from ...services.changes import communities

    community_id, options = _given(args)
    c = communities.add_community(app.store, app.clock.now(), community_id, **options)
    _warn(app, c, options)
    say(f"added community {c.id} ({c.name}): {validation.WEEKDAYS[c.weekday]} "
        f"{c.start:%H:%M} {c.timezone}, {c.minutes} minutes")


def change(app: Container, args: Namespace) -> None:
    from ...services.changes import communities

    community_id, options = _given(args)
    if not options:
        raise InputError("community set: give at least one option to change")
    c = communities.set_community(app, community_id, **options)
    _warn(app, c, options)
    print(f"updated community {c.id}")


def row(c) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "timezone": c.timezone,
            "weekday": validation.WEEKDAYS[c.weekday], "time": c.start.strftime("%H:%M"),
            "minutes": c.minutes, "holidays": c.holidays, "lookahead": c.lookahead,
            "digest": f"{validation.WEEKDAYS[c.digest_weekday]} {c.digest_time:%H:%M}",
            "reply_to": c.reply_to,
            "blackouts": [d.isoformat() for d in c.blackouts],
            "allow_domains": list(c.allow_domains), "organisers": list(c.organisers),
            "video_url": c.video_url, "language": c.language,
            "chat_webhook": validation.masked_url(c.chat_webhook)}


def list_(app: Container, args: Namespace) -> None:
    rows = [row(c) for c in lookup.communities(app.store)]
    if args.json:
        print_json(rows)
    else:
        table(rows, ["id", "name", "timezone", "weekday", "time", "minutes", "holidays",
                     "video_url"])


def show(app: Container, args: Namespace) -> None:
    c = lookup.community(app.store, validation.community_id(args.id))
    shown = row(c)
    shown["reply_to"] = f"{c.reply_to or '-'} (replies go to {reply_address(app.mail, c)})"
    width = max(map(len, shown))
    for key, value in shown.items():
        if isinstance(value, list):
            value = ", ".join(value) or "-"
        say(f"{key.ljust(width)}  {'-' if value is None else value}")
    warn_sender(app, c.id)


def export(app: Container, args: Namespace) -> None:
    from ...services.changes import removal

    data = removal.export_community(app.store, validation.community_id(args.id))
    community = data["community"]  # the webhook is a secret: not in exports either
    data["community"] = {**as_record(community),
                         "chat_webhook": validation.masked_url(community.chat_webhook)}
    print_json({key: [as_record(v) for v in value] if key in ("members", "sessions",
                                                               "links") else value
                for key, value in {**data, "format": "cop-rota export 1"}.items()})


def remove(app: Container, args: Namespace) -> None:
    from ...services.changes import removal

    community_id = validation.community_id(args.id)
    if args.yes:
        check_mail(app, [community_id])
    c = removal.remove_community(app, community_id, args.yes)
    say(f"removed community {c.id} ({c.name}): coming sessions called off, no more "
        "planning or mail")
