"""The use cases on every real store: planning, the tick's ledger and replies.

The same scenario runs on SQLite and on Firestore (the local emulator), so the cloud store
is exercised by the services, not only by the contract.
"""
from __future__ import annotations

import pytest

from functions.bootstrap import Container
from functions.services.replies.inbox import handle_reply
from functions.services.jobs.tick import tick
from tests.builders import reply
from tests.builders import setup_guild


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.emulator)])
def deps_on(request, deps, tmp_path):
    from tests.contract.conftest import BACKENDS

    store = BACKENDS[request.param](request, tmp_path)()
    return Container(store=store, mailer=deps.mailer, calendar=deps.calendar, clock=deps.clock,
                  mail=deps.mail)


def test_tick_and_a_reply_on_a_real_store(deps_on):
    deps = deps_on
    setup_guild(deps)
    tick(deps)
    tick(deps)
    assert sorted(deps.mailer.kinds()) == ["heads-up"] * 4
    first = deps.store.list_sessions("guild")[0]
    assert handle_reply(deps, reply(deps, first.presenter, "skip")).outcome == "done"
    raw = reply(deps, first.presenter, "skip")
    assert handle_reply(deps, raw).outcome in ("done", "help")
    assert handle_reply(deps, raw).outcome == "duplicate"
    tick(deps)
    after = deps.store.list_sessions("guild")[0]
    assert after.presenter not in (None, first.presenter)
    assert first.presenter in after.declined
    assert deps.calendar.events[f"guild-{first.date.isoformat()}@cop"].sequence == 1
