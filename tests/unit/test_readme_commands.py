"""README's command table says what the parser takes: the same commands, the same options."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from functions.entrypoints.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Using it from the command line"


def commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """(words, parser) for every command the parser runs, `schedule assign` included."""
    children = {name: child for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)
                for name, child in action.choices.items()}
    if not children:  # a parser with verbs runs a command of its own as well
        yield words, parser
    elif getattr(parser, "verbs", None):
        raise AssertionError(f"{words}: both subcommands and verbs")
    for name, child in {**children, **getattr(parser, "verbs", {})}.items():
        yield from commands(child, (*words, name))


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option != "--help"}


def documented(readme: str) -> tuple[str, dict[tuple[str, ...], set[str]]]:
    """The section's text and, for each command in its table, the options shown. A form
    that ends in `…` instead of options takes those of the form before it (`community
    set ID …` after `community add`)."""
    text = readme.split(SECTION, 1)[1].split("\n## ", 1)[0].split("\n### ")[0]
    found: dict[tuple[str, ...], set[str]] = {}
    before: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cell = re.split(r"(?<!\\)\|", line)[1]
        for form in re.findall(r"`([^`]+)`", cell):
            words = tuple(re.match(r"((?:[a-z][a-z-]* ?)+)", form)[1].split())
            shown = set(re.findall(r"--[a-z][a-z-]*", form))
            if not shown and form.rstrip().endswith("…"):
                shown = before
            found.setdefault(words, set()).update(shown)
            before = shown
    return text, found


def differences(readme: str) -> list[str]:
    parser = build_parser()
    text, table = documented(readme)
    actual = {words: options(leaf) for words, leaf in commands(parser)}
    wrong = [f"{' '.join(words)}: not in the README" for words in actual.keys() - table.keys()]
    wrong += [f"{' '.join(words)}: not a command" for words in table.keys() - actual.keys()]
    for words in table.keys() & actual.keys():
        wrong += [f"{' '.join(words)} {option}: not in the README"
                  for option in sorted(actual[words] - table[words])]
        wrong += [f"{' '.join(words)} {option}: not an option"
                  for option in sorted(table[words] - actual[words])]
    # The global options are in the usage line above the table.
    wrong += [f"{option}: not in the README" for option in sorted(options(parser))
              if f"[{option} " not in text]
    return wrong


def test_the_readme_table_lists_every_command_with_its_options():
    assert differences(README.read_text()) == []


@pytest.mark.parametrize("old, new", [
    ("| `demo [--weeks N]` |", "| `demo` |"),  # an option left out
    ("| `demo [--weeks N]` |", "| `demo [--weeks N] [--fast]` |"),  # one that is not there
    ("| `schedule assign ID DATE EMAIL` |", "| `schedule give ID DATE EMAIL` |"),
    ("[--data DIR]", "[--dir DIR]"),
])
def test_a_wrong_table_is_caught(old, new):
    """The check itself fails when the README and the parser part ways."""
    readme = README.read_text()
    assert old in readme
    assert differences(readme.replace(old, new, 1))
