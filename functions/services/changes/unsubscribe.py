"""One-click unsubscribe (RFC 8058): a signed link opts its member out."""
from __future__ import annotations

import logging
from datetime import datetime

from ...domain.models import Member
from ...ports import Store
from ...mail.tokens import Tokens
from ..actors import UNSUBSCRIBE, Actor, acting
from . import members

log = logging.getLogger(__name__)


def unsubscribe(store: Store, tokens: Tokens, token: str, now: datetime
                ) -> tuple[str, Member] | None:
    """Opt out the member the token names. None for a forged, damaged or stale token."""
    target = tokens.unsubscribe_target(token)
    if target is None:
        log.warning("unsubscribe: refused a token that does not verify")
        return None
    community_id, email = target
    if store.get_community(community_id) is None or store.get_member(community_id, email) is None:
        log.warning("unsubscribe: %s is no longer in %s", email, community_id)
        return None
    with acting(Actor(UNSUBSCRIBE, email)):
        return community_id, members.opt_out(store, now, community_id, email)
