"""`serve`: the public web pages and the organiser's console on this machine (trying them
out, small self-hosted installs).

The same routes as the cloud `web` and `console` functions, served by Werkzeug (which the
Functions Framework brings along). Behind a TLS-terminating proxy it can serve real links.
The console is signed into with the one-time link printed at start.
"""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..services.deps import Deps
from .console import Console, on_this_machine
from .web import respond


def wsgi_app(deps: Deps, console: Console | None = None):
    @Request.application
    def application(request: Request) -> Response:
        answer = respond(deps, request, console)
        if isinstance(answer, Response):
            return answer
        body, status, headers = answer
        return Response(body, status=status, headers=headers)
    return application


def serve(deps, host: str, port: int) -> None:
    from werkzeug.serving import make_server
    console = on_this_machine(deps)
    server = make_server(host, port, wsgi_app(deps, console))  # bound before it says so
    print(f"serving the web pages on http://{host}:{port}/ (Ctrl-C stops); links in mail "
          f"point at {deps.mail.public_url}", flush=True)
    print(f"the organiser's console: http://{host}:{port}/console/signin?token="
          f"{console.gate.local.token} (works once; a new link at each start)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
