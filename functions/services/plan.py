"""Plan: keep the next `lookahead` sessions of a community planned and stored."""
from __future__ import annotations

from datetime import datetime

from ..domain import rota
from ..ports import Store
from . import lookup


def replan(store: Store, community_id: str, now: datetime) -> list[rota.Change]:
    """Plan the horizon; store what changed. Idempotent: a second run changes nothing."""
    community = lookup.community(store, community_id)
    members = store.list_members(community_id)
    sessions = store.list_sessions(community_id)
    changed, changes = rota.plan(community, members, sessions, now)
    if changed:
        store.put_sessions(community_id, changed)
    return changes
