"""Accuracy of reading inbound mail over the public corpora in tests/inbound: shared by the
tests (which assert it) and `make bench` (which prints it)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from functions.mail.inbound import parse_inbound
from functions.domain.commands import Command, parse_command

HERE = Path(__file__).parent
TODAY = date(2026, 12, 4)
GREETINGS = ("Hej Peter,", "Hei alle sammen,", "Cześć,", "Привет,", "山田さん", "田中様、",
             "Hallo zusammen,", "Γεια σας,", "שלום,", "Peter", "Olá Ana,", "안녕하세요,",
             "Hi all,", "Bonjour à tous,", "Ciao,", "Merhaba,")


@dataclass
class Case:
    name: str
    raw: bytes
    expected: str | None  # the verb that must be obeyed; None: no command at all


@dataclass
class Figures:
    recognised: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    quoted_obeyed: list[str] = field(default_factory=list)
    bounces_found: int = 0
    bounces: int = 0
    auto_answered: list[str] = field(default_factory=list)
    auto: int = 0
    # tests/inbound/bounces/sisimai, by mail system: [samples, failure read (counted),
    # failed recipients read exactly, returned Message-ID found]
    systems: dict[str, list[int]] = field(default_factory=dict)
    notices: dict[str, list[int]] = field(default_factory=dict)  # delay, success: [samples, counted]
    notices_counted: list[str] = field(default_factory=list)     # never any


def verb(raw: bytes) -> str | None:
    inbound = parse_inbound(raw, "mx.google.com", ("cop@example.com",))
    if inbound.automatic or inbound.refused:
        return None
    found = parse_command(inbound.text, TODAY)
    return found.verb if isinstance(found, Command) else None


def _wrap(body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ana@example.com"
    msg["To"] = "cop@example.com"
    msg["Subject"] = "Re: Product Guild"
    msg.set_content(body)
    return msg.as_bytes()


def _quote_out(raw: bytes) -> bytes:
    """The same message with `out` on its own line in the quoted text."""
    return re.sub(rb"(\n>[^\n]*\n)", rb"\1> out\n", raw, count=1)


def reply_cases() -> list[Case]:
    cases = []
    for path in sorted((HERE / "replies" / "talon").glob("*.eml")):
        raw = path.read_bytes()
        cases.append(Case(f"talon/{path.name}", raw, None))
        if b"Hello" not in raw:
            continue
        cases.append(Case(f"talon/{path.name} skip", raw.replace(b"Hello", b"skip"), "skip"))
        head, blank, body = raw.partition(b"\n\n")
        # The greeting is written in UTF-8, and the parts say so, as a mail program would.
        utf8 = re.sub(rb'(?i)charset="?(?:us-ascii|iso-8859-1)"?', b'charset="utf-8"',
                      head + blank + body.replace(b"Hello", b"\0"))
        for greeting in GREETINGS:
            text = f"{greeting}\n\nvolunteer".encode()
            cases.append(Case(f"talon/{path.name} {greeting}",
                              utf8.replace(b"\0", text, 1).replace(b"\0", b""), "volunteer"))
    for path in sorted((HERE / "replies" / "email_reply_parser").glob("*.txt")):
        body = path.read_text(errors="replace")
        cases.append(Case(f"erp/{path.name}", _wrap(body), None))
        cases.append(Case(f"erp/{path.name} top", _wrap("back\n\n" + body), "back"))
        if "\n>" in body:
            # Written below the quote, under the author's own first line when it is short.
            bottom = re.sub(r"((?:\n>[^\n]*)+\n)", r"\1\nskip\n\n", body, count=1)
            first = body.strip().split("\n", 1)[0]
            expected = "skip" if first.startswith(">") or first.rstrip().endswith(",") \
                or re.match(r"On .* wrote:$", first) else None
            if expected:
                cases.append(Case(f"erp/{path.name} below the quote", _wrap(bottom), expected))
    return cases


def measure() -> Figures:
    figures = Figures()
    for case in reply_cases():
        got = verb(case.raw)
        (figures.recognised if got == case.expected else figures.missed).append(case.name)
        if verb(_quote_out(case.raw)) == "out" and case.expected != "out":
            figures.quoted_obeyed.append(case.name)
    corpus = HERE / "bounces" / "flufl"
    for name, expected in json.loads((corpus / "expected.json").read_text()).items():
        inbound = parse_inbound((corpus / name).read_bytes(), "mx.google.com", ())
        if expected["permanent"]:
            figures.bounces += 1
            found = {a.lower() for a in (inbound.bounce.failed if inbound.bounce else ())}
            figures.bounces_found += found == {a.lower() for a in expected["permanent"]}
        if name not in ("bounce_01.txt", "groupwise_03.txt"):  # not automatic replies
            figures.auto += 1
            if not inbound.automatic:
                figures.auto_answered.append(name)
    for path in sorted((HERE / "corpus").glob("*.eml")):
        if any(word in path.name for word in ("office", "autoreply", "bulk", "loop", "daemon",
                                               "bounce")):
            figures.auto += 1
            if not parse_inbound(path.read_bytes(), "mx.google.com", ()).automatic:
                figures.auto_answered.append(path.name)
    measure_mail_systems(figures)
    return figures


SISIMAI = HERE / "bounces" / "sisimai"


@lru_cache(maxsize=1)
def sisimai_samples() -> dict[str, dict]:
    return json.loads((SISIMAI / "expected.json").read_text())


@lru_cache(maxsize=None)  # read once per test process (Inbound is immutable)
def read_sample(name: str):
    return parse_inbound((SISIMAI / name).read_bytes(), "mx.google.com", ("cop@example.com",))


def measure_mail_systems(figures: Figures) -> None:
    """Failure notices by mail system, and delay and success notices, which never count."""
    for name, expected in sisimai_samples().items():
        bounce = read_sample(name).bounce
        counted = bool(bounce and bounce.permanent)
        if expected["kind"] != "failure":
            kind = figures.notices.setdefault(expected["kind"], [0, 0])
            kind[0] += 1
            kind[1] += counted
            figures.notices_counted += [name] if counted else []
            continue
        row = figures.systems.setdefault(expected["system"], [0, 0, 0, 0])
        failed = sorted({a.lower() for a in (bounce.failed if bounce else ())})
        row[0] += 1
        row[1] += counted
        row[2] += failed == expected["failed"]
        row[3] += counted and (expected["message_id"] is None
                               or expected["message_id"] in bounce.original_ids)


def report(f: Figures) -> list[str]:
    total = len(f.recognised) + len(f.missed)
    return [f"replies whose command is recognised: {len(f.recognised)}/{total}",
            f"quoted commands obeyed: {len(f.quoted_obeyed)}",
            f"bounces whose failed recipient is found: {f.bounces_found}/{f.bounces}",
            f"automatic messages answered: {len(f.auto_answered)}/{f.auto}"] + \
        mail_system_lines(f)


def mail_system_lines(f: Figures) -> list[str]:
    total = [sum(row[i] for row in f.systems.values()) for i in range(4)]
    lines = [f"failure notices of {len(f.systems)} mail systems (tests/inbound/bounces/sisimai): "
             f"failure read {total[1]}/{total[0]}, recipient {total[2]}/{total[0]}, "
             f"Message-ID {total[3]}/{total[0]}"]
    lines += [f"  {system:<15} {row[0]:3} samples: failure read {row[1]}, recipient {row[2]}, "
              f"Message-ID {row[3]}" for system, row in sorted(f.systems.items())]
    lines += [f"{kind} notices counted as bounces: {counted}/{samples}"
              for kind, (samples, counted) in sorted(f.notices.items())]
    return lines
