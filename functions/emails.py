"""Turning rendered text into real RFC 5322 messages with the headers every email carries."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from .adapters.ics_calendar import attach_invite
from .domain.invites import Event
from .domain.models import Community, Member
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


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """Header-safe text: no CR/LF (no header injection), trimmed to a readable length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def reply_address(settings: MailSettings, community: Community) -> str:
    return community.reply_to or settings.default_reply_to or f"{community.id}@localhost"


def plus_address(address: str, token: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def message_id(kind: str, community: Community, key: str, email: str, domain: str) -> str:
    """Deterministic, so that a resend of the same message can be recognised."""
    digest = hashlib.sha256(f"{kind}\n{community.id}\n{key}\n{email}".encode()).hexdigest()
    return f"<{kind}.{community.id}.{key}.{digest[:16]}@{domain}>"


def unsubscribe_url(settings: MailSettings, community: Community, email: str) -> str:
    return f"{settings.public_url}/unsubscribe?t={settings.tokens.unsubscribe_token(community.id, email)}"


def compose(settings: MailSettings, community: Community, member: Member, *, kind: str,
            key: str, subject: str, text: str, html: str | None, now: datetime,
            auto: str = "auto-generated", in_reply_to: str | None = None,
            invite: Event | None = None) -> EmailMessage:
    base = reply_address(settings, community)
    domain = base.rpartition("@")[2]
    sender = settings.sender or base
    msg = EmailMessage()
    msg["From"] = Address(one_line(community.name, 80), addr_spec=sender)
    msg["To"] = Address(one_line(member.name, 80), addr_spec=member.email)
    msg["Reply-To"] = Address(one_line(community.name, 80), addr_spec=plus_address(
        base, settings.tokens.reply_token(community.id, member.email)))
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(kind, community, key, member.email, domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["List-Id"] = f"{one_line(community.name, 60)} <{community.id}.{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe_url(settings, community, member.email)}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = auto
    msg["X-Cop-Kind"] = kind
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if invite is not None and settings.attach_invites:
        attach_invite(msg, invite, now)
    return msg
