"""One count, everywhere: the tick's summary counts every message it wrote (replies'
confirmations and the announcements of their changes included), and a dry run at the same
moment on a copy of the same data prints the same numbers."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.builders import cop
from tests.e2e.test_cli import _reply_to_last

FIGURES = re.compile(r"(\d+) communities, (\d+) emails sent(?: \(([^)]*)\))?, (\d+) chat posts, "
                     r"(\d+) failed, (\d+) waiting to be sent again, (\d+) calendar updates, "
                     r"(\d+) sessions \(re\)assigned, (\d+) replies read")


def figures(line: str) -> tuple:
    found = FIGURES.search(line)
    assert found, line
    return found.groups()


def outbox(data: Path) -> set[str]:
    return {p.name for p in (data / "outbox" / "new").iterdir()}


@pytest.mark.parametrize("replies", [
    ["skip"],  # a presenter gives a session away: a new presenter, a confirmation
    ["skip", "help", "topic: Small slices"],
])
def test_the_dry_run_and_the_tick_count_the_same_and_what_was_written(guild, tmp_path,
                                                                     replies):
    cop(guild, "tick")
    later = "2026-11-26T10:00:00+11:00"
    schedule = cop(guild, "schedule", "guild", "--json").stdout
    presenters = re.findall(r'"presenter": "([^"]+)"', schedule)
    inbox = guild / "inbox" / "new"
    inbox.mkdir(parents=True, exist_ok=True)
    for n, text in enumerate(replies):
        (inbox / f"{n}.eml").write_bytes(_reply_to_last(guild, presenters[n % 2], text))
    copy = tmp_path / "copy"
    shutil.copytree(guild, copy)

    dry = cop(copy, "tick", "--dry-run", now=later)
    would = next(line for line in dry.stdout.splitlines() if line.startswith("would:"))
    before = outbox(guild)
    real = cop(guild, "tick", now=later)
    did = next(line for line in real.stdout.splitlines() if line.startswith("tick at"))

    assert figures(would) == figures(did)
    written = outbox(guild) - before
    sent = int(figures(did)[1])
    assert sent == len(written) > len(replies)  # the replies' answers and what they set off
    assert int(figures(did)[8]) == len(replies)
    assert int(figures(did)[7]) >= 1  # the skipped session changed hands
    sends = [line for line in dry.stdout.splitlines() if line.startswith("send ")]
    assert len(sends) == sent
