"""The organiser's commands and refusals, driven through the command line as people do."""
from __future__ import annotations

import email
import json
import mailbox
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from email.policy import default
from pathlib import Path

import pytest
from icalendar import Calendar

from functions.adapters.sqlite_store import SqliteStore
from functions.services.reads.history import events as history
from functions.mail.tokens import Tokens
from tests.builders import NOW, ROOT, cop, one_error, state


@pytest.mark.parametrize("args, message", [
    (["community", "set", "guild", "--video-url", "https://meet.example.com/a\r\nBcc: x@y.z"],
     "control character U+000D"),
    (["community", "set", "guild", "--name", "Guild\nBcc: x@y.z"], "control character"),
    (["community", "set", "guild", "--name", "Guild\x1b[31m"], "control character U+001B"),
    (["community", "set", "guild", "--video-url", "http://meet.example.com/a"], "https://"),
    (["community", "set", "guild", "--video-url", "https://"], "https://"),
    (["member", "add", "guild", "new@example.com", "--name", "New\u202eEvil"], "U+202E"),
    (["member", "add", "guild", "new@example.com", "--name", "New\x7f"], "U+007F"),
    (["community", "set", "guild", "--timezone", "PST"], "America/Los_Angeles"),
    (["community", "set", "guild", "--allow-domain", "not a domain"], "not a mail domain"),
    (["community", "set", "guild", "--allow-domain", "example..com"], "not a mail domain"),
    (["community", "set", "guild", "--blackout", "9999-12-31"], "from 2000 to 2199"),
    (["member", "pause", "guild", "p0@example.com", "--until", "9999-12-31"], "2199"),
    (["schedule", "guild", "--from", "9999-12-25"], "2199"),
    (["tick", "--now", "2026-12-07"], "no time of day"),
    (["tick", "--now", "9999-12-31T10:00:00Z"], "out of range"),
    (["member", "pause", "guild", "p0@example.com", "--until", "2026-11-25"], "after today"),
    (["member", "remove", "guild", "zed@example.com"], "not a member"),
    (["schedule", "assign", "guild", "2026-11-28", "p0@example.com"], "no session on"),
    (["schedule", "assign", "guild", "2026-11-27"], "ID DATE EMAIL"),
    (["community", "remove", "guild"], "--yes"),
    (["community", "show", "nope"], "no community 'nope'"),
    (["community", "set", "guild", "--language", "klingon"], "not one of en, de, fr"),
])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(guild, args, message):
    before = state(guild)
    one_error(cop(guild, *args, check=False), message)
    assert state(guild) == before


def test_undecodable_bytes_are_refused_as_bad_input(guild):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")} | {"COP_NOW": NOW}
    before = state(guild)
    for args in ([b"member", b"list", b"gu\xffild"],
                 [b"member", b"add", b"guild", b"n@example.com", b"--name", b"Ana \xff"]):
        result = subprocess.run([sys.executable.encode(), b"-m", b"functions", b"--data",
                                 str(guild).encode(), *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        one_error(result, "not valid text")
    assert state(guild) == before


def test_a_zone_without_daylight_saving_is_taken_with_a_warning(guild):
    result = cop(guild, "community", "set", "guild", "--timezone", "EST")
    assert "warning: EST has no daylight saving" in result.stderr
    assert "America/New_York" in result.stderr
    quiet = cop(guild, "community", "set", "guild", "--timezone", "America/New_York",
                "--holidays", "US-NY")  # AU-NSW there would be warned about
    assert quiet.stderr == ""


def test_terminal_output_carries_no_control_sequences(guild):
    store = SqliteStore(guild / "cop.db")  # as a name could arrive from elsewhere
    member = store.get_member("guild", "p1@example.com")
    store.put_member("guild", member.__class__(**{**member.__dict__,
                                                 "name": "Evil\x1b]0;pwned\x07\x1b[2J\x9b31m"}))
    store.close()
    for args in (["member", "list", "guild"], ["schedule", "guild"], ["report", "guild"]):
        out = cop(guild, *args).stdout
        assert not any(c in out for c in "\x1b\x07\x9b"), (args, out)
    listed = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert listed[1]["name"] == "Evil\x1b]0;pwned\x07\x1b[2J\x9b31m"  # JSON keeps the value
    assert "\x9b" not in cop(guild, "member", "list", "guild", "--json").stdout


@pytest.mark.parametrize("content", [b"", b"not a database at all, just some text" * 10,
                                     b"SQLite format 3\x00" + b"\x00" * 50])
def test_an_empty_or_damaged_database_is_an_error_never_recreated(tmp_path, content):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cop.db").write_bytes(content)
    one_error(cop(data, "community", "list", check=False), "cop.db")
    assert (data / "cop.db").read_bytes() == content


def test_demo_deletes_only_a_folder_it_made(tmp_path):
    mine = tmp_path / "demo"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    one_error(cop(tmp_path, "demo", "--weeks", "1", check=False), "not made by demo")
    assert (mine / "thesis.tex").read_text() == "years of work"
    (mine / "thesis.tex").unlink()
    cop(tmp_path, "demo", "--weeks", "1")
    cop(tmp_path, "demo", "--weeks", "1")  # its own folder: replaced
    assert (mine / ".cop-demo").is_file()


def test_the_demos_report_counts_every_email_it_sent(tmp_path):
    """Eight weeks outlive the outbox's own ledger entries (RETENTION after their
    message): the report still counts what went out, kind by kind, as the Maildir holds."""
    out = cop(tmp_path, "demo", "--weeks", "8").stdout
    outbox = tmp_path / "demo" / "outbox"
    kinds = Counter(m["X-Cop-Kind"] for m in mailbox.Maildir(outbox, create=False))
    assert f"Emails ({sum(kinds.values())})" in out
    counted = re.search(r"emails sent +(\d+) \((.*)\)", out)
    assert int(counted.group(1)) == sum(kinds.values())
    assert counted.group(2) == ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))


def test_community_show_and_list_show_every_setting(guild):
    cop(guild, "community", "set", "guild", "--video-url", "https://meet.example.com/guild",
        "--organiser", "org@example.com", "--allow-domain", "Example.COM")
    shown = cop(guild, "community", "show", "guild").stdout
    for text in ("Product Guild", "Australia/Sydney", "AU-NSW", "mon 09:00", "16:00",
                 "https://meet.example.com/guild", "org@example.com", "example.com",
                 "guild-rota@example.com"):
        assert text in shown, text
    assert "https://meet.example.com/guild" in cop(guild, "community", "list").stdout
    # `none` removes the video link and the public holidays
    cop(guild, "community", "set", "guild", "--video-url", "none", "--holidays", "NONE")
    listed = json.loads(cop(guild, "community", "list", "--json").stdout)[0]
    assert listed["video_url"] is None and listed["holidays"] is None


def test_the_communitys_language_is_its_members_mail(guild):
    cop(guild, "community", "set", "guild", "--language", "DE")
    assert "language" in cop(guild, "community", "show", "guild").stdout
    assert json.loads(cop(guild, "community", "list", "--json").stdout)[0]["language"] == "de"
    heads_up = cop(guild, "preview", "guild", "heads-up", "--format", "text").stdout
    assert "Du präsentierst" in heads_up and "aussetzen" in heads_up


def test_schedule_names_presenters_and_json_is_unchanged(guild):
    rows = json.loads(cop(guild, "schedule", "guild", "--json").stdout)
    assert [set(r) for r in rows] == [{"date", "presenter", "status"}] * len(rows)
    text = cop(guild, "schedule", "guild").stdout
    assert text.splitlines()[0].split() == ["date", "presenter", "email", "status"]
    assert "Person " in text


def test_member_list_shows_whose_mail_stopped(guild):
    store = SqliteStore(guild / "cop.db")
    member = store.get_member("guild", "p2@example.com")
    store.put_member("guild", member.__class__(**{**member.__dict__, "bounces": 3}))
    store.close()
    line = next(row for row in cop(guild, "member", "list", "guild").stdout.splitlines()
                if row.startswith("p2@"))
    assert "stopped after 3 bounces" in line
    others = [row for row in cop(guild, "member", "list", "guild").stdout.splitlines()
              if row.startswith("p") and not row.startswith("p2@")]
    assert others and all("stopped" not in row for row in others)
    rows = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert "mail" not in rows[0]  # the JSON keeps exactly the contract's keys


def _messages(data: Path) -> list:
    return [email.message_from_bytes(m.as_bytes(), policy=default)
            for m in mailbox.Maildir(data / "outbox", create=False)]


def test_member_remove_erases_them_and_replans(guild, tmp_path):
    roster = tmp_path / "more.csv"
    roster.write_text("email,name\nzephyrine.quux@example.org,Zephyrine Quux\n")
    cop(guild, "member", "import", "guild", str(roster))
    cop(guild, "tick")
    first = json.loads(cop(guild, "schedule", "guild", "--json").stdout)[0]
    # she presents once (held), then is planned again later
    cop(guild, "member", "pause", "guild", first["presenter"], "--until", "2027-06-01")
    later = "2027-01-20T10:00:00+11:00"
    cop(guild, "tick", now=later)
    held_before = json.loads(cop(guild, "report", "guild", "--json", now=later).stdout)
    planned = json.loads(cop(guild, "schedule", "guild", "--json", now=later).stdout)
    assert "zephyrine.quux@example.org" in {r["presenter"] for r in planned}
    sent_before = {m["Message-ID"] for m in _messages(guild)}

    result = cop(guild, "member", "remove", "guild", "Zephyrine.Quux@example.org", now=later)
    assert "removed zephyrine.quux@example.org" in result.stdout

    raw = b"".join(p.read_bytes() for p in guild.glob("cop.db*"))
    for trace in (b"zephyrine", b"Zephyrine", b"Quux", b"quux"):
        assert trace not in raw, trace
    after = json.loads(cop(guild, "schedule", "guild", "--json", now=later).stdout)
    assert all(r["presenter"] and "zephyrine" not in r["presenter"] for r in after
               if r["status"] in ("planned", "projected"))
    report = json.loads(cop(guild, "report", "guild", "--json", now=later).stdout)
    assert report["sessions"] == held_before["sessions"]  # history still counts
    # she got a goodbye at once that cancels what she held; the new presenters hear at the
    # next tick
    cop(guild, "tick", now=later)
    new = [m for m in _messages(guild) if m["Message-ID"] not in sent_before]
    assert {m["X-Cop-Kind"] for m in new} == {"heads-up", "goodbye"}
    [goodbye] = [m for m in new if "zephyrine" in str(m["To"]).lower()]
    assert goodbye["X-Cop-Kind"] == "goodbye"
    # worded for someone an organiser removed and erased: no "you have left", no way back
    # by replying (the rota no longer knows the address)
    assert goodbye["Subject"] == "You are off the Product Guild roster"
    text = goodbye.get_body(("plain",)).get_content()
    assert "erased your address and name" in " ".join(text.split())
    assert "Reply \"in\"" not in text and "You have left" not in text
    methods = {p.get_param("method") for p in goodbye.walk()
               if p.get_content_type() == "text/calendar"}
    assert methods == {"CANCEL"}
    # the history keeps what she did and what was done, naming her only as she now is
    store = SqliteStore(guild / "cop.db")
    try:
        lines = [(e["by"], e["what"]) for e in history(store, "guild", datetime.fromisoformat(
            later)) if e["source"] == "change"]
    finally:
        store.close()
    assert ("an organiser, by the command line",
            "a former member was removed (address and name erased)") in lines
    assert ("an organiser, by the command line", "a former member left") in lines
    assert ("an organiser, by the command line", "a former member joined") in lines


def test_the_history_names_the_command_line(guild):
    cop(guild, "member", "pause", "guild", "p1@example.com", "--until", "2027-01-20")
    store = SqliteStore(guild / "cop.db")
    try:
        lines = [(e["by"], e["what"]) for e in history(store, "guild",
                                                       datetime.fromisoformat(NOW))
                 if e["source"] == "change"]
    finally:
        store.close()
    assert ("an organiser, by the command line", "Person 1 paused until 2027-01-20") in lines
    assert ("an organiser, by the command line",  # the import: one line
            "5 members joined: Person 0, Person 1, Person 2, Person 3, Person 4") in lines
    assert ("an organiser, by the command line", "community created") in lines


def test_member_resume_ends_a_pause_now(guild):
    cop(guild, "member", "pause", "guild", "p0@example.com", "--until", "2027-03-01")
    assert "p0@example.com" not in cop(guild, "schedule", "guild", "--json").stdout
    cop(guild, "member", "resume", "guild", "p0@example.com")
    rows = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert rows[0]["status"] == "active" and rows[0]["paused_until"] is None


def test_schedule_assign_puts_someone_on_a_session_and_announces_it(guild):
    cop(guild, "tick")
    rows = json.loads(cop(guild, "schedule", "guild", "--json").stdout)
    planned = [r for r in rows if r["status"] == "planned"]
    day, last = planned[0]["date"], planned[-1]["presenter"]
    cop(guild, "schedule", "assign", "guild", day, last)
    after = json.loads(cop(guild, "schedule", "guild", "--json").stdout)
    assert next(r for r in after if r["date"] == day)["presenter"] == last
    turns = [r["presenter"] for r in after if r["status"] == "planned"]
    assert len(set(turns)) == len(turns)  # nobody twice in the planned window
    cop(guild, "tick")  # the next tick tells them (and whoever else it concerns), once
    heads_ups = [m for m in _messages(guild) if m["X-Cop-Kind"] == "heads-up"
                 and m["To"].addresses[0].addr_spec == last and day in m["Message-ID"]]
    assert len(heads_ups) == 1
    assert "An organiser asked you to present" in heads_ups[0].get_body(
        ("plain",)).get_content()
    invite = Calendar.from_ical((guild / "calendar" / f"guild-{day}.ics").read_bytes())
    event = invite.walk("VEVENT")[0]
    assert last in str(event["DESCRIPTION"]) and int(event["SEQUENCE"]) >= 1


def test_tick_dry_run_prints_what_a_tick_would_do_and_changes_nothing(guild):
    before = state(guild)
    dry = cop(guild, "tick", "--dry-run")
    assert state(guild) == before
    lines = dry.stdout.splitlines()
    sends = [line for line in lines if line.startswith("send ")]
    publishes = [line for line in lines if line.startswith("publish ")]
    assert len(sends) == 4 and publishes == []  # the events went out as members joined
    real = cop(guild, "tick")
    assert "4 emails sent" in real.stdout
    again = cop(guild, "tick", "--dry-run")  # nothing left to do
    assert not [line for line in again.stdout.splitlines()
                if line.startswith(("send ", "publish ", "plan "))]


def test_community_export_then_remove(guild):
    cop(guild, "tick")
    exported = json.loads(cop(guild, "community", "export", "guild").stdout)
    assert exported["community"]["name"] == "Product Guild"
    assert len(exported["members"]) == 5 and len(exported["sessions"]) >= 4
    assert any(r["key"].startswith("guild/heads-up/") for r in exported["records"])
    cop(guild, "community", "remove", "guild", "--yes")
    assert json.loads(cop(guild, "community", "list", "--json").stdout) == []
    cancels = [m for m in _messages(guild) if m["X-Cop-Kind"] == "cancelled"]
    holders = {held.partition(":")[2] for s in exported["sessions"] for held in s["holders"]}
    assert holders >= {s["presenter"] for s in exported["sessions"] if s["presenter"]}
    assert {m["To"].addresses[0].addr_spec for m in cancels} == holders  # only they had one
    for path in (guild / "calendar").glob("*.ics"):
        assert Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    before = state(guild)
    cop(guild, "tick", now="2027-02-01T10:00:00+11:00")  # nothing left to plan or send
    assert state(guild)["files"] == before["files"]


def _env(**values: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")}
    return env | {"COP_NOW": NOW} | values


@pytest.mark.parametrize("settings, message", [
    ({"COP_MAIL": "smtp://smtp.example.com:587"}, "reply address is guild@localhost"),
    ({"COP_MAIL": "smtp://smtp.example.com:587", "COP_REPLY_TO": "rota@example.com"},
     "COP_PUBLIC_URL is http://localhost:8080"),
    ({"COP_MAIL": "gmail://rota@example.com", "COP_REPLY_TO": "rota@example.com",
      "COP_PUBLIC_URL": "http://cop.example.com"}, "must be HTTPS"),
])
def test_mail_to_real_people_is_refused_until_it_can_work(unready, settings, message):
    guild = unready
    before = state(guild)
    for args in (["member", "add", "guild", "new@example.com"], ["tick"]):
        result = subprocess.run([sys.executable, "-m", "functions", "--data", str(guild),
                                 *args], cwd=ROOT, env=_env(**settings),
                                capture_output=True, text=True, timeout=120)
        one_error(result, message)
    assert state(guild) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_the_public_pages(guild):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "functions", "--data", str(guild), "serve", "--port", str(port)],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "serving the web pages" in server.stdout.readline()
        tokens = Tokens((guild / "secret.key").read_text().strip())
        base = f"http://127.0.0.1:{port}"
        sign_in = re.search(r"(http://\S+/console/signin\?token=\S+)",
                            server.stdout.readline()).group(1)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        console = browser.open(sign_in)  # the cookie, then the communities
        assert console.url == f"{base}/console/" and "Your communities" in console.read().decode()
        with pytest.raises(urllib.error.HTTPError) as again:
            urllib.request.urlopen(sign_in)
        assert again.value.code == 403
        page = urllib.request.urlopen(f"{base}/roster/{tokens.feed_token('guild')}")
        assert page.status == 200 and "Product Guild" in page.read().decode()
        feed = urllib.request.urlopen(f"{base}/feed/{tokens.feed_token('guild')}.ics")
        assert Calendar.from_ical(feed.read()).walk("VEVENT")
        link = f"{base}/unsubscribe?t={tokens.unsubscribe_token('guild', 'p3@example.com')}"
        assert "Leave" in urllib.request.urlopen(link).read().decode()
        done = urllib.request.urlopen(urllib.request.Request(
            link, data=b"List-Unsubscribe=One-Click", method="POST"))
        assert done.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/roster/guessed")
        assert missing.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
    rows = json.loads(cop(guild, "member", "list", "guild", "--json").stdout)
    assert rows[3]["status"] == "opted_out"
