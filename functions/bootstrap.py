"""Builds the adapters that Config names: lazily, once each, nothing at import time."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from .adapters.clock import FixedClock, SystemClock
from .config import Backend, Config
from .domain.errors import InputError
from .domain.jobs import Timing
from .mail.compose import MailSettings
from .ports import Calendar, Chat, Clock, Fanout, Inbox, Mailer, Store, Unsubscribes
from .services.delivery.pacing import Pacer
from .mail.tokens import Tokens


NAMES = {"store", "mailer", "calendar", "clock", "mail", "inbox", "fanout", "lease_clock",
         "pacer", "secret", "chat", "timing", "unsubscribes"}


class Container:
    """The collaborators of every use case (a services.deps.Deps), each built from the
    Config on first use; any of them may be given ready-made instead (tests, demos, dry
    runs). Nothing is built, and no client module imported, before it is used."""

    def __init__(self, config: Config | None = None, **given) -> None:
        unknown = set(given) - NAMES
        if unknown:
            raise TypeError(f"Container: unknown collaborators {sorted(unknown)}")
        self._config = config
        self.__dict__.update(given)  # a given one is found before its cached_property

    def replaced(self, **changes) -> "Container":
        """The same collaborators (those built or given so far), some of them replaced."""
        kept = {name: value for name, value in self.__dict__.items() if name in NAMES}
        return Container(self._config, **{**kept, **changes})

    def close(self) -> None:
        """Close what was built and can be closed (the store's connection)."""
        for name in NAMES:
            closing = getattr(self.__dict__.get(name), "close", None)
            if callable(closing):
                closing()

    @property
    def config(self) -> Config:
        if self._config is None:
            raise RuntimeError("this Container was given its collaborators, not a Config")
        return self._config

    @cached_property
    def lease_clock(self) -> Clock:
        # Leases concern real processes: the real clock, whatever COP_NOW says.
        return SystemClock()

    @cached_property
    def pacer(self) -> Pacer:
        """This process's mailer's pace, on the real clock, booked in the store: every
        instance sending as the same sender (its mailbox, or the relay's user at its
        host) shares one."""
        if self._config is None:
            return Pacer()  # given collaborators run on simulated time: it never sleeps
        sender = self.config.mail.target
        if self.config.smtp_username:
            sender = f"{self.config.smtp_username}@{sender}"
        return Pacer(self.config.mail_rate, timedelta(minutes=self.config.send_minutes),
                     self.lease_clock, time.sleep, daily_cap=self.config.mail_daily_cap,
                     paces=self.store, sender=f"{self.config.mail.scheme}:{sender}")

    @cached_property
    def timing(self) -> Timing:
        """The reminders' offsets: the domain's defaults unless given (tests, demos)."""
        return Timing()

    @cached_property
    def clock(self) -> Clock:
        return FixedClock(self.config.now) if self.config.now else SystemClock()

    @cached_property
    def store(self) -> Store:
        backend = self.config.store
        if backend.scheme == "sqlite":
            from .adapters.sqlite_store import SqliteStore
            return SqliteStore(backend.path, wait=self.config.store_wait)
        if backend.scheme == "memory":
            from .adapters.memory_store import MemoryStore
            return MemoryStore()
        from .adapters.firestore_store import FirestoreStore
        project, _, database = backend.target.partition("/")
        return FirestoreStore(project, database or "(default)")

    @cached_property
    def mailer(self) -> Mailer:
        backend = self.config.mail
        if backend.scheme == "maildir":
            from .adapters.maildir import MaildirOutbox
            return MaildirOutbox(backend.path)
        if backend.scheme in ("smtp", "smtps"):
            from .adapters.smtp import SmtpMailer
            return SmtpMailer.from_url(backend.url, self.config.smtp_username,
                                       self.config.smtp_password)
        from .adapters.gmail import GmailMailer
        from .adapters.google_auth import service_factory
        sender = backend.target
        return GmailMailer(sender, service_factory("gmail", sender, self._mailbox_key))

    @property
    def _mailbox_key(self) -> str | None:
        """What Gmail and Calendar act as the mailbox with: its own OAuth consent when set,
        else service-account credentials delegated to it."""
        return self.config.google_oauth or self.config.google_credentials

    @cached_property
    def calendar(self) -> Calendar:
        backend = self.config.calendar
        if backend.scheme == "ics":
            from .adapters.ics_calendar import IcsCalendar
            return IcsCalendar(backend.path, self.clock)
        from .adapters.google_calendar import GoogleCalendar
        from .adapters.google_auth import service_factory
        calendar_id = backend.target
        # Inviting attendees needs a real user to act as: the Gmail sender, or the owner
        # of a primary calendar named by its address.
        owner = calendar_id if ("@" in calendar_id and
                                not calendar_id.endswith(".calendar.google.com")) else None
        return GoogleCalendar(calendar_id, service_factory(
            "calendar", self.mail.sender or owner, self._mailbox_key))

    @cached_property
    def chat(self) -> Chat:
        from .adapters.webhook_chat import WebhookChat
        return WebhookChat()

    @cached_property
    def fanout(self) -> Fanout | None:
        return self._topic("fanout", "PubSubFanout")

    @cached_property
    def unsubscribes(self) -> Unsubscribes | None:
        return self._topic("unsubscribe", "PubSubUnsubscribes")

    def _topic(self, setting: str, adapter: str):
        """The Pub/Sub topic the config names under `setting` (None: not in the cloud)."""
        url = getattr(self.config, setting) if self._config is not None else None
        if not url:
            return None
        from .adapters import pubsub
        from .adapters.google_auth import service_factory
        return getattr(pubsub, adapter).from_url(url, service_factory(
            "pubsub", None, self.config.google_credentials))

    @cached_property
    def secret(self) -> str:
        if self.config.secret:
            return self.config.secret
        if self.config.store.scheme != "sqlite":
            raise InputError("COP_SECRET must be set when state is not in a local SQLite file")
        # On a laptop: one random key, kept beside the database.
        path = Path(self.config.data_dir) / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    @cached_property
    def mail(self) -> MailSettings:
        sender = None
        if self.config.mail.scheme == "gmail":
            sender = self.config.mail.target
        return MailSettings(public_url=self.config.public_url, tokens=Tokens(self.secret),
                            default_reply_to=self.config.reply_to, sender=sender,
                            attach_invites=self.config.calendar.scheme == "ics",
                            trusted_authserv=self.config.trusted_authserv,
                            real_recipients=real_recipients(self.config.mail))

    @cached_property
    def inbox(self) -> Inbox | None:
        if self._config is None:
            return None
        backend = self.config.inbox
        if backend.scheme == "maildir":
            from .adapters.maildir import MaildirInbox
            return MaildirInbox(backend.path)
        from .adapters.gmail_inbox import GmailInbox
        from .adapters.google_auth import service_factory
        mailbox = backend.target
        return GmailInbox(mailbox, service_factory("gmail-inbox", mailbox, self._mailbox_key))


LOOPBACK = ("localhost", "127.0.0.1", "::1")


def real_recipients(mail: Backend) -> bool:
    """Gmail, or an SMTP relay other than one on this machine (a local test server)."""
    if mail.scheme == "maildir":
        return False
    return not (mail.scheme in ("smtp", "smtps") and mail.host in LOOPBACK)


def dry_run(app: Container) -> Container:
    """The same collaborators, except that nothing is written: store writes stay in memory,
    mail and calendar updates are only recorded, the inbox is read but left as it is."""
    from .adapters.dry_run import (OverlayStore, PeekingInbox, RecordingCalendar, RecordingChat,
                                   RecordingMailer)
    store = OverlayStore(app.store)
    # Its own pace, booked in the overlay: a dry run waits for nothing and books nothing.
    pacer = Pacer(daily_cap=app.pacer.daily_cap, paces=store, sender=app.pacer.sender)
    return Container(store=store, mailer=RecordingMailer(app.mailer),
                     calendar=RecordingCalendar(app.calendar), clock=app.clock, mail=app.mail,
                     inbox=PeekingInbox(app.inbox) if app.inbox is not None else None,
                     lease_clock=app.lease_clock, pacer=pacer, fanout=None,
                     chat=RecordingChat())


def simulated(data: Path, start: datetime) -> Container:
    """The embedded backends under `data` on a clock that moves only when set
    (`container.clock.set(instant)`), with a pacer that never waits: weeks go by in seconds."""
    return Container(Config.from_env({}, data), clock=FixedClock(start), pacer=Pacer())


def as_record(model) -> dict[str, Any]:
    """A model as the stores keep it, a plain dict (what `community export` prints)."""
    from .adapters.records import to_record
    return to_record(model)


def iap_keys() -> dict[str, str]:
    """Identity-Aware Proxy's public keys, fetched from Google (the console's sign-in)."""
    from .adapters.iap_keys import fetch_iap_keys
    return fetch_iap_keys()
