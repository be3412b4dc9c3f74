"""Which mail counts as going to real people, and when it is refused."""
from __future__ import annotations

import pytest

from functions.bootstrap import real_recipients
from functions.config import SCHEMES, Backend
from functions.domain.models import Community
from functions.mail.compose import MailSettings, refusal
from functions.mail.tokens import Tokens


@pytest.mark.parametrize("url, real", [
    ("maildir://.data/outbox", False), ("smtp://127.0.0.1:2525", False),
    ("smtp://localhost:1025", False), ("smtp://[::1]:25", False),
    ("smtp://smtp.example.com:587", True), ("smtps://smtp.example.com:465", True),
    ("gmail://rota@example.com", True),
])
def test_real_recipients(url, real):
    assert real_recipients(Backend.parse("COP_MAIL", url, SCHEMES["COP_MAIL"])) is real


@pytest.mark.parametrize("reply_to, default, public_url, refused", [
    (None, None, "https://cop.example.com", "guild@localhost"),
    ("rota@localhost", None, "https://cop.example.com", "rota@localhost"),
    (None, "rota@example.com", "http://cop.example.com", "HTTPS"),
    (None, "rota@example.com", "https://cop.example.com", None),
    ("guild@example.com", None, "https://cop.example.com", None),
])
def test_refusal(reply_to, default, public_url, refused):
    community = Community(id="guild", name="Guild", timezone="UTC", reply_to=reply_to)
    settings = MailSettings(public_url=public_url, tokens=Tokens("k"),
                            default_reply_to=default, real_recipients=True)
    reason = refusal(settings, community)
    assert (reason is None) if refused is None else (refused in reason)
    local = MailSettings(public_url=public_url, tokens=Tokens("k"), default_reply_to=default)
    assert refusal(local, community) is None  # the Maildir outbox: trying it out


@pytest.mark.parametrize("value", ["sqlite:/cop.db", "postgres://db", "sqlite://", "cop.db"])
def test_a_store_url_is_checked_once_where_it_is_read(value):
    from functions.config import Config
    from functions.domain.errors import InputError

    with pytest.raises(InputError, match="COP_STORE"):
        Config.from_env({"COP_STORE": value})
