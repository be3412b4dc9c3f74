"""The embedded calendar: one invite file per session (iCalendar rendered by mail.ical)."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..domain.invites import Event
from ..mail.ical import render_ics
from ..ports import NO_ANSWERS, Clock


class IcsCalendar:
    """The embedded calendar: one invite file per session, `<community>-<YYYY-MM-DD>.ics`.

    Each publish rewrites the session's file atomically (attendees included), stamped with
    the clock's now; the caller bumps `event.sequence` on every change. A cancelled event
    turns the file into a METHOD:CANCEL with STATUS:CANCELLED.
    """

    answering = NO_ANSWERS  # a file has no way back: nothing to read each tick

    def __init__(self, directory: str | os.PathLike[str], clock: Clock) -> None:
        self.directory = Path(directory)
        self.clock = clock

    def path_for(self, event: Event) -> Path:
        name = f"{event.community_id}-{event.date.isoformat()}.ics"
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"unusable community id for a file name: {event.community_id!r}")
        return self.directory / name

    def publish(self, event: Event) -> None:
        path = self.path_for(event)
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, render_ics(event, self.clock.now()))

    def responses(self, event: Event) -> dict[str, str]:
        return {}  # a file has no way back


def _write_atomically(path: Path, data: bytes) -> None:
    # The temporary name does not end in .ics, so a crash never leaves a second invite.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
