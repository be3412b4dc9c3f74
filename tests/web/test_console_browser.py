"""The organiser's console in headless Chromium: signed in by an IAP-style assertion signed
in the test, the overview walked, every action previewed and done by keyboard and mouse, at a
desktop width and at 390 px."""
from __future__ import annotations

import re

import pytest

from functions.services.jobs.tick import tick
from tests.emails.support import EMAILS, setup_guild
from tests.web.conftest import Served, follow
from tests.web.console_support import Iap, cloud_console
from tests.web.test_browser import pytestmark, screenshot  # noqa: F401 (the same marks)

ORGANISER = EMAILS[0]


@pytest.fixture
def signed_in(deps, browser):
    """A served console and a browser page whose every request carries IAP's assertion."""
    setup_guild(deps, organisers=(ORGANISER,))
    tick(deps)
    iap = Iap()
    with Served(deps, cloud_console(deps, iap)) as served:
        context = browser.new_context(viewport={"width": 1000, "height": 900},
                                      extra_http_headers={
                                          "x-goog-iap-jwt-assertion": iap.assertion(ORGANISER)})
        yield served, context.new_page()
        context.close()


def test_walk_the_overview_then_pause_a_presenter(deps, signed_in):
    served, page = signed_in
    page.goto(f"{served.url}/console/")
    follow(page, page.get_by_role("link", name="Guild"))
    assert page.get_by_role("heading", name="Guild", exact=True).is_visible()
    names = {m.email: m.name for m in deps.store.list_members("guild")}
    members = page.locator("table#members tbody tr")
    assert members.count() == len(names)
    first = deps.store.list_sessions("guild")[0]
    sessions = page.locator("table#sessions tbody tr")
    assert names[first.presenter] in sessions.first.inner_text()
    assert page.locator("table#figures").is_visible()
    assert page.locator("table#ticks tbody tr").count() >= 1  # the tick's heads-ups
    screenshot(page, "console-overview.png")

    follow(page, page.get_by_role("link", name="Pause a member"))
    page.get_by_label("Member's email address").fill(first.presenter)
    page.get_by_label("Back on").fill("2027-01-10")
    follow(page, page.get_by_role("button", name="Show what would happen"))
    assert page.get_by_role("heading", name="Pause a member: what would happen").is_visible()
    assert page.get_by_text("Guild: You are paused until Sunday 10 January 2027").is_visible()
    page.get_by_text("The email").first.click()  # <details> opens without script
    assert page.get_by_text("An organiser of Guild paused you", exact=False).is_visible()
    screenshot(page, "console-preview.png")
    assert deps.store.get_member("guild", first.presenter).paused_until is None
    sent = len(deps.mailer.sent)

    follow(page, page.get_by_role("button", name="Do it"))
    assert page.get_by_role("status").inner_text() == "The member is paused."
    assert str(deps.store.get_member("guild", first.presenter).paused_until) == "2027-01-10"
    notice = deps.mailer.sent[sent:]
    assert [m["Subject"] for m in notice] == ["Guild: You are paused until Sunday 10 January 2027"]


def test_keyboard_and_a_narrow_screen(deps, signed_in):
    served, page = signed_in
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{served.url}/console/guild")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert skip.evaluate("e => e === document.activeElement") and skip.is_visible()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")  # a visible focus
    for path in ("/console/guild/settings", "/console/guild/history"):
        page.goto(f"{served.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    screenshot(page, "console-narrow.png")


def test_every_action_previewed_then_done_in_the_browser(deps, signed_in, tmp_path):
    """Each action as an organiser does it: its form filled by label, the preview, then
    "Do it"; the store says it was done."""
    from datetime import date

    from functions.services.changes import members
    from functions.entrypoints.console.actions import ACTIONS

    served, page = signed_in
    members.pause(deps, "guild", EMAILS[3], date(2027, 3, 1))
    sessions = deps.store.list_sessions("guild")
    taker = next(e for e in EMAILS[1:] if e != sessions[1].presenter)
    def welcomes() -> int:
        return sum(m["X-Cop-Kind"] == "welcome" for m in deps.mailer.to(EMAILS[4]))

    welcomed = welcomes()
    roster = tmp_path / "more.csv"
    roster.write_text("email,name\nyan@example.com,Yan Li\n")
    steps = [
        ("add", {"Member's email address": "zoe@example.com", "Name": "Zoë Park"},
         lambda: deps.store.get_member("guild", "zoe@example.com") is not None),
        ("import", {"CSV file with the header email,name": roster},
         lambda: deps.store.get_member("guild", "yan@example.com") is not None),
        ("resume", {"Member's email address": EMAILS[3]},
         lambda: deps.store.get_member("guild", EMAILS[3]).paused_until is None),
        ("assign", {"Session date": sessions[1].date.isoformat(),
                    "Member's email address": taker},
         lambda: deps.store.list_sessions("guild")[1].presenter == taker),
        ("call-off", {"Date": sessions[2].date.isoformat()},
         lambda: sessions[2].date in deps.store.get_community("guild").blackouts),
        ("settings", {"Video link": "https://meet.example.com/guild"},
         lambda: deps.store.get_community("guild").video_url
         == "https://meet.example.com/guild"),
        ("language", {"Member's email address": EMAILS[2], "Their language": "fr"},
         lambda: deps.store.get_member("guild", EMAILS[2]).language == "fr"),
        ("welcome", {"Member's email address": EMAILS[4]},
         lambda: welcomes() > welcomed),
        ("remove", {"Member's email address": EMAILS[5]},
         lambda: deps.store.get_member("guild", EMAILS[5]) is None),
    ]
    for name, fields, done in steps:
        page.goto(f"{served.url}/console/guild")
        follow(page, page.get_by_role("link", name=ACTIONS[name].title))
        for label, value in fields.items():
            target = page.get_by_label(re.compile("^" + re.escape(label)))  # then its hint
            if isinstance(value, str):
                target.fill(value)
            else:
                target.set_input_files(str(value))
        follow(page, page.get_by_role("button", name="Show what would happen"))
        assert page.get_by_role("heading", name=f"{ACTIONS[name].title}: what would happen"
                                ).is_visible(), name
        assert not done(), f"{name} was done by its preview"
        follow(page, page.get_by_role("button", name="Do it"))
        assert page.get_by_role("status").inner_text() == ACTIONS[name].done, name
        assert done(), name
