"""Signed tokens that tie replies and unsubscribe links to a member.

A reply token lives in the local part of a plus-address (`cop+kitchen.k3j9…@example.com`),
which must stay short and survive mail systems that lower-case addresses: it is the
community id and a truncated HMAC of the member's address in base32, found again by
checking the community's members. A bounce token (`kitchen.ab12cd34.k3j9…`) signs the
envelope sender of one message to one member (VERP), so a bounce that comes back to it is
known to be about mail the rota sent. Unsubscribe links carry an itsdangerous token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable

from itsdangerous import BadSignature, URLSafeSerializer

SIGNATURE_CHARS = 12  # 60 bits
REF_CHARS = 8


class Tokens:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a secret is needed to sign tokens (set COP_SECRET)")
        self._key = secret.encode()
        self._links = URLSafeSerializer(secret, salt="cop-unsubscribe")

    def _mac(self, community_id: str, email: str, purpose: str = "") -> str:
        text = f"{community_id}\n{email}" + (f"\n{purpose}" if purpose else "")
        digest = hmac.new(self._key, text.encode(), hashlib.sha256)
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
        return token.lower().partition(".")[0]

    def message_ref(self, kind: str, community_id: str, key: str, email: str) -> str:
        """The signed part of a Message-ID: only the rota can name a message it sent."""
        text = f"message\n{kind}\n{community_id}\n{key}\n{email}"
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:16]

    def bounce_token(self, community_id: str, email: str, message_id: str) -> str:
        """The token of the envelope sender of one message (its Message-ID) to one member."""
        ref = base64.b32encode(hashlib.sha256(message_id.encode()).digest()).decode().lower()
        ref = ref[:REF_CHARS]
        return f"{community_id}.{ref}.{self._mac(community_id, email, 'bounce ' + ref)}"

    def bounce_member(self, token: str, members: Iterable[str]) -> str | None:
        """The member a message with this envelope-sender token went to, or None."""
        community_id, ref, mac = (token.lower().split(".") + ["", ""])[:3]
        if len(ref) != REF_CHARS or not mac:
            return None
        for email in members:
            if hmac.compare_digest(self._mac(community_id, email, "bounce " + ref), mac):
                return email
        return None

    @staticmethod
    def is_bounce_token(token: str) -> bool:
        return token.count(".") == 2

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
