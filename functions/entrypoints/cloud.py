"""Cloud Functions entry points: parse the request, call a service, answer. Nothing else.

Adapters are built on first use (bootstrap.Container), never at import time.
"""
from __future__ import annotations

import base64
import json
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
from functions.entrypoints import logs  # noqa: E402
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


@functions_framework.cloud_event
def run_community(cloud_event):
    """One community's jobs, from a Pub/Sub message {"community": ID} published by tick."""
    _logging()
    try:
        community = json.loads(base64.b64decode(cloud_event.data["message"]["data"],
                                                validate=True))["community"]
        if not isinstance(community, str):
            raise TypeError("community is not a string")
    except (KeyError, TypeError, ValueError) as error:  # acknowledged: a retry cannot help
        log.error("run_community: malformed message, dropped: %s: %s",
                  type(error).__name__, error)
        return
    from functions.services.jobs.tick import run_community as run_one

    try:
        report = run_one(app(), community)
    except NotFound as gone:  # removed since the tick published: acknowledge, no retries
        log.warning("run_community: %s", gone)
        return
    for problem in report.problems:
        log.error("run_community %s: %s", community, problem)
    log.info("run_community %s: %s", community, report.summary())


@functions_framework.cloud_event
def inbox(cloud_event):
    """Gmail push {"emailAddress", "historyId"}: new mail, so read every unread reply."""
    from functions.services.delivery.record import recording
    from functions.services.replies.inbox import read_inbox

    _logging()
    with recording() as report:
        report.replies = len(read_inbox(app()))
    log.info("inbox: %s", report.summary())


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
