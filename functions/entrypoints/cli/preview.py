"""`preview ID digest|heads-up|reminder [--format html|text|eml]`: exactly what that email
would say now."""
from __future__ import annotations

import sys
from argparse import Namespace
from email.policy import SMTP

from ...bootstrap import Container
from ..terminal import safe
from .base import command


def register(commands) -> None:
    parser = command(commands.add_parser(
        "preview", help="show exactly what an email would say now"), run, "ID")
    parser.add_argument("kind", choices=["digest", "heads-up", "reminder"])
    parser.add_argument("--format", choices=["html", "text", "eml"], default="text")


def run(app: Container, args: Namespace) -> None:
    from ...services.jobs.preview import preview

    message = preview(app, args.id, args.kind)
    if args.format == "eml":
        sys.stdout.write(message.as_bytes(policy=SMTP).decode("ascii", "replace"))
        return
    part = message.get_body(("html",) if args.format == "html" else ("plain",))
    sys.stdout.write(safe(part.get_content(), keep_lines=True))
