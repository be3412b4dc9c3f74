"""A story that sends every kind of message: a guild lived through six weeks by the services
that send mail, with replies, skips, a leaver, a bounce, a blackout, an organiser's change,
an understaffed community and a sender over its daily cap. Tests of what every message says
(its words, its contrast) read what it sent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from functions.domain.models import BOUNCE_LIMIT
from functions.services.changes import communities, members
from functions.services.delivery.pacing import Pacer
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply
from tests.emails.support import EMAILS, make_deps, setup_guild
from tests.services.test_bounces import real_bounce

ORGANISER = EMAILS[0]


def _say(deps, sender: str, text: str) -> None:
    assert handle_reply(deps, reply(deps, sender, text)).outcome in ("done", "help"), text


def lived(language: str = "en") -> tuple[object, list[EmailMessage]]:
    """The guild through six weeks, and every message sent on the way; its members read
    `language`."""
    deps = make_deps(attach_invites=True)
    setup_guild(deps, organisers=(ORGANISER,), allow_domains=("example.com",),
                language=language)  # welcomes
    # a second community whose only member is away: its organiser hears nobody can present
    communities.add_community(deps.store, deps.clock.now(), "duo", name="Duo",
                              timezone="Europe/London", organisers=(ORGANISER,),
                              language=language)
    members.join_many(deps, "duo", b"email,name\nsolo@example.com,Solo\n")
    members.pause(deps, "duo", "solo@example.com", deps.clock.now().date() + timedelta(weeks=2),
                  by_organiser=True)
    tick(deps)  # heads-ups with invites
    first = deps.store.list_sessions("guild")[0]  # accepted: the chart's third bar
    deps.calendar.answers[f"guild-{first.date.isoformat()}@cop"] = {
        EMAILS[2]: "accepted", EMAILS[3]: "accepted"}
    _say(deps, EMAILS[1], "frobnicate")  # help, with the reason
    planned = {s.presenter for s in deps.store.list_sessions("guild")}
    _say(deps, next(e for e in EMAILS if e not in planned), "volunteer")  # changed, confirm
    _say(deps, EMAILS[2], "share: https://example.org/pg a good read")
    second = deps.store.list_sessions("guild")[1]
    _say(deps, second.presenter, "topic: What Postgres indexes really cost")
    members.join(deps, "guild", "gus@example.com", "Gus Ito")  # welcome with a first turn
    skipper, skipped = EMAILS[3], set()  # three skips in a row: the pause question
    # hourly until the first digest day of January: reminders, topic reminders, digests
    # (with a recap, shared links, a question, the holiday of Christmas Day), and the
    # monthly health email, once four weeks of sessions were held
    end = datetime(2027, 1, 4, 0, 0, tzinfo=timezone.utc)
    while deps.clock.now() < end:
        tick(deps)
        now = deps.clock.now()
        turn = next((s for s in deps.store.list_sessions("guild")
                     if s.presenter == skipper and not s.started(now)), None)
        if turn and turn.date not in skipped and len(skipped) < 3:
            skipped.add(turn.date)
            _say(deps, skipper, "skip")
        deps.clock.advance(timedelta(hours=1))
    members.leave(deps, "guild", EMAILS[5])  # goodbye
    members.pause(deps, "guild", EMAILS[1], deps.clock.now().date() + timedelta(weeks=3),
                  by_organiser=True)  # a notice: an organiser's change, not "Done"
    coming = next(s for s in deps.store.list_sessions("guild")
                  if s.invited and not s.started(deps.clock.now()))
    communities.set_community(deps, "guild", blackouts=(coming.date,))  # cancelled
    victim = EMAILS[4]
    returned = deps.mailer.to(victim)[-1]["Return-Path"].strip("<>")
    for _ in range(BOUNCE_LIMIT):  # the organiser hears mail to them stopped
        handle_reply(deps, real_bounce("qmail_01.txt", victim, returned))
    tick(deps)
    return deps, list(deps.mailer.sent)


def over_cap(language: str = "en") -> list[EmailMessage]:
    """A digest to more people than the sender may mail in a day: the organiser is told."""
    deps = make_deps(attach_invites=True)
    deps = deps.replaced(pacer=Pacer(daily_cap=5))
    setup_guild(deps, organisers=(ORGANISER,), language=language)
    tick(deps)
    monday = deps.store.list_sessions("guild")[0].starts_at + timedelta(days=3, minutes=1)
    for minutes in (0, 15, 30):
        deps.clock.set(monday + timedelta(minutes=minutes))
        tick(deps)
    return list(deps.mailer.sent)
