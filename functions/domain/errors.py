"""Errors the domain raises for input it will not accept."""


class InputError(ValueError):
    """Bad input from a user: shown as one line, exit status 2, nothing changed."""


class NotFound(InputError):
    """An unknown community, member or session."""


class Conflict(InputError):
    """The change would clash with what is stored (a duplicate, for instance)."""


class Unavailable(Exception):
    """Something the program needs is busy for now (a store another program holds): shown
    as one line, exit status 3, nothing changed; the same command may work later."""


class Failure(Exception):
    """Something outside the program failed (a disk, for instance), said in words: one line,
    exit status 1."""
