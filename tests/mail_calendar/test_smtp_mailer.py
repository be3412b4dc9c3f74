"""SmtpMailer against a real SMTP server (aiosmtpd) on 127.0.0.1, with STARTTLS and AUTH."""
from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from functions.domain.delivery import PermanentFailure, TemporaryFailure
from functions.adapters.smtp import SmtpMailer, SmtpPartlyRefused, SmtpSecurityError
from tests.smtp_server import SmtpServers

from .factories import make_message

USER, PASSWORD = "rota", "correct horse battery"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server context, client context)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SMTP test server")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: bytes | None


class Recorder:
    """Handler and authenticator: refuses some recipients, can drop connections."""

    def __init__(self, refuse=(), drop_once=()):
        self.refuse, self.drop_once = set(refuse), set(drop_once)
        self.deliveries: list[Delivery] = []
        self.logins: list[tuple[bytes, bool]] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data == LoginPassword(USER.encode(), PASSWORD.encode())
        self.logins.append((auth_data.login, ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.drop_once:
            self.drop_once.remove(address)
            server.transport.abort()  # the connection is gone, mid-transaction
            return "421 4.3.0 gone"
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos),
                                        envelope.original_content, session.ssl is not None,
                                        session.auth_data and session.auth_data.login))
        return "250 2.0.0 Queued"


@pytest.fixture
def serve():
    servers = SmtpServers()

    def start(recorder: Recorder, **smtp_options) -> int:
        return servers.start(recorder, server_hostname="localhost",
                             authenticator=recorder.authenticate, **smtp_options)

    yield start
    servers.stop_all()


@pytest.fixture
def starttls_server(serve, certificate):
    """A submission server: STARTTLS required, AUTH required and only over TLS."""
    server_context, _ = certificate

    def start(recorder: Recorder) -> int:
        return serve(recorder, tls_context=server_context, require_starttls=True,
                     auth_required=True, auth_require_tls=True)

    return start


def mailer(port, certificate, **options) -> SmtpMailer:
    options.setdefault("username", USER)
    options.setdefault("password", PASSWORD)
    return SmtpMailer("127.0.0.1", port, ssl_context=certificate[1], timeout=10, **options)


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_messages_arrive_over_tls_after_auth_with_their_headers(starttls_server, certificate):
    recorder = Recorder()
    port = starttls_server(recorder)
    messages = [make_message(n, to=f"member{n}@example.com") for n in range(3)]

    results = mailer(port, certificate).send_many(messages)

    assert results == [None, None, None]
    assert recorder.logins == [(USER.encode(), True)]  # one connection, authenticated once
    assert len(recorder.deliveries) == 3
    for message, delivery in zip(messages, recorder.deliveries):
        assert delivery.tls and delivery.login == USER.encode()
        assert delivery.mail_from == "rota@example.com"
        assert delivery.rcpt_tos == [message["To"]]
        received = parse(delivery.data)
        assert list(received.keys()) == list(message.keys())
        for name, value in message.items():
            if name != "Content-Type":  # the boundary is only chosen when sending
                assert received[name] == value
        assert received.get_content_type() == "multipart/alternative"
        for kind in ("plain", "html"):  # SMTP carries CRLF line ends
            assert received.get_body((kind,)).get_content().replace("\r\n", "\n") == \
                message.get_body((kind,)).get_content()


def test_server_requires_auth_and_unauthenticated_mail_is_refused(starttls_server, certificate):
    recorder = Recorder()
    port = starttls_server(recorder)

    results = mailer(port, certificate, username=None, password=None).send_many(
        [make_message(1), make_message(2)])

    assert [type(r.__cause__) for r in results] == [smtplib.SMTPSenderRefused] * 2
    assert results[0].__cause__.smtp_code == 530
    assert all(isinstance(r, TemporaryFailure) for r in results)  # a setting cures it
    assert recorder.deliveries == [] and recorder.logins == []


def test_wrong_password_raises_before_anything_is_sent(starttls_server, certificate):
    recorder = Recorder()
    port = starttls_server(recorder)

    with pytest.raises(smtplib.SMTPAuthenticationError):
        mailer(port, certificate, password="wrong").send_many([make_message(1)])
    assert recorder.logins and all(not ok for _, ok in recorder.logins)
    assert recorder.deliveries == []


def test_credentials_are_never_sent_to_a_server_without_starttls(serve, certificate):
    recorder = Recorder()
    port = serve(recorder, auth_required=False, auth_require_tls=False)  # AUTH in clear

    with pytest.raises(SmtpSecurityError, match="STARTTLS"):
        mailer(port, certificate).send_many([make_message(1)])
    assert recorder.logins == [] and recorder.deliveries == []
    with pytest.raises(SmtpSecurityError):
        mailer(port, certificate, username=None, password=None,
               starttls=True).send_many([make_message(1)])
    with pytest.raises(ValueError):
        SmtpMailer("127.0.0.1", port, USER, PASSWORD, starttls=False)


def test_plain_relay_without_tls_or_credentials_delivers(serve, certificate):
    recorder = Recorder()
    port = serve(recorder)

    results = mailer(port, certificate, username=None, password=None,
                     envelope_sender="bounces@example.com").send_many([make_message(1)])

    assert results == [None]
    (delivery,) = recorder.deliveries
    assert not delivery.tls and delivery.mail_from == "bounces@example.com"


def test_server_certificate_is_verified(starttls_server, certificate):
    port = starttls_server(Recorder())
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpMailer("127.0.0.1", port, USER, PASSWORD, timeout=10).send_many([make_message(1)])


def test_a_refused_recipient_fails_only_its_own_message(starttls_server, certificate):
    recorder = Recorder(refuse={"nobody@example.com"})
    port = starttls_server(recorder)
    messages = [make_message(1, to="ana@example.com"),
                make_message(2, to="nobody@example.com"),
                make_message(3, to="bo@example.com"),
                make_message(4, to="cy@example.com, nobody@example.com")]

    results = mailer(port, certificate).send_many(messages)

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], PermanentFailure) and results[1].bounce
    assert results[1].__cause__.recipients["nobody@example.com"][0] == 550
    assert isinstance(results[3], PermanentFailure)
    assert isinstance(results[3].__cause__, SmtpPartlyRefused)
    assert set(results[3].__cause__.recipients) == {"nobody@example.com"}
    assert [d.rcpt_tos for d in recorder.deliveries] == [
        ["ana@example.com"], ["bo@example.com"], ["cy@example.com"]]
    assert len(recorder.logins) == 1


def test_a_dropped_connection_is_reopened_once_and_the_batch_goes_on(
        starttls_server, certificate):
    recorder = Recorder(drop_once={"member1@example.com"})
    port = starttls_server(recorder)
    messages = [make_message(n, to=f"member{n}@example.com") for n in range(4)]

    results = mailer(port, certificate).send_many(messages)

    assert results == [None] * 4
    assert [d.rcpt_tos[0] for d in recorder.deliveries] == [m["To"] for m in messages]
    assert [ok for _, ok in recorder.logins] == [True, True]  # reconnected and logged in again


def test_a_second_drop_fails_the_rest_of_the_batch(starttls_server, certificate):
    recorder = Recorder(drop_once={"member1@example.com", "member2@example.com"})
    port = starttls_server(recorder)
    messages = [make_message(n, to=f"member{n}@example.com") for n in range(4)]

    results = mailer(port, certificate).send_many(messages)

    assert results[:2] == [None, None]
    assert all(isinstance(r, TemporaryFailure) for r in results[2:])
    assert all(isinstance(r.__cause__, smtplib.SMTPException) for r in results[2:])
    assert [d.rcpt_tos[0] for d in recorder.deliveries] == ["member0@example.com",
                                                            "member1@example.com"]
    assert len(recorder.logins) == 2


def test_implicit_tls_smtps(serve, certificate):
    recorder = Recorder()
    # aiosmtpd only counts STARTTLS as TLS for AUTH, hence auth_require_tls=False here.
    port = serve(recorder, ssl_context=certificate[0], auth_require_tls=False)

    smtps = SmtpMailer.from_url(f"smtps://127.0.0.1:{port}", USER, PASSWORD,
                                ssl_context=certificate[1], timeout=10)
    assert smtps.send_many([make_message(1)]) == [None]
    assert recorder.logins == [(USER.encode(), True)]
    assert recorder.deliveries[0].login == USER.encode()


def test_nothing_to_send_opens_no_connection():
    assert SmtpMailer("127.0.0.1", 9).send_many([]) == []


def test_from_url():
    relay = SmtpMailer.from_url("smtp://mail.example.com:587", "u", "hunter2")
    assert (relay.host, relay.port, relay.username, relay.implicit_tls) == (
        "mail.example.com", 587, "u", False)
    assert SmtpMailer.from_url("smtp://mail.example.com", "", "").username is None
    assert SmtpMailer.from_url("smtp://mail.example.com").port == 25
    assert SmtpMailer.from_url("smtps://mail.example.com").port == 465
    assert "hunter2" not in repr(relay)
    assert SmtpMailer.from_url("smtp://mail.example.com:587").was_sent("<x@y>") is None
    with pytest.raises(ValueError):
        SmtpMailer.from_url("smtp://mail.example.com", "user-without-password")
    for bad in ("http://mail.example.com", "smtp://", "smtp://u:p@mail.example.com",
                "smtp://mail.example.com:port", "smtp://mail.example.com/path"):
        with pytest.raises(ValueError):
            SmtpMailer.from_url(bad)


def test_the_signed_return_path_is_the_envelope_sender_and_not_sent(serve, certificate):
    recorder = Recorder()
    port = serve(recorder)
    message = make_message(1)
    message["Return-Path"] = "<cop+guild.abcdefgh.abcdefghijkl@example.com>"

    results = mailer(port, certificate, username=None, password=None).send_many([message])

    assert results == [None]
    (delivery,) = recorder.deliveries
    assert delivery.mail_from == "cop+guild.abcdefgh.abcdefghijkl@example.com"
    assert b"Return-Path" not in delivery.data  # the receiving server writes it
    assert message["Return-Path"]  # the message itself is left as it was
