"""Identity-Aware Proxy's public keys, which sign the assertion it puts on every request."""
from __future__ import annotations

import json
import urllib.request

# {key id: PEM public key}, the form google-auth verifies with (IAP publishes the same keys
# as JWKs at …/public_key-jwk).
IAP_KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"


def fetch_iap_keys(url: str = IAP_KEYS_URL, timeout: float = 10) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (https)
        keys = json.loads(answer.read())
    if not isinstance(keys, dict) or not keys or not all(
            isinstance(k, str) and isinstance(v, str) and "PUBLIC KEY" in v
            for k, v in keys.items()):
        raise ValueError(f"{url} did not answer with IAP's keys")
    return keys
