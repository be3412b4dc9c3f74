"""The new text of a reply: quoted history, attributions and signatures taken away.

Plain text goes through the mail-parser-reply library (with the attributions it misses);
HTML is first turned into text without its quoted parts (Gmail, Outlook, Apple Mail).
"""
from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from ..domain.commands import PHONE_SIGNATURE

if TYPE_CHECKING:
    from mailparser_reply import EmailReplyParser


MAX_TEXT = 20_000        # characters of body text kept
REPLY_WINDOW = 8_000     # characters the reply parser reads (its regexes are superlinear)
MAX_LINE = 2_500         # a shared link of 2,000 characters plus its note fits
# Languages whose "On … wrote:" lines and signatures the reply parser knows (it ignores
# unknown ones such as "pt"); Danish, Swedish and Polish are left out because their short
# signature words ("Tak", "Mvh", "/name") and one-line headers ("Data:") cut real text.
REPLY_LANGUAGES = ("en", "de", "es", "fr", "it", "nl")
# Attribution lines the reply parser misses: its Spanish pattern wants two spaces before
# "escribió", and it has no Portuguese.
_MISSED_ATTRIBUTION = re.compile(r"^(?:El|Em)\s.+\s(?:escribió|escreveu)\s?:$", re.M | re.I)


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line."""
    out: list[str] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.startswith(">") and line.startswith(" "):
            line = line[1:]  # space-stuffing
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = line.endswith(" ") and line != "-- " and not line.startswith(">")
        if joining and delsp:
            out[-1] = out[-1][:-1]
    return "\n".join(out)


# --- the new text of a reply -----------------------------------------------------------------

@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    from mailparser_reply import EmailReplyParser  # loaded on first use

    return EmailReplyParser(languages=list(REPLY_LANGUAGES))


def reply_text(body: str) -> str:
    """What the sender wrote: above the quoted history (top posting); when at most one line
    (a greeting, say) is written above it, that line followed by the first block written
    between or below quoted lines (inline replies, bottom posting). Quoted lines never
    count."""
    # A phone's signature line carries nothing, and above a command the reply parser would
    # take it for the start of a signature and cut the command.
    lines = [line.strip()[:MAX_LINE] for line in body.replace("\r\n", "\n").split("\n")
             if not PHONE_SIGNATURE.match(line.casefold().strip(" *_"))]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))  # the parser is slow on blank runs
    top = _unquoted(_top_reply(text))
    if len([line for line in top.split("\n") if line.strip()]) > 1:
        return top
    below = _first_block_after_quotes(text.split("\n"))
    return "\n".join(part for part in (top, below) if part)[:MAX_TEXT]


def _first_block_after_quotes(lines: list[str], blocks: int = 10) -> str:
    """The new text of the first unquoted block that follows a quoted line."""
    position = 0
    for _ in range(blocks):
        while position < len(lines) and not lines[position].startswith(">"):
            position += 1
        while position < len(lines) and (lines[position].startswith(">")
                                         or not lines[position]):
            position += 1
        if position >= len(lines):
            return ""
        start = position
        while position < len(lines) and not lines[position].startswith(">"):
            position += 1
        found = _unquoted(_top_reply("\n".join(lines[start:])))
        if found:
            return found
    return ""


def _top_reply(text: str) -> str:
    """The part of the text above any "On … wrote:" or "From: … Sent: …" block, without
    signatures, as the reply parser finds it."""
    text = text[:REPLY_WINDOW].strip()
    if not text:
        return ""
    replies = _parser().read(text).replies
    if not replies or replies[0].headers:
        return ""  # the text starts with quoted history
    body = replies[0].body
    missed = _MISSED_ATTRIBUTION.search(body)
    return body[: missed.start()] if missed else body


def _unquoted(text: str) -> str:
    kept = [line.rstrip() for line in text.split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()[:MAX_TEXT]


def _without_comments(html: str) -> str:
    """HTML without <!-- comments --> (Outlook's conditional ones included); html.parser takes
    quadratic time over unclosed ones, and after an unclosed one nothing is visible anyway."""
    out, position = [], 0
    while (start := html.find("<!--", position)) >= 0:
        out.append(html[position:start])
        end = html.find("-->", start + 4)
        if end < 0:
            return "".join(out)
        position = end + 3
    out.append(html[position:])
    return "".join(out)


class _HtmlText(HTMLParser):
    """Visible text of an HTML body, leaving out quoted history and what is never read."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table",
              "ul", "ol", "pre", "section", "article", "blockquote", "dd", "dt"}
    HIDDEN = {"script", "style", "head", "title", "template", "noscript"}
    QUOTE_CLASSES = {"gmail_quote", "gmail_signature", "yahoo_quoted", "moz-cite-prefix"}
    # Outlook puts the reply header and the quoted message after these, not inside them.
    STOP_IDS = {"appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container"}
    VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.stopped = False

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        if self.skip_tag == "head" and tag == "body":
            self.skip_tag = None  # </head> is optional
        elif self.skip_tag:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        found = {k.lower(): (v or "") for k, v in attrs}
        if found.get("id", "").lower() in self.STOP_IDS:
            self.stopped = True
            return
        classes = set(found.get("class", "").lower().split())
        if tag in self.HIDDEN or tag == "blockquote" or classes & self.QUOTE_CLASSES:
            if tag not in self.VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_startendtag(self, tag, attrs):
        if not self.stopped and not self.skip_tag and tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if self.stopped:
            return
        if self.skip_tag:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.stopped and not self.skip_tag:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(_without_comments(html))
        parser.close()
    except Exception:
        pass
    lines = (" ".join(line.split()) for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
