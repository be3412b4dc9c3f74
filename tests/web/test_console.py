"""The organiser's console over HTTP (werkzeug's test client on the same WSGI app `serve`
runs): who gets in, what each page shows, and each action previewed, then done."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.test import Client

from functions.entrypoints.serve import wsgi_app
from functions.services.jobs.tick import tick
from tests.emails.support import EMAILS, setup_guild
from tests.web.console_support import Iap, cloud_console, csrf_of, laptop_console

ORGANISER = EMAILS[0]


@pytest.fixture
def iap():
    return Iap()


@pytest.fixture
def guild(deps):
    setup_guild(deps, organisers=(ORGANISER,))
    tick(deps)
    return deps


@pytest.fixture
def cloud(guild, iap):
    return Client(wsgi_app(guild, cloud_console(guild, iap)))


def as_organiser(iap, email=ORGANISER, **claims):
    return {"x-goog-iap-jwt-assertion": iap.assertion(email, **claims)}


def test_an_organiser_signed_in_by_iap_sees_the_overview(cloud, iap, guild):
    answer = cloud.get("/console/guild", headers=as_organiser(iap))
    assert answer.status_code == 200, answer.text
    names = {m.name for m in guild.store.list_members("guild")}
    assert all(name in answer.text for name in names)
    assert iap.fetched == 1


def test_the_overview_reads_each_thing_once(guild, iap):
    """Its tables come from several read services; the community's members, sessions and
    records are read once for the page (they were read three times each)."""
    from tests.fakes import CountingStore
    counting = CountingStore(guild.store)
    reading = guild.replaced(store=counting)
    client = Client(wsgi_app(reading, cloud_console(reading, iap)))
    answer = client.get("/console/guild", headers=as_organiser(iap))

    assert answer.status_code == 200
    names = {m.name for m in guild.store.list_members("guild")}
    assert all(name in answer.text for name in names)
    assert {k: counting.calls[k] for k in ("list_members", "list_sessions")} == {
        "list_members": 1, "list_sessions": 1}, counting.calls


# Who gets in ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/console/", "/console/guild", "/console/guild/history",
                                  "/console/guild/add"])
def test_nobody_signed_in_is_refused(cloud, path):
    answer = cloud.get(path)
    assert answer.status_code == 403
    assert "Not signed in" in answer.text


def test_forged_expired_wrong_audience_and_wrong_issuer_assertions_are_refused(cloud, iap):
    from tests.web.console_support import pem_pair
    other_key, _ = pem_pair()
    refused = {
        "forged": as_organiser(iap, private=other_key),
        "expired": as_organiser(iap, age=1200, lifetime=600),
        "wrong audience": as_organiser(iap, audience="/projects/1/global/backendServices/2"),
        "wrong issuer": as_organiser(iap, issuer="https://accounts.google.com"),
        "unknown key": as_organiser(iap, key_id="other"),
        "garbage": {"x-goog-iap-jwt-assertion": "not.a.jwt"},
    }
    for what, headers in refused.items():
        answer = cloud.get("/console/guild", headers=headers)
        assert answer.status_code == 403, what
        assert "Ana Lima" not in answer.text, what


def test_an_unsigned_assertion_is_refused(cloud, iap):
    import base64
    import json

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    genuine = iap.assertion(ORGANISER).split(".")
    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{genuine[1]}."
    assert cloud.get("/console/guild", headers={
        "x-goog-iap-jwt-assertion": unsigned}).status_code == 403


def test_someone_who_organises_nothing_is_refused_the_community(cloud, iap):
    member = as_organiser(iap, EMAILS[1])  # a member, not an organiser
    assert cloud.get("/console/guild", headers=member).status_code == 403
    home = cloud.get("/console/", headers=member)
    assert home.status_code == 200 and "/console/guild" not in home.text
    assert cloud.get("/console/nosuch", headers=as_organiser(iap)).status_code == 403


def test_an_organiser_sees_the_communities_they_organise_and_no_other(cloud, iap, guild):
    """Found by the organisers' index, whatever the case IAP gives the address in."""
    from functions.services.changes import communities
    now = guild.clock.now()
    communities.add_community(guild.store, now, "pm", name="Product managers",
                              timezone="UTC", organisers=(EMAILS[1], ORGANISER))
    communities.add_community(guild.store, now, "ops", name="Operations", timezone="UTC",
                              organisers=(EMAILS[1],))
    home = cloud.get("/console/", headers=as_organiser(iap, ORGANISER.upper()))
    assert home.status_code == 200
    assert "/console/guild" in home.text and "/console/pm" in home.text
    assert "/console/ops" not in home.text and "Operations" not in home.text


def test_the_keys_are_fetched_once_and_again_when_iap_rotates_them(cloud, iap):
    for _ in range(3):
        assert cloud.get("/console/guild", headers=as_organiser(iap)).status_code == 200
    assert iap.fetched == 1
    from tests.web.console_support import pem_pair
    new_private, new_public = pem_pair()
    iap.keys["test-key-2"] = new_public
    rotated = as_organiser(iap, private=new_private, key_id="test-key-2")
    assert cloud.get("/console/guild", headers=rotated).status_code == 200
    assert iap.fetched == 2


def test_the_sign_in_link_works_once(guild):
    console = laptop_console(guild)
    client = Client(wsgi_app(guild, console))
    assert client.get("/console/guild").status_code == 403
    assert client.get("/console/signin?token=wrong").status_code == 403
    first = client.get(f"/console/signin?token={console.gate.local.token}")
    assert first.status_code == 303 and first.headers["Location"] == "/console/"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert client.get("/console/guild").status_code == 200  # the cookie signs them in
    other = Client(wsgi_app(guild, console))  # a second browser, the same link
    again = other.get(f"/console/signin?token={console.gate.local.token}")
    assert again.status_code == 403 and "works once" in again.text
    assert other.get("/console/guild").status_code == 403


def test_a_tampered_session_cookie_is_refused(guild):
    console = laptop_console(guild)
    client = Client(wsgi_app(guild, console))
    value = client.get(f"/console/signin?token={console.gate.local.token}").headers[
        "Set-Cookie"].split(";")[0].split("=", 1)[1]
    stranger = Client(wsgi_app(guild, console))
    stranger.set_cookie("cop_console", value[:-2] + "xx", path="/console")
    assert stranger.get("/console/guild").status_code == 403


def test_every_console_answer_carries_the_security_headers(cloud, iap):
    for path, headers in (("/console/guild", as_organiser(iap)), ("/console/guild", {}),
                          ("/console/guild/pause", as_organiser(iap)),
                          ("/console/console.css", {})):
        answer = cloud.get(path, headers=headers)
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp and "script-src" not in csp
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        if answer.mimetype == "text/html":
            assert "<script" not in answer.text and "style=" not in answer.text
            assert "<style" not in answer.text


def test_a_post_without_the_csrf_token_changes_nothing(cloud, iap, guild):
    sent = len(guild.mailer.sent)
    for form in ({"email": EMAILS[2], "until": "2027-01-10", "confirm": "yes"},
                 {"email": EMAILS[2], "until": "2027-01-10", "confirm": "yes",
                  "csrf": "forged"}):
        answer = cloud.post("/console/guild/pause", headers=as_organiser(iap), data=form)
        assert answer.status_code == 403
    # a genuine token, made for someone else, does not do either
    from functions.entrypoints.console.gate import Gate, Visitor
    from tests.emails.support import SECRET
    theirs = Gate(SECRET).csrf_token(Visitor(f"iap:{EMAILS[1]}", EMAILS[1]))
    answer = cloud.post("/console/guild/pause", headers=as_organiser(iap), data={
        "email": EMAILS[2], "until": "2027-01-10", "confirm": "yes", "csrf": theirs})
    assert answer.status_code == 403
    assert guild.store.get_member("guild", EMAILS[2]).paused_until is None
    assert len(guild.mailer.sent) == sent


def test_the_public_pages_are_as_they_were(cloud, guild):
    token = guild.mail.tokens.feed_token("guild")
    answer = cloud.get(f"/roster/{token}")
    assert answer.status_code == 200 and "Guild" in answer.text
    assert cloud.get("/nothing").status_code == 404


# Actions: what they would do, then done --------------------------------------------------

def hidden_fields(html: str) -> dict[str, str]:
    import html as markup
    import re
    return {markup.unescape(n): markup.unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', html, re.DOTALL)}


def preview(cloud, iap, action: str, form: dict, **extra):
    headers = as_organiser(iap)
    start = cloud.get(f"/console/guild/{action}", headers=headers)
    assert start.status_code == 200, start.text
    return cloud.post(f"/console/guild/{action}", headers=headers,
                      data={**form, "csrf": csrf_of(start.text)}, **extra)


def confirm(cloud, iap, action: str, shown) -> None:
    answer = cloud.post(f"/console/guild/{action}", headers=as_organiser(iap),
                        data=hidden_fields(shown.text))
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == f"/console/guild?done={action}"


def subjects(messages) -> list[tuple[str, str]]:
    return sorted((str(m["To"].addresses[0].addr_spec), str(m["Subject"])) for m in messages)


def shown_messages(html: str) -> list[tuple[str, str]]:
    import html as markup
    import re
    return sorted((markup.unescape(to), markup.unescape(subject)) for to, subject in re.findall(
        r"<strong>To:</strong> (.*?)<br><strong>Subject:</strong> (.*?) <span", html))


def test_pausing_a_presenter_shows_every_message_then_sends_exactly_those(cloud, iap, guild):
    first = guild.store.list_sessions("guild")[0]
    presenter = first.presenter
    sent = len(guild.mailer.sent)
    shown = preview(cloud, iap, "pause", {"email": presenter, "until": "2027-01-10"})
    assert shown.status_code == 200, shown.text
    assert "Nothing has been done yet" in shown.text
    # nothing changed, nothing sent
    assert guild.store.get_member("guild", presenter).paused_until is None
    assert len(guild.mailer.sent) == sent
    previewed = [(to.split("<")[-1].rstrip(">"), s) for to, s in shown_messages(shown.text)]
    assert (presenter, "Guild: You are paused until Sunday 10 January 2027") in previewed
    assert len(previewed) > 2  # the new presenters' heads-ups too
    confirm(cloud, iap, "pause", shown)
    assert str(guild.store.get_member("guild", presenter).paused_until) == "2027-01-10"
    tick(guild)  # the others hear from the next run
    actual = subjects(guild.mailer.sent[sent:])
    assert actual == sorted(previewed)
    assert guild.store.list_sessions("guild")[0].presenter != presenter


def test_adding_a_member_with_a_welcome(cloud, iap, guild):
    shown = preview(cloud, iap, "add", {"email": "zoe@example.com", "name": "Zoë Quinn",
                                        "welcome": "yes"})
    assert "Welcome to Guild" in shown.text and "zoe@example.com" in shown.text
    assert guild.store.get_member("guild", "zoe@example.com") is None
    confirm(cloud, iap, "add", shown)
    assert guild.store.get_member("guild", "zoe@example.com").name == "Zoë Quinn"
    assert [m["Subject"] for m in guild.mailer.to("zoe@example.com")] == ["Welcome to Guild"]
    overview = cloud.get("/console/guild?done=add", headers=as_organiser(iap))
    assert "The member was added." in overview.text and "Zoë Quinn" in overview.text


def test_importing_a_csv_without_welcomes(cloud, iap, guild):
    from io import BytesIO
    data = "email,name\nyan@example.com,Yan Li\nxia@example.com,Xia Wu\n".encode()
    shown = preview(cloud, iap, "import", {"csv": (BytesIO(data), "people.csv")},
                    content_type="multipart/form-data")
    assert shown.status_code == 200, shown.text
    assert "Nobody would be emailed" in shown.text
    confirm(cloud, iap, "import", shown)
    assert {"yan@example.com", "xia@example.com"} <= {
        m.email for m in guild.store.list_members("guild")}
    assert guild.mailer.to("yan@example.com") == []


def test_removing_a_member_erases_them(cloud, iap, guild):
    shown = preview(cloud, iap, "remove", {"email": EMAILS[3]})
    # they did not leave: an organiser removed them, and no reply brings an erased member back
    assert "You are off the Guild roster" in shown.text and "(goodbye)" in shown.text
    assert "You have left" not in shown.text
    confirm(cloud, iap, "remove", shown)
    assert guild.store.get_member("guild", EMAILS[3]) is None


def test_assigning_calling_off_and_changing_settings(cloud, iap, guild):
    second = guild.store.list_sessions("guild")[1]
    taker = next(e for e in EMAILS if e != second.presenter)
    shown = preview(cloud, iap, "assign", {"date": second.date.isoformat(), "email": taker})
    assert "Sent by the next run" in shown.text and "An organiser asked you" in shown.text
    confirm(cloud, iap, "assign", shown)
    assert guild.store.list_sessions("guild")[1].presenter == taker

    third = guild.store.list_sessions("guild")[2]
    shown = preview(cloud, iap, "call-off", {"date": third.date.isoformat()})
    confirm(cloud, iap, "call-off", shown)
    assert third.date in guild.store.get_community("guild").blackouts

    shown = preview(cloud, iap, "settings", {"video_url": "https://meet.example.com/new"})
    confirm(cloud, iap, "settings", shown)
    assert guild.store.get_community("guild").video_url == "https://meet.example.com/new"
    # `none` removes a setting: the video link, the public holidays
    assert guild.store.get_community("guild").holidays is not None
    shown = preview(cloud, iap, "settings", {"video_url": "none", "holidays": "None"})
    confirm(cloud, iap, "settings", shown)
    assert guild.store.get_community("guild").video_url is None
    assert guild.store.get_community("guild").holidays is None


def test_languages_of_the_community_and_of_a_member(cloud, iap, guild):
    """The settings set the community's language; a member's own, as their `language:`
    reply does, wins, and empty gives them the community's again."""
    confirm(cloud, iap, "settings", preview(cloud, iap, "settings", {"language": "DE"}))
    assert guild.store.get_community("guild").language == "de"
    confirm(cloud, iap, "language",
            preview(cloud, iap, "language", {"email": EMAILS[2], "language": "fr"}))
    assert guild.store.get_member("guild", EMAILS[2]).language == "fr"
    before = len(guild.mailer.to(EMAILS[2]))
    confirm(cloud, iap, "welcome", preview(cloud, iap, "welcome", {"email": EMAILS[2]}))
    assert guild.mailer.to(EMAILS[2])[before]["Subject"].startswith("Bienvenue")
    confirm(cloud, iap, "language",
            preview(cloud, iap, "language", {"email": EMAILS[2], "language": ""}))
    assert guild.store.get_member("guild", EMAILS[2]).language is None


def test_resuming_and_sending_a_welcome_again(cloud, iap, guild):
    from datetime import date
    from functions.services.changes import members
    members.pause(guild, "guild", EMAILS[4], date(2027, 2, 1))
    shown = preview(cloud, iap, "resume", {"email": EMAILS[4]})
    assert "Your pause has ended" in shown.text
    confirm(cloud, iap, "resume", shown)
    assert guild.store.get_member("guild", EMAILS[4]).paused_until is None
    before = len(guild.mailer.to(EMAILS[5]))
    confirm(cloud, iap, "welcome", preview(cloud, iap, "welcome", {"email": EMAILS[5]}))
    assert [m["Subject"] for m in guild.mailer.to(EMAILS[5])[before:]] == ["Welcome to Guild"]


@pytest.mark.parametrize("action, form, says", [
    ("add", {"email": "not an address"}, "not a valid"),
    ("add", {"email": EMAILS[1]}, "already a member"),
    ("pause", {"email": EMAILS[1], "until": "someday"}, "until"),
    ("assign", {"date": "2026-01-01", "email": EMAILS[1]}, "no session on"),
    ("settings", {"weekday": "funday"}, "funday"),
    ("import", {"csv_text": "name\nBo\n"}, "header"),
    ("settings", {"language": "klingon"}, "klingon"),
    ("language", {"email": EMAILS[1], "language": "tlh"}, "not one of"),
    ("language", {"email": "nobody@example.com", "language": "de"}, "nobody@example.com"),
])
def test_bad_input_is_said_on_the_form_and_changes_nothing(cloud, iap, guild, action, form,
                                                           says):
    before = (guild.store.list_members("guild"), guild.store.list_sessions("guild"),
              guild.store.get_community("guild"), len(guild.mailer.sent))
    for confirmed in ({}, {"confirm": "yes"}):
        answer = preview(cloud, iap, action, {**form, **confirmed})
        assert answer.status_code == 400
        assert 'class="error"' in answer.text and says in answer.text.lower()
    assert before == (guild.store.list_members("guild"), guild.store.list_sessions("guild"),
                      guild.store.get_community("guild"), len(guild.mailer.sent))


def test_history_says_who_did_what(cloud, iap, guild):
    from functions.services.changes import members
    members.pause(guild, "guild", EMAILS[2], __import__("datetime").date(2027, 1, 10),
                  by_organiser=True)
    answer = cloud.get("/console/guild/history", headers=as_organiser(iap))
    assert answer.status_code == 200
    assert "an organiser" in answer.text and "a presenter&#39;s heads-up" in answer.text


def test_history_names_the_organiser_signed_in_and_shows_local_times(cloud, iap, guild):
    guild.clock.advance(timedelta(minutes=30))  # after the tick
    shown = preview(cloud, iap, "pause", {"email": EMAILS[2], "until": "2027-01-20"})
    assert shown.status_code == 200, shown.text
    confirm(cloud, iap, "pause", shown)
    page = cloud.get("/console/guild/history", headers=as_organiser(iap)).text
    name = guild.store.get_member("guild", EMAILS[2]).name
    local = guild.clock.now().astimezone(ZoneInfo("Australia/Sydney"))
    row = (f'<tr class="change"><td>{local:%Y-%m-%d %H:%M} AEDT</td>'
           f"<td>{ORGANISER}, in the console</td><td>{name} paused until 2027-01-20</td>")
    assert row in page
    assert page.index(row) < page.index(" planned: ")  # newest first: before the tick's
    assert "(inferred from the mail sent)" in page  # lines read from the mail, marked


def test_history_names_the_operator_of_a_laptops_console(guild):
    console = laptop_console(guild)
    client = Client(wsgi_app(guild, console))
    client.get(f"/console/signin?token={console.gate.local.token}")
    start = client.get("/console/guild/pause")
    answer = client.post("/console/guild/pause", data={
        "email": EMAILS[2], "until": "2027-01-20", "confirm": "yes",
        "csrf": csrf_of(start.text)})
    assert answer.status_code == 303, answer.text
    page = client.get("/console/guild/history").text
    name = guild.store.get_member("guild", EMAILS[2]).name
    assert (f"<td>this computer&#39;s operator, in the console</td><td>{name} paused until "
            "2027-01-20</td>") in page


# Text from members is shown, never run --------------------------------------------------

def test_names_topics_and_links_render_inert(cloud, iap, guild):
    from functions.services.changes import sessions
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    members_before = {m.email for m in guild.store.list_members("guild")}
    shown = preview(cloud, iap, "add", {"email": "eve@example.com", "name": evil,
                                        "welcome": "yes"})
    assert "<script>" not in shown.text and "<img" not in shown.text
    confirm(cloud, iap, "add", shown)
    first = guild.store.list_sessions("guild")[0]
    sessions.set_topic(guild, "guild", first.presenter, f'"><svg onload=alert(3)>{evil}')
    from functions.services.replies.inbox import handle_reply
    from tests.builders import reply
    link = 'https://example.org/"><script>alert(4)</script>'
    assert handle_reply(guild, reply(guild, EMAILS[2], f"share: {link} {evil}")
                        ).outcome == "done"
    for path in ("/console/guild", "/console/guild/history"):
        page = cloud.get(path, headers=as_organiser(iap)).text
        assert "<script>" not in page and "<img" not in page and "<svg" not in page
        assert members_before < {m.email for m in guild.store.list_members("guild")}
    overview = cloud.get("/console/guild", headers=as_organiser(iap)).text
    assert "&lt;script&gt;" in overview
    assert 'href="https://example.org/&#34;&gt;' in overview or \
        'href="https://example.org/%22%3E' in overview  # the link stays one attribute


def test_a_preview_leaves_out_what_the_next_run_sends_anyway(cloud, iap, guild):
    from datetime import timedelta
    from tests.emails.support import FIRST_FRIDAY
    guild.clock.set(FIRST_FRIDAY - timedelta(hours=23))  # the presenter's reminder is due
    presenting = {s.presenter for s in guild.store.list_sessions("guild")}
    idle = next(e for e in EMAILS if e not in presenting)
    shown = preview(cloud, iap, "pause", {"email": idle, "until": "2027-01-10"})
    assert [s for _, s in shown_messages(shown.text)] == [
        "Guild: You are paused until Sunday 10 January 2027"]
    sent = len(guild.mailer.sent)
    confirm(cloud, iap, "pause", shown)
    tick(guild)
    kinds = sorted(m["X-Cop-Kind"] for m in guild.mailer.sent[sent:])
    assert kinds == ["notice", "reminder"]  # the reminder went anyway, unannounced


def test_keys_that_cannot_be_fetched_refuse_for_now(guild, iap):
    def unreachable():
        raise OSError("network is unreachable")
    from functions.bootstrap import dry_run
    from functions.entrypoints.console import Console
    from functions.entrypoints.console.gate import Gate, IapVerifier
    from tests.emails.support import SECRET
    from tests.web.console_support import AUDIENCE
    console = Console(guild, Gate(SECRET, IapVerifier(AUDIENCE, unreachable)),
                      lambda: dry_run(guild))
    answer = Client(wsgi_app(guild, console)).get("/console/guild", headers=as_organiser(iap))
    assert answer.status_code == 503 and "Try again" in answer.text
