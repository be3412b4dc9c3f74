"""The same units of work as tests/services/test_reads_per_work.py, against the local
Firestore emulator with the real client, reads counted on the wire: what one of them reads
does not grow with the number of communities the database holds."""
from __future__ import annotations

import pytest

from tests import scale
from tests.wire_reads import copy, counting_store

pytestmark = pytest.mark.emulator

WIRED = ["digest run with the monthly health email", "report", "inbound reply (share)",
         "declined invite, emailed back", "declined invite, read from the calendar",
         "roster page"]


@pytest.fixture(scope="module")
def lived():
    return scale.lived()


def wire_reads(host: str, lived, count: int, name: str) -> float:
    store, counter = counting_store(host)
    copy(scale.cloned(lived, count), store)
    before = counter.reads
    deps = scale.on(lived, store)
    if name == "roster page":  # the index is built once; then a page is read by key
        from functions.services.jobs.feeds import index_feeds
        from functions.services.reads import public

        tokens = deps.mail.tokens
        index_feeds(store, tokens, deps.clock.now())  # the tick keeps the index
        before = counter.reads
        community = public.community_by_token(store, tokens, tokens.feed_token("c0"))
        public.roster_page(deps, community, deps.clock.now())
        return counter.reads - before
    units = scale.WORK[name](deps)
    return (counter.reads - before) / units


@pytest.mark.parametrize("name", WIRED)
def test_reads_on_the_wire_do_not_grow_with_the_database(firestore_emulator, monkeypatch,
                                                          lived, name):
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator)
    few, more = (wire_reads(firestore_emulator, lived, n, name) for n in (2, 6))

    assert 0 < more <= few, (few, more)
