"""The command line: `python -m functions [--data DIR] COMMAND …`, over the same services.

One module a noun; each declares its subcommands' options beside the handlers that read
them. The services a command calls are imported in its handler: `--help` and simple reads
load only what they use."""
from __future__ import annotations

import os
import sys
from typing import Mapping, Sequence

from .. import logs
from ...bootstrap import Container
from ...config import Config, parse_instant
from ...domain.errors import Failure, InputError, Unavailable
from ...domain.paths import problem
from ...services.actors import COMMAND_LINE, Actor, acting
from ..terminal import safe
from . import community, demo, member, preview, reply, report, schedule, serve, tick
from .base import Parser

NOUNS = (community, member, schedule, report, reply, tick, serve, preview, demo)


def build_parser() -> Parser:
    parser = Parser(prog="python -m functions",
                    description="Run a weekly knowledge-share rota.")
    parser.add_argument("--data", metavar="DIR", help="folder of the embedded backends "
                        "(default .data/)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for noun in NOUNS:
        noun.register(commands)
    return parser


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
            with acting(Actor(COMMAND_LINE)):  # a reply or a tick it runs sets its own
                args.run(app, args)
        finally:
            app.close()
    except InputError as error:
        print(f"error: {safe(error)}", file=sys.stderr)
        return 2
    except Unavailable as error:  # busy for now, nothing changed: the same command later
        print(f"error: {safe(error)}", file=sys.stderr)
        return 3
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `… | head` stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug or an outage: one line, details with COP_DEBUG=1
        refused = problem(error) if isinstance(error, OSError) else None
        if refused:  # a path the system refused (too long, not permitted): the user's to fix
            print(f"error: {safe(refused)}", file=sys.stderr)
            return 2
        if env.get("COP_DEBUG"):
            raise
        named = "" if isinstance(error, Failure) else f"{type(error).__name__}: "
        print(f"error: {named}{safe(error)} (run with COP_DEBUG=1 for details)",
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
