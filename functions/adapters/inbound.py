"""Reading one inbound email robustly: who sent it, to which reply address, what is new in it.

Nothing here decides what to do with a reply; `parse_inbound` only reports what the message
says, and never raises on malformed input. Every string field except `text` is one line.
"""
from __future__ import annotations

import binascii
import hashlib
import quopri
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses
from typing import Iterable, Iterator

from icalendar import Calendar

from ..domain.validation import email_address
from .mail_auth import authenticated
from .reply_text import MAX_TEXT, html_to_text, reply_text, unflow

MAX_MESSAGE = 25 * 1024 * 1024
# The stdlib parser spends ~0.2 ms per MIME part and ~0.3 µs per line of a multipart body:
# a hostile message of tiny parts or empty lines would keep it busy for minutes.
MAX_LINES = 500_000       # a 25 MB base64 attachment has ~350,000
MAX_BOUNDARIES = 2_000
MAX_HTML = 100_000       # characters of an HTML body converted (html.parser is superlinear)
MAX_ENCODED = 512 * 1024  # encoded bytes of one body part decoded at most
MAX_PARTS = 200
MAX_HEADER = 2_000
_MSG_ID = re.compile(r"<[^<>\s]{1,500}>")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = {"mailer-daemon", "postmaster"}


@dataclass(frozen=True)
class Bounce:
    recipient: str | None            # Final-Recipient of the first failed recipient
    action: str | None               # failed, delayed, delivered, relayed, expanded
    status: str | None               # e.g. 5.1.1
    original_message_id: str | None  # Message-ID of the message that bounced

    @property
    def permanent(self) -> bool:
        return self.action == "failed"


@dataclass(frozen=True)
class CalendarReply:
    attendee: str | None  # validated, lower case
    partstat: str | None  # ACCEPTED, DECLINED, TENTATIVE, …
    uid: str | None


@dataclass(frozen=True)
class Inbound:
    digest: str = ""                  # sha256 of the raw bytes: a key when Message-ID is absent
    message_id: str | None = None
    from_address: str | None = None   # None unless exactly one valid From address
    from_name: str = ""
    recipients: tuple[str, ...] = ()  # Delivered-To, X-Original-To, To, Cc (lower case)
    reply_token: str | None = None
    subject: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    text: str = ""                    # the new text only, without quoted history
    automatic: str | None = None      # why this must never be answered
    bounce: Bounce | None = None
    calendar_reply: CalendarReply | None = None
    auth: bool = False                # DMARC pass aligned with From, per the trusted server
    refused: str | None = None        # not read at all: too large, too complex, unreadable


def parse_inbound(raw: bytes, trusted_authserv: str, reply_bases: Iterable[str] = ()) -> Inbound:
    """Read one RFC 5322 message; `reply_bases` are the reply addresses (e.g. cop@example.com)."""
    try:
        raw = bytes(raw)
    except (TypeError, ValueError):
        return Inbound(refused="not bytes")
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_MESSAGE:
        return Inbound(digest=digest, refused="too large")
    if max(raw.count(b"\n"), raw.count(b"\r")) > MAX_LINES or \
            raw.count(b"\n--") + raw.count(b"\r--") > MAX_BOUNDARIES:
        return Inbound(digest=digest, refused="too complex")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # the parser is meant to record defects instead, but be sure
        try:
            msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        except Exception:
            return Inbound(digest=digest, refused="unreadable")
    try:
        return _read(msg, digest, trusted_authserv, reply_bases)
    except Exception:  # a last resort: an unforeseen defect must not stop the inbox
        return Inbound(digest=digest, refused="unreadable")


def _read(msg: Message, digest: str, trusted_authserv: str, reply_bases: Iterable[str]) -> Inbound:
    froms = _addresses(msg, "From")
    sender = _valid(froms[0][1]) if len(froms) == 1 else None
    recipients = tuple(dict.fromkeys(
        address.lower() for name in ("Delivered-To", "X-Original-To", "To", "Cc")
        for _, address in _addresses(msg, name) if "@" in address))[:100]
    parts = list(_parts(msg))
    bounce = _bounce(parts) if _report_type(msg) == "delivery-status" else None
    return Inbound(
        digest=digest,
        message_id=_first_id(_raw(msg, "Message-ID")),
        from_address=sender,
        from_name=_one_line(_decode_words(froms[0][0]))[:200] if len(froms) == 1 else "",
        recipients=recipients,
        reply_token=find_reply_token(recipients, reply_bases),
        subject=_one_line(_subject(msg))[:MAX_HEADER],
        in_reply_to=_first_id(_raw(msg, "In-Reply-To")),
        references=tuple(_ids(_raw(msg, "References")))[-50:],
        text=_new_text(parts),
        automatic=_automatic(msg, froms),
        bounce=bounce,
        calendar_reply=_calendar_reply(parts),
        auth=sender is not None and authenticated(
            _raw_all(msg, "Authentication-Results"), trusted_authserv, sender),
    )


# --- headers ---------------------------------------------------------------------------

def _raw_all(msg: Message, name: str) -> list[str]:
    """Every value of a header, top first, unfolded, without parsing it."""
    values = []
    try:
        items = list(msg.raw_items())
    except Exception:
        return values
    for key, value in items:
        if str(key).lower() == name.lower():
            text = value if isinstance(value, str) else str(value)
            # BytesParser keeps undecodable bytes as surrogates: bring them back as UTF-8.
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            values.append(re.sub(r"\r?\n[ \t]*", " ", text)[:MAX_HEADER * 10])
    return values


def _raw(msg: Message, name: str) -> str:
    values = _raw_all(msg, name)
    return values[0] if values else ""


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, leniently (unknown charsets, bad base64)."""
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(_decode_bytes(chunk, charset or "latin-1"))
    return "".join(out)


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except Exception:  # unknown charset, or a codec that rejects "replace"
        return data.decode("utf-8", "replace")


def _subject(msg: Message) -> str:
    raw = _raw(msg, "Subject")[: MAX_HEADER * 2]  # parsing encoded words is slow on long input
    try:
        return str(policy.default.header_factory("Subject", raw))
    except Exception:
        return _decode_words(raw)


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs from every header of that name, parsed from raw text."""
    try:
        pairs = getaddresses(_raw_all(msg, name))
    except Exception:
        return []
    cleaned = ((display, address.strip()) for display, address in pairs)
    return [(display, address) for display, address in cleaned
            if address and all(c.isprintable() and not c.isspace() for c in address)]


def _valid(address: str) -> str | None:
    try:
        return email_address(address)
    except Exception:  # InputError, and anything the validator did not foresee
        return None


def _ids(value: str) -> list[str]:
    return [found for found in _MSG_ID.findall(value) if found.isprintable()]


def _first_id(value: str) -> str | None:
    found = _ids(value)
    return found[0] if found else (_one_line(value)[:500] or None)


def find_reply_token(addresses: Iterable[str], reply_bases: Iterable[str] = ()) -> str | None:
    """The `+token` of the first address whose base (`local@domain`) is a reply address;
    of any plus-address when no reply addresses are given."""
    if isinstance(reply_bases, str):
        reply_bases = [reply_bases]
    bases = {_base(b)[0] for b in reply_bases if "@" in b}
    for address in addresses:
        base, token = _base(address)
        if token and (not bases or base in bases) and _TOKEN.fullmatch(token):
            return token
    return None


def _base(address: str) -> tuple[str, str | None]:
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    local = local.strip('"')
    name, plus, token = local.partition("+")
    return f"{name}@{domain}", token if plus else None


# --- automatic mail ----------------------------------------------------------------------

def _report_type(msg: Message) -> str | None:
    try:
        if msg.get_content_type() != "multipart/report":
            return None
        return _one_line(str(msg.get_param("report-type", "") or "")).lower()[:40] or "unknown"
    except Exception:
        return None


def _automatic(msg: Message, froms: list[tuple[str, str]]) -> str | None:
    report = _report_type(msg)
    if report:
        return f"report ({report})"
    if _raw_all(msg, "X-Cop-Kind"):
        return "our own mail (X-Cop-Kind)"
    auto = _raw(msg, "Auto-Submitted").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {_one_line(auto)[:40]}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _raw_all(msg, name):
            return name
    precedence = _raw(msg, "Precedence").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if any(address.lower().partition("@")[0] in _DAEMONS for _, address in froms):
        return "from a mail system (mailer-daemon/postmaster)"
    if _raw(msg, "Return-Path").replace(" ", "") == "<>":
        return "empty Return-Path (bounce or auto-reply)"
    return None


# --- MIME parts ------------------------------------------------------------------------------

def _parts(msg: Message) -> Iterator[Message]:
    """Leaf parts, depth first, bounded (a hostile message may nest thousands). Attached
    messages (message/*) are leaves: what they contain was not written by the sender."""
    stack, seen = [(msg, 0)], 0
    while stack and seen < MAX_PARTS:
        part, depth = stack.pop()
        seen += 1
        try:
            children = part.get_payload() if _content_type(part).startswith("multipart/") else None
        except Exception:
            children = None
        if isinstance(children, list):
            if depth < 20:
                stack.extend((child, depth + 1) for child in reversed(children)
                             if isinstance(child, Message))
            continue
        yield part


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def _part_bytes(part: Message) -> bytes:
    """The decoded body of a part, from at most MAX_ENCODED of its encoded text."""
    try:
        payload = part.get_payload()
    except Exception:
        return b""
    if not isinstance(payload, str):
        return b""
    data = payload[:MAX_ENCODED].encode("utf-8", "surrogateescape")
    encoding = _raw(part, "Content-Transfer-Encoding").strip().lower()
    try:
        if encoding == "base64":
            data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)  # also drops padding, added back below
            if len(data) % 4 == 1:
                data = data[:-1]  # a lone last character carries no whole byte
            return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
        if encoding == "quoted-printable":
            return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return b""
    return data


def _part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        charset = "utf-8"
    return _decode_bytes(_part_bytes(part), charset)


def _new_text(parts: list[Message]) -> str:
    """The new text of the first readable body: plain text preferred, else HTML."""
    bodies = [p for p in parts if not _is_attachment(p)]
    for kind in ("text/plain", "text/html"):
        for part in bodies:
            if _content_type(part) != kind:
                continue
            text = _part_text(part)[: MAX_HTML if kind == "text/html" else MAX_TEXT]
            if kind == "text/html":
                text = html_to_text(text)
            elif _is_flowed(part):
                text = unflow(text, _delsp(part))
            new = reply_text(text[:MAX_TEXT])
            if new:
                return new
    return ""


def _is_flowed(part: Message) -> bool:
    try:
        return str(part.get_param("format", "") or "").lower() == "flowed"
    except Exception:
        return False


def _delsp(part: Message) -> bool:
    try:
        return str(part.get_param("delsp", "") or "").lower() == "yes"
    except Exception:
        return False


# --- reports and calendar replies -------------------------------------------------------------

def _bounce(parts: list[Message]) -> Bounce | None:
    status_blocks: list[Message] = []
    original = None
    for part in parts:
        kind = _content_type(part)
        if kind == "message/delivery-status" and not status_blocks:
            status_blocks = _status_blocks(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_id(part)
    recipients = status_blocks[1:] or status_blocks
    if not recipients:
        return None
    failed = [b for b in recipients if _raw(b, "Action").strip().lower() == "failed"]
    block = (failed or recipients)[0]
    final = _raw(block, "Final-Recipient") or _raw(block, "Original-Recipient")
    return Bounce(
        recipient=_valid(final.partition(";")[2] or final) if final else None,
        action=_one_line(_raw(block, "Action")).lower()[:40] or None,
        status=_one_line(_raw(block, "Status"))[:40] or None,
        original_message_id=original,
    )


def _status_blocks(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):
        chunks = re.split(r"\r?\n\s*\r?\n", payload.strip())
        return [HeaderParser(policy=policy.compat32).parsestr(chunk) for chunk in chunks[:20]]
    return []


def _original_id(part: Message) -> str | None:
    try:
        payload = part.get_payload()
    except Exception:
        return None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _first_id(_raw(payload[0], "Message-ID"))
    if isinstance(payload, str):
        headers = HeaderParser(policy=policy.compat32).parsestr(payload[:MAX_ENCODED])
        return _first_id(_raw(headers, "Message-ID"))
    return None


def _calendar_reply(parts: list[Message]) -> CalendarReply | None:
    for part in parts:
        if _content_type(part) not in ("text/calendar", "application/ics"):
            continue
        try:
            calendar = Calendar.from_ical(_part_bytes(part))
            if str(calendar.get("METHOD", "")).upper() != "REPLY":
                continue
            for event in calendar.walk("VEVENT"):
                attendee = event.get("ATTENDEE")
                if isinstance(attendee, list):
                    attendee = attendee[0] if attendee else None
                if attendee is None:
                    continue
                address = re.sub(r"(?i)^mailto:", "", str(attendee))
                partstat = attendee.params.get("PARTSTAT") if hasattr(attendee, "params") else None
                return CalendarReply(
                    attendee=_valid(address),
                    partstat=_one_line(str(partstat)).upper()[:40] if partstat else None,
                    uid=_one_line(str(event.get("UID", "")))[:500] or None,
                )
        except Exception:  # icalendar raises ValueError and others on broken calendars
            continue
    return None
