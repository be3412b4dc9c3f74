"""What one unit of work reads does not depend on how many communities the deployment
holds: the monthly health email, `report`, an inbound reply, a declined invite (emailed
back or read from the calendar), the roster page, a held-over copy and an idle tick read
their own community (found by key or index), never every community. Counted as Firestore
bills reads (tests/fakes.py CountingStore); `make bench` shows the figures for 1, 100 and
1,000 communities."""
from __future__ import annotations

import pytest

from tests import scale


@pytest.fixture(scope="module")
def lived():
    return scale.lived()


@pytest.mark.parametrize("name", list(scale.WORK))
def test_reads_of_a_unit_of_work_do_not_grow_with_the_deployment(lived, name):
    work = scale.WORK[name]
    alone = scale.reads_per_unit(lived, 1, work)
    among_many = scale.reads_per_unit(lived, 25, work)

    assert alone > 0
    assert among_many <= alone, (alone, among_many)


def test_an_unknown_roster_token_reads_no_community_once_the_index_is_built(lived):
    from functions.services.reads import public
    from tests.fakes import CountingStore

    counting = CountingStore(scale.cloned(lived, 25))
    deps = scale.on(lived, counting)
    tokens, now = deps.mail.tokens, deps.clock.now()
    assert public.community_by_token(counting, tokens, tokens.feed_token("c7"), now).id == "c7"
    first = counting.reads  # the index is built: every community once
    assert public.community_by_token(counting, tokens, "x" * 24, now) is None
    assert public.community_by_token(counting, tokens, tokens.feed_token("c9"), now).id == "c9"

    assert first >= 25
    assert counting.reads - first <= 2 + 1 + 2 + 1  # (index, query) + (index, community)
