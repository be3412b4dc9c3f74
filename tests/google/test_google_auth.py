"""Service-account credentials with delegation, end to end against the local fake:
the fake's token endpoint receives the signed assertion, which names the user and scopes."""
from __future__ import annotations

import base64
import email.message
import json
from datetime import date, datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.adapters.gmail import GmailMailer
from functions.adapters.google_auth import (
    CALENDAR_SCOPES, GMAIL_SCOPES, GoogleAuth, service_factory)
from functions.adapters.google_calendar import GoogleCalendar
from functions.domain.invites import Attendee, Event

ROBOT = "rota-bot@project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def key_info() -> dict:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "project", "private_key_id": "k1",
            "private_key": pem, "client_email": ROBOT, "client_id": "1234",
            "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.fixture
def key(fake, key_info) -> str:
    """The key's JSON, its token endpoint on the fake."""
    return json.dumps({**key_info, "token_uri": fake.url + "token"})


def assertion_claims(fake) -> dict:
    [grant] = [c for c in fake.calls if c.path == "/token"]
    assert grant.body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    payload = grant.body["assertion"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_mailer_sends_as_its_sender_with_gmail_scopes_only(fake, key, sleeps):
    message = email.message.EmailMessage()
    message["From"], message["To"] = "ana@example.com", "ben@example.com"
    message["Message-ID"] = "<hello@cop.example.com>"
    message.set_content("Hello")
    factory = service_factory("gmail", "ana@example.com", key, root_url=fake.url)
    mailer = GmailMailer("ana@example.com", factory, sleep=sleeps)

    assert mailer.send_many([message]) == [None]

    claims = assertion_claims(fake)
    assert claims["iss"] == ROBOT and claims["sub"] == "ana@example.com"
    assert claims["scope"].split() == list(GMAIL_SCOPES)
    [batch] = fake.batches()
    assert batch.authorization.startswith("Bearer token-")


def test_the_calendar_acts_as_its_user_with_the_events_scope_only(fake, key, sleeps):
    factory = service_factory("calendar", "ana@example.com", key, root_url=fake.url)
    calendar = GoogleCalendar("ana@example.com", factory, sleep=sleeps)

    start = datetime(2026, 3, 27, 16, tzinfo=timezone.utc)
    calendar.publish(Event(
        uid="kitchen-2026-03-27@cop", community_id="kitchen", date=date(2026, 3, 27),
        summary="Knowledge share", description="", starts_at=start,
        ends_at=start.replace(minute=30), timezone="Europe/London",
        organiser="ana@example.com", organiser_name="Ana",
        attendees=(Attendee("ben@example.com", "Ben"),)))

    claims = assertion_claims(fake)
    assert claims["sub"] == "ana@example.com"
    assert claims["scope"].split() == list(CALENDAR_SCOPES)
    insert = fake.calls[-1]
    assert insert.method == "POST" and insert.authorization.startswith("Bearer token-")


def test_a_key_file_and_key_json_are_the_same_key(tmp_path, key_info):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key_info))

    for auth in (GoogleAuth(str(path)), GoogleAuth(json.dumps(key_info))):
        credentials = auth.credentials(CALENDAR_SCOPES, "ana@example.com")
        assert credentials.service_account_email == ROBOT
        assert list(credentials.scopes) == list(CALENDAR_SCOPES)


def test_nothing_is_read_before_first_use(tmp_path, sleeps):
    missing = str(tmp_path / "missing.json")
    mailer = GmailMailer("ana@example.com", service_factory("gmail", "ana@example.com", missing),
                         sleep=sleeps)
    GoogleCalendar("ana@example.com", service_factory("calendar", "ana@example.com", missing),
                   sleep=sleeps)

    with pytest.raises(FileNotFoundError):
        mailer.was_sent("<x@example.com>")


def test_application_default_credentials_from_a_key_file_can_delegate(
        tmp_path, monkeypatch, key_info):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key_info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))

    credentials = GoogleAuth().credentials(GMAIL_SCOPES, "ana@example.com")

    assert credentials.service_account_email == ROBOT


def test_user_credentials_cannot_act_as_someone_else(tmp_path, monkeypatch):
    path = tmp_path / "user.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "c",
                                "client_secret": "s", "refresh_token": "r"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))

    with pytest.raises(ValueError, match="cannot act as ana@example.com"):
        GoogleAuth().credentials(GMAIL_SCOPES, "ana@example.com")


def consent(fake, account: str = "rota@example.com") -> str:
    """The rota mailbox's own OAuth consent, its token endpoint on the fake."""
    return json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s",
                       "refresh_token": "r", "account": account,
                       "token_uri": fake.url + "token"})


def test_the_mailbox_own_consent_sends_as_itself_by_refresh_token(fake, sleeps):
    message = email.message.EmailMessage()
    message["From"], message["To"] = "rota@example.com", "ben@example.com"
    message["Message-ID"] = "<consent@cop.example.com>"
    message.set_content("Hello")
    factory = service_factory("gmail", "rota@example.com", consent(fake), root_url=fake.url)

    assert GmailMailer("rota@example.com", factory, sleep=sleeps).send_many([message]) == [None]

    [grant] = [c for c in fake.calls if c.path == "/token"]
    assert grant.body["grant_type"] == "refresh_token"
    assert grant.body["refresh_token"] == "r" and "assertion" not in grant.body
    [batch] = fake.batches()
    assert batch.authorization.startswith("Bearer token-")


def test_the_mailbox_own_consent_cannot_act_as_another_mailbox(fake):
    with pytest.raises(ValueError, match="cannot act as ana@example.com: the OAuth consent "
                                         "in use is rota@example.com's own"):
        GoogleAuth(consent(fake)).credentials(GMAIL_SCOPES, "ana@example.com")


def test_a_consent_that_names_no_mailbox_is_refused(fake):
    unnamed = json.dumps({**json.loads(consent(fake)), "account": ""})
    with pytest.raises(ValueError, match='must name its mailbox in "account"'):
        GoogleAuth(unnamed).credentials(GMAIL_SCOPES, "rota@example.com")
