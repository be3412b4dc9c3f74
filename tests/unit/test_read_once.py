"""The one-page store answers a read asked again from its first answer, with the defaults
filled in, and passes everything else through."""
from __future__ import annotations

from datetime import date

from functions.adapters.memory_store import MemoryStore
from functions.adapters.read_once import ReadOnce
from functions.domain.models import Community, Member, Session
from tests.fakes import CountingStore


def test_a_read_asked_again_is_answered_from_the_first():
    store = MemoryStore()
    store.put_community(Community(id="c", name="C", timezone="UTC"))
    store.put_member("c", Member(email="a@x.org", name="A", joined=date(2026, 1, 5), order=0))
    store.put_sessions("c", [Session(community="c", date=date(2026, 1, 9))])
    counting = CountingStore(store)
    page = ReadOnce(counting)

    for _ in range(3):
        assert [m.email for m in page.list_members("c")] == ["a@x.org"]
    assert page.list_sessions("c") == page.list_sessions("c", start=None, end=None)
    assert page.list_sessions("c", start=date(2026, 2, 1)) == []  # other arguments: read
    page.list_members("c").clear()  # a caller's change stays its own
    assert page.get_community("c").name == "C" and page.get_community("c").name == "C"

    assert counting.calls == {"list_members": 1, "list_sessions": 2, "get_community": 1}
    assert len(page.list_members("c")) == 1
    assert page.get_member("c", "a@x.org").name == "A"  # not a kept read: passed through
    assert counting.calls["get_member"] == 1
