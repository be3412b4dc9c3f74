"""IAP's public keys fetched over real HTTP, from a local server standing in for gstatic."""
from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from functions.adapters.iap_keys import fetch_iap_keys
from tests.web.console_support import pem_pair


@pytest.fixture
def serving():
    answers = {}

    def app(environ, start_response):
        return Response(answers["body"], content_type="application/json")(environ,
                                                                         start_response)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield answers, f"http://127.0.0.1:{server.server_port}/iap/verify/public_key"
    server.shutdown()
    server.server_close()


def test_the_keys_come_back_as_published(serving):
    answers, url = serving
    keys = {"abc": pem_pair()[1], "def": pem_pair()[1]}
    answers["body"] = json.dumps(keys)
    assert fetch_iap_keys(url) == keys


@pytest.mark.parametrize("body", ["[]", "{}", '{"abc": 1}', '{"abc": "not a key"}',
                                  "<html>"])
def test_anything_else_is_an_error(serving, body):
    answers, url = serving
    answers["body"] = body
    with pytest.raises(ValueError):
        fetch_iap_keys(url)
