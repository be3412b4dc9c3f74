"""A year with nobody at the wheel: a community of 30 whose members behave at random (seeded):
every reply command, out-of-office replies, declined invites, bounces, joins by `in` from an
allowed domain, leaving, pausing, coming back. Ticks run a few times a day at realistic
times. Afterwards the rota's promises hold."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from functions.domain.models import BOUNCE_LIMIT
from functions.services.jobs.tick import tick
from functions.services.reads.report import engagement
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild

ROSTER = "email,name\n" + "".join(f"m{i}@example.com,Member {i}\n" for i in range(30))
ORGANISER = "org@example.com"
AUTH = {"Authentication-Results": "mx.google.com; dmarc=pass header.from=example.com"}
HOURS = (8, 12, 17)  # local ticks a day (Sydney); the digest's 09:00 is caught at 12


def _decline(deps, member: str, session) -> bytes:
    ours = deps.mailer.to(member)[-1]
    msg = EmailMessage()
    msg["From"], msg["To"] = member, str(ours["Reply-To"])
    msg["Subject"], msg["Message-ID"] = "Declined", make_msgid(domain="client.example")
    msg.set_content("Sorry")
    msg.add_alternative(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:guild-{session.date.isoformat()}@cop\r\n"
        f"DTSTAMP:20261130T000000Z\r\nATTENDEE;PARTSTAT=DECLINED:mailto:{member}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", subtype="calendar", params={"method": "REPLY"})
    return msg.as_bytes()


def _bounce(member: str, message_id: str, n: int) -> bytes:
    return ("From: MAILER-DAEMON@mx.example.com\r\nTo: cop@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <sim-bounce{n}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.com\r\n\r\n"
            f"Final-Recipient: rfc822; {member}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n"
            "\r\n--b1--\r\n").encode()


class Year:
    def __init__(self, deps, seed: int = 7) -> None:
        self.deps, self.rng = deps, random.Random(seed)
        self.did = Counter()
        self.joined: list[str] = []
        self.bounced = 0

    def members(self):
        return self.deps.store.list_members("guild")

    def act(self, today: date) -> None:
        """A few members do something today."""
        deps, rng = self.deps, self.rng
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            reached = deps.mailer.recipients()
            people = [m for m in self.members() if m.email in reached]
            if not people:
                return
            m = rng.choice(people)
            kind = rng.choice(("topic", "share", "share", "skip", "volunteer", "pause",
                               "out", "in", "swap", "ooo", "decline", "bounce", "join",
                               "help"))
            if kind == "topic":
                text = f"topic: Lesson {rng.randint(1, 999)}"
            elif kind == "share":
                text = f"share: https://example.org/{rng.randint(1, 10**6)} worth a read"
            elif kind == "pause":
                text = f"pause until {(today + timedelta(days=rng.randint(7, 60))).isoformat()}"
            elif kind == "out":
                text = "out"
            elif kind == "in":
                text = "in"
            elif kind == "swap":
                other = rng.choice(self.members()).email
                text = f"swap with {other}"
            elif kind == "ooo":
                raw = reply(deps, m.email, "I am out of the office until Monday.",
                            headers={"Auto-Submitted": "auto-replied"})
                assert handle_reply(deps, raw).outcome == "ignored"
                self.did["ooo"] += 1
                continue
            elif kind == "decline":
                coming = [s for s in deps.store.list_sessions("guild", today)
                          if s.presenter == m.email and s.is_session]
                if coming:
                    handle_reply(deps, _decline(deps, m.email, coming[0]))
                    self.did["decline"] += 1
                continue
            elif kind == "bounce":
                self.bounced += 1
                handle_reply(deps, _bounce(m.email, deps.mailer.to(m.email)[-1]["Message-ID"],
                                           self.bounced))
                self.did["bounce"] += 1
                continue
            elif kind == "join":
                newcomer = f"new{len(self.joined)}@example.com"
                raw = reply(deps, newcomer, "in", to="cop@example.com", headers=AUTH)
                assert handle_reply(deps, raw).outcome == "done"
                self.joined.append(newcomer)
                self.did["join"] += 1
                continue
            else:
                text = kind
            outcome = handle_reply(deps, reply(deps, m.email, text)).outcome
            self.did[(kind, outcome)] += 1


def test_a_year_of_a_community_of_thirty(deps, clock):
    setup_guild(deps, ROSTER, organisers=(ORGANISER,), allow_domains=("example.com",))
    year = Year(deps)
    start = clock.now()
    ticks = 0
    for day in range(365):
        base = (start + timedelta(days=day)).replace(hour=0, minute=0)
        for hour in HOURS:  # Sydney is UTC+10/11: local hour h is about UTC h-11
            clock.set(base + timedelta(hours=(hour - 11) % 24))
            report = tick(deps)
            ticks += 1
            assert not report.errors, report.errors
        year.act((base + timedelta(hours=12)).date())
    end = clock.now()
    sessions = deps.store.list_sessions("guild")
    members = {m.email: m for m in deps.store.list_members("guild")}
    held = [s for s in sessions if s.held(end)]
    assert len(held) > 40

    # Every session that had an eligible member had a presenter; organisers were alerted
    # only about sessions nobody could present.
    alerts = [m for m in deps.mailer.to(ORGANISER, "alerts")
              if "Nobody can present" in m.get_body(("plain",)).get_content()]
    for s in held:
        eligible = [m for m in members.values() if m.eligible_on(s.date)]
        if eligible:
            assert s.presenter is not None, s
    if not any(s.presenter is None for s in held):
        assert not alerts
    told = Counter(line for m in deps.mailer.to(ORGANISER, "alerts")
                   for line in m.get_body(("plain",)).get_content().splitlines()
                   if "Nobody can present on" in line)
    assert all(n == 1 for n in told.values()), told  # each alert told once

    # Nobody is stuck: no pause past its date that still counts; mail stopped only with
    # the organisers told.
    today = end.date()
    for m in members.values():
        assert m.status(today) != "paused" or m.paused_until > today
        if m.bounces >= BOUNCE_LIMIT:
            assert any(m.email in msg.get_body(("plain",)).get_content()
                       for msg in deps.mailer.to(ORGANISER, "alerts")), m.email

    # Nothing was sent twice: each Message-ID once per recipient.
    seen = Counter((str(msg["Message-ID"]), str(msg["To"])) for msg in deps.mailer.sent)
    assert max(seen.values()) == 1

    # The report's figures match what happened.
    figures = engagement(deps.store, "guild", end, weeks=52)
    in_window = [s for s in held if date.fromisoformat(figures["from"]) <= s.date]
    assert figures["sessions_held"] == len(in_window)
    window_start = date.fromisoformat(figures["from"])
    assert figures["joined"] == sum(1 for m in members.values() if m.joined >= window_start)
    assert {e for e in year.joined} <= set(members)
    assert figures["shares"] == sum(n for k, n in year.did.items()
                                    if k == ("share", "done"))
    print(ticks, "ticks;", dict(year.did))
