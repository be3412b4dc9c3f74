"""Reading calendar answers back: a presenter who declines the invite skips that session."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.errors import InputError
from ..domain.rota import Rota
from ..domain.wording import day_words
from . import rotas
from .calendar_sync import event_for
from .deps import Deps
from .membership import roster_lines
from .messages import notify

log = logging.getLogger(__name__)


def read_rsvps(deps: Deps, rota: Rota, now: datetime) -> tuple[Rota, int]:
    """Skips made by declining. Other members' answers are not counted for anything."""
    community = rota.community
    skipped = 0
    for session in rota.coming(now):
        presenter = rota.roster.get(session.presenter or "")
        if presenter is None or session.calendar_hash is None:
            continue
        try:
            answers = deps.calendar.responses(event_for(deps, community, session,
                                                        rota.roster.values()))
        except Exception:
            log.exception("calendar: could not read answers for %s %s", community.id,
                          session.date)
            continue
        if answers.get(presenter.email) != "declined":
            continue
        try:
            after, decision = rota.skip(presenter.email, now, session.date)
        except InputError as error:
            log.warning("rsvp: %s", error)
            continue
        rotas.save(deps.store, rota, decision)
        rota = after
        skipped += 1
        notify(deps, community, presenter, kind="confirm",
               key=f"declined-{session.date.isoformat()}",
               subject=f"You declined {day_words(session.date)}: someone else takes it",
               summary=f"you declined the invite, so {decision.summary}",
               upcoming=roster_lines(rota, now))
    return rota, skipped
