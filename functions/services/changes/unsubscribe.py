"""One-click unsubscribe (RFC 8058): a signed link opts its member out."""
from __future__ import annotations

import logging
from datetime import datetime

from ...domain.models import Member
from ...ports import Store
from ...mail.tokens import Tokens
from ..actors import UNSUBSCRIBE, Actor, acting
from ..deps import Deps
from . import members

log = logging.getLogger(__name__)

DONE, LEAVING, INVALID = "done", "leaving", "invalid"  # what the member is shown


def target_of(store: Store, tokens: Tokens, token: str) -> tuple[str, str] | None:
    """The (community, member) a token names, while both exist. Reads only."""
    target = tokens.unsubscribe_target(token)
    if target is None:
        log.warning("unsubscribe: refused a token that does not verify")
        return None
    community_id, email = target
    if store.get_community(community_id) is None or store.get_member(community_id, email) is None:
        log.warning("unsubscribe: %s is no longer in %s", email, community_id)
        return None
    return target


def unsubscribe(store: Store, tokens: Tokens, token: str, now: datetime
                ) -> tuple[str, Member] | None:
    """Opt out the member the token names. None for a forged, damaged or stale token.
    Again for someone who already left changes nothing."""
    target = target_of(store, tokens, token)
    if target is None:
        return None
    community_id, email = target
    with acting(Actor(UNSUBSCRIBE, email)):
        return community_id, members.opt_out(store, now, community_id, email)


def leave_by_link(deps: Deps, token: str) -> str:
    """A member's click on the unsubscribe page: applied here, or, with deps.unsubscribes
    (the public web function, which may not write the store), published for the function
    that applies it (DONE, LEAVING, or INVALID for a link that names nobody)."""
    if deps.unsubscribes is None:
        done = unsubscribe(deps.store, deps.mail.tokens, token, deps.clock.now())
        return DONE if done else INVALID
    if target_of(deps.store, deps.mail.tokens, token) is None:
        return INVALID
    deps.unsubscribes.publish(token)
    return LEAVING
