"""Who may use the organiser's console, and the checks every request passes.

In Google Cloud the console sits behind Identity-Aware Proxy: each request carries IAP's
signed assertion (ES256), verified here against IAP's public keys (issuer, audience,
signature, expiry), and the signed-in address sees the communities it organises. On a
laptop, `serve` prints a sign-in link with a random token, new at each start and good for
one use: it sets a signed session cookie, whose holder sees every community (as the
command line does). Anything else is refused. State-changing requests are POSTs carrying a
CSRF token tied to the person signed in.
"""
from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Callable, Mapping

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ...domain.errors import Unavailable

IAP_HEADER = "x-goog-iap-jwt-assertion"
IAP_ISSUER = "https://cloud.google.com/iap"
SESSION_COOKIE = "cop_console"
SESSION_HOURS = 12
CSRF_FIELD = "csrf"

# Every console response: no script at all, styles only from the console's own sheet, no
# framing, no referrer, no sniffing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Visitor:
    """Someone signed in: `email` from IAP, or None for the operator of this machine."""

    ident: str  # what the CSRF token is tied to
    email: str | None = None

    def organises(self, organisers: tuple[str, ...]) -> bool:
        if self.email is None:
            return True  # the laptop's operator holds the store itself
        return self.email.lower() in {o.lower() for o in organisers}

    @property
    def shown(self) -> str:
        return self.email or "this computer's operator"


class IapVerifier:
    """IAP's assertion, checked with google-auth against IAP's keys ({key id: PEM}),
    fetched by `keys` on first use and again only when a token names a key not seen."""

    def __init__(self, audience: str, keys: Callable[[], Mapping[str, str]]) -> None:
        self.audience = audience
        self._fetch = keys
        self._keys: Mapping[str, str] | None = None
        self._lock = threading.Lock()

    def _certs(self, key_id: str | None) -> Mapping[str, str]:
        with self._lock:
            if self._keys is None or (key_id and key_id not in self._keys):
                try:  # first use, or IAP rotated its keys
                    self._keys = dict(self._fetch())
                except (OSError, ValueError) as error:
                    raise Unavailable(f"IAP's public keys could not be fetched: {error}") \
                        from None
            return self._keys

    def visitor(self, assertion: str) -> Visitor | None:
        from google.auth import exceptions, jwt

        try:
            header = jwt.decode_header(assertion)
            if header.get("alg") != "ES256":
                return None
            claims = jwt.decode(assertion, certs=self._certs(header.get("kid")),
                                audience=self.audience)
        except (exceptions.GoogleAuthError, ValueError, TypeError, KeyError):
            return None
        email = claims.get("email")
        if claims.get("iss") != IAP_ISSUER or not isinstance(email, str) or "@" not in email:
            return None
        return Visitor(f"iap:{email.lower()}", email.lower())


class LocalSignIn:
    """`serve`'s one-time sign-in link and the session cookie it gives."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(24)
        self._used = False
        self._lock = threading.Lock()
        self._cookies = URLSafeTimedSerializer(secrets.token_bytes(32), salt="console-session")

    def redeem(self, token: str) -> str | None:
        """The session cookie's value for the right token, the first time only."""
        with self._lock:
            if self._used or not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self._used = True
        return self._cookies.dumps({"sid": secrets.token_urlsafe(16)})

    def visitor(self, cookie: str) -> Visitor | None:
        try:
            data = self._cookies.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        return Visitor(f"local:{data['sid']}") if isinstance(data, dict) else None


class Gate:
    """Signs people in (IAP, or `serve`'s link) and makes and checks CSRF tokens."""

    def __init__(self, secret: str, iap: IapVerifier | None = None,
                 local: LocalSignIn | None = None) -> None:
        self.iap, self.local = iap, local
        self._csrf = TimestampSigner(secret, salt="console-csrf")

    def visitor(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Visitor | None:
        assertion = headers.get(IAP_HEADER)
        if self.iap is not None and assertion:
            return self.iap.visitor(assertion)
        cookie = cookies.get(SESSION_COOKIE)
        if self.local is not None and cookie:
            return self.local.visitor(cookie)
        return None

    def csrf_token(self, visitor: Visitor) -> str:
        return self._csrf.sign(visitor.ident).decode()

    def csrf_ok(self, visitor: Visitor, token: str) -> bool:
        try:
            signed = self._csrf.unsign(token, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return False
        return hmac.compare_digest(signed, visitor.ident.encode())
