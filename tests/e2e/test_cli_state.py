"""The command line shows the rota as it is now and says when a command changes nothing
(issue 18): a pause that ended has no date, an idempotent command sends no mail, a past
session cannot be assigned, a session nobody can take is `open`, and settings that are
probably not what was meant are taken with a warning."""
from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.test import Client

from functions.bootstrap import Container
from functions.config import Config
from functions.entrypoints.serve import wsgi_app
from tests.builders import NOW, cop, one_error

LATER = "2026-12-20T10:00:00+11:00"  # a Sunday, after three Fridays were held


def sent(data: Path) -> int:
    """How many emails the outbox Maildir holds."""
    folder = data / "outbox" / "new"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def members(data: Path, now: str = NOW) -> dict[str, dict]:
    return {r["email"]: r for r in json.loads(
        cop(data, "member", "list", "guild", "--json", now=now).stdout)}


def table(output: str) -> list[dict[str, str]]:
    """A printed table as rows of cells, cut where the header's columns start."""
    header, *lines = output.splitlines()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    return [{name: line[a:b].strip() for name, a, b in
             zip(names, starts, [*starts[1:], None])} for line in lines]


def nothing_changed(data: Path, *args: str, says: str, now: str = NOW) -> None:
    """The command succeeds saying `says`, and neither the roster nor the outbox moved."""
    before, listed = sent(data), members(data, now)
    result = cop(data, *args, now=now)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == says
    assert sent(data) == before
    assert members(data, now) == listed


# ---- member list: a pause that ended -------------------------------------------------------
def test_a_pause_that_ended_shows_no_date_in_the_table_or_the_json(guild):
    cop(guild, "member", "pause", "guild", "p1@example.com", "--until", "2026-12-10")
    paused = members(guild)["p1@example.com"]
    assert (paused["status"], paused["paused_until"]) == ("paused", "2026-12-10")
    assert table(cop(guild, "member", "list", "guild").stdout)[1]["paused_until"] \
        == "2026-12-10"

    after = members(guild, LATER)["p1@example.com"]
    assert (after["status"], after["paused_until"]) == ("active", None)
    row = table(cop(guild, "member", "list", "guild", now=LATER).stdout)[1]
    assert (row["email"], row["status"], row["paused_until"]) == (
        "p1@example.com", "active", "-")


def test_someone_who_left_shows_no_pause(guild):
    cop(guild, "member", "pause", "guild", "p2@example.com", "--until", "2027-02-01")
    cop(guild, "member", "optout", "guild", "p2@example.com")
    row = members(guild)["p2@example.com"]
    assert (row["status"], row["paused_until"]) == ("opted_out", None)


# ---- idempotent commands: "already …", exit 0, nothing sent ----------------------------
def test_optin_of_an_active_member_changes_and_sends_nothing(guild):
    already = "p1@example.com is already on the roster of guild; nothing changed, nothing sent"
    nothing_changed(guild, "member", "optin", "guild", "p1@example.com", says=already)
    # a pause that ended counts as active too
    cop(guild, "member", "pause", "guild", "p1@example.com", "--until", "2026-12-10")
    nothing_changed(guild, "member", "optin", "guild", "p1@example.com", says=already,
                    now=LATER)


def test_optin_of_someone_who_left_still_welcomes_them_back(guild):
    cop(guild, "member", "optout", "guild", "p1@example.com")
    before = sent(guild)
    assert cop(guild, "member", "optin", "guild", "p1@example.com").stdout.strip() == \
        "p1@example.com is back in guild"
    assert sent(guild) > before
    assert members(guild)["p1@example.com"]["status"] == "active"


def test_optout_twice_sends_one_goodbye(guild):
    before = sent(guild)
    assert cop(guild, "member", "optout", "guild", "p3@example.com").stdout.strip() == \
        "p3@example.com opted out of guild"
    assert sent(guild) > before
    # again on a later day (not the same day's goodbye): nothing
    nothing_changed(guild, "member", "optout", "guild", "p3@example.com", now=LATER,
                    says="p3@example.com has already opted out of guild; nothing changed, "
                         "nothing sent")


def test_optout_after_the_unsubscribe_page_sends_no_goodbye(guild):
    outbox = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in (guild / "outbox" / "new").iterdir()]
    welcome = next(m for m in outbox if m["X-Cop-Kind"] == "welcome"
                   and m["To"].addresses[0].addr_spec == "p4@example.com")
    link = urlsplit(re.fullmatch(r"<(.+)>", welcome["List-Unsubscribe"]).group(1))
    app = Container(Config.from_env({"COP_NOW": NOW}, guild))
    try:  # the one-click POST, as a mail program sends it
        response = Client(wsgi_app(app)).post(f"{link.path}?{link.query}")
    finally:
        app.close()
    assert response.status_code == 200
    assert members(guild)["p4@example.com"]["status"] == "opted_out"
    nothing_changed(guild, "member", "optout", "guild", "p4@example.com",
                    says="p4@example.com has already opted out of guild; nothing changed, "
                         "nothing sent")


def test_the_same_pause_again_changes_and_sends_nothing(guild):
    cop(guild, "member", "pause", "guild", "p2@example.com", "--until", "2027-01-20")
    nothing_changed(guild, "member", "pause", "guild", "p2@example.com", "--until",
                    "2027-01-20", says="p2@example.com is already paused until 2027-01-20; "
                                       "nothing changed, nothing sent")
    before = sent(guild)  # another date is a change, confirmed
    cop(guild, "member", "pause", "guild", "p2@example.com", "--until", "2027-02-03")
    assert sent(guild) > before
    assert members(guild)["p2@example.com"]["paused_until"] == "2027-02-03"


def test_resume_of_someone_not_paused_changes_and_sends_nothing(guild):
    nothing_changed(guild, "member", "resume", "guild", "p0@example.com",
                    says="p0@example.com is already on the roster of guild (not paused); "
                         "nothing changed, nothing sent")


def test_resume_of_someone_who_left_is_refused_with_the_way_back(guild):
    cop(guild, "member", "optout", "guild", "p0@example.com")
    before = sent(guild)
    one_error(cop(guild, "member", "resume", "guild", "p0@example.com", check=False),
              "p0@example.com has opted out, not paused: opting in brings them back")
    assert sent(guild) == before


# ---- schedule assign: a session that was held or has started -----------------------------
def test_assigning_a_held_session_says_it_was_held(guild):
    cop(guild, "tick")
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    assert first["date"] == "2026-11-27"
    cop(guild, "tick", "--now", LATER)
    before = sent(guild)
    schedule = cop(guild, "schedule", "guild", "--from", "2026-11-27", "--json",
                   now=LATER).stdout
    assert json.loads(schedule)[0]["status"] == "held"
    other = next(f"p{i}@example.com" for i in range(5)
                 if f"p{i}@example.com" != first["presenter"])
    one_error(cop(guild, "schedule", "assign", "guild", "2026-11-27", other, now=LATER,
                  check=False),
              "the session on Friday 27 November 2026 was already held; it cannot be "
              "changed")
    assert sent(guild) == before
    assert cop(guild, "schedule", "guild", "--from", "2026-11-27", "--json",
               now=LATER).stdout == schedule


def test_assigning_a_session_under_way_says_it_has_started(guild):
    during = "2026-11-27T16:10:00+11:00"
    cop(guild, "tick", "--now", during)
    one_error(cop(guild, "schedule", "assign", "guild", "2026-11-27", "p4@example.com",
                  now=during, check=False),
              "the session on Friday 27 November 2026 has started; it cannot be changed")


def test_assigning_a_session_long_past_says_what_became_of_it(guild):
    much_later = "2027-03-01T10:00:00+11:00"  # far before the two weeks a rota loads
    cop(guild, "tick", "--now", much_later)
    before = sent(guild)
    for day, message in (
            ("2026-11-27", "the session on Friday 27 November 2026 was already held; it "
                           "cannot be changed"),
            ("2026-12-25", "there was no session on Friday 25 December 2026 (Christmas "
                           "Day); it is past"),
            ("2026-11-20", "Friday 20 November 2026 is in the past: a session that was "
                           "held or has started cannot be changed"),  # before the guild
            ("2026-11-28", "there is no session on Saturday 28 November 2026")):
        one_error(cop(guild, "schedule", "assign", "guild", day, "p4@example.com",
                      now=much_later, check=False), message)
    assert sent(guild) == before


# ---- schedule: a session nobody can take is open -----------------------------------------
def test_a_session_nobody_can_take_shows_open_in_the_table_and_planned_in_json(guild):
    for i in range(5):
        cop(guild, "member", "pause", "guild", f"p{i}@example.com", "--until", "2027-01-10")
    rows = json.loads(cop(guild, "schedule", "guild", "--weeks", "8", "--json").stdout)
    nobody = [r for r in rows if r["presenter"] is None]
    assert {r["status"] for r in nobody} == {"planned", "projected", "holiday"}
    assert [r["date"] for r in rows if r["status"] == "planned"] == [
        "2026-11-27", "2026-12-04", "2026-12-11", "2026-12-18"]
    shown = {r["date"]: r for r in table(cop(guild, "schedule", "guild", "--weeks",
                                             "8").stdout)}
    for r in rows:
        expected = {"planned": "open", "projected": "open (projected)"}.get(
            r["status"], r["status"]) if r["presenter"] is None else r["status"]
        assert shown[r["date"]]["status"] == expected, r
        if r["presenter"] is None:
            assert shown[r["date"]]["presenter"] == "-"
    assert shown["2027-01-15"]["status"] == "projected"  # back by then: someone is up
    assert shown["2026-12-25"]["status"] == "holiday"


# ---- warnings: holidays of another country, a blackout already past ----------------------
def test_holidays_of_another_country_and_a_past_blackout_are_taken_with_warnings(tmp_path):
    data = tmp_path / "data"
    result = cop(data, "community", "add", "ny", "--name", "New York Guild",
                 "--timezone", "America/New_York", "--holidays", "UK",
                 "--blackout", "2020-01-03", "2027-01-01")
    assert result.returncode == 0
    assert result.stdout.startswith("added community ny")
    assert result.stderr.splitlines() == [
        "warning: holidays GB are for the United Kingdom but the community's time zone "
        "America/New_York is in the United States; did you mean US-NY?",
        "warning: blackout 2020-01-03 is in the past; it changes nothing"]
    community = json.loads(cop(data, "community", "list", "--json").stdout)[0]
    assert community["holidays"] == "GB"  # taken, as ISO 3166 names it
    assert community["blackouts"] == ["2020-01-03", "2027-01-01"]

    fixed = cop(data, "community", "set", "ny", "--holidays", "US-NY")
    assert (fixed.returncode, fixed.stderr) == (0, "")
    moved = cop(data, "community", "set", "ny", "--timezone", "Australia/Sydney")
    assert moved.stderr.splitlines() == [
        "warning: holidays US-NY are for the United States but the community's time zone "
        "Australia/Sydney is in Australia; did you mean AU-NSW?"]
    past = cop(data, "community", "set", "ny", "--timezone", "America/New_York",
               "--blackout", "2026-11-20", "2026-12-25")
    assert past.stderr.splitlines() == [
        "warning: blackout 2026-11-20 is in the past; it changes nothing"]


def test_settings_that_agree_are_taken_quietly(tmp_path):
    data = tmp_path / "data"
    for zone, holidays in (("Australia/Sydney", "AU-NSW"), ("Europe/Oslo", "NO"),
                           ("US/Eastern", "US"), ("UTC", "GB")):
        result = cop(data, "community", "add", f"c-{holidays.lower()}", "--name", "C",
                     "--timezone", zone, "--holidays", holidays, "--blackout", "2026-11-25")
        assert result.stderr == "", (zone, holidays, result.stderr)
