"""The organiser's console over HTTP (werkzeug's test client on the same WSGI app `serve`
runs): who gets in, what each page shows, and each action previewed, then done."""
from __future__ import annotations

import pytest
from werkzeug.test import Client

from functions.entrypoints.serve import wsgi_app
from functions.services.jobs.tick import tick
from tests.emails.support import EMAILS, setup_guild
from tests.web.console_support import Iap, cloud_console, csrf_of, laptop_console

ORGANISER = EMAILS[0]


@pytest.fixture
def iap():
    return Iap()


@pytest.fixture
def guild(deps):
    setup_guild(deps, organisers=(ORGANISER,))
    tick(deps)
    return deps


@pytest.fixture
def cloud(guild, iap):
    return Client(wsgi_app(guild, cloud_console(guild, iap)))


def as_organiser(iap, email=ORGANISER, **claims):
    return {"x-goog-iap-jwt-assertion": iap.assertion(email, **claims)}


def test_an_organiser_signed_in_by_iap_sees_the_overview(cloud, iap, guild):
    answer = cloud.get("/console/guild", headers=as_organiser(iap))
    assert answer.status_code == 200, answer.text
    names = {m.name for m in guild.store.list_members("guild")}
    assert all(name in answer.text for name in names)
    assert iap.fetched == 1
