"""Taking people and communities out for good: erasure, export, removal."""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timezone

from ...domain import validation
from ...domain.errors import InputError
from ...domain.models import CANCELLED, Community, Session
from ...domain.rota import Decision
from ...ports import RotaWrite, Store
from .. import actors, changelog, lookup, rotas
from . import members
from ..delivery.notifier import announce
from ..deps import Deps

PLACEHOLDER_DOMAIN = "invalid"  # RFC 2606: never a real mailbox
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def anonymous_placeholder() -> str:
    """Stands in for a removed member in history, so counts stay right; random, so it
    cannot be traced back to the address."""
    return f"removed-{secrets.token_hex(4)}@{PLACEHOLDER_DOMAIN}"


def _without(session: Session, email: str, placeholder: str) -> Session:
    return session.with_changes(
        presenter=placeholder if session.presenter == email else session.presenter,
        declined=tuple(placeholder if d == email else d for d in session.declined),
        swap_with=None if session.swap_with == email else session.swap_with,
        told=placeholder if session.told == email else session.told,
        cause_by=None if session.cause_by == email else session.cause_by,
        holders=tuple(h for h in session.holders if h[0] != email))


def remove_member(deps: Deps, community_id: str, email: str) -> str:
    """The member leaves the rota and the mailing (their coming sessions replanned and
    announced, a goodbye cancelling the invites they hold), then their address and name
    leave the store. Sessions they held keep an anonymous placeholder. Returns it."""
    store = deps.store
    address = validation.email_address(email)
    if not lookup.member(store, community_id, address).opted_out:
        members.leave(deps, community_id, address, by_organiser=True, erased=True)
    placeholder = anonymous_placeholder()
    touched = []
    for original in store.list_sessions(community_id):
        changed = _without(original, address, placeholder)
        if changed != original:
            touched.append(changed)
    # The sessions they held made anonymous, with the note of the removal (their digest
    # alone: the history shows them as a former member), in one write.
    store.save(RotaWrite(community_id, sessions=tuple(touched), records=(changelog.removed(
        community_id, address, deps.clock.now(), actors.current()),)))
    for link in store.list_links(community_id, EPOCH):
        if link.email == address:
            store.add_link(community_id, replace(link, email=placeholder, name="(removed)"))
    store.delete_member(community_id, address)
    store.forget_records(address)
    return placeholder


def export_community(store: Store, community_id: str) -> dict:
    """Everything the store holds about a community (models and ledger records)."""
    return {
        "community": lookup.community(store, community_id),
        "members": store.list_members(community_id),
        "sessions": store.list_sessions(community_id),
        "links": store.list_links(community_id, EPOCH),
        "records": [{"key": key, "state": state, "updated": at.isoformat(), "detail": detail}
                    for key, state, at, detail in store.list_records(f"{community_id}/")],
    }


def remove_community(deps: Deps, community_id: str, confirmed: bool) -> Community:
    """Coming invites are called off (invitees are told), then the community and all it
    holds are deleted: no more planning, no more mail."""
    community = lookup.community(deps.store, community_id)
    if not confirmed:
        raise InputError(f"community remove {community_id} deletes it with its members and "
                         f"history and calls off its coming sessions; save it first with "
                         f"`community export {community_id} > {community_id}.json`, then "
                         "add --yes")
    now = deps.clock.now()
    coming = [s.with_changes(status=CANCELLED, note="the community was removed")
              for s in lookup.coming_sessions(deps.store, community_id, now)
              if s.is_session and not s.started(now)]
    if coming:  # invitees are told: the calendar, and a CANCEL to whoever holds an invite
        deps.store.save(RotaWrite(community_id, sessions=tuple(coming)))
        announce(deps, rotas.load(deps.store, community_id, now),
                 Decision(sessions=tuple(coming)), at_once=True)
    deps.store.delete_community(community_id)
    return community
