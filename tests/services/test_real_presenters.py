"""Only real presenters count: a session whose presenter could not present that day was
held by nobody, and every figure says so."""
from __future__ import annotations

from datetime import timedelta

from functions.domain.models import BOUNCE_LIMIT
from functions.services.changes import members
from functions.services.jobs.tick import tick
from functions.services.reads.report import engagement
from functions.services.reads.tables import member_rows
from tests.builders import setup_guild
from tests.services.test_calendar_truth import coming


def test_a_session_whose_presenter_could_not_present_is_reported_without_one(deps):
    """Mail to the presenter stopped once their session began: nobody presented it, and
    the report and the member list say so."""
    setup_guild(deps)
    tick(deps)
    first = coming(deps)[0]
    deps.clock.set(first.starts_at + timedelta(minutes=5))
    members.update(deps.store, "guild", first.presenter, bounces=BOUNCE_LIMIT)
    deps.clock.set(first.ends_at + timedelta(minutes=20))
    tick(deps)
    now = deps.clock.now()
    figures = engagement(deps.store, "guild", now, weeks=1)
    assert (figures["sessions_held"], figures["sessions_without_presenter"]) == (1, 1)
    rows = {r["email"]: r for r in member_rows(deps.store, "guild", now)}
    assert rows[first.presenter]["times_presented"] == 0
