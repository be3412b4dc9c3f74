"""Which recipients a bounce says failed, and whether anything failed at all: RFC 3464
reports, the formats of 30-odd mail systems that flufl.bounce knows (qmail, Exim,
Exchange, GroupWise, …), then the plain-text notices of other mail systems (Office 365,
Lotus Notes, Yahoo, KDDI, …, after Sisimai), then the wording of a notice that names no
recipient. A delay or a success report is never a failure.

Only reads; whether a bounce is authentic (names a message the rota sent) is decided by the
replies service.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import Message
from typing import Iterable

from . import dsn, mail_systems, notices
from .mail_systems import signed
from .report import report_text, valid_address
from .returned import returned_ids

__all__ = ["Bounce", "bounce_subject", "is_daemon", "read_bounce", "signed", "valid_address"]

MAX_SCANNED = 1024 * 1024  # bytes of a message the mail-system detectors read at most
_BOUNCE_SUBJECT = re.compile(
    r"(?i)undeliver|undelivered|delivery (?:status notification|failure|has failed|failed)|"
    r"returned mail|mail delivery (?:failed|failure|subsystem|warning)|failure notice|"
    r"delivery (?:delay|warning)|delayed mail|warning: could not send|"
    r"could not be delivered|nondeliverable|non-delivery|delivery problem|"
    r"unzustellbar|non remis|no entregado|non recapitabile")
_DAEMONS = re.compile(r"(?i)^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|"
                      r"mail[._-]?delivery[._-]?(?:subsystem|system)?|bounces?|"
                      r"mdaemon|mail\.?admin|post_master)$")


@dataclass(frozen=True)
class Bounce:
    failed: tuple[str, ...] = ()             # recipients that failed for good
    delayed: tuple[str, ...] = ()            # recipients only delayed (not counted)
    delivered: tuple[str, ...] = ()          # delivered, relayed or expanded: nothing failed
    status: str | None = None                # e.g. 5.1.1, from an RFC 3464 report
    original_ids: tuple[str, ...] = ()       # Message-IDs of the message that bounced
    failure: bool = False                    # a permanent failure, its recipient unread
    reader: str = ""                         # what read it: RFC 3464, flufl.bounce, a form

    @property
    def recipient(self) -> str | None:
        return self.failed[0] if self.failed else None

    @property
    def permanent(self) -> bool:
        return bool(self.failed) or self.failure


def bounce_subject(subject: str) -> bool:
    """A subject mail systems give their failure notices ("Undeliverable: …")."""
    return bool(_BOUNCE_SUBJECT.search(subject))


def is_daemon(local_part: str) -> bool:
    return bool(_DAEMONS.match(local_part))


def read_bounce(parts: list[Message], raw: bytes, scan: bool,
                original_ids: Iterable[str], subject: str = "",
                report: Message | None = None, notice: bool = False) -> Bounce | None:
    """What a message reports, or None when it reports nothing. `parts` are its leaf parts
    (bounded); `scan` lets flufl.bounce guess from prose (only for mail that may come from a
    mail system), `notice` also the mail-system forms and wording (only for mail that says
    it comes from one); `report` is the message itself."""
    found, reader = dsn.from_parts(parts), "RFC 3464"
    text = report_text(parts) if scan else ""
    if not found and scan:
        found = dsn.from_text(text)
    if not found and scan:
        found, reader = _flufl(raw), "flufl.bounce"
    if not found and notice:
        form = mail_systems.failed_recipients(text)
        if form:
            found, reader = dsn.Statuses(failed=form[1]), form[0]
    if reader != "RFC 3464" and found.failed and notices.delay(subject, text):
        found = dsn.Statuses(delayed=found.failed + found.delayed)  # prose: only delayed
    failure = notice and not found and notices.failure(subject, text)
    if not found and not failure:
        return None
    ids = list(dict.fromkeys(returned_ids(parts, report) + list(original_ids)))[:10]
    return Bounce(tuple(dict.fromkeys(found.failed))[:20],
                  tuple(dict.fromkeys(found.delayed))[:20],
                  tuple(dict.fromkeys(found.delivered))[:20], found.status, tuple(ids),
                  failure, reader if found else "wording")


def _flufl(raw: bytes) -> dsn.Statuses:
    """flufl.bounce's detectors, on their own parse of the message (they expect the classic
    `email.message.Message`)."""
    from email import message_from_bytes

    from flufl.bounce import all_failures  # loaded on first use
    try:
        msg = message_from_bytes(raw[:MAX_SCANNED])
        temporary, permanent = all_failures(msg)
    except Exception:  # a detector tripping over a malformed message
        logging.getLogger(__name__).info("bounce detectors failed", exc_info=True)
        return dsn.Statuses()
    return dsn.Statuses(failed=_addresses(permanent), delayed=_addresses(temporary))


def _addresses(found: Iterable[bytes | str]) -> list[str]:
    out = []
    for item in sorted(found):
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        address = valid_address(text)
        if address:
            out.append(address)
    return out
