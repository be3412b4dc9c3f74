"""Fetching what a use case needs, with the clear error when it is not there."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.errors import NotFound
from ..domain.models import Community, Member, Session
from ..ports import Store


def communities(store: Store) -> list[Community]:
    return store.list_communities()


def community(store: Store, community_id: str) -> Community:
    found = store.get_community(community_id)
    if found is None:
        raise NotFound(f"no community {community_id!r} (see: community list)")
    return found


def member(store: Store, community_id: str, email: str) -> Member:
    found = store.get_member(community_id, email)
    if found is None:
        raise NotFound(f"{email} is not a member of {community_id}")
    return found


def coming_sessions(store: Store, community_id: str, now: datetime) -> list[Session]:
    """Sessions that may still be running or to come at `now`, without the history before
    them (a day of slack covers every time zone). Callers filter on the exact times."""
    return store.list_sessions(community_id, start=(now - timedelta(days=1)).date())
