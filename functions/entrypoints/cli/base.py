"""What every command module shares: the parser that turns bad input into one line, and
the checks made before a command changes anything."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Sequence

from ...bootstrap import Container
from ...domain.errors import InputError
from ...domain.paths import problem, shown
from ...mail.compose import refusal

Handler = Callable[[Container, argparse.Namespace], None]


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2, like every bad
    input; it may also have verbs: first words that name parsers of their own, while any
    other first word is this parser's own argument (`schedule assign …` beside
    `schedule ID …`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.verbs: dict[str, Parser] = {}

    def add_verb(self, name: str, **kwargs) -> Parser:
        self.verbs[name] = Parser(prog=f"{self.prog} {name}", **kwargs)
        return self.verbs[name]

    def parse_known_args(self, args=None, namespace=None):
        # A subparsers action hands a chosen parser the rest of the words through here.
        if args and args[0] in self.verbs:
            return self.verbs[args[0]].parse_known_args(args[1:], namespace)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:
        if message.startswith("the following arguments are required"):
            raise InputError(f"{message} (usage: {self.essentials()}; more with --help)")
        raise InputError(f"{message} (see: {self.prog} --help)")

    def essentials(self) -> str:
        """The usage line with only what must be given."""
        formatter = argparse.HelpFormatter(self.prog, width=10_000)
        formatter.add_usage(None, [a for a in self._actions if a.required], [], prefix="")
        return formatter.format_help().strip()


def command(parser: Parser, run: Handler, *positionals: str) -> Parser:
    """`parser`, handled by `run`, with its positional arguments in order, each named as
    people see it (ID, EMAIL, FILE.csv) and read as the lower-case word before any dot."""
    for metavar in positionals:
        parser.add_argument(metavar.partition(".")[0].lower(), metavar=metavar)
    parser.set_defaults(run=run)
    return parser


def check_mail(app: Container, community_ids: Sequence[str]) -> None:
    """Refuse before changing anything when the mail this command sends must not go out."""
    for community_id in community_ids:
        community = app.store.get_community(community_id)
        refused = community and refusal(app.mail, community)
        if refused:
            raise InputError(refused)


def read_file(name: str, limit: int | None = None, what: str = "") -> bytes:
    path = Path(name)
    try:
        if not path.is_file():
            raise InputError(f"{shown(name)}: no such file")
        if limit is not None and path.stat().st_size > limit:
            raise InputError(f"{shown(name)}: larger than {limit // 2**20} MB; {what}")
        return path.read_bytes()
    except OSError as error:  # a path too long for the system, a file not to be read, …
        raise InputError(problem(error, name) or f"{shown(name)}: {error.strerror}") from None
