"""A community's settings as people type them, checked and normalised: the same rules for
every front end (the command line today)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from . import validation
from .language import language

def _removable(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`none` removes the setting; anything else is checked."""
    return lambda v: None if str(v).strip().lower() == "none" else check(v)


CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: validation.plain_text(v, "--name", 120),
    "timezone": validation.timezone_name,
    "weekday": validation.weekday,
    "start": validation.clock_time,
    "minutes": validation.minutes,
    "holidays": _removable(validation.holiday_region),
    "lookahead": validation.lookahead,
    "reply_to": validation.email_address,
    "video_url": _removable(lambda v: validation.https_url(v, "--video-url")),
    "language": language,
    "chat_webhook": validation.webhook_url,  # a secret: masked wherever it is shown
}
OPTIONS = (*CHECKS, "digest", "blackout", "allow_domain", "organiser")


def community_settings(given: Mapping[str, Any]) -> dict[str, Any]:
    """Community fields from the options given (None: not given). Raises InputError."""
    result: dict[str, Any] = {}
    for name, check in CHECKS.items():
        if given.get(name) is not None:
            result[name] = check(given[name])
    if given.get("digest") is not None:
        result["digest_weekday"], result["digest_time"] = validation.digest_slot(
            given["digest"])
    if given.get("blackout") is not None:
        result["blackouts"] = tuple(sorted({validation.iso_date(d, "--blackout")
                                            for d in given["blackout"]}))
    if given.get("allow_domain") is not None:
        result["allow_domains"] = tuple(sorted({validation.domain(d)
                                                for d in given["allow_domain"]}))
    if given.get("organiser") is not None:
        result["organisers"] = tuple(validation.email_address(e) for e in given["organiser"])
    return result
