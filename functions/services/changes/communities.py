"""Creating, changing and listing communities."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ...domain.errors import Conflict
from ...domain.jobs import AT_ONCE
from ...domain.models import Community
from ...domain.rota import Rota
from ...ports import Store
from .. import actors, changelog, rotas
from ..deps import Deps
from .decide import decide


def add_community(store: Store, now: datetime, community_id: str, **settings: Any) -> Community:
    if store.get_community(community_id) is not None:
        raise Conflict(f"community {community_id!r} already exists (change it with: "
                       f"community set {community_id} …)")
    community = Community(id=community_id, created=now, **settings)
    empty = Rota.of(community, [], [])
    planned, _ = empty.plan(now)
    # One write: the community, its first plan (noted for the history, with its creation),
    # and due at the next tick (its invites).
    write = rotas.changes(empty, planned, now,
                          [changelog.created(community_id, now, actors.current())])
    store.save(replace(write, community=planned.community, mark_due=AT_ONCE))
    return planned.community


def set_community(deps: Deps, community_id: str, **changes: Any) -> Community:
    """New settings; planned sessions follow, and everyone concerned is told."""
    after, _ = decide(deps, community_id, lambda rota, now: rota.reconfigure(
        rota.community.with_changes(**changes), now))
    return after.community
