"""The gettext catalogues in functions/locale/, read from their `.po` files.

The `.po` files are the only form kept: they are compiled in memory (with Babel) the first
time a language is spoken in a process, so there is no build step to forget before a
deployment (Cloud Functions only pip-installs requirements.txt).
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ..domain.language import DEFAULT, speaking

LOCALE = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"


def catalogue_path(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(code: str) -> Translations:
    """The compiled catalogue of `code`; English (the msgids themselves) has none."""
    if code == DEFAULT:
        return Translations()
    with catalogue_path(code).open("rb") as po:
        catalogue = read_po(po, locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def speak(code: str | None) -> AbstractContextManager[None]:
    """Within this block, messages, dates and Words are in `code` (None: English)."""
    code = code or DEFAULT
    return speaking(code, translations(code))
