"""`demo [--weeks N]`: a sample community lived through N weeks, in DIR/demo/."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from ...bootstrap import Container
from ...domain.errors import InputError
from .base import command


def register(commands) -> None:
    command(commands.add_parser("demo", help="a sample community lived through N weeks"),
            run).add_argument("--weeks", type=int, default=6)


def run(app: Container, args: Namespace) -> None:
    from ..demo import run_demo

    if not 1 <= args.weeks <= 52:
        raise InputError("--weeks: give 1 to 52")
    run_demo(Path(args.data or ".data"), args.weeks, app.clock.now())
