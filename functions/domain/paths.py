"""A path the system refused, in words: which path (shortened when very long) and why."""
from __future__ import annotations

import errno
import os

NAME_MAX = 255  # bytes in one file or folder name (Linux, macOS, Windows' NTFS: about so)

REASONS = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EROFS: "on a read-only file system",
           errno.ENOTDIR: "a part of it is a file, not a folder",
           errno.EISDIR: "a folder, not a file"}


def shown(path: str | os.PathLike) -> str:
    """The path as a message names it: in full, or its two ends when very long."""
    text = os.fspath(path)
    if len(text) <= 100:
        return text
    return f"{text[:40]}…{text[-40:]} ({len(text)} characters)"


def problem(error: OSError, path: str | os.PathLike | None = None) -> str | None:
    """'PATH: why' for the refusals people can fix by choosing or changing a path (too
    long, not permitted, a read-only file system, a file where a folder should be);
    None for any other error."""
    where = error.filename if error.filename is not None else path
    if where is None:
        return None
    where = os.fsdecode(where)
    if error.errno == errno.ENAMETOOLONG:
        longest = max(len(os.fsencode(part)) for part in where.split(os.sep))
        name = f" (a name in it is longer than {NAME_MAX} bytes)" if longest > NAME_MAX else ""
        return f"{shown(where)}: the path is too long for this system{name}"
    why = REASONS.get(error.errno)
    return f"{shown(where)}: {why}" if why else None
