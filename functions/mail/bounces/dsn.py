"""RFC 3464 delivery status notifications: per-recipient blocks of every
message/delivery-status part, wherever it is nested and whatever the report-type says (or
whether there is one), and the same fields written into the text of a report by mail
systems that lost the MIME structure or never had it (Amazon WorkMail, Symantec
MessageLabs, Postfix relayed through a gateway)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import HeaderParser

from .report import content_type, valid_address

_BLOCKS = re.compile(r"\r?\n[ \t]*\r?\n")
_RECIPIENT_FIELD = re.compile(r"(?im)^(?:final|original)-recipient[ \t]*:")


@dataclass
class Statuses:
    failed: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)  # delivered, relayed or expanded
    status: str | None = None                             # of the first failure

    def __bool__(self) -> bool:
        return bool(self.failed or self.delayed or self.delivered)


def from_parts(parts: list[Message]) -> Statuses:
    found = Statuses()
    for part in parts:
        if content_type(part) == "message/delivery-status":
            _classify(_part_blocks(part), found)
    return found


def from_text(text: str) -> Statuses:
    """The fields of RFC 3464 written as plain text ("Final-Recipient: rfc822; …" lines)."""
    found = Statuses()
    if _RECIPIENT_FIELD.search(text):
        _classify(_blocks(text), found)
    return found


def _classify(blocks: list[Message], found: Statuses) -> None:
    """Failed, delayed, and delivered (Action delivered, relayed or expanded, or a 2.x.x
    status: a success DSN). `Action: failed` is final whatever the status class: the
    mail system gave up (RFC 3464 2.3.3)."""
    for block in blocks:
        address = _recipient(block)
        if address is None:
            continue
        code = _field(block, "Status").split()[0] if _field(block, "Status") else ""
        action = _field(block, "Action").lower()
        if action == "failed" or (not action and code.startswith("5")):
            found.failed.append(address)
            found.status = found.status or code or None
        elif action == "delayed" or (not action and code.startswith("4")):
            found.delayed.append(address)
        elif action in ("delivered", "relayed", "expanded") or code.startswith("2"):
            found.delivered.append(address)


def _recipient(block: Message) -> str | None:
    """Original-Recipient (the address the rota sent to, before any forwarding), else
    Final-Recipient; an X.400 or otherwise unusable address is passed over."""
    for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient"):
        value = _field(block, name)
        address_type, semi, address = value.partition(";")
        if not semi:
            address = address_type
        elif address_type.strip().lower() not in ("rfc822", "unknown", "x-unknown"):
            continue
        found = valid_address(address)
        if found:
            return found
    return None


def _field(block: Message, name: str) -> str:
    try:
        value = block.get(name)
    except Exception:
        return ""
    return " ".join(str(value or "").split())[:500]


def _part_blocks(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)][:50]
    if isinstance(payload, str):
        return _blocks(payload)
    return []


def _blocks(text: str) -> list[Message]:
    chunks = _BLOCKS.split(text.strip()[:100_000])
    parser = HeaderParser(policy=policy.compat32)
    # Lines before the first field (a report's prose) are no header: start at the fields.
    return [parser.parsestr(re.sub(r"(?s)\A.*?(?=^[A-Za-z-]+[ \t]*:)", "", chunk, count=1,
                                   flags=re.M)) for chunk in chunks[:50]]
