"""The presenter's reminders go out at the offsets of the Timing the deps are given, and
every message that speaks of an offset says it in words made from that same setting: a
reminder two days before reads "In two days", never "Tomorrow"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from functions.domain.jobs import Timing
from functions.services.jobs.tick import tick
from functions.services.jobs import preview as preview_service
from tests.emails.support import make_deps, on_the_wire, setup_guild, text_of
from tests.fakes import SilentCalendar

DAY = "Friday 4 December 2026"  # its presenter's heads-up went out nine days before
CASES = {
    "default": (Timing(), {
        "subject": "Tomorrow: your session at Guild",
        "reminder": f"You present at Guild tomorrow, {DAY}, 16:00–16:30 AEDT.",
        "heading": "Tomorrow",
        "topic": f"You present at Guild in three days, on {DAY},",
        "topic heading": "In three days, you present at Guild on"}),
    "later": (Timing(reminder_before=timedelta(hours=48), topic_before=timedelta(days=5)), {
        "subject": "In two days: your session at Guild",
        "reminder": f"You present at Guild in two days, {DAY}, 16:00–16:30 AEDT.",
        "heading": "In two days",
        "topic": f"You present at Guild in five days, on {DAY},",
        "topic heading": "In five days, you present at Guild on"}),
}


def eyebrow(html: str) -> str:
    """The small line above the card's title, as the HTML part shows it."""
    found = re.search(r'<p class="eyebrow"[^>]*>(.*?)</p>', html, re.DOTALL)
    assert found, "no eyebrow in the HTML part"
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("case", CASES)
def test_reminders_go_out_at_the_given_offsets_and_say_them(case):
    timing, words = CASES[case]
    # A calendar with no answers to poll: the community runs only when its jobs fall due.
    deps = make_deps(timing=timing, calendar=SilentCalendar())
    setup_guild(deps)
    tick(deps)
    session = next(s for s in deps.store.list_sessions("guild")
                   if s.date.isoformat() == "2026-12-04")
    presenter = session.presenter
    sent_at: dict[str, object] = {}
    while deps.clock.now() < session.starts_at:  # every quarter hour, as the scheduler
        tick(deps)
        for kind in ("topic-reminder", "reminder"):
            if kind not in sent_at and deps.mailer.to(presenter, kind):
                sent_at[kind] = deps.clock.now()
        deps.clock.advance(timedelta(minutes=15))
    assert sent_at == {"topic-reminder": session.starts_at - timing.topic_before,
                       "reminder": session.starts_at - timing.reminder_before}

    (reminder,) = [on_the_wire(m)[1] for m in deps.mailer.to(presenter, "reminder")]
    assert reminder["Subject"] == words["subject"]
    assert words["reminder"] in text_of(reminder, "plain")
    assert eyebrow(text_of(reminder, "html")) == words["heading"]

    (topic,) = [on_the_wire(m)[1] for m in deps.mailer.to(presenter, "topic-reminder")]
    assert words["topic"] in text_of(topic, "plain")
    assert eyebrow(text_of(topic, "html")) == words["topic heading"]

    deps.clock.set(sent_at["reminder"])
    shown = on_the_wire(preview_service.preview(deps, "guild", "reminder"))[1]
    assert shown["Subject"] == words["subject"]  # the preview says the same
    assert text_of(shown, "plain") == text_of(reminder, "plain")

    if timing != Timing():  # nothing still speaks of the default offsets
        for message in (reminder, topic, shown):
            for part in ("plain", "html"):
                body = str(message["Subject"]) + text_of(message, part)
                assert not re.search(r"tomorrow|the day before|three days", body,
                                     re.IGNORECASE), (message["Subject"], part)
