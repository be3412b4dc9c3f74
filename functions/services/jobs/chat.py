"""The team chat's weekly posts, at the digest time and about the digest's session: who
presents on what, and the links shared that week. Each is posted once (its ledger key)."""
from __future__ import annotations

from datetime import datetime

from ...domain.delivery import LedgerKey
from ...domain.chat import CHANNEL, presenter_post, shares_post
from ...domain.digest import session_line
from ...mail.translations import speak
from ..delivery.invitations import Invitations
from ..delivery.outbox import Outgoing
from ..deps import Deps
from .digest import digest_deadline, due_digest, shared_since


def chat_posts(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    rota = book.rota
    community = rota.community
    if not community.chat_webhook:
        return []
    due = due_digest(rota, now)
    if due is None:
        return []
    slot, session = due
    deadline = digest_deadline(community, slot, session)
    shared, _ = shared_since(deps, community, slot)
    with speak(community.language):  # the whole channel reads it: the community's language
        line = session_line(community, session, rota.roster, now)
        texts = {"chat-presenter": presenter_post(community.name, line, community.video_url)}
        if shared:
            texts["chat-shares"] = shares_post(community.name, shared)
    items = []
    for kind, text in texts.items():
        key = LedgerKey(community.id, kind, session.date.isoformat(), CHANNEL)
        items.append(Outgoing(key, lambda text=text: text,
                              deadline))
    return items
