"""Rendering one email for one member from the templates."""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any

import jinja2

from ..domain.models import Community, Member
from ..emails import MailSettings, compose, unsubscribe_url
from ..templating import render
from .outbox import Outgoing


def render_message(settings: MailSettings, community: Community, member: Member, *,
                   kind: str, key: str, subject: str, now: datetime,
                   auto: str = "auto-generated", **context: Any) -> EmailMessage:
    values = dict(community=community, member=member, video_url=community.video_url,
                  subject=subject,
                  unsubscribe_url=unsubscribe_url(settings, community, member.email),
                  **context)
    template = kind.replace("-", "_")
    text = render(f"email/{template}.txt", **values)
    try:
        html = render(f"email/{template}.html", **values)
    except jinja2.TemplateNotFound:
        html = None
    return compose(settings, community, member, kind=kind, key=key, subject=subject,
                   text=text, html=html, now=now, auto=auto)


def outgoing(settings: MailSettings, community: Community, member: Member, *, kind: str,
             key: str, subject: str, now: datetime, **context: Any) -> Outgoing:
    """The message and its ledger key `community/kind/key/recipient`."""
    return Outgoing(f"{community.id}/{kind}/{key}/{member.email}", lambda: render_message(
        settings, community, member, kind=kind, key=key, subject=subject, now=now, **context))
