"""Jinja2 rendering of the templates in `templates/` (built once, on first use).

Email HTML needs its CSS inlined (Gmail and Outlook drop most `<style>`). It is done once per
template, when the template is loaded, not per recipient: Jinja constructs are swapped for
markers, `templates/email/email.css` is inlined with css-inline, and the markers are put back.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from markupsafe import Markup

from ..domain import language
from ..domain.verbs import verb
from ..domain.wording import join_list

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_JINJA = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)


def inline_css(source: str, css: str) -> str:
    """Inline `css` into a Jinja HTML template source without disturbing its Jinja code.

    Block tags become HTML comments (legal even between table rows); expressions become
    plain words. So: no block tags inside attribute values in email templates.
    """
    pieces: list[str] = []

    def hide(match: re.Match) -> str:
        pieces.append(match.group(0))
        n = len(pieces) - 1
        return f"jinjaexpr{n}x" if match.group(0).startswith("{{") else f"<!--jinja{n}-->"

    hidden = _JINJA.sub(hide, source)
    whole = hidden.lstrip().lower().startswith(("<!doctype", "<html"))
    inliner = css_inline.CSSInliner(extra_css=css if whole else None, keep_style_tags=True,
                                    load_remote_stylesheets=False)
    inlined = inliner.inline(hidden) if whole else inliner.inline_fragment(hidden, css)
    return re.sub(r"<!--jinja(\d+)-->|jinjaexpr(\d+)x",
                  lambda m: pieces[int(m.group(1) or m.group(2))], inlined)


class EmailLoader(jinja2.FileSystemLoader):
    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = super().get_source(environment, template)
        if template.startswith("email/") and template.endswith(".html"):
            source = inline_css(source, (TEMPLATES / "email" / "email.css").read_text())
        return source, filename, uptodate


def sentence(text: str) -> str:
    """A sentence ending in a full stop, unless it ends in one already (or in ! ? …)."""
    # str(): Words say themselves in the language spoken; Markup stays Markup
    said = _sentence(str(text), "。" if language.spoken() == "ja" else ".")
    return Markup(said) if isinstance(text, Markup) else said


def _sentence(text: str, stop: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…", "”", '"', "。", "！", "？", "»")) \
        else text + stop


def lines(name: str) -> tuple[str, ...]:
    """The non-blank, non-comment lines of an editable list in `templates/` (prompts), in
    the language spoken (`prompts/de/formats.txt`) where it has its own."""
    return _lines(name, language.spoken())


@lru_cache(maxsize=32)  # read once per list and language, not once per message
def _lines(name: str, code: str) -> tuple[str, ...]:
    spoken = TEMPLATES / Path(name).parent / code / Path(name).name
    text = (spoken if spoken.exists() else TEMPLATES / name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines()
                 if line.strip() and not line.lstrip().startswith("#"))


def para(text: str) -> str:
    """A paragraph of a text part, wrapped at 76 (links and long words left whole)."""
    return jinja2.filters.do_wordwrap(environment(), str(text), 76, False,
                                      break_on_hyphens=False)


@lru_cache(maxsize=None)
def _styled(element: str) -> str:
    return inline_css(element, (TEMPLATES / "email" / "email.css").read_text())


def code(text: str) -> Markup:
    """A reply command as the HTML part shows it (styled like the template's own spans)."""
    return Markup(_styled('<span class="code">CODE</span>').replace("CODE", "{}")).format(text)


def footer_link(url: str, text: str) -> Markup:
    """The unsubscribe link of the HTML footer, styled, for a sentence of the catalogue."""
    return Markup(_styled('<a class="footer-link" href="URL">TEXT</a>').replace(
        "URL", "{url}").replace("TEXT", "{text}")).format(url=url, text=text)


# Quotation marks of each language: English's, Portuguese's “…”, German's „…“, French's
# « … » (with no-break spaces), Japanese's 「…」; Spanish's (and any other's) «…».
QUOTES = {"en": ('"', '"'), "pt": ("\u201c", "\u201d"), "de": ("\u201e", "\u201c"),
          "fr": ("\u00ab\u00a0", "\u00a0\u00bb"), "ja": ("\u300c", "\u300d")}


def quoted(text: str) -> str:
    """A reply command as the text part shows it."""
    opening, closing = QUOTES.get(language.spoken(), ("\u00ab", "\u00bb"))
    return f"{opening}{text}{closing}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=EmailLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # gettext of the language being spoken (functions/mail/translations.py: speak)
    env.install_gettext_callables(language._, language.ngettext, newstyle=True)
    env.globals["lines"] = lines
    env.globals.update(spoken=language.spoken, verb=verb, code=code, quoted=quoted,
                       footer_link=footer_link, Markup=Markup)
    env.filters["para"] = para
    # a word the code marked for the catalogues (a session's state or note), said
    env.filters["said"] = lambda text: language._(str(text))
    env.filters["sentence"] = sentence
    env.filters["join_list"] = join_list
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
