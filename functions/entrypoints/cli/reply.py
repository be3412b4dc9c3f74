"""`reply FILE.eml`: one inbound message, handled exactly as the inbox would."""
from __future__ import annotations

from argparse import Namespace

from ...bootstrap import Container
from ...domain.errors import InputError
from .base import command, read_file
from .output import say

MAX_MESSAGE = 25 * 2**20


def register(commands) -> None:
    command(commands.add_parser("reply", help="handle one inbound message as the inbox would"),
            run, "FILE.eml")


def run(app: Container, args: Namespace) -> None:
    message = read_file(args.file, MAX_MESSAGE, "not a reply")
    from ...services.replies.inbox import handle_reply

    result = handle_reply(app, message)
    if result.outcome == "refused":  # a forged or unknown sender: nothing was done
        raise InputError(f"refused: {result.detail}")
    where = f" ({result.community} {result.member})" if result.member else ""
    say(f"{result.outcome}{where}: {result.detail}".rstrip(": "))
