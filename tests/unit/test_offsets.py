"""How long before a session its presenter hears from the rota: one setting (`Timing`),
checked when it is made, read by the jobs, put into words, and stated in the README."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from functions.domain.jobs import TICK, Timing, next_due, reminder_due, topic_due
from functions.domain.models import Community, Session
from functions.domain.wording import offset_words, reminder_subject, timing_words

README = Path(__file__).resolve().parents[2] / "README.md"
SYDNEY = ZoneInfo("Australia/Sydney")
GUILD = Community(id="guild", name="Guild", timezone="Australia/Sydney", weekday=4,
                  start=time(16))
FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=SYDNEY)
LATER = Timing(reminder_before=timedelta(hours=48), topic_before=timedelta(days=5))


def test_the_defaults_are_a_day_and_three_days():
    assert Timing() == Timing(reminder_before=timedelta(hours=24),
                              topic_before=timedelta(days=3))


@pytest.mark.parametrize("reminder, topic", [
    (timedelta(hours=24), timedelta(hours=24)),  # the topic reminder's window would be empty
    (timedelta(days=3), timedelta(hours=24)),  # after the reminder
    (timedelta(hours=24), timedelta(hours=24, minutes=10)),  # a window no tick falls in
    (timedelta(minutes=10), timedelta(days=3)),  # a reminder window no tick falls in
    (timedelta(hours=24, seconds=30), timedelta(days=3)),  # not whole minutes
    (timedelta(hours=-1), timedelta(days=3)),
])
def test_a_timing_whose_windows_could_close_is_refused(reminder, topic):
    with pytest.raises(ValueError, match="Timing"):
        Timing(reminder_before=reminder, topic_before=topic)


def test_the_topic_reminder_may_come_one_tick_before_the_reminder():
    timing = Timing(reminder_before=TICK, topic_before=2 * TICK)
    assert timing.topic_before - timing.reminder_before == TICK


@pytest.mark.parametrize("offset, ahead, before", [
    (timedelta(hours=24), "tomorrow", "the day before"),
    (timedelta(hours=48), "in two days", "two days before"),
    (timedelta(days=3), "in three days", "three days before"),
    (timedelta(days=5), "in five days", "five days before"),
    (timedelta(days=10), "in 10 days", "10 days before"),
    (timedelta(days=7), "in a week", "a week before"),
    (timedelta(days=14), "in two weeks", "two weeks before"),
    (timedelta(hours=1), "in an hour", "an hour before"),
    (timedelta(hours=3), "in three hours", "three hours before"),
    (timedelta(hours=36), "in 36 hours", "36 hours before"),
    (timedelta(minutes=90), "in 90 minutes", "90 minutes before"),
    (timedelta(minutes=15), "in 15 minutes", "15 minutes before"),
])
def test_an_offset_in_words(offset, ahead, before):
    words = offset_words(offset)
    assert (words.ahead, words.before) == (ahead, before)
    assert words.heading == ahead[0].upper() + ahead[1:]


def test_the_reminders_subject_says_how_soon_the_session_is():
    assert reminder_subject(GUILD, Timing()) == "Tomorrow: your session at Guild"
    assert reminder_subject(GUILD, LATER) == "In two days: your session at Guild"
    words = timing_words(LATER)
    assert (words.reminder.ahead, words.topic.ahead) == ("in two days", "in five days")


def _session(topic: str | None = None) -> Session:
    return Session("guild", FRIDAY.date(), presenter="ana@example.com", topic=topic,
                   starts_at=FRIDAY, ends_at=FRIDAY + timedelta(minutes=30))


@pytest.mark.parametrize("timing", [Timing(), LATER], ids=["default", "later"])
def test_the_jobs_fall_due_at_the_timing_they_are_given(timing):
    session = _session()
    reminder_at = FRIDAY - timing.reminder_before
    topic_at = FRIDAY - timing.topic_before
    assert not reminder_due(session, reminder_at - timedelta(minutes=1), timing)
    assert reminder_due(session, reminder_at, timing)
    assert reminder_due(session, FRIDAY - timedelta(minutes=1), timing)
    assert not reminder_due(session, FRIDAY, timing)
    assert not topic_due(session, topic_at - timedelta(minutes=1), timing)
    assert topic_due(session, topic_at, timing)
    assert not topic_due(session, reminder_at, timing)  # the reminder asks instead
    assert not topic_due(_session("Small slices"), topic_at, timing)
    # The community falls due at each of those moments, and not in between.
    assert next_due(GUILD, [session], topic_at - timedelta(minutes=1), timing) == topic_at
    assert next_due(GUILD, [session], reminder_at - timedelta(minutes=1), timing) \
        == reminder_at


def test_a_later_timing_moves_the_due_times():
    session = _session()
    sunday = FRIDAY - timedelta(days=5)
    assert topic_due(session, sunday, LATER) and not topic_due(session, sunday, Timing())
    wednesday = FRIDAY - timedelta(hours=48)
    assert reminder_due(session, wednesday, LATER)
    assert not reminder_due(session, wednesday, Timing())


# ---- the README states the offsets the code defines ------------------------------------
NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9}
OFFSET = re.compile(r"\b(\d+|an?|one|two|three|four|five|six|seven|eight|nine) "
                    r"(minute|hour|day|week)s? before the session \(\"([^\"]+)\"\)")


def readme_jobs() -> dict[str, str]:
    """The README's table of when jobs run: the "when" cell of each job, by job."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### When jobs run", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows[0].replace(" ", "") == "|job|when|towhom|", rows[0]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]
    return {job: when for job, when, _ in cells}


def stated_offset(when: str) -> tuple[timedelta, str]:
    """ "24 hours before the session ("tomorrow"), …" → (24 hours, "tomorrow") """
    found = OFFSET.search(when)
    assert found, f"no offset before the session in {when!r}"
    count, unit, words = found.groups()
    amount = int(count) if count.isdigit() else NUMBER[count]
    return timedelta(**{f"{unit}s": amount}), words


def test_the_readme_states_the_default_offsets():
    jobs = readme_jobs()
    defaults = Timing()
    assert stated_offset(jobs["reminder"]) == (defaults.reminder_before,
                                               offset_words(defaults.reminder_before).ahead)
    assert stated_offset(jobs["topic reminder"]) == (defaults.topic_before,
                                                     offset_words(defaults.topic_before).ahead)
    assert "until the reminder is due" in jobs["topic reminder"]


def test_the_readme_speaks_of_the_offsets_only_in_its_table():
    """Elsewhere it points at the table, so a change of the defaults is one edit there."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### When jobs run", 1)[1].split("\n#", 1)[0]
    sentences = re.split(r"(?<=[.;])\s", " ".join(text.replace(section, "").split()))
    about_reminders = [s for s in sentences if "remind" in s.lower()]
    assert about_reminders
    for sentence in about_reminders:
        assert not re.search(r"\b(\d+|an?|one|two|three|four|five|six|seven|eight|nine) "
                             r"(minute|hour|day|week)s? before\b|the day before|tomorrow",
                             sentence, re.IGNORECASE), sentence
