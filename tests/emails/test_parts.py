"""Both parts of every message say the same: whoever reads the text part and whoever reads
the HTML part get one message. The HTML may set it out as cards and buttons, but no
sentence, label or hint is in one part only; so the words of the two parts (letters, three
or more, in any case; links left out, as the HTML hides them in its markup) are the same.

The messages are the real ones: the story of tests/emails/story.py sends every kind."""
from __future__ import annotations

import html
import re
from collections import Counter
from email.message import EmailMessage

import pytest

from tests.emails.support import KINDS, recipient, text_of

URL = re.compile(r"https?://\S+", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{3,}")  # letters only: no digits, no underscores
HIDDEN = re.compile(r"(?is)<head\b.*?</head>|<style\b.*?</style>|<!--.*?-->")
TAG = re.compile(r"<[^>]*>")
# Every message template (not a partial, not the layout), as its kind.


def words(text: str) -> set[str]:
    """The words a reader reads in `text`: links left out, lower-cased."""
    return set(WORD.findall(URL.sub(" ", text).lower()))


def html_words(source: str) -> set[str]:
    """The words of an HTML part as a mail program shows it: without its <head> (the title
    repeats the subject) and styles, without tags and with entities read."""
    shown = TAG.sub(" ", HIDDEN.sub(" ", source))
    return words(html.unescape(shown))


def difference(message: EmailMessage) -> tuple[list[str], list[str]]:
    """The words only in the text part, and those only in the HTML part."""
    plain, rich = words(text_of(message, "plain")), html_words(text_of(message, "html"))
    return sorted(plain - rich), sorted(rich - plain)


def differences(messages: list[EmailMessage]) -> list[str]:
    """One line per kind, recipient and difference (how many messages had it)."""
    found: Counter[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = Counter()
    for message in messages:
        only_text, only_html = difference(message)
        if only_text or only_html:
            found[(message["X-Cop-Kind"], recipient(message), tuple(only_text),
                   tuple(only_html))] += 1
    return [f"{kind} to {to}{f' ({n} messages)' if n > 1 else ''}: "
            f"only in the text part {list(only_text)}, only in the HTML part {list(only_html)}"
            for (kind, to, only_text, only_html), n in sorted(found.items())]


@pytest.fixture(scope="module")
def messages(story_sent) -> list[EmailMessage]:
    _, sent, over_cap = story_sent
    return [*sent, *over_cap]


def test_the_words_of_a_part_are_what_its_reader_reads():
    message = EmailMessage()
    message["To"] = "Ana Lima <ana@example.com>"
    message["X-Cop-Kind"] = "digest"
    message.set_content("Hi Ana,\n\nJoin the call: https://meet.example.com/weekly_call\n"
                        "On 4 December at 16:00; reply \"skip\" to give it away.\n")
    message.add_alternative(
        "<!DOCTYPE html><html><head><title>Guild this week</title>"
        "<style>.button { color: #fff; }</style></head><body>"
        "<p class=\"lead\">Hi&nbsp;Ana,</p><!-- a comment -->"
        "<a class=\"button\" href=\"https://meet.example.com/weekly_call\">Join the call</a>"
        "<p>On <b>4 December</b> at 16:00; reply <span>skip</span> to give it away&hellip;</p>"
        "<p>Topic: &lt;your topic&gt; &amp; more</p></body></html>", subtype="html")
    common = {"ana", "join", "the", "call", "december", "reply", "skip", "give", "away"}
    assert words(text_of(message, "plain")) == common  # no URL, number or two letters
    assert html_words(text_of(message, "html")) == common | {"topic", "your", "more"}
    assert difference(message) == ([], ["more", "topic", "your"])
    assert differences([message, message]) == [
        "digest to ana@example.com (2 messages): only in the text part [], "
        "only in the HTML part ['more', 'topic', 'your']"]
    same = EmailMessage()
    same["To"], same["X-Cop-Kind"] = "ana@example.com", "notice"
    same.set_content("Done: you are paused.\n")
    same.add_alternative("<p class=\"when\">Done: you are <b>paused</b>.</p>", subtype="html")
    assert differences([same]) == []


def test_both_parts_of_every_message_carry_the_same_words(messages):
    assert set(KINDS) <= {m["X-Cop-Kind"] for m in messages}  # every kind is compared
    found = differences(messages)
    if found:
        pytest.fail(f"the parts differ in {len(found)} cases:\n" + "\n".join(found),
                    pytrace=False)
