"""Routes of the public `web` function, independent of the HTTP framework serving them."""
from __future__ import annotations

from typing import Any, Mapping

from ..mail.ical import render_feed
from ..services.reads import public
from ..services.deps import Deps
from ..services.changes.unsubscribe import INVALID, LEAVING, leave_by_link
from ..mail.templating import render
from ..mail.translations import speak
from ..domain.language import words

HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def page(template: str, status: int = 200, language: str | None = None, **context: Any):
    """A page in the community's language (English where there is no community)."""
    with speak(language):
        return render(template, **context), status, HTML


def respond(deps: Deps, request, console=None):
    """A werkzeug (or Flask) request: the console's paths to the console, if it is served
    here, the rest to the public pages (which have none of the console's paths)."""
    if console is not None:
        from . import console as organisers

        if organisers.owns(request.path):
            return organisers.handle(console, request)
    return handle(deps, request.method, request.path, request.args, request.form)


def handle(deps: Deps, method: str, path: str, args: Mapping[str, str],
           form: Mapping[str, str]):
    route = path.rstrip("/")
    if route == "/unsubscribe":
        return unsubscribe_route(deps, method, args.get("t", ""))
    if route.startswith("/roster/") and method in ("GET", "HEAD"):
        return roster_route(deps, route.removeprefix("/roster/"))
    if route.startswith("/feed/") and route.endswith(".ics") and method in ("GET", "HEAD"):
        return feed_route(deps, route.removeprefix("/feed/").removesuffix(".ics"))
    return page("web/not_found.html", 404, title=words("Not found"))


def unsubscribe_route(deps: Deps, method: str, token: str):
    """GET asks (mail scanners follow links); POST, as RFC 8058's one-click, acts."""
    target = deps.mail.tokens.unsubscribe_target(token)
    community = deps.store.get_community(target[0]) if target else None
    if community is None:
        return page("web/unsubscribe.html", 400, title=words("Link not valid"),
                    state="invalid", community_name="")
    name = community.name
    if method == "POST":
        state = leave_by_link(deps, token)
        status = 400 if state == INVALID else 200
        return page("web/unsubscribe.html", status, community.language,
                    title=(words("Leaving {name}", name=name) if state == LEAVING
                           else words("Left {name}", name=name)),
                    state=state, community_name=name)
    return page("web/unsubscribe.html", 200, community.language,
                title=words("Leave {name}?", name=name), state="confirm", community_name=name)


def roster_route(deps: Deps, token: str):
    community = public.community_by_token(deps.store, deps.mail.tokens, token)
    if community is None:
        return page("web/not_found.html", 404, title=words("Not found"))
    return page("web/roster.html", 200, community.language, title=community.name,
                **public.roster_page(deps, community, deps.clock.now()))


def feed_route(deps: Deps, token: str):
    community = public.community_by_token(deps.store, deps.mail.tokens, token)
    if community is None:
        return "not found\n", 404, {"Content-Type": "text/plain; charset=utf-8"}
    now = deps.clock.now()
    body = render_feed(community.name, public.feed_events(deps, community, now), now)
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Cache-Control": "public, max-age=900",
                       "Content-Disposition": f'inline; filename="{community.id}.ics"'}
