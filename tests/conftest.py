from __future__ import annotations

import gc
import os
from datetime import datetime, timezone

import pytest
from hypothesis import settings

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.mail.compose import MailSettings
from functions.bootstrap import Container
from functions.mail.tokens import Tokens
from tests.fakes import MemoryCalendar, MemoryMailer

# The property tests draw the same examples on every run of `make test` (and in CI), so
# that a result can be reproduced and a change is judged on what its parent was judged on;
# `make fuzz` draws new ones, round after round, to find what those miss. No deadline: a
# busy machine is no failure (speed is measured by `make bench`).
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("fuzz", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Wednesday 25 November 2026, 10:00 in Sydney.
START = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)


def pytest_configure(config) -> None:
    """Collect garbage less often. The long scenarios keep many objects alive (stores,
    thousands of messages), and at the default thresholds every full collection walks them
    all: a sixth of the services tests' time."""
    gc.set_threshold(50_000, 20, 20)


def pytest_xdist_auto_num_workers(config) -> int | None:
    """`-n auto` (pyproject.toml): a worker per CPU for the suite or a folder of it, but
    none when the command names test files or single tests, where starting workers costs
    more than it saves (and `-s` and breakpoints work as usual). `-n N` always wins;
    PYTEST_XDIST_AUTO_NUM_WORKERS too."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    named = [a for a in config.args if "::" in a or a.partition("::")[0].endswith(".py")]
    if config.args and len(named) == len(config.args):
        return 0
    return None  # xdist's own count: one per CPU


@pytest.fixture(scope="session")
def story_sent():
    """The story of tests/emails/story.py, lived once per test process for the modules that
    read what it sent (words, parts, contrast): (deps, its messages, the over-cap story's
    messages). Read it; change nothing."""
    from tests.emails import story
    deps, sent = story.lived()
    return deps, tuple(sent), tuple(story.over_cap())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def deps(clock) -> Container:
    settings = MailSettings(public_url="https://cop.example.com",
                            tokens=Tokens("test-secret"), default_reply_to="cop@example.com")
    return Container(store=MemoryStore(), mailer=MemoryMailer(), calendar=MemoryCalendar(),
                  clock=clock, mail=settings)
