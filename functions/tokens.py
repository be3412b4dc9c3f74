"""Signed tokens that tie replies and unsubscribe links to a member.

A reply token lives in the local part of a plus-address (`cop+kitchen.k3j9…@example.com`),
which must stay short and survive mail systems that lower-case addresses: it is the
community id and a truncated HMAC of the member's address in base32, found again by
checking the community's members. Unsubscribe links carry an itsdangerous token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable

from itsdangerous import BadSignature, URLSafeSerializer

SIGNATURE_CHARS = 12  # 60 bits


class Tokens:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a secret is needed to sign tokens (set COP_SECRET)")
        self._key = secret.encode()
        self._links = URLSafeSerializer(secret, salt="cop-unsubscribe")

    def _mac(self, community_id: str, email: str) -> str:
        digest = hmac.new(self._key, f"{community_id}\n{email}".encode(), hashlib.sha256)
        return base64.b32encode(digest.digest()).decode().lower()[:SIGNATURE_CHARS]

    def reply_token(self, community_id: str, email: str) -> str:
        return f"{community_id}.{self._mac(community_id, email)}"

    def reply_member(self, token: str, members: Iterable[str]) -> str | None:
        """The member whose token this is, or None (forged, damaged or unknown)."""
        community_id, _, mac = token.lower().rpartition(".")
        for email in members:
            if hmac.compare_digest(self._mac(community_id, email), mac):
                return email
        return None

    @staticmethod
    def token_community(token: str) -> str:
        return token.lower().rpartition(".")[0]

    def unsubscribe_token(self, community_id: str, email: str) -> str:
        return self._links.dumps([community_id, email])

    def unsubscribe_target(self, token: str) -> tuple[str, str] | None:
        try:
            community_id, email = self._links.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        return community_id, email

    def feed_token(self, community_id: str) -> str:
        """Unguessable, stable name of a community's public calendar feed."""
        digest = hmac.new(self._key, f"feed\n{community_id}".encode(), hashlib.sha256)
        return base64.b32encode(digest.digest()).decode().lower()[:24]
