"""`preview`: exactly the message a job would send now, from the community's real data."""
from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

from ...domain.errors import InputError
from ...domain.jobs import digest_session
from ...domain.models import PLANNED
from .. import rotas
from ..deps import Deps
from .digest import digest_parts
from ..delivery.messages import render_message
from ..delivery.notifier import heads_up
from ..delivery.invitations import Invitations
from .presenters import reminder_parts

KINDS = ("digest", "heads-up", "reminder")


def preview(deps: Deps, community_id: str, kind: str) -> EmailMessage:
    if kind not in KINDS:
        raise InputError(f"preview {kind!r}: choose one of {', '.join(KINDS)}")
    now = deps.clock.now()
    loaded = rotas.load(deps.store, community_id, now)
    # Shown as to someone who holds no invite yet, so that the invite shows too.
    rota = replace(loaded, sessions={d: s.with_changes(holders=())
                                     for d, s in loaded.sessions.items()})
    book = Invitations(deps, rota, now)
    community, roster = rota.community, rota.roster
    sessions = sorted(rota.sessions.values(), key=lambda s: s.date)
    upcoming = [s for s in sessions if s.starts_at and s.starts_at > now]
    if kind == "digest":
        due = digest_session(community, sessions, now)
        session = due[1] if due else (upcoming[0] if upcoming else None)
        readers = [m for m in roster.values() if not m.opted_out]
        if session is None or not readers:
            raise InputError(f"{community_id} has no upcoming session or no members yet")
        slot = due[0] if due else now
        return render_message(deps.mail, community, readers[0], kind=kind,
                              key=session.date.isoformat(), now=now,
                              invites=book.parts("preview", readers[0], offer={session.date}),
                              **digest_parts(deps, rota, session, slot, now))
    session = next((s for s in upcoming if s.status == PLANNED and s.presenter in roster), None)
    if session is None:
        raise InputError(f"{community_id} has no planned session with a presenter")
    member = roster[session.presenter]
    if kind == "heads-up":
        return heads_up(deps, rota, book, member, session, now).message
    held = Invitations(deps, loaded, now)  # a reminder carries the invite only if lacking
    return render_message(deps.mail, community, member, kind=kind,
                          key=session.date.isoformat(), now=now,
                          invites=held.parts("preview", member, offer={session.date},
                                             only={session.date}),
                          **reminder_parts(rota, session, now, deps.timing))
