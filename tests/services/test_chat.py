"""The team chat: the weekly "who presents" post and the week's shares, each posted once
through the ledger to a real HTTP server on this machine that records posts and fails on
demand; the webhook stays a secret."""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from functions.adapters.webhook_chat import WebhookChat, payload
from functions.domain.errors import InputError
from functions.domain.settings import community_settings
from functions.services.changes import communities
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import cop, reply, setup_guild

# Monday 30 November 2026, 09:00 in Sydney: the digest time, about Friday 4 December.
DIGEST = datetime(2026, 11, 29, 22, 0, tzinfo=timezone.utc)
FRIDAY = "2026-12-04"


class ChatServer:
    """Records every post; answers each with the next queued status (then 200)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.paths: list[str] = []
        self.answers: list[tuple[int, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, headers = server.answers.pop(0) if server.answers else (200, {})
                server.paths.append(self.path)
                if status == 200:
                    server.posts.append(json.loads(body))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T0/B0/s3cr3t"
        # Shutting down waits for the serving loop's next poll: poll often, stop at once.
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()

    def fail(self, *statuses: int, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after else {}
        self.answers.extend((s, headers) for s in statuses)

    def texts(self) -> list[str]:
        return [p["text"] for p in self.posts]


@pytest.fixture
def chat_server():
    server = ChatServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def guild(deps, chat_server):
    deps = deps.replaced(chat=WebhookChat(timeout=5))
    setup_guild(deps, chat_webhook=chat_server.url)
    return deps


def _friday(deps):
    return next(s for s in deps.store.list_sessions("guild") if s.date.isoformat() == FRIDAY)


def _ticks(deps, until: datetime, step=timedelta(minutes=15)):
    reports = []
    while deps.clock.now() < until:
        reports.append(tick(deps))
        deps.clock.advance(step)
    return reports


def test_who_presents_is_posted_once_at_the_digest_time(guild, chat_server):
    _ticks(guild, DIGEST)
    assert chat_server.posts == []  # planning, heads-ups: nothing for the chat yet
    sent_before = len(guild.mailer.sent)
    reports = _ticks(guild, DIGEST + timedelta(hours=2))
    assert len(chat_server.posts) == 1
    assert sum(r.posted for r in reports) == 1  # counted as a post, not as an email
    assert sum(r.sent for r in reports) == len(guild.mailer.sent) - sent_before
    text = chat_server.texts()[0]
    friday = _friday(guild)
    presenter = guild.store.get_member("guild", friday.presenter)
    assert text.startswith(f"Guild: {presenter.name} presents on Friday 4 December 2026")
    assert "topic to be announced" in text
    assert set(chat_server.posts[0]) == {"text"}  # Slack's shape for any other host
    # The next week: the next session, once again.
    _ticks(guild, DIGEST + timedelta(days=7, hours=2))
    assert len(chat_server.posts) == 2 and "Friday 11 December 2026" in chat_server.texts()[1]


def test_the_weeks_shares_and_topic_are_posted_escaped(guild, chat_server):
    _ticks(guild, DIGEST - timedelta(days=3))
    friday = _friday(guild)
    for sender, text in ((friday.presenter, "topic: Tables <b> & <!channel>"),
                         ("p3@example.com", "share: https://example.org/a a good read")):
        assert handle_reply(guild, reply(guild, sender, text)).outcome == "done"
    _ticks(guild, DIGEST + timedelta(hours=1))
    who, shares = chat_server.texts()
    assert "on “Tables &lt;b&gt; &amp; &lt;!channel&gt;”" in who  # no mention, no markup
    assert "https://example.org/a — a good read (Person 3)" in shares
    assert "p3@example.com" not in shares


def test_a_temporary_failure_is_retried_and_posted_once(guild, chat_server):
    _ticks(guild, DIGEST)
    chat_server.fail(503)
    chat_server.fail(429, retry_after="1200")
    first = _ticks(guild, DIGEST + timedelta(minutes=15))[0]
    assert chat_server.posts == [] and first.deferred == 1 and not first.problems
    _ticks(guild, DIGEST + timedelta(minutes=30))  # second try: 429, 20 minutes asked
    assert chat_server.posts == [] and len(chat_server.paths) == 2
    _ticks(guild, DIGEST + timedelta(minutes=45))
    assert len(chat_server.paths) == 2  # Retry-After honoured
    _ticks(guild, DIGEST + timedelta(hours=3))
    assert len(chat_server.posts) == 1 and len(chat_server.paths) == 3
    _ticks(guild, DIGEST + timedelta(days=1))
    assert len(chat_server.posts) == 1


def test_a_refusal_fails_at_once_and_is_not_tried_again(guild, chat_server):
    _ticks(guild, DIGEST)
    chat_server.fail(404)
    report = _ticks(guild, DIGEST + timedelta(minutes=15))[0]
    assert report.failed == 1 and report.problems[0].startswith(
        "guild/chat-presenter/2026-12-04/chat: PermanentFailure: chat at 127.0.0.1 answered 404")
    _ticks(guild, DIGEST + timedelta(hours=6))
    assert chat_server.posts == [] and len(chat_server.paths) == 1


def test_an_unreachable_chat_waits_and_the_webhook_is_never_logged(guild, chat_server, caplog):
    _ticks(guild, DIGEST)
    chat_server.httpd.shutdown()
    chat_server.httpd.server_close()  # connection refused: temporary
    with caplog.at_level(logging.DEBUG):
        report = _ticks(guild, DIGEST + timedelta(minutes=15))[0]
    assert report.deferred == 1 and not report.problems
    entry = guild.store.entries(["guild/chat-presenter/2026-12-04/chat"])[
        "guild/chat-presenter/2026-12-04/chat"]
    assert entry.state == "pending"
    secret = "s3cr3t"
    assert secret not in caplog.text and secret not in entry.detail
    assert secret.encode() not in entry.raw  # the ledger keeps the text, not the webhook
    assert secret not in repr(guild.store.get_community("guild"))


def test_no_webhook_means_no_posts_and_none_removes_it(guild, chat_server):
    communities.set_community(guild, "guild", **community_settings({"chat_webhook": "none"}))
    assert guild.store.get_community("guild").chat_webhook is None
    _ticks(guild, DIGEST + timedelta(hours=1))
    assert chat_server.paths == []


def test_google_chat_gets_its_shape_without_mentions():
    google = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"
    assert payload(google, "a <users/all> & b") == {"text": "a ‹users/all› & b"}
    assert payload("https://hooks.slack.com/services/T/B/x", "a <!here> & b") == {
        "text": "a &lt;!here&gt; &amp; b"}


@pytest.mark.parametrize("url", [
    "http://hooks.slack.com/services/T/B/s3cr3t",  # plain http off this machine
    "ftp://127.0.0.1/s3cr3t", "hooks.slack.com/services/s3cr3t", "https:///s3cr3t",
    "https://hooks.slack.com/s3cr3t\n"])
def test_a_bad_webhook_is_refused_without_echoing_the_secret(url):
    with pytest.raises(InputError) as error:
        community_settings({"chat_webhook": url})
    assert "s3cr3t" not in str(error.value) and "--chat-webhook" in str(error.value)


def test_loopback_http_is_accepted():
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:8/x"):
        assert community_settings({"chat_webhook": url}) == {"chat_webhook": url}


def test_the_command_line_masks_the_webhook(tmp_path):
    hook = "https://hooks.slack.com/services/T0/B0/s3cr3t"
    cop(tmp_path, "community", "add", "guild", "--name", "Guild", "--timezone",
        "Australia/Sydney", "--chat-webhook", hook)
    shown = cop(tmp_path, "community", "show", "guild").stdout
    assert "https://hooks.slack.com/… (hidden)" in shown and "s3cr3t" not in shown
    exported = cop(tmp_path, "community", "export", "guild").stdout
    assert "s3cr3t" not in exported
    listed = cop(tmp_path, "community", "list", "--json").stdout
    assert "s3cr3t" not in listed
    bad = cop(tmp_path, "community", "set", "guild", "--chat-webhook",
              "http://hooks.slack.com/s3cr3t", check=False)
    assert bad.returncode == 2 and "s3cr3t" not in bad.stderr
    assert bad.stderr.count("\n") == 1


def test_the_chat_speaks_the_communitys_language(deps, chat_server):
    """The whole channel reads the posts: in the community's language, dates the CLDR way,
    the reply word that language's emails show."""
    deps = deps.replaced(chat=WebhookChat(timeout=5))
    setup_guild(deps, chat_webhook=chat_server.url, language="de")
    friday = _friday(deps)
    presenter = deps.store.get_member("guild", friday.presenter)
    _ticks(deps, DIGEST - timedelta(days=3))
    assert handle_reply(deps, reply(deps, "p3@example.com", "teilen: https://example.org/a")
                        ).outcome == "done"
    _ticks(deps, DIGEST + timedelta(hours=1))
    who, shares = chat_server.texts()
    assert who.startswith(f"Guild: {presenter.name} präsentiert am Freitag, 4. Dezember 2026")
    assert who.endswith("Thema folgt.") and "presents" not in who
    assert shares.startswith("Guild: diese Woche geteilt\n• https://example.org/a")


def test_a_session_without_presenter_asks_in_that_languages_reply_word():
    from functions.domain.chat import presenter_post
    from functions.domain.digest import SessionLine
    from functions.mail.translations import speak
    line = SessionLine(date="2026-12-04", day="4 décembre", when="vendredi 4 décembre 2026",
                       hours="", status="planned", presenter_name=None, presenter_email=None,
                       topic=None, note=None)
    with speak("fr"):
        text = presenter_post("Guilde", line, "https://meet.example.com/x")
    assert text == ("Guilde : personne ne présente encore le vendredi 4 décembre 2026. "
                    "Répondez `je présente` au récapitulatif pour prendre la séance.")
