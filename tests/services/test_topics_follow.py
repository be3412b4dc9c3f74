"""A topic belongs to its presenter: when someone else takes their session, the one who
lost it reads that their topic goes with them; the new presenter's mail never announces
someone else's talk."""
from __future__ import annotations

from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild
from tests.emails.support import on_the_wire
from tests.services.test_calendar_truth import coming


def test_whoever_loses_a_session_hears_their_topic_goes_with_them(deps):
    setup_guild(deps)
    tick(deps)
    second = coming(deps)[1]
    assert handle_reply(deps, reply(deps, second.presenter, "topic: Feature flags")
                        ).outcome == "done"
    taker = "p5@example.com"  # has no session yet: may volunteer for any
    assert taker not in {s.presenter for s in coming(deps)}
    sent = len(deps.mailer.sent)
    assert handle_reply(deps, reply(deps, taker, f"volunteer {second.date.isoformat()}")
                        ).outcome == "done"
    tick(deps)
    session = next(s for s in coming(deps) if s.date == second.date)
    assert (session.presenter, session.topic) == (taker, None)
    assert deps.store.get_member("guild", second.presenter).topic == "Feature flags"
    (notice,) = [m for m in deps.mailer.to(second.presenter)[-1:]
                 if m["X-Cop-Kind"] == "changed"]
    msg = on_the_wire(notice)[1]
    for kind in ("plain", "html"):
        body = " ".join(msg.get_body((kind,)).get_content().split())
        assert "Person 5 volunteered for" in body
        assert "Your topic “Feature flags” goes with you, to your next turn." in body
    for message in deps.mailer.sent[sent:]:
        if message["To"].addresses[0].addr_spec == taker:
            assert "Feature flags" not in on_the_wire(message)[1].get_body(
                ("plain",)).get_content()
