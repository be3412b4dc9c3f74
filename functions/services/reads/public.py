"""What the public web pages show: a community's roster page and its calendar feed.

Both live under an unguessable token per community and name nobody by address.
"""
from __future__ import annotations

import hmac
from dataclasses import replace
from datetime import datetime, timedelta

from ...domain.digest import session_line
from ...domain.invites import Event
from ...domain.timing import zone
from ...domain.models import Community
from ...domain.wording import weekday_name
from ...mail.compose import reply_address
from ...ports import Store
from ...mail.tokens import Tokens
from .. import lookup
from ..delivery.calendar import event_for
from ..deps import Deps

FEED_WEEKS = 12
PAST_SESSIONS = 6  # the last sessions held, on the roster page


FEED_INDEX = "feed-index"  # detail: communities created since then may not be indexed yet
INDEX_SLACK = timedelta(hours=1)  # clocks of different instances may disagree a little


def community_by_token(store: Store, tokens: Tokens, token: str) -> Community | None:
    """The community of a roster or feed token, found by key in the index the tick keeps
    (`feed/TOKEN`, jobs/feeds.py). A token not in it reads only the communities created
    since the index was last brought up to date (none, mostly). Writes nothing."""
    key = f"feed/{token}"
    found = store.entries([key, FEED_INDEX])
    if key not in found:
        index = found.get(FEED_INDEX)
        since = datetime.fromisoformat(index.detail) if index else None
        wanted = token.encode()  # any text may come in a URL
        return next((c for c in store.list_communities(created_since=since)
                     if hmac.compare_digest(tokens.feed_token(c.id).encode(), wanted)), None)
    community = store.get_community(found[key].detail)  # None once it was removed
    if community is None or not hmac.compare_digest(tokens.feed_token(community.id), token):
        return None
    return community


def public_links(deps: Deps, community: Community) -> dict[str, str]:
    token = deps.mail.tokens.feed_token(community.id)
    return {"roster": f"{deps.mail.public_url}/roster/{token}",
            "feed": f"{deps.mail.public_url}/feed/{token}.ics"}


def roster_page(deps: Deps, community: Community, now: datetime) -> dict:
    roster = {m.email: m for m in deps.store.list_members(community.id)}
    sessions = [s for s in lookup.coming_sessions(deps.store, community.id, now)
                if s.starts_at and s.ends_at and s.ends_at > now][:FEED_WEEKS]
    lines = [session_line(community, s, roster, now) for s in sessions]
    past = [s for s in deps.store.list_sessions(community.id,
                                                start=(now - timedelta(weeks=12)).date())
            if s.held(now)][-PAST_SESSIONS:]
    return {
        "held": [session_line(community, s, roster, now) for s in reversed(past)],
        "shared": shared_lately(deps.store, community, now),
        "community": community,
        "sessions": lines,
        "weekday": weekday_name(community.weekday),
        "local_time": community.start.strftime("%H:%M"),
        "members": sum(1 for m in roster.values() if not m.opted_out),
        "join_address": reply_address(deps.mail, community),
        "allow_domains": community.allow_domains,
        "feed_url": public_links(deps, community)["feed"],
    }


def shared_lately(store: Store, community: Community, now: datetime) -> list[dict]:
    """The links members shared in the last four weeks, newest first."""
    shared = store.list_links(community.id, now - timedelta(weeks=4))
    return [{"url": k.url, "note": k.note, "name": k.name,
             "day": k.shared_at.astimezone(zone(community)).date().isoformat()}
            for k in reversed(shared)]


def feed_events(deps: Deps, community: Community, now: datetime) -> list[Event]:
    """The sessions not yet over (no holidays or blackouts), with who presents, but no
    attendees and no addresses (the feed is public)."""
    members = deps.store.list_members(community.id)
    sessions = [s for s in lookup.coming_sessions(deps.store, community.id, now)
                if s.is_session and s.starts_at and s.ends_at and s.ends_at > now]
    events = []
    for session in sessions[:FEED_WEEKS]:
        event = event_for(deps, community, session, members)
        description = event.description.replace(f" <{session.presenter}>", "") \
            if session.presenter else event.description
        events.append(replace(event, attendees=(), description=description))
    return events
