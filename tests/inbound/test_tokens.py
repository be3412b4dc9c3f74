"""Signed tokens: every character of the signature counts, for replies and bounces alike."""
from __future__ import annotations

import pytest

from functions.mail.tokens import Tokens

TOKENS = Tokens("test-secret")
ROSTER = ["ana@example.com", "ben@example.org", "chloe@gmail.com"]
REPLY = TOKENS.reply_token("guild", "ben@example.org")
BOUNCE = TOKENS.bounce_token("guild", "ben@example.org", "<digest.guild.2027-01-04.x@example.com>")


def tampered(token: str, position: int) -> list[str]:
    """Every other character that could stand at that position."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567-"
    return [token[:position] + c + token[position + 1:] for c in alphabet if c != token[position]]


def test_genuine_tokens_name_their_member_in_any_case():
    assert TOKENS.reply_member(REPLY, ROSTER) == "ben@example.org"
    assert TOKENS.reply_member(REPLY.upper(), ROSTER) == "ben@example.org"
    assert TOKENS.bounce_member(BOUNCE, ROSTER) == "ben@example.org"
    assert TOKENS.bounce_member(BOUNCE.upper(), ROSTER) == "ben@example.org"


@pytest.mark.parametrize("position", range(len(REPLY)))
def test_a_reply_token_changed_anywhere_names_nobody(position):
    for token in tampered(REPLY, position):
        assert TOKENS.reply_member(token, ROSTER) is None, token


@pytest.mark.parametrize("position", range(len(BOUNCE)))
def test_a_bounce_token_changed_anywhere_names_nobody(position):
    for token in tampered(BOUNCE, position):
        assert TOKENS.bounce_member(token, ROSTER) is None, token


def test_shortened_or_lengthened_tokens_name_nobody():
    for token in (REPLY[:-1], REPLY + "a", REPLY.partition(".")[2], "guild."):
        assert TOKENS.reply_member(token, ROSTER) is None
    for token in (BOUNCE[:-1], BOUNCE + "a", BOUNCE.rpartition(".")[0]):
        assert TOKENS.bounce_member(token, ROSTER) is None


def test_tokens_of_another_secret_or_purpose_name_nobody():
    other = Tokens("another-secret")
    assert other.reply_member(REPLY, ROSTER) is None
    assert TOKENS.bounce_member(REPLY, ROSTER) is None
    assert TOKENS.reply_member(BOUNCE, ROSTER) is None
