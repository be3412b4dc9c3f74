"""Turning rendered text into real RFC 5322 messages with the headers every email carries."""
from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Iterable, Sequence


from .ical import attach_invites
from ..domain.invites import CANCEL, Attendee, Event
from ..domain.models import Community, Member
from .tokens import Tokens

MAX_SUBJECT = 180


@dataclass(frozen=True)
class MailSettings:
    public_url: str
    tokens: Tokens
    default_reply_to: str | None = None
    sender: str | None = None  # the mailbox mail is sent as (Gmail); else the reply address
    attach_invites: bool = False  # iTIP invites in mail, when no calendar service sends them
    trusted_authserv: str = "mx.google.com"  # whose Authentication-Results replies trust
    real_recipients: bool = False  # mail leaves this machine (not a Maildir, not loopback)


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """Header-safe text: no CR/LF (no header injection), trimmed to a readable length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class VerbatimHeader(UnstructuredHeader):
    """A header holding URLs or message ids: List-Unsubscribe, In-Reply-To, References.

    The email package folds a word longer than a line of an unstructured header into
    RFC 2047 encoded words (`=?utf-8?q?=3Chttps=3A//…`), which mail clients do not decode
    in these fields: the one-click link or the thread would be lost. Here it folds at
    spaces only, and a long URL stays whole on its line (up to 998 characters are allowed).
    """

    def fold(self, *, policy) -> str:
        value = str(self)
        if not value.isascii():
            return super().fold(policy=policy)
        limit = policy.max_line_length or len(value) + len(self.name) + 2
        lines = [f"{self.name}:"]
        for word in value.split():
            if len(lines[-1]) + 1 + len(word) > limit and lines[-1] != f"{self.name}:":
                lines.append("")
            lines[-1] += " " + word
        return policy.linesep.join(lines) + policy.linesep


class _Headers(HeaderRegistry):
    """The email package's registry makes a new class each time a header is set; this one
    makes each header's class once."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)


_HEADERS = _Headers()
for _name in ("List-Unsubscribe", "In-Reply-To", "References"):
    _HEADERS.map_to_type(_name.lower(), VerbatimHeader)
POLICY = email_policy.default.clone(header_factory=_HEADERS)


def mailbox(name: str, address: str) -> Address:
    """An address header value. An internationalised domain is written as its A-label
    (`bücher.de` → `xn--bcher-kva.de`), which every mail system reads."""
    local, _, domain = address.rpartition("@")
    if not domain.isascii():
        from email_validator import EmailNotValidError, validate_email  # on first use

        try:
            domain = validate_email(address, check_deliverability=False).ascii_domain
        except EmailNotValidError:
            pass  # left as it is: the mailer refuses this one recipient
    return Address(one_line(name, 80), local, domain)


def reply_address(settings: MailSettings, community: Community) -> str:
    return community.reply_to or settings.default_reply_to or f"{community.id}@localhost"


def has_reply_address(settings: MailSettings, community: Community) -> bool:
    """Replies to the community's mail reach a mailbox (its address is not at localhost)."""
    host = reply_address(settings, community).rpartition("@")[2].lower()
    return not (host == "localhost" or host.endswith(".localhost"))


def refusal(settings: MailSettings, community: Community) -> str | None:
    """Why mail to real people must not go out yet: replies would go nowhere, or the
    unsubscribe link would not work for them (RFC 8058 and Gmail want HTTPS)."""
    if not settings.real_recipients:
        return None
    address = reply_address(settings, community)
    if not has_reply_address(settings, community):
        return (f"mail for {community.id} not sent: its reply address is {address}; set "
                f"--reply-to on the community or COP_REPLY_TO to a mailbox the rota reads")
    if not settings.public_url.lower().startswith("https://"):
        return (f"mail for {community.id} not sent: COP_PUBLIC_URL is {settings.public_url}; "
                "unsubscribe links must be HTTPS (set it to the web function's https:// URL)")
    return None


def plus_address(address: str, token: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def message_id(tokens: Tokens, kind: str, community: Community, key: str, email: str,
               domain: str) -> str:
    """Deterministic, so that a resend of the same message can be recognised; signed, so
    that a bounce naming it is known to be about a message the rota sent."""
    ref = tokens.message_ref(kind, community.id, key, email)
    return f"<{kind}.{community.id}.{key}.{ref}@{domain}>"


def sent_message(tokens: Tokens, message_id: str, members: Iterable[str]
                 ) -> tuple[str, str, str] | None:
    """(ledger key, community id, recipient) of a Message-ID this rota signed for one of
    `members`, or None. The ledger key is `community/kind/key/recipient`."""
    local = message_id.strip().strip("<>").rpartition("@")[0]
    pieces = local.split(".")
    if len(pieces) < 4:
        return None
    kind, community_id, key, ref = pieces[0], pieces[1], ".".join(pieces[2:-1]), pieces[-1]
    for email in members:
        if hmac.compare_digest(tokens.message_ref(kind, community_id, key, email), ref):
            return f"{community_id}/{kind}/{key}/{email}", community_id, email
    return None


def unsubscribe_url(settings: MailSettings, community: Community, email: str) -> str:
    return f"{settings.public_url}/unsubscribe?t={settings.tokens.unsubscribe_token(community.id, email)}"


def compose(settings: MailSettings, community: Community, member: Member, *, kind: str,
            key: str, subject: str, text: str, html: str | None, now: datetime,
            auto: str = "auto-generated", in_reply_to: str | None = None,
            invites: Sequence[tuple[Event, str]] = (), organiser: bool = False
            ) -> EmailMessage:
    """One email to `member`. Member mail carries the one-click unsubscribe (RFC 8058);
    `organiser` mail (alerts, the monthly health email) does not: an organiser stops it by
    being taken off the community's organisers, not by leaving it, and the unsubscribe
    page would not know them (a mail program's unsubscribe button would fail)."""
    base = reply_address(settings, community)
    domain = base.rpartition("@")[2]
    sender = settings.sender or base
    # A non-ASCII local part (josé@…) exists only in internationalised mail (RFC 6531/6532):
    # such a message is written with UTF-8 headers, and a relay without SMTPUTF8 refuses
    # that one recipient.
    msg = EmailMessage(policy=POLICY if member.email.rpartition("@")[0].isascii()
                       else POLICY.clone(utf8=True))
    msg["From"] = mailbox(community.name, sender)
    msg["To"] = mailbox(member.name, member.email)
    msg["Reply-To"] = mailbox(community.name, plus_address(
        base, settings.tokens.reply_token(community.id, member.email)))
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(settings.tokens, kind, community, key, member.email, domain)
    # The envelope sender, signed for this message and recipient (VERP): a bounce that comes
    # back to it is authentic. The SMTP mailer sends from it; the Maildir copy keeps it as a
    # delivering server would.
    msg["Return-Path"] = "<" + plus_address(base, settings.tokens.bounce_token(
        community.id, member.email, msg["Message-ID"])) + ">"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    # The list is named by its <id>: angle brackets in the name must not fake another one.
    phrase = one_line(community.name.replace("<", " ").replace(">", " "), 60)
    msg["List-Id"] = f"{phrase} <{community.id}.{domain}>"
    if not organiser:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url(settings, community, member.email)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = auto
    msg["X-Cop-Kind"] = kind
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if invites and settings.attach_invites:
        # Each copy names its own recipient only: nobody's address goes to everyone, and
        # the invite stays small however large the community is. Its ORGANIZER is the
        # recipient's own reply address, so a calendar's RSVP identifies them as a reply does.
        me = (Attendee(member.email, member.name),)
        organiser = msg["Reply-To"].addresses[0].addr_spec
        attach_invites(msg, [replace(event, attendees=me, organiser=organiser,
                                     cancelled=event.cancelled or method == CANCEL)
                             for event, method in invites], now)
    return msg
