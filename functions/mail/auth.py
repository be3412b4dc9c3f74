"""Who vouches for a sender: RFC 8601 Authentication-Results, DMARC aligned with From."""
from __future__ import annotations

from typing import Iterable


def authenticated(results: Iterable[str], trusted_authserv: str, from_address: str) -> bool:
    """True when the top Authentication-Results header from the trusted server shows DMARC
    pass for the From domain. Headers from other servers, or below it, are ignored: anyone
    can write them, while the trusted server prepends its own on receipt."""
    domain = _ascii_domain(from_address.rpartition("@")[2])
    trusted = (trusted_authserv or "").strip().lower()
    if not domain or not trusted:
        return False
    for value in results:
        authserv, methods = _auth_results(value)
        if authserv != trusted:
            continue
        dmarc = [props for method, result, props in methods if method == "dmarc"]
        return bool(dmarc) and all(
            result == "pass" and _ascii_domain(props.get("header.from", "")) == domain
            for method, result, props in methods if method == "dmarc")
    return False


def _auth_results(value: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """RFC 8601: "authserv-id [version]; method=result prop=value …; …" without comments."""
    segments = _strip_comments(value).split(";")
    head = segments[0].split()
    authserv = head[0].lower() if head else ""
    methods = []
    for segment in segments[1:]:
        words = segment.split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        props = {}
        for word in words[1:]:
            key, equals, val = word.partition("=")
            if equals:
                props[key.lower()] = val.strip('"').lower()
        methods.append((method.split("/")[0].lower(), result.strip('"').lower(), props))
    return authserv, methods


def _strip_comments(value: str) -> str:
    out, depth, quoted = [], 0, False
    for char in value:
        if char == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            continue
        elif not quoted and char == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def _ascii_domain(domain: str) -> str:
    domain = domain.strip().strip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return domain
