"""The console on the in-memory deps, and IAP-style assertions signed with keys made here
(never fetched): a P-256 key pair, its public half given to the verifier as IAP's keys."""
from __future__ import annotations

import re
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import crypt, jwt

from functions.bootstrap import dry_run
from functions.entrypoints.console import Console
from functions.entrypoints.console.gate import IAP_ISSUER, Gate, IapVerifier, LocalSignIn
from tests.emails.support import SECRET

AUDIENCE = "/projects/123456/global/backendServices/987654"
KEY_ID = "test-key-1"


def pem_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class Iap:
    """Signs assertions as IAP would; `keys` is what IAP publishes."""

    def __init__(self) -> None:
        self.private, public = pem_pair()
        self.keys = {KEY_ID: public}
        self.fetched = 0

    def fetch(self) -> dict[str, str]:
        self.fetched += 1
        return dict(self.keys)

    def assertion(self, email: str, *, audience: str = AUDIENCE, issuer: str = IAP_ISSUER,
                  age: int = 0, lifetime: int = 600, private: str | None = None,
                  key_id: str = KEY_ID) -> str:
        issued = int(time.time()) - age
        signer = crypt.ES256Signer.from_string(private or self.private, key_id)
        return jwt.encode(signer, {"iss": issuer, "aud": audience, "email": email,
                                   "sub": f"accounts.google.com:{email}", "iat": issued,
                                   "exp": issued + lifetime}).decode()


def cloud_console(deps, iap: Iap) -> Console:
    return Console(deps, Gate(SECRET, IapVerifier(AUDIENCE, iap.fetch)),
                   lambda: dry_run(deps))


def laptop_console(deps) -> Console:
    return Console(deps, Gate(SECRET, local=LocalSignIn()), lambda: dry_run(deps))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
