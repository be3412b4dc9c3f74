from __future__ import annotations

import shutil

import pytest

from tests.builders import cop


def make_guild(tmp_path, *settings: str):
    """A data folder with the Product Guild (Sydney, Fridays 16:00) and five members."""
    data = tmp_path / "data"
    cop(data, "community", "add", "guild", "--name", "Product Guild",
        "--timezone", "Australia/Sydney", "--weekday", "fri", "--time", "16:00",
        "--minutes", "30", "--holidays", "AU-NSW", "--lookahead", "4", *settings)
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name\n" + "".join(
        f"p{i}@example.com,Person {i}\n" for i in range(5)))
    cop(data, "member", "import", "guild", str(roster))
    return data


@pytest.fixture(scope="session")
def prepared_guild(tmp_path_factory):
    """The guild's data folder, made once through the command line; tests work on copies."""
    return make_guild(tmp_path_factory.mktemp("prepared"), "--reply-to",
                      "guild-rota@example.com")


@pytest.fixture
def guild(prepared_guild, tmp_path):
    """The guild with a reply address: its members are welcomed as they join. A folder of
    its own: a copy of the prepared one (its database, outbox, invites and key)."""
    return shutil.copytree(prepared_guild, tmp_path / "data")


@pytest.fixture
def unready(tmp_path):
    """The guild before its reply address is set (`guild@localhost`): welcomes wait."""
    return make_guild(tmp_path)
