"""The digest email and the public pages as headless Chromium renders them."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from functions.services.changes import sessions
from functions.services.jobs.tick import tick
from tests.emails.support import (
    EMAILS, FIRST_DIGEST, of_kind, recipient, setup_guild, text_of)
from tests.web.conftest import CHROMIUM, follow

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TOPIC = "What Postgres indexes really cost"

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="headless Chromium is not installed at /usr/bin/chromium "
                              "(Debian package `chromium`; `make` installs it)"),
]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def test_digest_email_shows_what_matters(deps, page):
    setup_guild(deps)
    tick(deps)
    second = deps.store.list_sessions("guild")[1]
    deps.clock.set(FIRST_DIGEST)
    sessions.set_topic(deps, "guild", second.presenter, TOPIC)
    tick(deps)
    digest = next(m for m in of_kind(deps, "digest") if recipient(m) == EMAILS[0])
    names = {m.email: m.name for m in deps.store.list_members("guild")}
    unsubscribe = re.fullmatch(r"<(.+)>", digest["List-Unsubscribe"]).group(1)

    page.set_content(text_of(digest, "html"))

    def shown(text: str) -> bool:
        return page.get_by_text(text, exact=False).first.is_visible()

    assert shown(names[second.presenter])
    assert shown(TOPIC)
    assert shown("Friday 4 December 2026, 16:00–16:30 AEDT")
    lookahead = deps.store.get_community("guild").lookahead
    upcoming = [s for s in deps.store.list_sessions("guild") if s.date > second.date]
    upcoming = upcoming[:lookahead]  # the digest's roster covers the lookahead weeks
    assert len(upcoming) == 4
    rows = page.locator("table.roster tr")
    for s in upcoming:
        row = rows.filter(has_text=f"{s.date:%A} {s.date.day} {s.date:%B %Y}")
        assert row.count() == 1 and row.first.is_visible(), s.date
        if s.presenter:
            assert row.first.get_by_text(names[s.presenter]).is_visible()
        else:
            assert "no session" in row.first.inner_text()
    link = page.get_by_role("link", name="unsubscribe with one click")
    assert link.is_visible()
    assert link.get_attribute("href") == unsubscribe
    join = page.get_by_role("link", name="Join the call")
    assert join.is_visible()
    # the card and the roster fit the 600px layout: nothing spills out sideways
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800
    screenshot(page, "digest.png")


def test_roster_page_shows_the_table_and_the_feed_link(deps, served, page):
    setup_guild(deps)
    tick(deps)
    token = deps.mail.tokens.feed_token("guild")
    page.goto(f"{served.url}/roster/{token}")
    assert page.title() == "Guild"
    names = {m.email: m.name for m in deps.store.list_members("guild")}
    rows = page.locator("table#coming tbody tr")
    stored = deps.store.list_sessions("guild")
    assert rows.count() == len(stored)
    for i, s in enumerate(stored):
        assert rows.nth(i).is_visible()
        assert f"{s.date.day} {s.date:%B %Y}" in rows.nth(i).inner_text()
        assert names[s.presenter] in rows.nth(i).inner_text()
    feed = page.get_by_role("link", name="Subscribe to the calendar")
    assert feed.is_visible()
    assert feed.get_attribute("href").endswith(f"/feed/{token}.ics")
    assert "@example.com" not in page.content().replace("cop@example.com", "")
    screenshot(page, "roster.png")


def test_unsubscribe_by_clicking_the_button(deps, served, page):
    setup_guild(deps)
    tick(deps)
    token = deps.mail.tokens.unsubscribe_token("guild", EMAILS[3])
    page.goto(f"{served.url}/unsubscribe?t={token}")
    assert page.get_by_role("heading", name="Leave Guild?").is_visible()
    assert not any(m.opted_out for m in deps.store.list_members("guild"))
    screenshot(page, "unsubscribe.png")
    follow(page, page.get_by_role("button", name="Unsubscribe"))
    assert page.get_by_role("heading", name="You have left Guild").is_visible()
    assert deps.store.get_member("guild", EMAILS[3]).opted_out
    assert [m.email for m in deps.store.list_members("guild") if m.opted_out] == [EMAILS[3]]
    screenshot(page, "unsubscribed.png")


def test_roster_page_shows_sessions_held_and_what_was_shared(deps, served, page):
    setup_guild(deps)
    tick(deps)
    first = deps.store.list_sessions("guild")[0]
    sessions.set_topic(deps, "guild", first.presenter, TOPIC)
    from functions.services.replies.inbox import handle_reply
    from tests.services.test_replies import reply
    assert handle_reply(deps, reply(deps, EMAILS[2], "share: https://example.org/pg a read")
                        ).outcome == "done"
    deps.clock.set(first.ends_at + timedelta(hours=1))
    tick(deps)
    page.goto(f"{served.url}/roster/{deps.mail.tokens.feed_token('guild')}")
    names = {m.email: m.name for m in deps.store.list_members("guild")}
    held = page.locator("table#held tbody tr")
    assert held.count() == 1 and held.first.is_visible()
    assert TOPIC in held.first.inner_text() and names[first.presenter] in held.first.inner_text()
    link = page.get_by_role("link", name="https://example.org/pg")
    assert link.is_visible()
    assert page.get_by_text(names[EMAILS[2]], exact=False).first.is_visible()
    screenshot(page, "roster-lately.png")


def test_health_email_shows_figures_chart_and_actions(deps, page):
    from datetime import datetime, timezone
    setup_guild(deps, organisers=(EMAILS[0],))
    # The first health email: January's first digest day, four weeks after the first
    # session was held.
    end = datetime(2027, 1, 5, 0, 0, tzinfo=timezone.utc)
    while deps.clock.now() < end:
        tick(deps)
        deps.clock.advance(timedelta(hours=1))
    health = next(m for m in of_kind(deps, "health") if recipient(m) == EMAILS[0])
    page.set_content(text_of(health, "html"))
    assert page.get_by_text("not presented since joining", exact=False).first.is_visible()
    assert page.locator("table.figures tr", has_text="Sessions held").first.is_visible()
    assert page.get_by_text("You get this because you organise Guild").is_visible()
    assert page.get_by_role("link").count() == 0  # no unsubscribe link for an organiser
    bars = page.locator("td.chart-bar")
    assert bars.count() == 4  # four sessions held since the community began; nothing else
    assert all(bars.nth(i).is_visible() and bars.nth(i).bounding_box()["width"] > 200
               for i in range(4))
    colour = bars.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(47, 111, 237)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    assert "<script" not in text_of(health, "html") and "<svg" not in text_of(health, "html")
    screenshot(page, "health.png")
