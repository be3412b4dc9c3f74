"""Removing a member erases them from each real store, checked in the store itself:
the bytes of the SQLite files (database and WAL, while still open) and every document in
the Firestore emulator."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from functions.adapters.firestore_store import SUBCOLLECTIONS, FirestoreStore
from functions.adapters.sqlite_store import SqliteStore
from functions.services.changes import members, removal
from functions.services.reads import tables as views
from functions.bootstrap import Container
from functions.services.replies.inbox import handle_reply
from functions.services.reads.report import engagement
from functions.services.reads.history import events as history
from functions.services.jobs.tick import tick
from tests.builders import reply
from tests.builders import setup_guild

ADDRESS, NAME = "zephyrine.quux@example.org", "Zephyrine Quux"
TRACES = ("zephyrine", "quux")


@pytest.fixture(params=["memory", "sqlite",
                        pytest.param("firestore", marks=pytest.mark.emulator)])
def deps_on(request, deps, tmp_path):
    from tests.contract.conftest import BACKENDS

    store = BACKENDS[request.param](request, tmp_path)()
    yield Container(store=store, mailer=deps.mailer, calendar=deps.calendar, clock=deps.clock,
                 mail=deps.mail)
    if hasattr(store, "close"):
        store.close()


def _everything(store, tmp_path: Path) -> str:
    """All the store holds, as it holds it."""
    if isinstance(store, SqliteStore):
        return b"".join(p.read_bytes() for p in tmp_path.glob("cop.db*")).decode("latin-1")
    if isinstance(store, FirestoreStore):
        # Every collection the adapter writes, wherever it sits (the emulator cannot list
        # collection ids, so they are named).
        return repr([doc.to_dict() | {"id": doc.reference.path}
                     for name in ("communities", "claims", *SUBCOLLECTIONS)
                     for doc in store.client.collection_group(name).stream()])
    return repr(vars(store))


def test_removed_member_leaves_no_trace_and_counts_stay(deps_on, tmp_path):
    deps = deps_on
    setup_guild(deps)
    members.join(deps, "guild", ADDRESS, NAME)
    tick(deps)
    assert handle_reply(deps, reply(deps, ADDRESS, "volunteer")).outcome == "done"
    mine = next(s for s in deps.store.list_sessions("guild") if s.presenter == ADDRESS)
    assert handle_reply(deps, reply(deps, ADDRESS, "share: https://example.com/x good")
                        ).outcome == "done"
    deps.clock.set(mine.ends_at + timedelta(hours=1))  # her session has been held
    tick(deps)
    while not any(s.presenter == ADDRESS and not s.started(deps.clock.now())
                  for s in deps.store.list_sessions("guild")):  # her next turn comes round
        deps.clock.set(deps.clock.now() + timedelta(weeks=1))
        tick(deps)
    now = deps.clock.now()
    report_before = engagement(deps.store, "guild", now)
    others_before = {r["email"]: r["times_presented"]
                     for r in views.member_rows(deps.store, "guild", now)
                     if r["email"] != ADDRESS}
    assert any(t in _everything(deps.store, tmp_path).lower() for t in TRACES)

    placeholder = removal.remove_member(deps, "guild", ADDRESS)

    held = [s for s in deps.store.list_sessions("guild") if s.date == mine.date]
    assert held[0].presenter == placeholder and placeholder.endswith("@invalid")
    coming = [s for s in deps.store.list_sessions("guild") if not s.started(now)]
    assert coming and all(s.presenter and "@invalid" not in s.presenter for s in coming
                          if s.status == "planned")
    assert deps.store.get_member("guild", ADDRESS) is None
    report_after = engagement(deps.store, "guild", now)
    assert report_after["sessions"] == report_before["sessions"]
    assert report_after["links_shared"] == report_before["links_shared"]
    assert {r["email"]: r["times_presented"] for r in views.member_rows(
        deps.store, "guild", now)} == others_before
    dump = _everything(deps.store, tmp_path).lower()
    for trace in TRACES:
        assert trace not in dump
    # Her history stays, naming her as what she now is: a former member.
    shown = [e["what"] for e in history(deps.store, "guild", deps.clock.now())
             if e["source"] == "change"]
    assert shown.count("a former member joined") == 1  # hers; the others by name
    assert "6 members joined: " + ", ".join(f"Person {i}" for i in range(6)) in shown
    assert "a former member was removed (address and name erased)" in shown
    assert not any(t in " ".join(shown).lower() for t in TRACES)


def test_removing_a_community_deletes_all_it_holds(deps_on, tmp_path):
    deps = deps_on
    setup_guild(deps)
    tick(deps)
    exported = removal.export_community(deps.store, "guild")
    assert len(exported["members"]) >= 4 and exported["records"]
    removal.remove_community(deps, "guild", confirmed=True)
    assert deps.store.list_communities() == []
    assert deps.store.list_members("guild") == [] and deps.store.list_sessions("guild") == []
    assert deps.store.list_records("guild/") == []
    assert "cancelled" in deps.mailer.kinds() or not deps.mail.attach_invites
    assert all(e.cancelled for e in deps.calendar.events.values())
