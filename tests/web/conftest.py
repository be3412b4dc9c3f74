"""The `web` routes served over real HTTP, by the same werkzeug app that `serve` runs."""
from __future__ import annotations

import threading
from typing import Iterator

import pytest
from werkzeug.serving import make_server

from functions.entrypoints.serve import wsgi_app
from tests.emails.support import make_deps


class Served:
    def __init__(self, deps) -> None:
        self.deps = deps
        self.server = make_server("127.0.0.1", 0, wsgi_app(deps), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def deps():
    return make_deps(attach_invites=True)


@pytest.fixture
def served(deps) -> Iterator[Served]:
    with Served(deps) as running:
        yield running
