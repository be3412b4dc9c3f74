"""Routes of the public `web` function, independent of the HTTP framework serving them."""
from __future__ import annotations

from typing import Any, Mapping

from .services.deps import Deps
from .services.unsubscribe import unsubscribe
from .templating import render

HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def page(template: str, status: int = 200, **context: Any):
    return render(template, **context), status, HTML


def handle(deps: Deps, method: str, path: str, args: Mapping[str, str],
           form: Mapping[str, str]):
    if path.rstrip("/") == "/unsubscribe":
        return unsubscribe_route(deps, method, args.get("t", ""))
    return page("web/unsubscribe.html", 404, title="Not found", state="missing",
                community_name="")


def unsubscribe_route(deps: Deps, method: str, token: str):
    """GET asks (mail scanners follow links); POST, as RFC 8058's one-click, acts."""
    target = deps.mail.tokens.unsubscribe_target(token)
    community = deps.store.get_community(target[0]) if target else None
    if community is None:
        return page("web/unsubscribe.html", 400, title="Link not valid", state="invalid",
                    community_name="")
    name = community.name
    if method == "POST":
        done = unsubscribe(deps.store, deps.mail.tokens, token, deps.clock.now())
        state, status = ("done", 200) if done else ("invalid", 400)
        return page("web/unsubscribe.html", status, title=f"Left {name}", state=state,
                    community_name=name)
    return page("web/unsubscribe.html", title=f"Leave {name}?", state="confirm",
                community_name=name)
