"""Every calendar tells the truth: two months of every kind of change, then each person's
calendar rebuilt from the invites they received, checked against the rota.

With the embedded calendar the rota's emails carry the invites (iTIP): every REQUEST and
CANCEL part each person received is replayed, in order, into a calendar of their own, with
the `icalendar` parser. With Google Calendar, Google mails invitees itself: the events'
attendee lists are checked instead.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import icalendar
import pytest

from functions.domain.models import PLANNED
from functions.services.changes import communities, members
from functions.services.replies.inbox import handle_reply
from functions.services.jobs.tick import tick
from tests.builders import reply
from tests.builders import setup_guild

STEP = timedelta(hours=3)


def live_until(deps, when: datetime) -> None:
    """The scheduler ticking (every three hours here) until `when`."""
    while deps.clock.now() + STEP <= when:
        deps.clock.advance(STEP)
        report = tick(deps)
        assert report.errors == [] and report.failed == 0


def session_on(deps, day: date):
    return next(s for s in deps.store.list_sessions("guild") if s.date == day)


def coming(deps):
    now = deps.clock.now()
    return [s for s in deps.store.list_sessions("guild")
            if s.status == PLANNED and s.starts_at > now]


def rsvp(deps, member: str, session, answer: str = "DECLINED", shape: str = "google"
         ) -> bytes:
    """A calendar program's answer to an invite, mailed to the invite's ORGANIZER."""
    invite = last_invite(deps, member, session.date)
    organiser = str(invite["ORGANIZER"]).removeprefix("mailto:")
    cal = icalendar.Calendar()
    cal.add("PRODID", {"google": "-//Google Inc//Google Calendar 70.9054//EN",
                       "outlook": "Microsoft Exchange Server 2010",
                       "apple": "-//Apple Inc.//iPhone 17.4//EN"}[shape])
    cal.add("VERSION", "2.0")
    cal.add("METHOD", "REPLY")
    event = icalendar.Event()
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY"):
        event.add(name, invite.decoded(name) if name in ("DTSTART", "DTEND") else invite[name])
    event.add("DTSTAMP", deps.clock.now())
    event.add("ORGANIZER", icalendar.vCalAddress(f"mailto:{organiser}"))
    attendee = icalendar.vCalAddress(
        f"mailto:{member.upper() if shape == 'outlook' else member}")
    attendee.params["PARTSTAT"] = answer
    attendee.params["CN"] = member.split("@")[0]
    event.add("ATTENDEE", attendee)
    if shape == "outlook":
        event.add("X-MICROSOFT-CDO-REPLYTIME", deps.clock.now())
    cal.add_component(event)
    data = cal.to_ical()
    msg = EmailMessage()
    msg["From"] = member
    msg["To"] = organiser
    verb = {"DECLINED": "Declined", "ACCEPTED": "Accepted"}[answer]
    msg["Subject"] = f"{verb}: {invite['SUMMARY']}"
    msg["Message-ID"] = make_msgid(domain="calendar.example")
    if shape == "outlook":
        msg["Thread-Topic"] = str(invite["SUMMARY"])
        msg["X-MS-Has-Attach"] = ""
        msg["X-MS-TNEF-Correlator"] = ""
    if shape == "apple":
        msg["X-Mailer"] = "iPhone Mail (21E236)"
    msg.set_content(f"{member} has {verb.lower()} this invitation.")
    if shape == "apple":  # Apple Calendar attaches the answer as a file
        msg.add_attachment(data, maintype="text", subtype="calendar",
                           filename="iCal-20261201-101010.ics",
                           params={"method": "REPLY", "charset": "UTF-8"})
    else:  # Google and Outlook put it beside the text, as iMIP describes
        msg.add_alternative(data, maintype="text", subtype="calendar",
                            params={"method": "REPLY", "charset": "UTF-8"})
    return msg.as_bytes()


def itip_parts(message: EmailMessage):
    """(method, VEVENT) of every invite a message carries (the application/ics copy of
    the live invite is the same file again, for clients without iTIP: left out)."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for event in cal.walk("VEVENT"):
                yield str(cal["METHOD"]), event


def last_invite(deps, email: str, day: date):
    uid = f"guild-{day.isoformat()}@cop"
    found = [e for m in deps.mailer.to(email) for method, e in itip_parts(m)
             if method == "REQUEST" and str(e["UID"]) == uid]
    assert found, f"{email} never got the invite of {day}"
    return found[-1]


def replay(messages) -> dict[str, dict]:
    """One person's calendar, rebuilt from the invites they received, in order."""
    calendar: dict[str, dict] = {}
    seen: set[tuple[str, str, int]] = set()
    for message in messages:
        for method, event in itip_parts(message):
            uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
            assert (method, uid, sequence) not in seen, f"{method} {uid} #{sequence} twice"
            seen.add((method, uid, sequence))
            held = calendar.get(uid)
            if method == "CANCEL":
                assert held is not None and not held["cancelled"], \
                    f"a CANCEL of {uid} for an invite never received"
            if held is not None:
                assert sequence >= held["sequence"], f"{uid}: SEQUENCE went back"
            calendar[uid] = {"sequence": sequence, "cancelled": method == "CANCEL",
                             "summary": str(event["SUMMARY"]),
                             "start": event.decoded("DTSTART"),
                             "organiser": str(event["ORGANIZER"])}
    return calendar


def invited(deps, email: str, session) -> bool:
    member = deps.store.get_member("guild", email)
    return (session.status == PLANNED and member is not None
            and (member.eligible_on(session.date) or session.presenter == email))


def expected_summary(deps, session) -> str:
    presenter = deps.store.get_member("guild", session.presenter or "")
    who = presenter.name if presenter else "open slot"
    return f"Guild: {who}" + (f" — {session.topic}" if session.topic else "")


def two_months_of_changes(deps, decline):
    """Skip, volunteer, swap, decline, pause, out, in, newcomer, topic, blackout, weekday."""
    start = deps.clock.now()
    setup_guild(deps, timezone="Europe/London", holidays=None)
    tick(deps)
    first = coming(deps)[0]
    assert handle_reply(deps, reply(deps, first.presenter, "topic: Feature flags")
                        ).outcome == "done"
    live_until(deps, start + timedelta(days=6))
    second = coming(deps)[1]
    assert handle_reply(deps, reply(deps, second.presenter, "skip")).outcome == "done"
    live_until(deps, start + timedelta(days=8))
    planned = {s.presenter for s in coming(deps)}
    idle = next(f"p{i}@example.com" for i in range(6) if f"p{i}@example.com" not in planned
                and not deps.store.get_member("guild", f"p{i}@example.com").times_presented)
    assert handle_reply(deps, reply(deps, idle, "volunteer")).outcome == "done"
    live_until(deps, start + timedelta(days=13))
    a, b = coming(deps)[1:3]
    assert handle_reply(deps, reply(deps, a.presenter, f"swap with {b.presenter}")
                        ).outcome == "done"
    assert handle_reply(deps, reply(deps, b.presenter, "accept")).outcome == "done"
    live_until(deps, start + timedelta(days=15))
    decline(deps, coming(deps)[1])
    live_until(deps, start + timedelta(days=20))
    paused = coming(deps)[1].presenter
    until = (deps.clock.now() + timedelta(weeks=3)).date().isoformat()
    assert handle_reply(deps, reply(deps, paused, f"pause until {until}")).outcome == "done"
    live_until(deps, start + timedelta(days=22))
    leaver = coming(deps)[2].presenter
    assert handle_reply(deps, reply(deps, leaver, "out")).outcome == "done"
    live_until(deps, start + timedelta(days=27))
    members.join(deps, "guild", "newcomer@example.com", "Nia Newcomer")
    live_until(deps, start + timedelta(days=29))
    assert handle_reply(deps, reply(deps, leaver, "in")).outcome == "done"
    live_until(deps, start + timedelta(days=34))
    communities.set_community(deps, "guild", blackouts=(coming(deps)[2].date,))
    live_until(deps, start + timedelta(days=41))
    communities.set_community(deps, "guild", weekday=3)  # Thursdays from now on
    # on to the digest after the last change (Monday 09:00 in London), which invites
    # everyone to that week's session; then its presenter skips it after all
    live_until(deps, start + timedelta(days=48))
    this_week = coming(deps)[0]
    assert len(this_week.invited) > 3 or not deps.mail.attach_invites
    assert handle_reply(deps, reply(deps, this_week.presenter, "skip")).outcome == "done"
    live_until(deps, start + timedelta(days=49))
    return {"leaver": leaver, "paused": paused, "this_week": this_week}


def decline_by_mail(deps, session):
    raw = rsvp(deps, session.presenter, session)
    assert handle_reply(deps, raw).outcome == "rsvp"
    assert session_on(deps, session.date).presenter != session.presenter


@pytest.fixture
def by_mail(deps):
    deps.mail = dataclasses.replace(deps.mail, attach_invites=True)
    return deps


def test_every_calendar_replayed_from_its_invites_matches_the_rota(by_mail):
    deps = by_mail
    story = two_months_of_changes(deps, decline_by_mail)
    now = deps.clock.now()
    sessions = {f"guild-{s.date.isoformat()}@cop": s for s in deps.store.list_sessions("guild")}
    people = {m["To"].addresses[0].addr_spec for m in deps.mailer.sent}
    checked = 0
    for person in sorted(people):
        calendar = replay(deps.mailer.to(person))
        for uid, held in calendar.items():
            session = sessions[uid]
            if session.started(now):
                continue
            checked += 1
            if held["cancelled"]:
                assert not invited(deps, person, session), \
                    f"{person}: {uid} cancelled, but they are invited"
                continue
            assert invited(deps, person, session), f"{person} still holds {uid}"
            assert held["sequence"] == session.sequence, f"{person}: {uid} is stale"
            assert held["summary"] == expected_summary(deps, session), (person, uid)
            assert held["start"] == session.starts_at
            token = deps.mail.tokens.reply_token("guild", person)
            assert held["organiser"] == f"mailto:cop+{token}@example.com"
    assert checked >= 10  # coming events held by someone at the end
    # everyone who held this week's session knows who presents now, before it starts
    this_week = session_on(deps, story["this_week"].date)
    assert this_week.presenter != story["this_week"].presenter
    for person in story["this_week"].invited:
        held = replay(deps.mailer.to(person))[f"guild-{this_week.date.isoformat()}@cop"]
        assert held["summary"] == expected_summary(deps, this_week), person
    leaver_calendar = replay(deps.mailer.to(story["leaver"]))
    assert any(h["cancelled"] for h in leaver_calendar.values())


@pytest.mark.parametrize("shape", ["google", "outlook", "apple"])
def test_a_declined_invite_from_any_calendar_program_identifies_its_member(by_mail, shape):
    """No DMARC here: the per-recipient ORGANIZER address carries the member's token."""
    deps = by_mail
    setup_guild(deps, timezone="Europe/London", holidays=None, keep_welcomes=True)
    tick(deps)
    session = coming(deps)[0]
    raw = rsvp(deps, session.presenter, session, shape=shape)
    result = handle_reply(deps, raw)
    assert (result.outcome, result.member) == ("rsvp", session.presenter)
    assert session_on(deps, session.date).presenter not in (None, session.presenter)
    accepted = rsvp(deps, coming(deps)[1].presenter, coming(deps)[1], "ACCEPTED", shape)
    assert handle_reply(deps, accepted).outcome == "rsvp"
    assert coming(deps)[1].presenter == session_on(deps, coming(deps)[1].date).presenter


def test_tick_counts_every_message_it_sent(by_mail):
    deps = by_mail
    setup_guild(deps, timezone="Europe/London", holidays=None)
    before = len(deps.mailer.sent)
    report = tick(deps)
    deps.clock.advance(timedelta(days=5, hours=20))  # Monday: digest, reminders, heads-ups
    report2 = tick(deps)
    assert report.sent + report2.sent == len(deps.mailer.sent) - before > 4
