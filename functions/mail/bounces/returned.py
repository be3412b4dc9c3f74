"""The Message-IDs of the message that bounced, wherever mail systems put it: an attached
message/rfc822 or text/rfc822-headers part, a header block quoted in the report's text
("Original message headers:", "----- Original Message -----", "> Message-ID: …"), an
X-Original-Message-ID, or a Message-ID whose angle brackets a mail system dropped."""
from __future__ import annotations

import re
from email.message import Message

from .report import content_type, decoded

MAX_TEXT = 200_000  # characters of one part searched at most
MAX_NESTED = 20     # parts of an attached message searched at most
# A Message-ID field at the start of a line (after quote marks), its value on the same
# line or folded onto the next.
_MESSAGE_ID = re.compile(
    r"(?im)^[ \t>]*(?:x-original-)?message-id[ \t]*:[ \t]*(?:\r?\n[ \t]+)?"
    r"(<[^<>\s]{1,500}>|[^<>\s@]{1,250}@[^<>\s@]{1,250}(?=\s|$))")


def returned_ids(parts: list[Message], report: Message | None = None) -> list[str]:
    """`report`: the report itself, whose own Message-ID is no returned message's."""
    ids: list[str] = []
    for part in parts:
        kind = content_type(part)
        if part is not report:  # a message pasted after a MIME boundary: the part's headers
            ids += _found("\n".join(f"{k}: {v}" for k, v in _headers(part)))
        try:
            payload = part.get_payload()
        except Exception:
            continue
        if isinstance(payload, list):  # an attached message, parsed
            for inner in _nested(payload):
                ids += _found("\n".join(f"{k}: {v}" for k, v in _headers(inner)))
                body = _body(inner)  # headers after a stray blank line land here
                ids += _found(body[:MAX_TEXT]) if isinstance(body, str) else []
        elif isinstance(payload, str) and (kind.startswith("text/") or kind.startswith(
                "message/") or kind.startswith("multipart/")):
            ids += _found(decoded(part)[:MAX_TEXT])
    return list(dict.fromkeys(ids))


def _found(text: str) -> list[str]:
    return [value if value.startswith("<") else f"<{value}>"
            for value in _MESSAGE_ID.findall(text)]


def _headers(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(k), str(v)) for k, v in msg.items()
                if str(k).lower() in ("message-id", "x-original-message-id")]
    except Exception:
        return []


def _nested(payload: list) -> list[Message]:
    """An attached message and the messages attached inside it (a bounce of a bounce
    returns both), bounded."""
    found: list[Message] = []
    stack = [m for m in payload[:1] if isinstance(m, Message)]
    while stack and len(found) < MAX_NESTED:
        msg = stack.pop()
        found.append(msg)
        body = _body(msg)
        if isinstance(body, list):
            stack.extend(m for m in reversed(body[:MAX_NESTED]) if isinstance(m, Message))
    return found


def _body(msg: Message) -> object:
    try:
        return msg.get_payload()
    except Exception:
        return None
