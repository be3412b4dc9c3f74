"""`serve`: the public web pages on this machine (trying them out, small self-hosted installs).

The same routes as the cloud `web` function, served by Werkzeug (which the Functions
Framework brings along). Behind a TLS-terminating proxy it can serve real links.
"""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..services.deps import Deps
from .web import handle


def wsgi_app(deps: Deps):
    @Request.application
    def application(request: Request) -> Response:
        body, status, headers = handle(deps, request.method, request.path, request.args,
                                       request.form)
        return Response(body, status=status, headers=headers)
    return application


def serve(deps: Deps, host: str, port: int) -> None:
    from werkzeug.serving import make_server
    server = make_server(host, port, wsgi_app(deps))  # bound before it says so
    print(f"serving the web pages on http://{host}:{port}/ (Ctrl-C stops); links in mail "
          f"point at {deps.mail.public_url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
