"""Cloud Functions entry points: parse the request, call a service, answer. Nothing else.

Adapters are built on first use (bootstrap.App), never at import time.
"""
from __future__ import annotations

import base64
import json
import logging
import os
from functools import lru_cache

import functions_framework

from .bootstrap import App
from .config import Config
from .domain.errors import NotFound
from .services.replies import read_inbox
from .services.tick import run_community as run_one
from .services.tick import tick as run_all
from .services.watch import renew_watch
from .web import handle

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def app() -> App:
    # Cloud Functions keeps what goes to stderr; INFO shows every job and reply decision.
    logging.basicConfig(level=os.environ.get("COP_LOG_LEVEL", "INFO"),
                        format="%(levelname)s %(name)s: %(message)s")
    return App(Config.from_env(os.environ))


@functions_framework.http
def tick(request):
    """Cloud Scheduler, every 15 minutes (IAM lets only the scheduler's account invoke it)."""
    renew_watch(app(), app().config.gmail_topic)  # Gmail's push to `inbox`, once a day
    report = run_all(app(), app().fanout)
    return ({"communities": report.communities, "sent": report.sent, "failed": report.failed,
             "events": report.events, "errors": report.errors},
            500 if report.errors else 200)


@functions_framework.cloud_event
def run_community(cloud_event):
    """One community's jobs, from a Pub/Sub message {"community": ID} published by tick."""
    body = json.loads(base64.b64decode(cloud_event.data["message"]["data"]))
    try:
        run_one(app(), body["community"])
    except NotFound as gone:  # removed since the tick published: acknowledge, no retries
        log.warning("run_community: %s", gone)


@functions_framework.cloud_event
def inbox(cloud_event):
    """Gmail push {"emailAddress", "historyId"}: new mail, so read every unread reply."""
    log.info("inbox: %d message(s) handled", len(read_inbox(app())))


@functions_framework.http
def web(request):
    """The public pages: one-click unsubscribe, the roster page and the calendar feed."""
    return handle(app(), request.method, request.path, request.args, request.form)
