"""The two months of changes of tests/services/test_calendar_truth.py with Google Calendar:
Google mails the invitees itself, so the attendee list of every event must be exact."""
from __future__ import annotations

from functions.adapters.google_calendar import GoogleCalendar, event_id
from functions.domain.models import PLANNED
from functions.services.jobs.tick import tick
from tests.services.test_calendar_truth import (
    expected_summary, invited, itip_parts, session_on, two_months_of_changes)

CALENDAR = "rota@example.com"


def test_the_same_two_months_keep_google_calendar_attendees_exact(deps, fake,
                                                                   calendar_factory, sleeps):
    deps.calendar = GoogleCalendar(CALENDAR, calendar_factory, sleep=sleeps)

    def decline_in_google(deps, session):
        fake.respond(CALENDAR, event_id(f"guild-{session.date.isoformat()}@cop"),
                     session.presenter, "declined")
        tick(deps)
        assert session_on(deps, session.date).presenter != session.presenter

    two_months_of_changes(deps, decline_in_google)
    now = deps.clock.now()
    for session in deps.store.list_sessions("guild"):
        if session.started(now) or session.calendar_hash is None:
            continue
        event = fake.event(CALENDAR, event_id(f"guild-{session.date.isoformat()}@cop"))
        if session.status != PLANNED:
            assert event is None or event["status"] == "cancelled"
            continue
        assert event["summary"] == expected_summary(deps, session)
        attendees = {a["email"] for a in event.get("attendees", [])}
        expected = {m.email for m in deps.store.list_members("guild")
                    if invited(deps, m.email, session)}
        assert attendees == expected, session.date
    # no invite ever travels by mail when Google sends them
    assert not any(list(itip_parts(m)) for m in deps.mailer.sent)
