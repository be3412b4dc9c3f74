"""Reading calendar answers back: a presenter who declines the invite skips that session."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.errors import InputError
from ..domain.models import Community
from ..domain.wording import day_words
from . import sessions
from .calendar_sync import event_for
from .deps import Deps
from .membership import schedule_lines
from .messages import notify

log = logging.getLogger(__name__)


def read_rsvps(deps: Deps, community: Community, now: datetime) -> int:
    """Skips made by declining. Other members' answers are not counted for anything."""
    roster = deps.store.list_members(community.id)
    by_email = {m.email: m for m in roster}
    skipped = 0
    for session in sessions.upcoming(deps.store, community.id, now):
        if session.presenter not in by_email or session.calendar_hash is None:
            continue
        try:
            answers = deps.calendar.responses(event_for(deps, community, session, roster))
        except Exception:
            log.exception("calendar: could not read answers for %s %s", community.id,
                          session.date)
            continue
        if answers.get(session.presenter) != "declined":
            continue
        try:
            outcome = sessions.skip(deps.store, now, community.id, session.presenter,
                                    session.date)
        except InputError as error:
            log.warning("rsvp: %s", error)
            continue
        skipped += 1
        notify(deps, community, by_email[session.presenter], kind="confirm",
               key=f"declined-{session.date.isoformat()}",
               subject=f"You declined {day_words(session.date)}: someone else takes it",
               summary=f"you declined the invite, so {outcome.summary}",
               upcoming=schedule_lines(deps, community))
    return skipped
