"""The command-line contract, driven as users' scripts drive it: the entry point run in
this process with its arguments and environment, and a real process where the exit status
itself is what is checked."""
from __future__ import annotations

import email
import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.builders import NOW, ROOT, cop, cop_process



def test_contract_of_member_list_and_schedule(guild):
    rows = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert [r["email"] for r in rows] == [f"p{i}@example.com" for i in range(5)]
    assert [set(r) for r in rows] == [{"email", "name", "status", "paused_until",
                                       "times_presented", "last_presented"}] * len(rows)
    assert {r["status"] for r in rows} == {"active"}
    schedule = json.loads(cop(guild, "schedule", "guild", "--weeks", "8", "--json").stdout)
    assert [set(r) for r in schedule] == [{"date", "presenter", "status"}] * len(schedule)
    assert [r["status"] for r in schedule[:4]] == ["planned"] * 4
    assert {r["status"] for r in schedule[4:]} <= {"projected", "holiday"}
    assert all(r["presenter"] for r in schedule if r["status"] in ("planned", "projected"))
    # the first five sessions go to five different people
    firsts = [r["presenter"] for r in schedule if r["presenter"]][:5]
    assert len(set(firsts)) == 5


def test_tick_writes_mail_and_invites_once(guild):
    cop(guild, "tick")
    cop(guild, "tick")
    outbox = mailbox.Maildir(guild / "outbox", create=False)
    messages = [email.message_from_bytes(m.as_bytes()) for m in outbox]
    kinds = sorted(m["X-Cop-Kind"] for m in messages)
    assert kinds == ["heads-up"] * 4 + ["welcome"] * 5  # once each, not twice
    for message in (m for m in messages if m["X-Cop-Kind"] == "heads-up"):
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].startswith("<heads-up.guild.")
    invites = sorted((guild / "calendar").glob("*.ics"))
    assert len(invites) == 4
    for path in invites:
        event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute, start.weekday()) == (16, 0, 4)


def test_member_changes_reach_the_schedule(guild):
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    cop(guild, "member", "optout", "guild", first["presenter"])
    after = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    assert after["presenter"] not in (None, first["presenter"])
    cop(guild, "member", "pause", "guild", "p1@example.com", "--until", "2027-02-01")
    rows = {r["email"]: r for r in json.loads(
        cop(guild, "member", "list", "guild", "--json").stdout)}
    assert rows[first["presenter"]]["status"] == "opted_out"
    assert rows["p1@example.com"]["status"] == "paused"
    assert rows["p1@example.com"]["paused_until"] == "2027-02-01"


def test_held_sessions_count_as_presented(guild):
    cop(guild, "tick")
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    later = "2026-12-20T10:00:00+11:00"
    cop(guild, "tick", "--now", later)
    rows = json.loads(cop(guild, "member", "list", "guild", "--json", now=later).stdout)
    presenter = next(r for r in rows if r["email"] == first["presenter"])
    assert presenter["times_presented"] >= 1 and presenter["last_presented"]
    past = json.loads(cop(guild, "schedule", "guild", "--from", "2026-11-27", "--weeks", "2",
                          "--json", now=later).stdout)
    assert past[0]["status"] == "held" and past[0]["presenter"] == first["presenter"]


@pytest.mark.parametrize("args, message", [
    (["member", "list", "nope"], "no community 'nope'"),
    (["member", "add", "guild", "p0@example.com"], "already a member"),
    (["member", "add", "guild", "not-an-email"], "not a valid email"),
    (["member", "optout", "guild", "zed@example.com"], "not a member"),
    (["member", "pause", "guild", "p0@example.com", "--until", "2020-01-01"], "after today"),
    (["member", "pause", "guild", "p0@example.com", "--until", "soon"], "YYYY-MM-DD"),
    (["member", "import", "guild", "/nonexistent.csv"], "no such file"),
    (["community", "add", "x", "--name", "X", "--timezone", "Mars/Olympus"], "time zone"),
    (["community", "add", "x", "--name", "X", "--timezone", "UTC", "--time", "25:00"], "time"),
    (["community", "add", "x", "--name", "X", "--timezone", "UTC", "--weekday", "someday"],
     "weekday"),
    (["community", "add", "guild", "--name", "X", "--timezone", "UTC"], "already exists"),
    (["tick", "--now", "next tuesday"], "ISO-8601"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(guild, args, message):
    before = (guild / "cop.db").read_bytes()
    result = cop(guild, *args, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    if args[0] != "tick":
        assert (guild / "cop.db").read_bytes() == before or args[0] == "frobnicate"


def test_bad_csv_import_changes_nothing(guild, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name\nnew@example.com,New\nbroken-address,Bad\n")
    result = cop(guild, "member", "import", "guild", str(bad), check=False)
    assert result.returncode == 2 and "line 3" in result.stderr
    emails = [r["email"] for r in json.loads(
        cop(guild, "member", "list", "guild", "--json").stdout)]
    assert "new@example.com" not in emails


def test_wrong_cop_now_is_refused(tmp_path):
    result = cop(tmp_path, "community", "list", now="yesterday", check=False)
    assert result.returncode == 2 and "COP_NOW" in result.stderr


def test_exit_status_as_a_script_sees_it(guild):
    """0 when it worked, 2 for bad input, 1 when a tick had a problem: through a process."""
    assert cop_process(guild, "community", "list").returncode == 0
    bad = cop_process(guild, "member", "add", "guild", "not-an-email", check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    (guild / "inbox").write_text("a file where the inbox Maildir should be")
    assert cop_process(guild, "tick", check=False).returncode == 1


def test_community_list_json(guild):
    rows = json.loads(cop(guild, "community", "list", "--json").stdout)
    assert rows[0]["id"] == "guild" and rows[0]["holidays"] == "AU-NSW"
    cop(guild, "community", "set", "guild", "--time", "15:30", "--digest", "tue 08:00")
    rows = json.loads(cop(guild, "community", "list", "--json").stdout)
    assert rows[0]["time"] == "15:30" and rows[0]["digest"] == "tue 08:00"


def _reply_to_last(data: Path, sender: str, text: str) -> bytes:
    from email.message import EmailMessage
    from email.parser import BytesParser
    from email.policy import default

    sent = [BytesParser(policy=default).parse(p.open("rb"))
            for p in (data / "outbox" / "new").iterdir()]
    last = [m for m in sent if sender in str(m["To"])][-1]
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, str(last["Reply-To"])
    msg["Subject"], msg["Message-ID"] = "Re: hi", f"<{abs(hash(text))}@client.example>"
    msg.set_content(f"{text}\n\nOn Monday, the rota wrote:\n> skip\n> out\n")
    return msg.as_bytes()


def test_reply_command_and_inbox_both_obey_replies(guild, tmp_path):
    cop(guild, "tick")
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    eml = tmp_path / "skip.eml"
    eml.write_bytes(_reply_to_last(guild, first["presenter"], "skip"))
    result = cop(guild, "reply", str(eml))
    assert result.stdout.startswith("done")
    after = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    assert after["presenter"] != first["presenter"]
    assert cop(guild, "reply", str(eml)).stdout.startswith("duplicate")
    # the same through the inbox Maildir, read by the tick
    inbox = guild / "inbox" / "new"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "1.eml").write_bytes(_reply_to_last(guild, "p4@example.com", "out"))
    assert "1 replies read" in cop(guild, "tick").stdout
    rows = {r["email"]: r for r in json.loads(
        cop(guild, "member", "list", "guild", "--json").stdout)}
    assert rows["p4@example.com"]["status"] == "opted_out"
    assert not list(inbox.iterdir())  # handled mail leaves new/
    assert "0 replies read" in cop(guild, "tick").stdout


def test_forged_reply_is_refused_as_bad_input(guild, tmp_path):
    eml = tmp_path / "forged.eml"
    eml.write_bytes(b"From: p0@example.com\r\nTo: guild@localhost\r\nSubject: x\r\n"
                    b"Message-ID: <f@x>\r\n\r\nout\r\n")
    result = cop(guild, "reply", str(eml), check=False)
    assert result.returncode == 2 and result.stderr.startswith("error: refused: ")
    assert len(result.stderr.strip().splitlines()) == 1
    rows = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert {r["status"] for r in rows} == {"active"}


def test_moving_the_weekday_cancels_planned_sessions_and_plans_new_ones(guild):
    before = json.loads(cop(guild, "schedule", "guild", "--weeks", "3", "--json").stdout)
    cop(guild, "community", "set", "guild", "--weekday", "thu")
    after = json.loads(cop(guild, "schedule", "guild", "--weeks", "3", "--json").stdout)
    cancelled = [r for r in after if r["status"] == "cancelled"]
    assert [r["date"] for r in cancelled] == [r["date"] for r in before]
    assert all(r["presenter"] for r in cancelled)  # who it would have been stays visible
    from datetime import date as _date
    thursdays = [r for r in after if r["status"] == "planned"]
    assert thursdays and all(_date.fromisoformat(r["date"]).weekday() == 3 for r in thursdays)


def test_report_counts_what_happened(guild, tmp_path):
    cop(guild, "tick")
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    eml = tmp_path / "share.eml"
    eml.write_bytes(_reply_to_last(guild, "p3@example.com", "share: https://example.org/x"))
    cop(guild, "reply", str(eml))
    later = "2026-12-20T10:00:00+11:00"
    cop(guild, "tick", "--now", later)
    figures = json.loads(cop(guild, "report", "guild", "--weeks", "4", "--json",
                             now=later).stdout)
    held = [r for r in json.loads(cop(guild, "schedule", "guild", "--from", "2026-11-22",
                                      "--weeks", "4", "--json", now=later).stdout)
            if r["status"] == "held"]
    assert figures["sessions"]["held"] == len(held) >= 3
    assert figures["links_shared"] == figures["shares"] == 1
    assert figures["sessions_held"] == len(held) and len(figures["weeks"]) == 4
    everyone = {f"p{i}@example.com" for i in range(5)}
    assert figures["not_yet_presented"] == sorted(
        everyone - {p["email"] for p in figures["presenters"]})
    assert figures["members"] == {"active": 5, "paused": 0, "opted_out": 0, "joined": 5}
    assert sum(p["times"] for p in figures["presenters"]) == len(held)
    assert figures["presenters"][0]["email"] in {r["presenter"] for r in held}
    assert first["presenter"] in {p["email"] for p in figures["presenters"]}
    f = figures["fairness"]
    assert f["most_presented"] - f["least_presented"] <= 1
    # Nobody has been a member for a quarter yet: no turns per member-year to compare.
    assert f["turns_per_member_year"] == {"least": None, "most": None, "spread": None,
                                          "members": 0}
    text = cop(guild, "report", "guild", now=later).stdout
    assert "sessions held" in text and "links shared      1" in text
    assert "fairness          not measured yet" in text
    year = "2027-11-20T10:00:00+11:00"
    cop(guild, "tick", "--now", year)
    f = json.loads(cop(guild, "report", "guild", "--json", now=year).stdout)["fairness"]
    rates = f["turns_per_member_year"]
    assert rates["members"] == 5 and rates["spread"] == round(rates["most"] - rates["least"], 1)
    assert f"Turns per member-year: from {rates['least']} to {rates['most']}" in cop(
        guild, "report", "guild", now=year).stdout


def test_tick_reports_each_problem_on_one_line_and_exits_non_zero(guild):
    (guild / "inbox").write_text("a file where the inbox Maildir should be")

    result = cop(guild, "tick", check=False)

    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert [p.split(":")[1].strip() for p in problems] == ["inbox"]
    assert "4 emails sent" in result.stdout  # the rota's mail went out all the same
    assert "Traceback" not in result.stderr
    assert "tick at " in result.stdout
    debug = subprocess.run(
        [sys.executable, "-m", "functions", "--data", str(guild), "tick"], cwd=ROOT,
        env={**os.environ, "COP_NOW": NOW, "COP_DEBUG": "1"}, capture_output=True, text=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


@pytest.mark.parametrize("tick_between", [False, True])
def test_members_added_one_at_a_time_present_in_turn(tmp_path, tick_between):
    """The README's first path: `member add` five times plans a, b, c, d, like an import."""
    data = tmp_path / "data"
    cop(data, "community", "add", "guild", "--name", "Guild", "--timezone", "Europe/London")
    for name in "abcde":
        cop(data, "member", "add", "guild", f"{name}@example.com", "--name", name.upper())
        if tick_between:
            cop(data, "tick")
    schedule = json.loads(cop(data, "schedule", "guild", "--json").stdout)
    planned = [r["presenter"] for r in schedule if r["status"] == "planned"]
    assert planned == [f"{n}@example.com" for n in "abcd"]
    assert [r["presenter"] for r in schedule if r["status"] == "projected"][:1] == \
        ["e@example.com"]
