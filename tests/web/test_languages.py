"""Every message in every language: the story of tests/emails/story.py lived by a community
that speaks each language with a catalogue. No English is left in what members read, both
parts say it, subjects fold as RFC 5322 asks, invites parse and speak the language, and
every language (so the longest among them) fits a 390 px phone screen in Chromium."""
from __future__ import annotations

import html
import re
from email.message import EmailMessage

import icalendar
import pytest
from babel.messages.pofile import read_po

from functions.domain.language import LANGUAGES, _
from functions.mail.templating import TEMPLATES, lines
from functions.mail.translations import LOCALE, catalogue_path, speak
from tests.emails import story
from tests.emails.support import KINDS, NAMES, calendar_parts, on_the_wire, recipient, text_of
from tests.emails.test_parts import HIDDEN, TAG, difference
from tests.web.conftest import CHROMIUM

OTHERS = [code for code in LANGUAGES if code != "en"]
# What the story's people typed, and names of things that are not the rota's words.
DATA = [*NAMES, "Gus Ito", "Solo", "Guild", "Duo", "What Postgres indexes really cost", "a good read", "Australia/Sydney",
        "Europe/London"]
WORD = re.compile(r"[^\W\d_]+")
LINK = re.compile(r"(?:https?://|mailto:)\S+|\S+@\S+")
# The commands organiser mail quotes, as typed on the command line.
COMMAND = re.compile(r"(?:community set|member add|member remove|schedule assign|report) "
                     r"[^\n<]*|--[a-z-]+|COP_MAIL=\S+")


@pytest.fixture(scope="module", params=OTHERS)
def lived(request):
    deps, sent = story.lived(request.param)
    return request.param, deps, [*sent, *story.over_cap(request.param)]


def english_words(code: str) -> set[str]:
    """Words of the English messages that the language's own messages do not use."""
    with catalogue_path(code).open("rb") as po:
        catalogue = read_po(po)
    ids, strings = set(), set()
    for message in catalogue:
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            ids |= latin_words(re.sub(r"%\(\w+\)s|\{\w+\}", " ", text or ""))
        for text in (message.string if isinstance(message.string, tuple)
                     else (message.string,)):
            strings |= latin_words(text or "")
    return ids - strings


def latin_words(text: str) -> set[str]:
    """The words of four letters or more written in English's letters, lower-cased."""
    return {w.lower() for w in WORD.findall(text) if len(w) >= 4 and w.isascii()}


def read(message: EmailMessage) -> str:
    """What a member reads: the subject, the text part and the HTML part as shown, on one
    line (a name wrapped in the text part is whole again)."""
    shown = html.unescape(TAG.sub(" ", HIDDEN.sub(" ", text_of(message, "html"))))
    return " ".join(" ".join([str(message["Subject"]), text_of(message, "plain"),
                              shown]).split())


def left_in_english(message: EmailMessage, english: set[str], notes: list[str]) -> set[str]:
    text = COMMAND.sub(" ", LINK.sub(" ", read(message)))
    for data in [*DATA, *notes]:
        text = re.sub(re.escape(data), " ", text, flags=re.I)
    return latin_words(text) & english


def test_the_catalogues_are_the_languages_offered():
    found = {p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/messages.po")}
    assert found == set(OTHERS)


@pytest.mark.parametrize("code", OTHERS)
def test_every_entry_is_translated_and_keeps_its_placeholders(code):
    """A catalogue that lacks an entry of messages.pot, or has one empty or fuzzy, fails;
    so does a translation that drops or invents a placeholder."""
    with (LOCALE / "messages.pot").open("rb") as pot, catalogue_path(code).open("rb") as po:
        template, catalogue = read_po(pot), read_po(po)
    assert catalogue.num_plurals == (1 if code == "ja" else 2)
    wanted = {m.id for m in template if m.id}
    problems = [f"missing: {i!r}" for i in wanted if catalogue.get(i) is None]
    for message in catalogue:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms) or len(forms) != (
                catalogue.num_plurals if isinstance(message.id, tuple) else 1):
            problems.append(f"empty or fuzzy: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        given = {p.replace("{count}", "{n}") for i in ids for p in _placeholders(i)}
        for form in forms:
            if _placeholders(form or "") - given - {"{n}"}:
                problems.append(f"unknown placeholder in {form!r}")
            if not isinstance(message.id, tuple) and _placeholders(form or "") != given:
                problems.append(f"placeholders differ: {message.id!r} → {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", OTHERS)
def test_every_editable_list_has_its_translation_line_for_line(code):
    for name in ("formats.txt", "questions.txt"):
        with speak(code):
            said = lines(f"prompts/{name}")
        assert (TEMPLATES / "prompts" / code / name).exists()
        assert len(said) == len(lines(f"prompts/{name}")) and set(said).isdisjoint(
            lines(f"prompts/{name}"))


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s|\{\w+\}", text))


def test_the_template_lists_every_message_of_the_code_and_templates(tmp_path):
    """`make messages` was run after the last change of a message."""
    from babel.messages.frontend import CommandLineInterface

    fresh = tmp_path / "messages.pot"
    root = LOCALE.parent.parent
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "words",
        "-k", "nwords:1,2", "-k", "N_", "-k", "plural:1,2", "--no-location", "--omit-header",
        "-o", str(fresh), str(root / "functions"), str(root / "templates")])
    with fresh.open("rb") as new, (LOCALE / "messages.pot").open("rb") as kept:
        assert {m.id for m in read_po(new)} == {m.id for m in read_po(kept)}


def test_every_kind_is_sent_in_the_language_with_no_english_left(lived):
    code, deps, sent = lived
    kinds = {m["X-Cop-Kind"] for m in sent}
    assert set(KINDS) <= kinds, set(KINDS) - kinds
    english = english_words(code)
    notes = [s.note for c in ("guild", "duo") for s in deps.store.list_sessions(c)
             if s.note and s.status == "holiday"]  # the holidays package's names
    leaks = {}
    for message in sent:
        found = left_in_english(message, english, notes)
        if found:
            leaks.setdefault(message["X-Cop-Kind"], set()).update(found)
    assert not leaks, f"{code}: English left: {leaks}"


def test_subjects_fold_within_78_characters_and_read_back_whole(lived):
    code, _deps, sent = lived
    for message in sent:
        wire, parsed = on_the_wire(message)
        header = re.search(rb"^Subject:.*?(?=\r\n\S)", wire, re.S | re.M).group(0)
        assert all(len(line) <= 78 for line in header.split(b"\r\n")), header
        assert parsed["Subject"] == message["Subject"]


def test_both_parts_say_the_same_in_the_language(lived):
    code, _deps, sent = lived
    for message in sent:
        html = text_of(message, "html")
        assert f'<html lang="{code}">' in html
        if code != "ja":  # words are runs of letters: Japanese has no spaces between them
            assert difference(message) == ([], []), (message["X-Cop-Kind"],
                                                     recipient(message))


def test_invites_parse_and_speak_the_language(lived):
    code, _deps, sent = lived
    invites = [p for m in sent for p in calendar_parts(m)]
    assert invites
    with speak(code):
        said = _("Knowledge share of {name}, {minutes} minutes.").format(name="Guild",
                                                                         minutes=30)
    events = [event for part in invites
              for event in icalendar.Calendar.from_ical(part.get_payload(decode=True)
                                                        ).walk("VEVENT")
              if event.get("STATUS") != "CANCELLED"
              and str(event["SUMMARY"]).startswith("Guild")]
    assert events
    for event in events:
        assert said in str(event["DESCRIPTION"])


@pytest.mark.chromium
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed")
def test_every_kind_fits_a_phone(lived, browser):
    """The longest message of each kind, at 390 px: nothing spills sideways."""
    code, _deps, sent = lived
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        for kind in KINDS:
            message = max((m for m in sent if m["X-Cop-Kind"] == kind),
                          key=lambda m: len(text_of(m, "html")))
            page.set_content(text_of(message, "html"))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (code, kind, width)
    finally:
        context.close()
