"""Turning the new text of a reply into one command, or a reason it is unclear."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.domain.commands import (
    MAX_NOTE, MAX_TOPIC, MAX_URL, VERBS, Command, Unclear, parse_command, parse_date)

TODAY = date(2026, 12, 4)


def parse(text: str) -> Command | Unclear:
    return parse_command(text, TODAY)


@pytest.mark.parametrize("text, verb", [
    ("in", "in"), ("Join", "in"), ("subscribe", "in"), ("Opt-in, please!", "in"),
    ("count me in", "in"), ("Back in.", "in"), ("I’m in", "in"), ("alta", "in"),
    ("OUT", "out"), ("unsubscribe", "out"), ("Stop!", "out"), ("leave", "out"),
    ("opt out", "out"), ("Remove me", "out"), ("fuera", "out"), ("baja", "out"),
    ("Désinscrire", "out"), ("abmelden", "out"), ("sair", "out"),
    ("back", "back"), ("Resume", "back"), ("unpause", "back"),
    ("skip", "skip"), ("*skip*", "skip"), ("Can't make it", "skip"), ("cannot make it", "skip"),
    ("accept", "accept"), ("Yes, accept", "accept"), ("accept swap", "accept"),
    ("no", "decline"), ("reject swap", "decline"), ("decline", "decline"),
    ("volunteer", "volunteer"), ("I'll present", "volunteer"),
    ("help", "help"), ("?", "help"), ("commands", "help"), ("ayuda", "help"), ("aide", "help"),
    ("Hilfe", "help"), ("ajuda", "help"),
])
def test_simple_verbs(text, verb):
    assert parse(text) == Command(verb)


@pytest.mark.parametrize("text, expected", [
    ("pause until 2027-01-10", Command("pause", until=date(2027, 1, 10))),
    ("Pause till 10 January 2027", Command("pause", until=date(2027, 1, 10))),
    ("pause until 10 Jan 2027.", Command("pause", until=date(2027, 1, 10))),
    ("pause until January 10th, 2027", Command("pause", until=date(2027, 1, 10))),
    ("away 3 weeks", Command("pause", until=TODAY + timedelta(weeks=3), weeks=3)),
    ("Away for 2 weeks!", Command("pause", until=TODAY + timedelta(weeks=2), weeks=2)),
    ("away a week", Command("pause", until=TODAY + timedelta(weeks=1), weeks=1)),
    ("swap with ana@example.com", Command("swap", email="ana@example.com")),
    ("Swap with <Ana@Example.COM>.", Command("swap", email="ana@example.com")),
    ("swap ana@example.com<mailto:ana@example.com>", Command("swap", email="ana@example.com")),
    ("volunteer 2027-01-15", Command("volunteer", on=date(2027, 1, 15))),
    ("volunteer on 15 Jan 2027", Command("volunteer", on=date(2027, 1, 15))),
    ("topic: Roadmaps that survive clients",
     Command("topic", text="Roadmaps that survive clients")),
    ("Title:   Ünïcode — naïve Bayes ", Command("topic", text="Ünïcode — naïve Bayes")),
    ("share: https://example.com/article a great read",
     Command("share", url="https://example.com/article", text="a great read")),
    ("link: <https://example.com/a?b=1#c>", Command("share", url="https://example.com/a?b=1#c",
                                                     text="")),
    ("share https://en.wikipedia.org/wiki/Bayes_(disambiguation)",
     Command("share", url="https://en.wikipedia.org/wiki/Bayes_(disambiguation)", text="")),
])
def test_commands_with_arguments(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, reason_has", [
    ("pause until 2026-11-30", "Monday 30 November 2026"),  # in the past, in words
    ("pause until 2026-12-04", "Friday 4 December 2026"),  # today: nothing to pause
    ("volunteer 2026-12-01", "has passed"),
    ("volunteer next week", "YYYY-MM-DD"),
    ("pause until 31 Feb 2027", "date"),
    ("pause until 01/02/2027", "YYYY-MM-DD"),            # ambiguous: not accepted
    ("pause", "until when"),
    ("away 0 weeks", "1 to 52"),
    ("away 53 weeks", "1 to 52"),
    ("swap", "swap with"),
    ("swap with ana", "swap with"),
    ("swap with ana@@example.com", "not a valid email address"),
    ("share: javascript:alert(1)", "web link"),
    ("share: ftp://example.com/file", "web link"),
    ("share: https:///no-host", "web link"),
    ("share: http://[::1", "web link"),
    ("share: https://example.com:port/", "web link"),
    ("share: https://example.com/" + "a" * MAX_URL, "web link"),
    ("topic:", "title"),
    ("", "no command"),
    ("Thanks for organising this!", "no command"),
])
def test_unclear_replies_say_why(text, reason_has):
    result = parse(text)
    assert isinstance(result, Unclear) and reason_has in result.reason, result


def test_greetings_and_blank_lines_are_skipped():
    assert parse("Hi,\n\nHello team\n\nskip") == Command("skip")
    assert parse("Dear all,\nGood morning!\nout") == Command("out")


def test_a_line_of_prose_ends_the_search():
    assert isinstance(parse("Sorry, I'm sick this week.\nskip"), Unclear)
    assert isinstance(parse("Thanks,\nAna Lima\nTitle: Senior PM"), Unclear)
    assert isinstance(parse("Cheers\nLink: https://example.com/me"), Unclear)


def test_the_first_command_wins():
    assert parse("skip\nout") == Command("skip")


def test_quoted_lines_are_never_obeyed():
    assert isinstance(parse("> out\n>skip\n> > in"), Unclear)
    assert parse("> out\nskip") == Command("skip")


def test_prose_containing_a_command_word_is_not_a_command():
    for text in ("I'd like to stop by on Friday", "Count me in for lunch after?",
                 "skipping lunch", "in a meeting", "Topic ideas are welcome"):
        assert isinstance(parse(text), Unclear), text


def test_topic_is_one_clean_line_of_bounded_length():
    result = parse("topic: a\u0000b\u202ec\u200bd\t" + "x" * 500)
    assert result.verb == "topic"
    assert len(result.text) == MAX_TOPIC and result.text.startswith("a b c d x")
    assert result.text.isprintable()


def test_share_note_is_trimmed():
    result = parse("share: https://example.com " + "note " * 100)
    assert len(result.text) == MAX_NOTE and result.text.endswith("…")


def test_dates():
    assert parse_date("2027-1-5") == date(2027, 1, 5)
    assert parse_date("5th of March 2027") == date(2027, 3, 5)
    assert parse_date("Sept 9 2027") == date(2027, 9, 9)
    assert isinstance(parse_date("20270110"), Unclear)
    assert isinstance(parse_date("2027-W02-1"), Unclear)
    assert isinstance(parse_date("10 Janvier 2027"), Unclear)


COMMAND_TEXT = st.sampled_from([
    "in", "out", "skip", "pause until ", "away ", "swap with ", "volunteer ", "topic:", "share:",
    "link:", "help", "?", "> ", "Hi,", "\n", "\r\n", " ", "2027-01-10", "10 Jan 2027", "weeks",
    "ana@example.com", "https://", "example.com", "<", ">", "@", "\u202e", "\x00", "…", "—",
])


@settings(max_examples=500)
@given(st.text())
def test_arbitrary_text_never_raises(text):
    result = parse(text)
    assert isinstance(result, (Command, Unclear))


@settings(max_examples=500)
@given(st.lists(COMMAND_TEXT | st.text(max_size=5), max_size=30))
def test_command_like_text_gives_well_formed_results(pieces):
    result = parse("".join(pieces))
    if isinstance(result, Unclear):
        assert result.reason and "\n" not in result.reason
        return
    assert result.verb in VERBS
    for value in (result.text, result.url, result.email):
        assert value is None or (value.isprintable() and len(value) <= MAX_URL)
    if result.until is not None:
        assert result.until > TODAY
    if result.on is not None:
        assert result.on >= TODAY
    if result.weeks is not None:
        assert 1 <= result.weeks <= 52


@given(st.text(max_size=200))
def test_a_quoted_reply_is_never_obeyed(text):
    quoted = "\n".join("> " + line for line in text.splitlines())
    assert isinstance(parse(quoted), Unclear)


@pytest.mark.parametrize("above", [
    # External-sender banners as Exchange Online, Google Workspace, Mimecast and Proofpoint
    # put them above the text (their documented default wordings).
    "CAUTION: This email originated from outside of the organization. Do not click links or "
    "open attachments unless you recognize the sender and know the content is safe.",
    "[EXTERNAL]",
    "[External] This message came from outside your organization.",
    "EXTERNAL EMAIL: This email originated from outside the organisation.",
    "This message was sent from outside the company by someone not in your contacts.",
    "You don't often get email from ana@example.com. Learn why this is important",
    "ACHTUNG: Diese E-Mail stammt von einem externen Absender.",
    # The same banners as organisations set them in other languages, Outlook's newer
    # first-contact line, Mimecast's short tag and Japanese gateways' marks.
    "ATTENTION : Ce courriel provient de l'extérieur de l'organisation. Ne cliquez pas sur "
    "les liens.",
    "PRECAUCIÓN: Este correo electrónico se originó fuera de la organización.",
    "ATENÇÃO: Este e-mail foi originado fora da organização.",
    "ATTENZIONE: Questa email proviene dall'esterno dell'organizzazione.",
    "LET OP: Deze e-mail is afkomstig van buiten de organisatie.",
    "This email is from an external sender.",
    "Some people who received this message don't often get email from ana@example.com. "
    "Learn why this is important",
    "[EXT]", "【外部メール】", "注意：このメールは組織外から送信されました。",
    # Phone signatures some clients put first
    "Sent from my iPhone", "Gesendet von meinem iPhone", "Von meinem iPhone gesendet",
    "Envoyé de mon iPhone", "Enviado desde mi móvil", "Verstuurd vanaf mijn iPhone",
    "Get Outlook for iOS",
])
def test_banners_and_phone_signatures_above_a_command_are_passed_over(above):
    assert parse(f"{above}\n\nskip\n") == Command("skip")
    assert parse(f"{above}\nHi Ana,\nout\n") == Command("out")


@pytest.mark.parametrize("greeting", [
    "هلا منال،", "مرحبا", "السلام عليكم،", "שלום דנה,", "नमस्ते,", "你好，", "안녕하세요,",
    "Merhaba Ayşe,", "Γεια σας,", "Привіт,",
])
def test_greetings_in_more_languages_are_passed_over(greeting):
    assert parse(f"{greeting}\nskip\n") == Command("skip")


def test_a_banner_does_not_make_prose_a_command():
    assert isinstance(parse("CAUTION: external\nI think we should skip the pizza\n"), Unclear)


def test_a_banner_line_that_asks_something_is_not_passed_over():
    """Only the banners' own wording is passed over: a person's "Attention:" line is theirs."""
    assert isinstance(parse("Attention: please skip\nskip\n"), Unclear)
