"""The `web` routes served over real HTTP, by the same werkzeug app that `serve` runs."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest
from werkzeug.serving import make_server

from functions.entrypoints.serve import wsgi_app
from tests.emails.support import make_deps


class Served:
    def __init__(self, deps, console=None) -> None:
        self.deps = deps
        self.server = make_server("127.0.0.1", 0, wsgi_app(deps, console), threaded=True)
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


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, launched once per test process for every test that renders."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def follow(page, target):
    """Click a link or a submit button and wait for the page it leads to: a bare click returns
    before the next page has loaded, and an assertion right after it may read the old one."""
    with page.expect_navigation() as arrived:
        target.click()
    return arrived.value
