"""Creating, changing and listing communities."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.errors import Conflict
from ..domain.models import Community
from ..ports import Store
from . import rotas
from .plan import replan


def add_community(store: Store, now: datetime, community_id: str, **settings: Any) -> Community:
    if store.get_community(community_id) is not None:
        raise Conflict(f"community {community_id!r} already exists (change it with: "
                       f"community set {community_id} …)")
    community = Community(id=community_id, created=now, **settings)
    store.put_community(community)
    replan(store, community_id, now)
    return community


def set_community(store: Store, now: datetime, community_id: str, **changes: Any) -> Community:
    after, _ = rotas.apply(store, community_id, now, lambda r: r.reconfigure(
        r.community.with_changes(**changes), now))
    return after.community


def list_communities(store: Store) -> list[Community]:
    return store.list_communities()
