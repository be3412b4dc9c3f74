"""Settings as data: one Config, built once at the entry point from a mapping (os.environ)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from .domain.errors import InputError
from .domain.validation import FIRST_DATE, LAST_DATE

SCHEMES = {
    "COP_STORE": ("sqlite", "firestore", "memory"),
    "COP_MAIL": ("maildir", "smtp", "smtps", "gmail"),
    "COP_INBOX": ("maildir", "gmail"),
    "COP_CALENDAR": ("ics", "google"),
}


@dataclass(frozen=True)
class Backend:
    """A backend named by a settings URL, parsed once: `sqlite://.data/cop.db` is scheme
    `sqlite` and target `.data/cop.db` (for a file scheme, a path, relative or absolute)."""

    url: str
    scheme: str
    target: str

    @classmethod
    def parse(cls, name: str, value: str, schemes: tuple[str, ...]) -> "Backend":
        scheme, sep, target = value.partition("://")
        if not sep or scheme not in schemes or not target:
            raise InputError(f"{name}={value!r}: expected one of "
                             + ", ".join(f"{s}://…" for s in schemes))
        return cls(value, scheme, target)

    @property
    def path(self) -> Path:
        return Path(self.target)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True)
class Config:
    store: Backend
    mail: Backend
    inbox: Backend
    calendar: Backend
    data_dir: Path
    fanout: str | None = None
    # Pub/Sub topic the web function records unsubscribes on (another function applies
    # them); unset: web takes the member off the rota itself.
    unsubscribe: str | None = None
    gmail_topic: str | None = None  # Pub/Sub topic the Gmail inbox's watch publishes to
    public_url: str = "http://localhost:8080"
    secret: str | None = None
    reply_to: str | None = None
    trusted_authserv: str = "mx.google.com"
    now: datetime | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    google_credentials: str | None = None  # service-account key file; unset: ADC
    # The rota mailbox's own OAuth consent (authorized_user JSON naming its "account"):
    # Gmail and Calendar act as that mailbox with it, instead of domain-wide delegation.
    google_oauth: str | None = None
    mail_rate: float = 140  # messages a minute per sender (Gmail allows about 150)
    mail_daily_cap: int | None = None  # messages a day per sender (Workspace: 2,000)
    send_minutes: float = 5  # a run starts no batch of mail after this; the next run goes on
    store_wait: float = 10  # seconds to wait for another program's write to the SQLite store
    iap_audience: str | None = None  # the console's IAP audience (`/projects/N/…`); unset: no IAP

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: str | Path | None = None) -> "Config":
        """Embedded defaults under `data_dir` (default `.data/`); a set COP_* variable wins."""
        data = Path(data_dir or env.get("COP_DATA") or ".data")
        defaults = {
            "COP_STORE": f"sqlite://{data / 'cop.db'}",
            "COP_MAIL": f"maildir://{data / 'outbox'}",
            "COP_INBOX": f"maildir://{data / 'inbox'}",
            "COP_CALENDAR": f"ics://{data / 'calendar'}",
        }
        backends = {name: Backend.parse(name, (env.get(name) or "").strip() or default,
                                        SCHEMES[name])
                    for name, default in defaults.items()}
        fanout = _pubsub_topic(env, "COP_FANOUT")
        unsubscribe = _pubsub_topic(env, "COP_UNSUBSCRIBE")
        gmail_topic = (env.get("COP_GMAIL_TOPIC") or "").strip() or None
        if gmail_topic and not re.fullmatch(r"projects/[^/]+/topics/[^/]+", gmail_topic):
            raise InputError(f"COP_GMAIL_TOPIC={gmail_topic!r}: expected projects/P/topics/T")
        return cls(
            store=backends["COP_STORE"], mail=backends["COP_MAIL"],
            inbox=backends["COP_INBOX"], calendar=backends["COP_CALENDAR"], data_dir=data,
            fanout=fanout,
            unsubscribe=unsubscribe,
            gmail_topic=gmail_topic,
            public_url=(env.get("COP_PUBLIC_URL") or "http://localhost:8080").rstrip("/"),
            secret=env.get("COP_SECRET") or None,
            reply_to=env.get("COP_REPLY_TO") or None,
            trusted_authserv=env.get("COP_TRUSTED_AUTHSERV") or "mx.google.com",
            now=parse_instant(env["COP_NOW"], "COP_NOW") if env.get("COP_NOW") else None,
            smtp_username=env.get("COP_SMTP_USER") or None,
            smtp_password=env.get("COP_SMTP_PASSWORD") or None,
            google_credentials=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
            google_oauth=env.get("COP_GOOGLE_OAUTH") or None,
            mail_rate=_positive(env, "COP_MAIL_RATE", 140),
            mail_daily_cap=int(_positive(env, "COP_MAIL_DAILY_CAP", 0)) or (
                2000 if backends["COP_MAIL"].scheme == "gmail" else None),
            send_minutes=_positive(env, "COP_SEND_MINUTES", 5),
            store_wait=_positive(env, "COP_STORE_WAIT", 10),
            iap_audience=(env.get("COP_IAP_AUDIENCE") or "").strip() or None,
        )


def _pubsub_topic(env: Mapping[str, str], name: str) -> str | None:
    """A `pubsub://projects/P/topics/T` setting, or None when it is not set."""
    value = (env.get(name) or "").strip() or None
    if value and not value.startswith("pubsub://projects/"):
        raise InputError(f"{name}={value!r}: expected pubsub://projects/P/topics/T")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise InputError(f"{name}={text!r}: expected a positive number")
    return value


def parse_instant(text: str, what: str = "--now") -> datetime:
    """An ISO-8601 instant; one without an offset is taken as UTC."""
    example = "(e.g. 2026-12-04T09:00:00+11:00)"
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InputError(f"{what}: {text!r} is not an ISO-8601 instant {example}") from None
    if len(cleaned) <= 10:  # a date alone would silently mean midnight UTC
        raise InputError(f"{what}: {text!r} has no time of day; give one {example}")
    if not FIRST_DATE <= value.date() <= LAST_DATE:
        raise InputError(f"{what}: {text!r} is out of range (years {FIRST_DATE.year} to "
                         f"{LAST_DATE.year})")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
