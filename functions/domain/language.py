"""The language a message speaks, and words that follow it.

Sentences built in code are `Words`: a string whose value is the English, which also knows
how to say itself in the language being spoken (`speaking`). So code, logs and the store keep
reading English, and a message rendered for a German reader says it in German. The
catalogues themselves are loaded outside the domain (functions/mail/translations.py) and
handed in as gettext-style objects.
"""
from __future__ import annotations

import gettext as _gettext
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from .errors import InputError

# The languages with a complete catalogue (functions/locale/LANG/LC_MESSAGES/messages.po);
# tests/web/test_languages.py keeps the two in step.
LANGUAGES = ("en", "de", "fr", "es", "pt", "ja")
DEFAULT = "en"
_ENGLISH = _gettext.NullTranslations()
_SPOKEN: ContextVar[tuple[str, Any]] = ContextVar("spoken", default=(DEFAULT, _ENGLISH))


def language(value: str) -> str:
    """A language code people type (`de`, `DE`, `pt-BR` → `pt`), one with a catalogue."""
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise InputError(f"--language {str(value)[:20]!r}: not one of {', '.join(LANGUAGES)}")
    return code


def spoken() -> str:
    """The language being spoken now ("en" outside `speaking`)."""
    return _SPOKEN.get()[0]


@contextmanager
def speaking(code: str, translations: Any) -> Iterator[None]:
    """Within this block, Words and `_` speak `code` with these gettext translations."""
    token = _SPOKEN.set((code, translations))
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def _(message: str) -> str:
    """The translation of `message` in the language being spoken."""
    return _SPOKEN.get()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _SPOKEN.get()[1].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for the catalogues; it is translated where it is said (`words`)."""
    return message


def plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message and its plural for the catalogues (said by `nwords`)."""
    return singular, plural


class Words(str):
    """Text whose value is its English, and that says itself in the language being spoken
    wherever it is printed (str(), f-strings, `%s`, Jinja's output and its escaping)."""

    say: Callable[[], str]

    def __new__(cls, say: Callable[[], str]) -> "Words":
        with speaking(DEFAULT, _ENGLISH):
            self = super().__new__(cls, say())
        self.say = say
        return self

    def __str__(self) -> str:
        return str.__str__(self) if spoken() == DEFAULT else self.say()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))

    def __reduce__(self):  # stored and pickled as the English it is
        return (str, (str.__str__(self),))


def words(message: str, **values: Any) -> Words:
    """`message` (a msgid with `{name}` fields) translated when it is said, its values
    said in the same language."""
    return Words(lambda: _(message).format(**values))


def nwords(singular: str, plural: str, n: int, **values: Any) -> Words:
    """Words that depend on a count `n` (available to the message as `{n}`)."""
    return Words(lambda: ngettext(singular, plural, n).format(n=n, **values))
