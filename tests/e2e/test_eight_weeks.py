"""Eight weeks of a community driven only as its people drive it: reply files dropped in the
inbox Maildir (as a mail server delivers them) and command-line calls. Every message the
rota wrote is read as its recipient: its subject, greeting and "Done" belong to them; and
every tick's summary counts exactly the files it wrote."""
from __future__ import annotations

import email
import mailbox
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from pathlib import Path

from tests.builders import cop
from tests.e2e.test_counts import figures, outbox as files
from tests.emails.test_words import message_problems

START = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Sydney
# (hours after the start, who, what they reply); who is a member number, or "lead" for the
# presenter of the next session at that moment.
REPLIES = [
    (30, "lead", "topic: Small slices of big changes"),
    (50, 4, "share: https://example.org/slices a good read"),
    (80, "lead", "skip"),
    (200, 3, "volunteer"),
    (260, "lead", "swap with p1@example.com"),
    (262, 1, "accept"),
    (400, 2, "pause until 2027-01-08"),
    (500, 0, "frobnicate"),  # not a command: the help answers
    (700, 4, "out"),
    (900, 4, "in"),
]


def outbox(data: Path) -> dict[str, EmailMessage]:
    box = mailbox.Maildir(data / "outbox", create=True)
    return {key: email.message_from_bytes(m.as_bytes(), policy=default)
            for key, m in box.items()}


def reply_file(data: Path, sender: str, text: str) -> tuple[bytes, str]:
    """A reply to the last message the rota sent them, as their mail program writes it."""
    theirs = sorted((m for m in outbox(data).values()
                     if m["To"].addresses[0].addr_spec == sender),
                    key=lambda m: email.utils.parsedate_to_datetime(m["Date"]))
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, str(theirs[-1]["Reply-To"])
    msg["Subject"] = "Re: " + str(theirs[-1]["Subject"])
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg["In-Reply-To"] = theirs[-1]["Message-ID"]
    msg.set_content(f"{text}\n\nOn a weekday, the rota wrote:\n> {theirs[-1]['Subject']}\n")
    return msg.as_bytes(), msg["Message-ID"]


def test_eight_weeks_of_replies_and_commands(guild):
    inbox = guild / "inbox" / "new"
    inbox.mkdir(parents=True, exist_ok=True)
    asked: dict[str, str] = {}  # a reply's Message-ID: who sent it
    pending = list(REPLIES)
    seen = files(guild)
    for hour in range(0, 8 * 7 * 24, 12):
        now = START + timedelta(hours=hour)
        while pending and pending[0][0] <= hour:
            _, who, text = pending.pop(0)
            if who == "lead":
                schedule = cop(guild, "schedule", "guild", now=now.isoformat()).stdout
                who = re.search(r"(p\d@example\.com)\s+planned", schedule).group(1)
            else:
                who = f"p{who}@example.com"
            raw, message_id = reply_file(guild, who, text)
            (inbox / f"{hour}-{who}.eml").write_bytes(raw)
            asked[message_id] = who
        result = cop(guild, "tick", now=now.isoformat())
        line = next(x for x in result.stdout.splitlines() if x.startswith("tick at"))
        written = files(guild) - seen
        seen |= written
        assert int(figures(line)[1]) == len(written), (now, line)
    assert not list(inbox.iterdir())  # every reply was read

    sent = outbox(guild).values()
    names = {"guild": {f"p{i}@example.com": f"Person {i}" for i in range(5)}}
    problems = []
    for message in sent:
        answering = asked.get(str(message["In-Reply-To"] or ""))
        problems += message_problems(message, names, {answering} if answering else set())
    assert not problems, "\n".join(problems)
    kinds = {m["X-Cop-Kind"] for m in sent}
    assert {"welcome", "heads-up", "reminder", "digest", "confirm", "help", "goodbye",
            "changed", "topic-reminder"} <= kinds, kinds
