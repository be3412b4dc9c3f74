"""Console answers: pages rendered from templates/web/console/, each with the strict
security headers of gate.SECURITY_HEADERS."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...mail.templating import render
from .gate import SECURITY_HEADERS

HTML = "text/html; charset=utf-8"


def page(template: str, status: int = 200, **context: Any) -> Response:
    return secured(Response(render(f"web/console/{template}", **context), status=status,
                            content_type=HTML))


def refused(status: int, title: str, why: str, **context: Any) -> Response:
    """The refusal page; `context` names who is signed in, when anyone is."""
    return page("refused.html", status, title=title, why=why, **{"visitor": None, **context})


def redirect(location: str) -> Response:
    return secured(Response("", status=303, headers={"Location": location}))


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
