"""Errors the domain raises for input it will not accept."""


class InputError(ValueError):
    """Bad input from a user: shown as one line, exit status 2, nothing changed."""


class NotFound(InputError):
    """An unknown community, member or session."""


class Conflict(InputError):
    """The change would clash with what is stored (a duplicate, for instance)."""
