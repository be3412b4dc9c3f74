"""Someone who never presented takes the earliest repeat turn; whoever made way, and
whoever's turn moved on by one week, reads why."""
from __future__ import annotations

from datetime import timedelta

from functions.services.changes import members
from functions.services.jobs.tick import tick
from tests.builders import setup_guild
from tests.emails.support import on_the_wire
from functions.domain.rota import NOTICE
from tests.services.test_calendar_truth import coming

THREE = "email,name\n" + "".join(f"p{i}@example.com,Person {i}\n" for i in range(3))


def test_a_newcomer_goes_first_and_those_moved_read_why(deps):
    setup_guild(deps, THREE, holidays=None)
    for _ in range(4):  # everyone presents once
        tick(deps)
        deps.clock.advance(timedelta(weeks=1))
    tick(deps)
    before = {s.date: s.presenter for s in coming(deps)}
    assert all(deps.store.get_member("guild", p).times_presented for p in before.values())
    members.join(deps, "guild", "nia@example.com", "Nia Ewe")
    sent = len(deps.mailer.sent)
    tick(deps)
    now = deps.clock.now()
    after = {s.date: s.presenter for s in coming(deps)}
    # a turn within the week stays with whoever has been preparing it; she takes the next
    firm = [s.date for s in coming(deps) if s.starts_at < now + NOTICE]
    assert firm and all(after[day] == before[day] for day in firm)
    first = min(day for day in after if day not in firm)
    assert after[first] == "nia@example.com"
    moved = {who for day, who in before.items() if after.get(day) != who}
    told = {}
    for message in deps.mailer.sent[sent:]:
        to = message["To"].addresses[0].addr_spec
        if to in moved and message["X-Cop-Kind"] in ("changed", "heads-up"):
            told[to] = " ".join(on_the_wire(message)[1].get_body(("plain",)).get_content()
                                .split())
    assert set(told) == moved
    for text in told.values():
        assert "Nia Ewe has not presented yet and goes first" in text
