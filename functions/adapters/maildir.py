"""Maildir mailboxes on local disk: the embedded outbox and inbox (real RFC 5322 messages)."""
from __future__ import annotations

import hashlib
import mailbox
import os
import tempfile
from email.message import EmailMessage
from pathlib import Path

from ..domain.delivery import PermanentFailure, TemporaryFailure


def message_key(message_id: str) -> str:
    """The Maildir file name for a Message-ID, with or without its angle brackets."""
    normalised = "".join(str(message_id).split()).removeprefix("<").removesuffix(">")
    if not normalised:
        raise ValueError("empty Message-ID")
    return hashlib.sha256(normalised.encode()).hexdigest()


class MaildirOutbox:
    """A Mailer that delivers into a Maildir, one file per Message-ID.

    A file's name is derived from its Message-ID, so `was_sent` answers exactly and sending
    the same Message-ID again keeps the one file already there. Each message is written in
    tmp/ and then linked into new/, as the Maildir convention requires, so readers never
    see half a message.
    """

    batch_size = 50

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.colon = mailbox.Maildir.colon

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        """A disk that is full or unwritable is a temporary failure; a message that cannot
        be written at all (no Message-ID, unencodable) a permanent one."""
        mailbox.Maildir(self.path, factory=None, create=True)  # the layout, if missing
        results: list[Exception | None] = []
        for message in messages:
            try:
                self._deliver(message)
                results.append(None)
            except OSError as error:
                results.append(_failure(TemporaryFailure, error))
            except (ValueError, LookupError) as error:
                results.append(_failure(PermanentFailure, error))
        return results

    def was_sent(self, message_id: str) -> bool | None:
        return self._stored(message_key(message_id))

    def _stored(self, key: str) -> bool:
        """In new/, or in cur/ where a reader moved it and appended `:2,FLAGS` to the name."""
        if (self.path / "new" / key).exists():
            return True
        cur = self.path / "cur"
        return cur.is_dir() and any(name.partition(self.colon)[0] == key
                                    for name in os.listdir(cur))

    def _deliver(self, message: EmailMessage) -> None:
        message_id = message["Message-ID"]
        if message_id is None:
            raise ValueError("message has no Message-ID")
        key = message_key(message_id)
        if self._stored(key):
            return
        data = message.as_bytes(policy=message.policy.clone(linesep="\n"))
        fd, temporary = tempfile.mkstemp(dir=self.path / "tmp", prefix=f"{key}.")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            try:
                # link() never replaces: a concurrent sender of the same message loses quietly.
                os.link(temporary, self.path / "new" / key)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)


def _failure(kind, error: Exception) -> Exception:
    failure = kind(f"{type(error).__name__}: {error}")
    failure.__cause__ = error
    return failure


class MaildirInbox:
    """Replies delivered into a Maildir. Unread mail (new/, or cur/ without the S flag) is
    fetched; `done` moves a message to cur/ with the Seen flag, as mail readers do."""

    MAX_BYTES = 25 * 1024 * 1024
    watches = False  # polled by the tick

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def fetch(self, limit: int = 100) -> list[tuple[str, bytes]]:
        for part in ("tmp", "new", "cur"):  # the layout, if missing (a server may make new/
            (self.path / part).mkdir(parents=True, exist_ok=True)  # only)
        unread = [p for p in sorted((self.path / "new").iterdir()) if p.is_file()]
        unread += [p for p in sorted((self.path / "cur").iterdir())
                   if p.is_file() and "S" not in p.name.partition(":2,")[2]]
        found = []
        for path in unread[:limit]:
            with path.open("rb") as handle:
                found.append((f"{path.parent.name}/{path.name}", handle.read(self.MAX_BYTES + 1)))
        return found

    def done(self, handle: str) -> None:
        path = self.path / handle
        if not path.exists():
            return
        stem, _, flags = path.name.partition(":2,")
        os.replace(path, self.path / "cur" / f"{stem}:2,{''.join(sorted(set(flags + 'S')))}")
