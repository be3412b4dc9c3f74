"""Accuracy over the public corpora (tests/inbound/accuracy.py; `make bench` prints it)."""
from __future__ import annotations

import pytest

from tests.inbound import accuracy

CASES = accuracy.reply_cases()


@pytest.fixture(scope="module")
def figures():
    found = accuracy.measure()
    print("\n" + "\n".join(accuracy.report(found)))
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_real_reply_gives_its_command(case):
    assert accuracy.verb(case.raw) == case.expected


def test_quoted_commands_and_automatic_mail_are_never_obeyed(figures):
    assert figures.quoted_obeyed == []
    assert figures.auto_answered == []
    assert figures.bounces_found == figures.bounces
    assert not figures.missed


def test_mail_systems_figures(figures):
    """Every failure notice is read as one and its returned Message-ID found; all but the
    few listed in test_bounce_corpus.MISREAD give exactly their recipients; no delay or
    success notice ever counts."""
    samples, read, recipients, ids = (sum(row[i] for row in figures.systems.values())
                                      for i in range(4))
    assert len(figures.systems) >= 40 and read == ids == samples
    assert recipients >= samples - 6
    assert figures.notices_counted == [] and sum(n for n, _ in figures.notices.values()) >= 20
