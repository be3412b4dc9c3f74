"""The ports stay small and say what they can do; ledger keys read back as they were made."""
from __future__ import annotations

import inspect
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions import ports
from functions.domain.delivery import LedgerKey

OWN = {name: value for name, value in vars(ports).items()
       if inspect.isclass(value) and Protocol in value.__mro__ and value is not Protocol
       and value.__module__ == ports.__name__}


def methods(protocol) -> set[str]:
    """What the protocol itself declares (a combination of ports declares nothing)."""
    return {name for name, value in vars(protocol).items()
            if callable(value) and not name.startswith("_")}


@pytest.mark.parametrize("name", sorted(OWN))
def test_every_port_has_at_most_twelve_methods(name):
    assert len(methods(OWN[name])) <= 12, sorted(methods(OWN[name]))


def test_the_store_is_the_three_small_ports_together():
    assert ports.Store.__bases__[:3] == (ports.RotaStore, ports.Ledger, ports.DueIndex)
    assert not methods(ports.Store)


def test_the_ledger_is_read_one_way_and_written_one_way():
    assert {"entries", "swap"} <= methods(ports.Ledger)
    assert not {"claim", "record", "record_state", "release"} & methods(ports.Ledger)


parts = st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)),
                min_size=1, max_size=20)


@given(parts, parts, st.text(max_size=30), parts)
def test_a_ledger_key_reads_back_as_it_was_made(community, kind, key, recipient):
    made = LedgerKey(community, kind, key, recipient)
    assert LedgerKey.parse(str(made)) == made


@pytest.mark.parametrize("text", ["guild", "guild/digest", "guild/digest/"])
def test_a_key_missing_its_parts_is_refused(text):
    with pytest.raises(ValueError):
        LedgerKey.parse(text)
