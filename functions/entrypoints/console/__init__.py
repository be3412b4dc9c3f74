"""The organiser's console, under /console: sign in, then for each community one organises
an overview, its history, and actions that show what they would do before doing it.

Routes (everything but the stylesheet and the sign-in link needs someone signed in; a POST
also needs the CSRF token of the form it came from):
    GET  /console/                     the communities one organises
    GET  /console/signin?token=…       `serve`'s one-time link: a session cookie
    GET  /console/ID                   the overview
    GET  /console/ID/history           every change, by whom and when
    GET  /console/ID/ACTION            the action's form
    POST /console/ID/ACTION            what it would do (the messages, who gets them);
                                       with confirm=yes, done
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from werkzeug.wrappers import Request, Response

from ...adapters.read_once import ReadOnce
from ...bootstrap import Container, dry_run, iap_keys
from ...domain.errors import Unavailable
from ...domain.models import Community
from ...mail.templating import TEMPLATES
from ...services.actors import CONSOLE, Actor, acting
from ...services.deps import Deps
from . import actions, pages
from .gate import (CSRF_FIELD, SESSION_COOKIE, SESSION_HOURS, Gate, IapVerifier, LocalSignIn,
                   Visitor)
from .respond import redirect, refused, secured

log = logging.getLogger(__name__)
PREFIX = "/console"
STYLESHEET = TEMPLATES / "web" / "console" / "console.css"


@dataclass(frozen=True)
class Console:
    deps: Container
    gate: Gate
    copies: Callable[[], Deps]  # a fresh dry run of `deps` for each preview


def in_the_cloud(app: Container) -> Console:
    """Behind Identity-Aware Proxy (COP_IAP_AUDIENCE); without it, nobody signs in."""
    audience = app.config.iap_audience
    return Console(app, Gate(app.secret, IapVerifier(audience, iap_keys) if audience else None),
                   lambda: dry_run(app))


def on_this_machine(app: Container) -> Console:
    """`serve`: signed in by the one-time link it prints (`console.gate.local.token`)."""
    return Console(app, Gate(app.secret, local=LocalSignIn()), lambda: dry_run(app))


def owns(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def handle(console: Console, request: Request) -> Response:
    path = request.path.removeprefix(PREFIX).strip("/")
    if request.method not in ("GET", "HEAD", "POST"):
        return refused(405, "Not allowed", "The console only reads pages and sends forms.")
    if path == "console.css":
        return secured(Response(STYLESHEET.read_bytes(), content_type="text/css"))
    if path == "signin":
        return sign_in(console.gate, request)
    try:
        visitor = console.gate.visitor(request.headers, request.cookies)
    except Unavailable as error:
        log.warning("console: %s", error)
        return refused(503, "Sign-in cannot be checked now", "The keys that prove who is "
                       "signed in could not be fetched. Try again in a minute.")
    if visitor is None:
        return refused(403, "Not signed in", "Sign in to use the console: in the cloud "
                       "through your organisation's Google sign-in, on a laptop with the "
                       "link the serve command printed when it started.")
    if request.method == "POST" and not console.gate.csrf_ok(
            visitor, request.form.get(CSRF_FIELD, "")):
        return refused(403, "Form expired", "This form was not sent from the console, or it "
                       "is too old. Open the page again and send it from there.")
    try:
        with acting(Actor(CONSOLE, visitor.email)):  # whatever it changes: theirs
            return _signed_in(console, request, visitor, path)
    except Unavailable as error:  # the store is busy: nothing was changed
        return refused(503, "Busy, nothing changed", f"{error}. Try again in a moment.")


def _signed_in(console: Console, request: Request, visitor: Visitor, path: str) -> Response:
    context = {"visitor": visitor, CSRF_FIELD: console.gate.csrf_token(visitor)}
    if not path:
        return pages.index(console.deps, **context)
    community_id, _, rest = path.partition("/")
    community = _organised(console.deps, visitor, community_id)
    if community is None:
        return refused(403, "Not yours", "You do not organise a community of that name. "
                       "Ask one of its organisers to add you (community set ID --organiser).")
    # The reading pages read each thing once, however many tables show it.
    reading = console.deps.replaced(store=ReadOnce(console.deps.store))
    if rest == "":
        return pages.overview_page(reading, community, request.args.get("done", ""),
                                   **context)
    if rest == "history":
        return pages.history(reading, community, **context)
    return actions.handle(console, community, rest, request, context)


def _organised(deps: Deps, visitor: Visitor, community_id: str) -> Community | None:
    community = deps.store.get_community(community_id) if community_id else None
    return community if community and visitor.organises(community.organisers) else None


def sign_in(gate: Gate, request: Request) -> Response:
    """The one-time link: the first visit gets the session cookie, any other is refused."""
    if gate.local is None:  # in the cloud, IAP signs people in
        return refused(404, "Not found", "There is no such page.")
    cookie = gate.local.redeem(request.args.get("token", ""))
    if cookie is None:
        return refused(403, "Link already used", "This sign-in link works once (and only "
                       "as printed). Start the serve command again for a new one.")
    response = redirect(f"{PREFIX}/")
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, path=PREFIX,
                        httponly=True, samesite="Strict", secure=request.is_secure)
    return response

