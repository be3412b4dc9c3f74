"""The text of a delivery report that the mail system wrote, without the returned message:
what the wording and mail-system detectors read."""
from __future__ import annotations

import re
from email.message import Message

from ...domain.validation import email_address

MAX_REPORT = 64 * 1024  # characters of report text read at most
# Where a report's own words end and the returned message (or its headers) begins, in the
# forms of the mail systems in tests/inbound/bounces (after Sisimai's boundary strings).
_RETURNED = re.compile(
    r"(?im)^[ \t]*(?:-+ ?(?:original message|returned message|unsent message|"
    r"below this line is a copy|this is a copy of the message|the header of the original|"
    r"original mail (?:as follows|info))|original message (?:headers|follows)|"
    r"original mail as follows|below is a copy of the original message|"
    r"content-type: (?:message/rfc822|text/rfc822-headers))")


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def decoded(part: Message) -> str:
    """A part's body as text: transfer encoding undone, charset applied (leniently)."""
    try:
        payload = part.get_payload()
        data = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(payload, str):
        return ""
    if not isinstance(data, bytes):
        return payload
    try:
        charset = part.get_content_charset() or "utf-8"
        return data.decode(charset, "replace")
    except Exception:  # an unknown charset
        return data.decode("utf-8", "replace")


def report_text(parts: list[Message]) -> str:
    """The words of the report: its text parts up to the returned message, cut where an
    inline copy of that message begins."""
    chunks: list[str] = []
    size = 0
    for part in parts:
        kind = content_type(part)
        if kind in ("message/rfc822", "text/rfc822-headers", "message/global",
                    "message/global-headers"):
            break
        if not (kind.startswith("text/plain") or kind.startswith("multipart/")):
            continue  # HTML twins, delivery-status (read field by field), attachments
        text = decoded(part)[:MAX_REPORT - size]
        end = _RETURNED.search(text)
        chunks.append(text[:end.start()] if end else text)
        size += len(chunks[-1])
        if end or size >= MAX_REPORT:
            break
    return "\n".join(chunks)


def valid_address(text: str) -> str | None:
    text = text.strip().strip("<>").strip()
    text = re.sub(r"(?i)^(?:smtp|mailto|rfc822):", "", text).strip("<>\"' ").rstrip(".")
    if not text or len(text) > 320:
        return None
    try:
        return email_address(text)
    except Exception:  # InputError, and anything the validator did not foresee
        return None
