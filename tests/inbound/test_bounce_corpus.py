"""Real bounces from many mail systems (tests/inbound/bounces): the failed recipient is found,
and none of them is ever answered."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.mail.inbound import parse_inbound

CORPUS = Path(__file__).parent / "bounces" / "flufl"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
NOT_BOUNCES = {"bounce_01.txt", "groupwise_03.txt"}  # spam via a list; a person's reply


def read(name: str):
    return parse_inbound((CORPUS / name).read_bytes(), "mx.google.com", ("cop@example.com",))


def lower(addresses) -> set[str]:
    return {a.lower() for a in addresses}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_failed_and_delayed_recipients_are_found(name):
    inbound = read(name)
    expected = EXPECTED[name]
    assert inbound.refused is None
    bounce = inbound.bounce
    assert lower(bounce.failed if bounce else ()) == lower(expected["permanent"])
    assert lower(bounce.delayed if bounce else ()) == lower(expected["temporary"])


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NOT_BOUNCES))
def test_no_bounce_is_taken_for_a_reply(name):
    assert read(name).automatic


def test_bounce_corpus_accuracy():
    bounces = [n for n, e in EXPECTED.items() if e["permanent"]]
    found = [n for n in bounces
             if (b := read(n).bounce) and lower(b.failed) == lower(EXPECTED[n]["permanent"])]
    print(f"\nbounces whose failed recipient is found: {len(found)}/{len(bounces)}")
    assert len(found) == len(bounces)
