"""Welcomes that waited: members added while the community had no reply address (its
mail would have come from `ID@localhost`, and answers would go nowhere) are welcomed once
it has one; the welcome owed is cleared when it goes out."""
from __future__ import annotations

from datetime import datetime

from ...domain.rota import Decision
from ...mail.compose import has_reply_address
from ..changes.members import welcomes
from ..delivery.invitations import Invitations
from ..delivery.notifier import compose
from ..delivery.outbox import Outgoing
from ..deps import Deps


def owed_welcomes(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    rota = book.rota
    if not has_reply_address(deps.mail, rota.community):
        return []
    owed = [m.email for m in rota.roster.values()
            if m.welcome_due and not m.opted_out and m.reachable]
    if not owed:
        return []
    today = rota.today(now)
    return compose(deps, book, Decision(),
                   [c.completed(Decision(), today) for c in welcomes(rota, owed, now)], now)
