"""Joining and leaving, with the welcome and goodbye emails that go with them."""
from __future__ import annotations

from datetime import datetime

from ..domain.digest import session_line
from ..domain.models import Community, Member
from ..domain.rota import Rota
from ..domain.timing import local_date
from ..domain.validation import FULL_WEEKDAYS
from ..domain.wording import day_words
from . import lookup, members, rotas
from .deps import Deps
from .messages import notify
from .sessions import upcoming


def welcome(deps: Deps, community: Community, member: Member, again: bool = False) -> None:
    now = deps.clock.now()
    turn = next((s for s in upcoming(deps.store, community.id, now)
                 if s.presenter == member.email), None)
    notify(deps, community, member, kind="welcome",
           key=f"{local_date(community, now).isoformat()}{'-again' if again else ''}",
           subject=(f"Welcome back to {community.name}" if again
                    else f"Welcome to {community.name}"),
           weekday=FULL_WEEKDAYS[community.weekday].capitalize(),
           local_time=community.start.strftime("%H:%M"),
           next_turn=day_words(turn.date) if turn else None)


def join(deps: Deps, community_id: str, email: str, name: str | None = None) -> Member:
    member = members.add_member(deps.store, deps.clock.now(), community_id, email, name)
    welcome(deps, lookup.community(deps.store, community_id), member)
    return member


def join_many(deps: Deps, community_id: str, data: bytes) -> list[Member]:
    added = members.import_members(deps.store, deps.clock.now(), community_id, data)
    community = lookup.community(deps.store, community_id)
    for member in added:
        welcome(deps, community, member)
    return added


def leave(deps: Deps, community_id: str, email: str, in_reply_to: str | None = None) -> Member:
    now = deps.clock.now()
    member = members.opt_out(deps.store, now, community_id, email)
    community = lookup.community(deps.store, community_id)
    notify(deps, community, member, kind="goodbye", key=local_date(community, now).isoformat(),
           subject=f"You have left {community.name}", in_reply_to=in_reply_to,
           auto="auto-replied" if in_reply_to else "auto-generated")
    return member


def come_back(deps: Deps, community_id: str, email: str) -> Member:
    member = members.opt_in(deps.store, deps.clock.now(), community_id, email)
    welcome(deps, lookup.community(deps.store, community_id), member, again=True)
    return member


def roster_lines(rota: Rota, now: datetime) -> list:
    """The upcoming roster, as the confirmation emails show it."""
    return [session_line(rota.community, s, rota.roster, now)
            for s in sorted(rota.sessions.values(), key=lambda s: s.date)
            if s.starts_at and s.starts_at > now][: rota.community.lookahead]


def schedule_lines(deps: Deps, community: Community) -> list:
    """The upcoming roster, read from the store."""
    now = deps.clock.now()
    return roster_lines(rotas.load(deps.store, community.id, now), now)
