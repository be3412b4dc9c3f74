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
    """From two communities on: whether a community is alone may matter (a fresh mail to
    the shared reply address asks whether one community or several use it), how many
    others there are never does."""
    work = scale.WORK[name]
    few = scale.reads_per_unit(lived, 2, work)
    among_many = scale.reads_per_unit(lived, 25, work)

    assert few > 0
    assert among_many <= few, (few, among_many)


def test_an_unknown_roster_token_reads_no_community_once_the_index_is_built(lived):
    from functions.services.jobs.feeds import index_feeds
    from functions.services.reads import public
    from functions.services.reads.public import FEED_INDEX
    from tests.fakes import CountingStore

    counting = CountingStore(scale.cloned(lived, 25))
    deps = scale.on(lived, counting)
    tokens, now = deps.mail.tokens, deps.clock.now()
    counting.store.swap(FEED_INDEX, counting.store.entries([FEED_INDEX]).get(FEED_INDEX),
                        None)  # as deployed before the index: the tick builds it whole
    assert index_feeds(counting, tokens, now) == 25
    first, swaps = counting.reads, counting.calls["swap"]
    assert public.community_by_token(counting, tokens, tokens.feed_token("c7")).id == "c7"
    assert public.community_by_token(counting, tokens, "x" * 24) is None
    assert public.community_by_token(counting, tokens, tokens.feed_token("c9")).id == "c9"

    assert first >= 25
    assert counting.reads - first <= 2 + 1 + 2 + 1 + 2 + 1  # (index, community or query)
    assert counting.calls["swap"] == swaps  # the pages write nothing


def test_the_tick_indexes_new_communities_and_the_pages_find_them_meanwhile(lived):
    from datetime import timedelta

    from functions.services.changes.communities import add_community
    from functions.services.jobs.feeds import index_feeds
    from functions.services.reads import public
    from tests.fakes import CountingStore

    counting = CountingStore(scale.cloned(lived, 5))
    deps = scale.on(lived, counting)
    tokens, now = deps.mail.tokens, deps.clock.now()
    index_feeds(counting, tokens, now)
    add_community(counting, now + timedelta(minutes=1), "late", name="Late", timezone="UTC")
    assert index_feeds(counting, tokens, now + timedelta(minutes=15)) == 0  # once an hour

    swaps = counting.calls.get("swap", 0)
    found = public.community_by_token(counting, tokens, tokens.feed_token("late"))
    assert found is not None and found.id == "late"  # not indexed yet: found by its date
    assert counting.calls.get("swap", 0) == swaps

    assert index_feeds(counting, tokens, now + timedelta(hours=1)) == 1  # only the new one
    assert counting.store.entries([f"feed/{tokens.feed_token('late')}"])


def test_a_tick_indexes_the_communities_for_the_public_pages(deps):
    from functions.services.changes.communities import add_community
    from functions.services.jobs.tick import tick

    add_community(deps.store, deps.clock.now(), "guild", name="Guild", timezone="UTC")
    key = f"feed/{deps.mail.tokens.feed_token('guild')}"
    assert deps.store.entries([key]) == {}

    tick(deps)

    assert deps.store.entries([key])[key].detail == "guild"
