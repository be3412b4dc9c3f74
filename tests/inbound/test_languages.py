"""Replies in the words each language's emails show (`aussetzen`, `tauschen mit`, `thema:`),
sent as real RFC 5322 messages through the inbox to a community speaking that language; and
`language: de`, a member's own choice over the community's."""
from __future__ import annotations

from datetime import timedelta

import pytest

from functions.domain.language import LANGUAGES, _
from functions.domain.timing import local_date
from functions.domain.verbs import SHOWN
from functions.mail.translations import speak
from functions.services.jobs.tick import tick
from functions.services.replies.inbox import handle_reply
from tests.builders import reply
from tests.emails.support import EMAILS, make_deps, setup_guild, text_of


def guild(code: str):
    deps = make_deps()
    setup_guild(deps, language=code)
    deps.mailer.sent.clear()  # the welcomes
    tick(deps)
    return deps


def first(deps):
    return deps.store.list_sessions("guild")[0]


def answer(deps, email: str):
    return [m for m in deps.mailer.to(email) if m["Auto-Submitted"] == "auto-replied"][-1]


def said(code: str, message: str, **values) -> str:
    with speak(code):
        return _(message).format(**values) if values else _(message)


@pytest.mark.parametrize("code", LANGUAGES)
def test_skip_topic_and_swap_in_the_words_of_the_emails(code):
    deps = guild(code)
    words = SHOWN[code]
    session = first(deps)
    presenter = session.presenter
    # the heads-up they got shows the words they reply with
    heads_up = text_of(deps.mailer.to(presenter, "heads-up")[0], "plain")
    assert f"{words['topic']}: " in heads_up and words["skip"] in heads_up

    assert handle_reply(deps, reply(deps, presenter, f"{words['topic']}: Kanban")).outcome \
        == "done"
    assert first(deps).topic == "Kanban"
    assert handle_reply(deps, reply(deps, presenter, words["skip"])).outcome == "done"
    assert first(deps).presenter not in (None, presenter)
    assert str(answer(deps, presenter)["Subject"]).startswith(said(code, "Done: {summary}",
                                                                   summary="")[:4])

    asker, other = deps.store.list_sessions("guild")[1].presenter, first(deps).presenter
    assert handle_reply(deps, reply(deps, asker, f"{words['swap']} {other}")).outcome \
        == "done"
    offer = deps.mailer.to(other, "notice")[-1]
    assert words["accept"] in text_of(offer, "plain")
    assert handle_reply(deps, reply(deps, other, words["accept"])).outcome == "done"


@pytest.mark.parametrize("code", LANGUAGES)
def test_pause_away_volunteer_out_and_in_in_the_words_of_the_emails(code):
    deps = guild(code)
    words = SHOWN[code]
    today = local_date(deps.store.get_community("guild"), deps.clock.now())
    member = EMAILS[5]
    later = (today + timedelta(weeks=3)).isoformat()
    assert handle_reply(deps, reply(deps, member, f"{words['pause']} {later}")).outcome \
        == "done"
    assert deps.store.get_member("guild", member).paused_until.isoformat() == later
    away = f"{words['away']} 2 {words['weeks']}"
    assert handle_reply(deps, reply(deps, EMAILS[4], away)).outcome == "done"
    assert deps.store.get_member("guild", EMAILS[4]).paused_until == today + timedelta(weeks=2)
    volunteer = EMAILS[3]
    assert handle_reply(deps, reply(deps, volunteer, words["volunteer"])).outcome == "done"
    assert first(deps).presenter == volunteer
    assert handle_reply(deps, reply(deps, EMAILS[2], words["out"])).outcome == "done"
    assert deps.store.get_member("guild", EMAILS[2]).opted_out
    assert handle_reply(deps, reply(deps, EMAILS[2], words["in"])).outcome == "done"
    assert not deps.store.get_member("guild", EMAILS[2]).opted_out
    assert handle_reply(deps, reply(deps, EMAILS[1], words["help"])).outcome == "done"
    assert deps.mailer.to(EMAILS[1], "help")


def test_a_members_language_wins_over_the_communitys():
    deps = guild("de")
    member = EMAILS[1]
    assert handle_reply(deps, reply(deps, member, "langue: fr")).outcome == "done"
    assert deps.store.get_member("guild", member).language == "fr"
    confirmation = answer(deps, member)
    assert confirmation.get_body(("html",)).get_content().count('<html lang="fr">') == 1
    assert said("fr", "your emails are now in {language}", language="français") in \
        text_of(confirmation, "plain")
    tick(deps)
    deps.clock.advance(timedelta(days=6))
    tick(deps)  # the digest: French for them, German for the others
    digests = {m["To"].addresses[0].addr_spec: m for m in deps.mailer.sent
               if m["X-Cop-Kind"] == "digest"}
    assert said("fr", "Coming up:") in text_of(digests[member], "plain")
    assert said("de", "Coming up:") in text_of(digests[EMAILS[2]], "plain")


def test_an_unknown_language_is_answered_with_the_ones_there_are():
    deps = guild("es")
    assert handle_reply(deps, reply(deps, EMAILS[1], "idioma: klingon")).outcome == "help"
    assert deps.store.get_member("guild", EMAILS[1]).language is None
    help_text = " ".join(text_of(deps.mailer.to(EMAILS[1], "help")[-1], "plain").split())
    assert ", ".join(LANGUAGES) in help_text and "idioma: de" in help_text


@pytest.mark.parametrize("code", ["de", "ja"])
def test_a_refused_reply_says_why_in_the_language(code):
    deps = guild(code)
    planned = {s.presenter for s in deps.store.list_sessions("guild")}
    idle = next(e for e in EMAILS if e not in planned)
    assert handle_reply(deps, reply(deps, idle, SHOWN[code]["skip"])).outcome == "help"
    help_text = " ".join(text_of(deps.mailer.to(idle, "help")[-1], "plain").split())
    assert said(code, "you have no upcoming session planned") in help_text
