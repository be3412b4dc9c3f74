"""The index of roster and feed tokens, kept by the tick so that the public pages, which
find a community by its token, only read."""
from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.delivery import Entry
from ...mail.tokens import Tokens
from ...ports import Store
from ..reads.public import FEED_INDEX, INDEX_SLACK

INDEX_EVERY = timedelta(hours=1)  # how often the tick brings the index up to date


def index_feeds(store: Store, tokens: Tokens, now: datetime) -> int:
    """Bring the index of roster and feed tokens (`feed/TOKEN` → community id) up to date,
    reading only the communities created since it last was, at most once an hour. Run by
    the tick, so that the public pages only read; a community newer than the index is
    still found (community_by_token). How many communities it indexed."""
    index = store.entries([FEED_INDEX]).get(FEED_INDEX)
    if index is not None and now - index.updated < INDEX_EVERY:
        return 0
    since = datetime.fromisoformat(index.detail) if index else None
    unindexed = store.list_communities(created_since=since)
    for community in unindexed:
        store.swap(f"feed/{tokens.feed_token(community.id)}", None,
                   Entry("feed", now, community.id))
    store.swap(FEED_INDEX, index, Entry("feed", now, (now - INDEX_SLACK).isoformat()))
    return len(unindexed)
