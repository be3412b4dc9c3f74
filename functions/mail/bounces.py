"""Which recipients a bounce says failed: RFC 3464 reports, then the formats of 30-odd mail
systems that flufl.bounce knows (qmail, Exim, Exchange, GroupWise, Yahoo, …).

Only reads; whether a bounce is authentic (names a message the rota sent) is decided by the
replies service.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import HeaderParser
from typing import Iterable


from ..domain.validation import email_address

MAX_SCANNED = 1024 * 1024  # bytes of a message the mail-system detectors read at most
_MSG_ID_LINE = re.compile(r"(?im)^\s*message-id\s*:\s*(<[^<>\s]{1,500}>)")
_BOUNCE_SUBJECT = re.compile(
    r"(?i)undeliver|undelivered|delivery (?:status notification|failure|has failed|failed)|"
    r"returned mail|mail delivery (?:failed|failure|subsystem|warning)|failure notice|"
    r"delivery (?:delay|warning)|delayed mail|warning: could not send|"
    r"could not be delivered|nondeliverable|non-delivery|delivery problem|"
    r"unzustellbar|non remis|no entregado|non recapitabile")
_DAEMONS = re.compile(r"(?i)^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|"
                      r"mail[._-]?delivery[._-]?(?:subsystem|system)?|bounces?|"
                      r"mdaemon|mail\.?admin)$")


@dataclass(frozen=True)
class Bounce:
    failed: tuple[str, ...] = ()             # recipients that failed for good
    delayed: tuple[str, ...] = ()            # recipients only delayed (not counted)
    delivered: tuple[str, ...] = ()          # delivered, relayed or expanded: nothing failed
    status: str | None = None                # e.g. 5.1.1, from an RFC 3464 report
    original_ids: tuple[str, ...] = ()       # Message-IDs of the message that bounced

    @property
    def recipient(self) -> str | None:
        return self.failed[0] if self.failed else None

    @property
    def permanent(self) -> bool:
        return bool(self.failed)


def bounce_subject(subject: str) -> bool:
    """A subject mail systems give their failure notices ("Undeliverable: …")."""
    return bool(_BOUNCE_SUBJECT.search(subject))


def is_daemon(local_part: str) -> bool:
    return bool(_DAEMONS.match(local_part))


def read_bounce(parts: list[Message], raw: bytes, scan: bool,
                original_ids: Iterable[str]) -> Bounce | None:
    """The failed recipients a message reports, or None when it reports none. `parts` are
    its leaf parts (bounded); `scan` lets the mail-system detectors
    read it (they guess from prose, so only for mail that comes from a mail system)."""
    failed, delayed, delivered, status = _rfc3464(parts)
    if not failed and not delayed and not delivered and scan:
        failed, delayed = _detectors(raw)
    if not failed and not delayed and not delivered:
        return None
    ids = list(dict.fromkeys(list(original_ids) + _original_ids(parts)))[:10]
    return Bounce(tuple(dict.fromkeys(failed))[:20], tuple(dict.fromkeys(delayed))[:20],
                  tuple(dict.fromkeys(delivered))[:20], status, tuple(ids))


# --- RFC 3464 ---------------------------------------------------------------------------------

def _rfc3464(parts: list[Message]) -> tuple[list[str], list[str], list[str], str | None]:
    """Per-recipient blocks of every message/delivery-status part, wherever it is nested
    and whatever the report-type says (or whether there is one): failed, delayed, and
    delivered (Action delivered, relayed or expanded, or a 2.x.x status: a success DSN)."""
    failed: list[str] = []
    delayed: list[str] = []
    delivered: list[str] = []
    status = None
    for part in parts:
        if _content_type(part) != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            address = _recipient(block)
            if address is None:
                continue
            code = _field(block, "Status").split()[0] if _field(block, "Status") else ""
            action = _field(block, "Action").lower()
            if action == "failed" or (not action and code.startswith("5")):
                failed.append(address)
                status = status or code or None
            elif action == "delayed" or (not action and code.startswith("4")):
                delayed.append(address)
            elif action in ("delivered", "relayed", "expanded") or code.startswith("2"):
                delivered.append(address)
    return failed, delayed, delivered, status


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


def valid_address(text: str) -> str | None:
    text = text.strip().strip("<>").strip()
    text = re.sub(r"(?i)^(?:smtp|mailto):", "", text).strip("<>\"' ")
    if not text or len(text) > 320:
        return None
    try:
        return email_address(text)
    except Exception:  # InputError, and anything the validator did not foresee
        return None


def _field(block: Message, name: str) -> str:
    try:
        value = block.get(name)
    except Exception:
        return ""
    return " ".join(str(value or "").split())[:500]


def _status_blocks(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)][:50]
    if isinstance(payload, str):
        chunks = re.split(r"\r?\n\s*\r?\n", payload.strip()[:100_000])
        return [HeaderParser(policy=policy.compat32).parsestr(chunk) for chunk in chunks[:50]]
    return []


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


# --- other mail systems -------------------------------------------------------------------------

def _detectors(raw: bytes) -> tuple[list[str], list[str]]:
    """flufl.bounce's detectors, on their own parse of the message (they expect the classic
    `email.message.Message`)."""
    from email import message_from_bytes

    from flufl.bounce import all_failures  # loaded on first use
    try:
        msg = message_from_bytes(raw[:MAX_SCANNED])
        temporary, permanent = all_failures(msg)
    except Exception:  # a detector tripping over a malformed message
        logging.getLogger(__name__).info("bounce detectors failed", exc_info=True)
        return [], []
    return _addresses(permanent), _addresses(temporary)


def _addresses(found: Iterable[bytes | str]) -> list[str]:
    out = []
    for item in sorted(found):
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        address = valid_address(text)
        if address:
            out.append(address)
    return out


# --- the message that bounced -------------------------------------------------------------------

def _original_ids(parts: list[Message]) -> list[str]:
    """Message-IDs of the returned message: an attached message or its headers, or the
    headers quoted in the text of a bounce that has no attachment."""
    ids: list[str] = []
    for part in parts:
        kind = _content_type(part)
        try:
            payload = part.get_payload()
        except Exception:
            continue
        if kind == "message/rfc822" and isinstance(payload, list) and payload \
                and isinstance(payload[0], Message):
            value = payload[0].get("Message-ID")
            if value:
                ids += re.findall(r"<[^<>\s]{1,500}>", str(value))[:1]
        elif kind in ("text/rfc822-headers", "text/plain", "message/rfc822") \
                and isinstance(payload, str):
            ids += _MSG_ID_LINE.findall(_decoded(part, payload)[:200_000])
    return ids


def _decoded(part: Message, payload: str) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return payload
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return payload
