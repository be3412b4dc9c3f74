"""`serve [--port 8080] [--host 127.0.0.1]`: the web pages and the console on this machine."""
from __future__ import annotations

from argparse import Namespace

from ...bootstrap import Container
from ...domain.errors import InputError
from .base import command


def register(commands) -> None:
    parser = command(commands.add_parser(
        "serve", help="the web pages (unsubscribe, roster, feed) and the organiser's "
        "console here"), run)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")


def run(app: Container, args: Namespace) -> None:
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: give 1 to 65535")
    from ..serve import serve

    serve(app, args.host, args.port)
