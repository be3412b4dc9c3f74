"""A Mailer that hands messages to any SMTP relay with the standard library's smtplib."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import urlsplit

from ..domain.delivery import PermanentFailure, TemporaryFailure

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}

# Failures that concern the connection, or the one message being sent, never the whole batch.
_SEND_ERRORS = (smtplib.SMTPException, OSError, ValueError)


class SmtpSecurityError(smtplib.SMTPException):
    """The connection cannot be made as safe as configured (TLS missing); nothing was sent."""


class SmtpPartlyRefused(smtplib.SMTPRecipientsRefused):
    """The relay took the message for some recipients and refused those in `recipients`.

    The message went out to the others, so sending it again would duplicate it for them.
    """


class SmtpMailer:
    """Sends through an SMTP relay: one connection per `send_many` call.

    TLS: `implicit_tls` (port 465, "smtps") wraps the connection from the start. Otherwise
    `starttls=None` upgrades whenever the server offers STARTTLS and insists on it when
    credentials are set; `True` always insists; `False` never upgrades (no credentials then).
    Certificates are verified with `ssl_context`, by default the system's trust store.

    Delivery is at least once: if the connection drops after a message's data went over
    but before the relay answered, the message is sent again on the one reconnection a
    batch allows, and the relay may then have it twice. SMTP gives no way to ask what
    was delivered, so `was_sent` answers None.
    """

    batch_size = 10  # messages per connection: a claim is held for one batch at most

    def __init__(self, host: str, port: int = 25, username: str | None = None,
                 password: str | None = None, *, starttls: bool | None = None,
                 implicit_tls: bool = False, timeout: float = 30,
                 ssl_context: ssl.SSLContext | None = None,
                 envelope_sender: str | None = None,
                 local_hostname: str | None = None) -> None:
        username, password = username or None, password or None  # unset settings may be ""
        if (username is None) != (password is None):
            raise ValueError("SMTP needs both a username and a password, or neither")
        if username is not None and starttls is False and not implicit_tls:
            raise ValueError("refusing to send SMTP credentials without TLS (starttls=False)")
        self.host, self.port = host, port
        self.username, self._password = username, password
        self.starttls, self.implicit_tls = starttls, implicit_tls
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.envelope_sender = envelope_sender  # None: smtplib takes Sender, else From
        self.local_hostname = local_hostname  # None: smtplib uses the machine's FQDN

    @classmethod
    def from_url(cls, url: str, username: str | None = None, password: str | None = None,
                 **options) -> "SmtpMailer":
        """`smtp://HOST[:PORT]` (default 25, STARTTLS when offered) or `smtps://HOST[:PORT]`
        (implicit TLS, default 465). Credentials come as arguments, never in the URL."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"not an SMTP URL (smtp:// or smtps://): {url!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError("put SMTP credentials in the settings, not in the URL")
        if not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise ValueError(f"expected smtp://HOST:PORT, got {url!r}")
        port = parts.port or DEFAULT_PORTS[parts.scheme]  # .port raises on a bad number
        return cls(parts.hostname, port, username, password,
                   implicit_tls=parts.scheme == "smtps", **options)

    def __repr__(self) -> str:
        return f"SmtpMailer({self.host!r}, {self.port}, username={self.username!r})"

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        """One result per message: None when the relay accepted it, else the error.

        Raises (before anything is sent) when the first connection, its TLS or its
        authentication fails: the whole batch can be tried again later.
        """
        if not messages:
            return []
        connection = self._connect()
        results: list[Exception | None] = []
        may_reconnect = True
        try:
            for message in messages:
                result = self._send(connection, message)
                # smtplib closes the socket when the connection is lost (or on a 421).
                if result is not None and connection.sock is None and may_reconnect:
                    may_reconnect = False
                    try:
                        connection = self._connect()
                    except _SEND_ERRORS as error:
                        return results + [classify(error)] * (len(messages) - len(results))
                    result = self._send(connection, message)
                results.append(result)
        finally:
            _close(connection)
        return results

    def was_sent(self, message_id: str) -> bool | None:
        return None

    def _send(self, connection: smtplib.SMTP, message: EmailMessage) -> Exception | None:
        # A signed per-message Return-Path (VERP) is the envelope sender unless one is
        # configured; the header itself is for the receiving server to write (RFC 5321).
        return_path = message.get("Return-Path")
        if return_path is not None:
            del message["Return-Path"]
        envelope = self.envelope_sender or (str(return_path).strip().strip("<>") or None
                                            if return_path is not None else None)
        try:
            refused = connection.send_message(message, from_addr=envelope)
        except _SEND_ERRORS as error:
            return classify(error)
        finally:
            if return_path is not None:
                message["Return-Path"] = return_path
        return classify(SmtpPartlyRefused(refused)) if refused else None

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(self.host, self.port, self.local_hostname,
                                          timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(self.host, self.port, self.local_hostname,
                                      timeout=self.timeout)
        try:
            connection.ehlo()
            if not self.implicit_tls and self.starttls is not False:
                if connection.has_extn("starttls"):
                    connection.starttls(context=context)
                    connection.ehlo()
                elif self.starttls or self.username is not None:
                    raise SmtpSecurityError(
                        f"{self.host}:{self.port} does not offer STARTTLS; refusing to send "
                        + ("credentials" if self.username is not None else "mail")
                        + " over an unencrypted connection")
            if self.username is not None:
                connection.login(self.username, self._password)
        except BaseException:
            connection.close()
            raise
        return connection


def classify(error: Exception) -> TemporaryFailure | PermanentFailure:
    """4xx replies, dropped connections and timeouts are worth another try; 5xx are final
    (a refused recipient counts as a bounce), except those saying the relay wants us to
    log in, which a corrected setting cures."""
    failure: TemporaryFailure | PermanentFailure
    if isinstance(error, SmtpPartlyRefused):  # went out to the others: never again
        failure = PermanentFailure(f"refused: {_codes(error.recipients)}", bounce=True)
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            failure = PermanentFailure(f"refused: {_codes(error.recipients)}", bounce=True)
        else:
            failure = TemporaryFailure(f"refused for now: {_codes(error.recipients)}")
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
        final = 500 <= error.smtp_code < 600 and error.smtp_code not in _LOGIN_CODES
        failure = PermanentFailure(text) if final else TemporaryFailure(text)
    elif isinstance(error, smtplib.SMTPNotSupportedError):  # e.g. no SMTPUTF8: never will
        failure = PermanentFailure(f"{type(error).__name__}: {error}")
    elif isinstance(error, (smtplib.SMTPException, OSError)):  # dropped, timed out
        failure = TemporaryFailure(f"{type(error).__name__}: {error}")
    else:
        failure = PermanentFailure(f"{type(error).__name__}: {error}")
    failure.__cause__ = error
    return failure


_LOGIN_CODES = {530, 534, 535, 538}


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _codes(recipients: dict) -> str:
    return ", ".join(f"{addr} {code} {_text(text)}" for addr, (code, text) in recipients.items())


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
