"""Cloud Functions entry points: parse the request, call a service, answer. Nothing else.

Adapters are built on first use (bootstrap.Container), never at import time.
"""
from __future__ import annotations

import logging
import os
from functools import lru_cache

import sys
from pathlib import Path

import functions_framework

# functions-framework loads this file by its path (GOOGLE_FUNCTION_SOURCE), outside of its
# package: the source root goes on the path so that `functions` imports as itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from functions.bootstrap import Container  # noqa: E402
from functions.config import Config  # noqa: E402
from functions.domain.errors import NotFound  # noqa: E402
from functions.entrypoints import logs, push  # noqa: E402
# Each function imports the service it calls when first called: every deployed function
# loads this file, and each needs only its own part.

log = logging.getLogger("functions.entrypoints.cloud")  # whatever name the framework loads it under


def _logging() -> None:
    """JSON lines with a severity. Set up on every call, after the framework's own setup
    (which would otherwise have disabled our loggers)."""
    logs.setup(os.environ, "INFO", cloud=True)


@lru_cache(maxsize=1)
def app() -> Container:
    return Container(Config.from_env(os.environ))


@functions_framework.http
def tick(request):
    """Cloud Scheduler, every 15 minutes (IAM lets only the scheduler's account invoke it)."""
    from functions.services.jobs.tick import tick as run_all
    from functions.services.jobs.watch import renew_watch

    _logging()
    renew_watch(app(), app().config.gmail_topic)  # Gmail's push to `inbox`, once a day
    report = run_all(app())
    for problem in report.problems:
        log.error("tick: %s", problem)
    log.info("tick: %s", report.summary())
    return ({"communities": report.communities, "sent": report.sent,
             "sent_by_kind": dict(report.kinds), "posted": report.posted,
             "failed": report.failed, "waiting": report.deferred, "events": report.events,
             "reassigned": report.reassigned, "replies": report.replies,
             "errors": report.problems}, 500 if report.problems else 200)


def _pushed(request, function: str, field: str | None = None
            ) -> tuple[push.PushMessage, str] | None:
    """A Pub/Sub push request's message and the string `field` of its JSON data (no field:
    ""); None, logged, when it has none: acknowledged, since no delivery could do better."""
    try:
        message = push.read(request.get_data())
        if field is None:
            return message, ""
        body = message.json()
        value = body.get(field) if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise push.Malformed(f"{message.describe()}: no {field}")
    except push.Malformed as error:
        log.error("%s: malformed message, dropped: %s", function, error)
        return None
    return message, value


def _retry(label: str, message: push.PushMessage, error: Exception):
    """A failure a later delivery may not meet: logged, and answered so that Pub/Sub
    delivers the message again (and dead-letters it after its last try)."""
    log.error("%s: %s failed, to be delivered again: %s: %s", label, message.describe(),
              type(error).__name__, error)
    return push.RETRY


@functions_framework.http
def run_community(request):
    """One community's jobs, from a Pub/Sub push of {"community": ID} published by tick.
    A redelivered message is harmless: every job and message is claimed by its key."""
    _logging()
    pushed = _pushed(request, "run_community", "community")
    if pushed is None:
        return push.ACK
    message, community = pushed
    from functions.services.jobs.tick import run_community as run_one

    try:
        report = run_one(app(), community)
    except NotFound as gone:  # removed since the tick published: acknowledge, no retries
        log.warning("run_community: %s", gone)
        return push.ACK
    except Exception as error:  # noqa: BLE001 (Pub/Sub retries, then dead-letters it)
        return _retry(f"run_community {community}", message, error)
    for problem in report.problems:
        log.error("run_community %s: %s", community, problem)
    log.info("run_community %s: %s", community, report.summary())
    return push.ACK


@functions_framework.http
def inbox(request):
    """A Pub/Sub push of Gmail's {"emailAddress", "historyId"}: new mail, so read every
    unread reply. A redelivery is harmless: each reply is claimed by its Message-ID."""
    from functions.services.delivery.record import recording
    from functions.services.replies.inbox import read_inbox

    _logging()
    pushed = _pushed(request, "inbox")
    if pushed is None:
        return push.ACK
    message, _ = pushed
    try:
        with recording() as report:
            report.replies = len(read_inbox(app()))
    except Exception as error:  # noqa: BLE001 (Pub/Sub retries, then dead-letters it)
        return _retry("inbox", message, error)
    log.info("inbox: %s", report.summary())
    return push.ACK


@functions_framework.http
def unsubscribe(request):
    """A Pub/Sub push of {"token": T}: a one-click unsubscribe the web function recorded
    (it may not write the store). Applied as the page would have; again changes nothing."""
    from functions.services.changes.unsubscribe import unsubscribe as leave

    _logging()
    pushed = _pushed(request, "unsubscribe", "token")
    if pushed is None:
        return push.ACK
    message, token = pushed
    try:
        done = leave(app().store, app().mail.tokens, token, app().clock.now())
    except Exception as error:  # noqa: BLE001 (Pub/Sub retries, then dead-letters it)
        return _retry("unsubscribe", message, error)
    if done is not None:  # a token that names nobody now was logged, and is dropped
        log.info("unsubscribe: %s left %s", done[1].email, done[0])
    return push.ACK


@lru_cache(maxsize=1)
def console_app():
    from functions.entrypoints.console import in_the_cloud
    return in_the_cloud(app())


@functions_framework.http
def console(request):
    """The organiser's console, behind Identity-Aware Proxy (COP_IAP_AUDIENCE)."""
    from functions.entrypoints.web import respond

    _logging()
    return respond(app(), request, console_app())


@functions_framework.http
def web(request):
    """The public pages: one-click unsubscribe, the roster page and the calendar feed."""
    from functions.entrypoints.web import handle

    _logging()
    return handle(app(), request.method, request.path, request.args, request.form)
