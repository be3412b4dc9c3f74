"""Members hear from the rota only when it is ready: adding them says how many welcomes
went out; none goes out from `ID@localhost` (they wait for the reply address, then go out
once each at the next tick); `--no-welcome` adds them quietly."""
from __future__ import annotations

import email
import json
import mailbox
from email.policy import default
from pathlib import Path

from tests.builders import cop


def welcomes(data: Path) -> list:
    outbox = mailbox.Maildir(data / "outbox", create=True)
    found = [email.message_from_bytes(m.as_bytes(), policy=default) for m in outbox]
    return [m for m in found if m["X-Cop-Kind"] == "welcome"]


def test_welcomes_wait_for_the_reply_address_then_go_out_once(unready, tmp_path):
    assert welcomes(unready) == []  # the five imported by the fixture
    added = cop(unready, "member", "add", "guild", "new@example.com", "--name", "Ana Lima")
    assert "1 welcome wait until the community has a reply address" in added.stdout
    assert "community set guild --reply-to ADDRESS" in added.stdout
    cop(unready, "tick")
    assert welcomes(unready) == []  # still nobody to answer them
    cop(unready, "community", "set", "guild", "--reply-to", "rota@example.com")
    cop(unready, "tick")
    sent = welcomes(unready)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(
        [f"p{i}@example.com" for i in range(5)] + ["new@example.com"])
    assert all("rota+" in str(m["Reply-To"]) and "@example.com" in str(m["Reply-To"])
               for m in sent)
    assert "Hi Ana," in next(m for m in sent if "new@" in str(m["To"])).get_body(
        ("plain",)).get_content()
    cop(unready, "tick", now="2026-11-25T11:00:00+11:00")
    assert len(welcomes(unready)) == 6  # once each
    exported = json.loads(cop(unready, "community", "export", "guild").stdout)
    assert not any(m["welcome_due"] for m in exported["members"])  # none owed any more


def test_adding_says_how_many_welcomes_went_out(guild, tmp_path):
    before = len(welcomes(guild))
    assert before == 5  # the import, with a reply address
    roster = tmp_path / "more.csv"
    roster.write_text("email,name\nq1@example.com,Q One\nq2@example.com,Q Two\n")
    result = cop(guild, "member", "import", "guild", str(roster))
    assert result.stdout.strip() == "imported 2 members into guild; 2 welcomes sent"
    assert len(welcomes(guild)) == before + 2


def test_no_welcome_adds_them_quietly(guild, tmp_path):
    before = len(welcomes(guild))
    roster = tmp_path / "quiet.csv"
    roster.write_text("email,name\nq1@example.com,Q One\n")
    result = cop(guild, "member", "import", "guild", str(roster), "--no-welcome")
    assert "no welcome sent (--no-welcome)" in result.stdout
    cop(guild, "member", "add", "guild", "q2@example.com", "--no-welcome")
    cop(guild, "tick")
    assert len(welcomes(guild)) == before  # not now, not later
