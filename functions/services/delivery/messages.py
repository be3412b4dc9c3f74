"""Rendering one email for one member from the templates."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Sequence

import jinja2

from ...domain.delivery import LedgerKey
from ...domain.invites import Event
from ...domain.models import Community, Member
from ...domain.wording import greeting
from ...domain.errors import InputError
from ...mail.compose import MailSettings, compose, refusal, unsubscribe_url
from ...mail.templating import render
from ...mail.translations import speak
from .. import rotas
from .outbox import Delivery, Outgoing, deliver


class MailRefused(InputError):
    """Mail to real people is not set up to be sent safely yet."""


def render_message(settings: MailSettings, community: Community, member: Member, *,
                   kind: str, key: str, subject: str, now: datetime,
                   auto: str = "auto-generated", in_reply_to: str | None = None,
                   invites: Sequence[tuple[Event, str]] = (), **context: Any) -> EmailMessage:
    with speak(member.language or community.language):  # the reader's language
        subject = str(subject)
        text, html = render_parts(kind, dict(
            community=community, member=member, video_url=community.video_url,
            subject=subject, greeting=greeting(member.name, member.email),
            unsubscribe_url=unsubscribe_url(settings, community, member.email), **context))
    return compose(settings, community, member, kind=kind, key=key, subject=subject,
                   text=text, html=html, now=now, auto=auto, in_reply_to=in_reply_to,
                   invites=invites)


def render_parts(kind: str, values: dict[str, Any]) -> tuple[str, str | None]:
    """The text and HTML parts of a message of `kind` (templates/email/KIND.txt, .html)."""
    template = kind.replace("-", "_")
    text = render(f"email/{template}.txt", **values)
    try:
        return text, render(f"email/{template}.html", **values)
    except jinja2.TemplateNotFound:
        return text, None


def refuse_if_unsafe(settings: MailSettings, community: Community) -> None:
    """Before anything is claimed: mail to real people that cannot work yet is refused
    (MailRefused); nothing is lost, it goes out once the settings are fixed."""
    refused = refusal(settings, community)
    if refused:
        raise MailRefused(refused)


def outgoing(settings: MailSettings, community: Community, member: Member, *, kind: str,
             key: str, subject: str, now: datetime, deadline: datetime | None = None,
             **context: Any) -> Outgoing:
    """The message and its ledger key `community/kind/key/recipient`; not sent after
    `deadline` (default: a day after it was first tried)."""
    refuse_if_unsafe(settings, community)
    return Outgoing(LedgerKey(community.id, kind, key, member.email), lambda: render_message(
        settings, community, member, kind=kind, key=key, subject=subject, now=now, **context),
        deadline)


def notify(deps, community: Community, member: Member, *, kind: str, key: str, subject: str,
           **context: Any) -> Delivery:
    """Send one message now, once (by its ledger key); none to an address that bounces.
    Outside a run, a refusal of the recipient is counted here (a run folds its own into
    its one write)."""
    if not member.reachable:
        return Delivery()
    now = deps.clock.now()
    item = outgoing(deps.mail, community, member, kind=kind, key=key, subject=subject,
                    now=now, **context)
    delivery = deliver(deps, now, [item])
    current = deps.store.get_member(community.id, member.email) if delivery.bounced else None
    if current is not None:
        rotas.save_member(deps.store, community, current,
                          replace(current, bounces=current.bounces + 1), now)
    return delivery
