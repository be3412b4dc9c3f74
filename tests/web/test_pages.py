"""The public pages over HTTP: one-click unsubscribe, the roster page and the calendar feed."""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time, timedelta, timezone

import icalendar
import pytest

from functions.services.jobs.tick import tick
from functions.mail.tokens import Tokens
from tests.emails.support import (
    EMAILS, FIRST_DIGEST, PUBLIC_URL, of_kind, recipient, setup_guild)


def fetch(url: str, form: dict | None = None, method: str | None = None):
    """(status, headers, body text) of one request; a form is POSTed url-encoded."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def opted_out(deps) -> set[str]:
    return {m.email for m in deps.store.list_members("guild") if m.opted_out}


def unsubscribe_url(served, email: str, tokens: Tokens | None = None) -> str:
    token = (tokens or served.deps.mail.tokens).unsubscribe_token("guild", email)
    return f"{served.url}/unsubscribe?t={token}"


@pytest.fixture
def guild(deps):
    setup_guild(deps)
    tick(deps)
    return deps


# One-click unsubscribe ---------------------------------------------------------------

def test_get_asks_and_changes_nothing(guild, served):
    sent = len(guild.mailer.sent)
    status, headers, body = fetch(unsubscribe_url(served, EMAILS[2]))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Leave Guild?" in body
    assert re.search(r'<form method="post">', body)
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in body
    assert opted_out(guild) == set()
    assert len(guild.mailer.sent) == sent


def test_one_click_post_opts_the_member_out(guild, served):
    url = unsubscribe_url(served, EMAILS[2])
    status, _, body = fetch(url, {"List-Unsubscribe": "One-Click"})
    assert status == 200
    assert "You have left Guild" in body
    assert opted_out(guild) == {EMAILS[2]}
    # a mail client may send it twice: still fine, still out
    assert fetch(url, {"List-Unsubscribe": "One-Click"})[0] == 200
    assert opted_out(guild) == {EMAILS[2]}
    # and no more digests for them
    guild.clock.set(FIRST_DIGEST)
    tick(guild)
    assert EMAILS[2] not in {recipient(m) for m in of_kind(guild, "digest")}
    assert len(of_kind(guild, "digest")) == len(EMAILS) - 1


def test_unsubscribing_the_next_presenter_hands_the_session_on(guild, served):
    first = guild.store.list_sessions("guild")[0]
    status, _, _ = fetch(unsubscribe_url(served, first.presenter),
                         {"List-Unsubscribe": "One-Click"})
    assert status == 200
    now_first = guild.store.list_sessions("guild")[0]
    assert now_first.presenter not in (None, first.presenter)


@pytest.mark.parametrize("damage", ["forged", "garbled", "truncated", "empty", "missing",
                                    "other-community"])
def test_a_bad_token_is_refused_and_changes_nothing(guild, served, damage):
    good = guild.mail.tokens.unsubscribe_token("guild", EMAILS[1])
    token = {
        "forged": Tokens("not-the-secret").unsubscribe_token("guild", EMAILS[1]),
        "garbled": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "truncated": good[: len(good) // 2],
        "empty": "",
        "missing": None,
        "other-community": guild.mail.tokens.unsubscribe_token("elsewhere", EMAILS[1]),
    }[damage]
    url = f"{served.url}/unsubscribe" + ("" if token is None else f"?t={token}")
    for form in (None, {"List-Unsubscribe": "One-Click"}):
        status, _, body = fetch(url, form)
        assert status == 400, (damage, form)
        assert "This link does not work" in body
    assert opted_out(guild) == set()


# Roster page -------------------------------------------------------------------------

def roster_url(served, deps) -> str:
    return f"{served.url}/roster/{deps.mail.tokens.feed_token('guild')}"


def test_roster_page_shows_who_presents_when_and_the_feed(guild, served):
    status, headers, body = fetch(roster_url(served, guild))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    roster = {m.email: m.name for m in guild.store.list_members("guild")}
    for s in guild.store.list_sessions("guild"):
        assert s.date.strftime("%A ") + f"{s.date.day} " + s.date.strftime("%B %Y") in body
        assert roster[s.presenter] in body
    assert "Friday 27 November 2026, 16:00–16:30 AEDT" in body
    feed = f"{PUBLIC_URL}/feed/{guild.mail.tokens.feed_token('guild')}.ics"
    assert f'href="{feed}"' in body
    assert "Every Friday" in body or "every <b>Friday at 16:00</b>" in body


def test_roster_page_shows_holidays_without_a_time(guild, served):
    guild.clock.set(FIRST_DIGEST)
    tick(guild)
    _, _, body = fetch(roster_url(served, guild))
    assert "no session (Christmas Day)" in body and "no session (New Year&#39;s Day)" in body
    assert "Friday 25 December 2026" in body
    assert "Friday 25 December 2026, 16:00" not in body
    assert "Friday 1 January 2027, 16:00" not in body
    coming, _, lately = body.partition('<table id="held">')
    assert "Friday 27 November" not in coming  # over: no longer coming up
    assert "Friday 27 November" in lately  # but among the sessions held


def test_roster_page_names_nobody_by_address(guild, served):
    _, _, body = fetch(roster_url(served, guild))
    for address in EMAILS:
        assert address not in body
    assert "mailto:" not in body or "mailto:cop@example.com" in body  # the join address only
    assert all(a.endswith("cop@example.com") for a in
               re.findall(r"[\w.+-]+@[\w.-]+", body)), "an address other than the rota's"


def test_roster_page_escapes_names(deps, served):
    setup_guild(deps, roster='email,name\nx@example.com,"<b>Bold</b> & co"\n',
                name="<i>Guild</i>")
    tick(deps)
    _, _, body = fetch(roster_url(served, deps))
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in body and "<b>Bold" not in body
    assert "&lt;i&gt;Guild&lt;/i&gt;" in body and "<i>Guild" not in body


@pytest.mark.parametrize("path", ["/roster/wrong-token", "/roster/", "/roster", "/roster/%C3%BC",
                                  "/feed/wrong-token.ics", "/nowhere"])
def test_unknown_pages_are_not_found(guild, served, path):
    status, _, _ = fetch(served.url + path)
    assert status == 404


def test_a_token_signed_with_another_secret_finds_nothing(guild, served):
    other = Tokens("not-the-secret").feed_token("guild")
    assert fetch(f"{served.url}/roster/{other}")[0] == 404
    assert fetch(f"{served.url}/feed/{other}.ics")[0] == 404


# Calendar feed -----------------------------------------------------------------------

def feed(served, deps):
    status, headers, body = fetch(f"{served.url}/feed/{deps.mail.tokens.feed_token('guild')}.ics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    return body, icalendar.Calendar.from_ical(body)


def test_feed_has_one_event_per_upcoming_session_and_no_addresses(guild, served):
    body, calendar = feed(served, guild)
    assert calendar["METHOD"] == "PUBLISH"
    events = list(calendar.walk("VEVENT"))
    upcoming = [s for s in guild.store.list_sessions("guild") if s.is_session]
    assert [e["UID"] for e in events] == [f"guild-{s.date.isoformat()}@cop" for s in upcoming]
    assert "mailto:" not in body.lower()
    assert "ATTENDEE" not in body and "ORGANIZER" not in body
    for address in EMAILS:
        assert address not in body
    roster = {m.email: m.name for m in guild.store.list_members("guild")}
    for event, s in zip(events, upcoming):
        assert roster[s.presenter] in str(event["SUMMARY"])


@pytest.mark.parametrize("zone, offsets", [
    ("Europe/London", (timedelta(0), timedelta(hours=1))),  # BST from 28 March 2027
    ("Australia/Sydney", (timedelta(hours=11), timedelta(hours=10))),  # AEST from 4 April
])
def test_feed_keeps_16_00_local_across_the_dst_change(deps, served, zone, offsets):
    deps.clock.set(datetime(2027, 3, 15, 12, tzinfo=timezone.utc))
    holidays = {"Europe/London": "GB-ENG", "Australia/Sydney": "AU-NSW"}[zone]
    setup_guild(deps, timezone=zone, holidays=holidays)
    tick(deps)
    body, calendar = feed(served, deps)
    events = list(calendar.walk("VEVENT"))
    starts = [e.decoded("DTSTART") for e in events]
    assert [s.date().isoformat() for s in starts] == [
        "2027-03-19", "2027-04-02", "2027-04-09", "2027-04-16"]  # Good Friday: no session
    assert all(s.time() == time(16) and str(s.tzinfo) == zone for s in starts)
    assert (starts[0].utcoffset(), starts[-1].utcoffset()) == offsets
    assert starts[-1].astimezone(timezone.utc).time() != starts[0].astimezone(timezone.utc).time()
    assert all(e.decoded("DTEND") - e.decoded("DTSTART") == timedelta(minutes=30)
               for e in events)
    assert f"DTSTART;TZID={zone}:20270402T160000" in body
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert zones == [zone]
