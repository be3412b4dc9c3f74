"""What SQLite reports about the store's file reaches callers as the project's errors, in
words that say what to do (never sqlite3's own class or a bare message), with nothing
changed: real SQLite, real locks, real files."""
from __future__ import annotations

import sqlite3

import pytest

from functions.adapters.sqlite_store import SqliteStore, _problem
from functions.domain.errors import Failure, InputError, Unavailable
from functions.domain.models import Community

GUILD = Community(id="guild", name="Guild", timezone="UTC")


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "cop.db"
    store = SqliteStore(path)
    store.put_community(GUILD)
    store.close()
    return path


def test_a_write_another_connection_holds_is_waited_for_then_unavailable(path):
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    store = SqliteStore(path, wait=0.05)  # opening and reading wait for no writer
    assert store.get_community("guild") == GUILD
    with pytest.raises(Unavailable, match=r"cop.db is in use by another program "
                                          r"\(waited 0.05 s\); try again when it has finished"
                       ) as raised:
        store.put_community(Community(id="other", name="Other", timezone="UTC"))
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)  # for COP_DEBUG=1
    other.execute("ROLLBACK")
    other.close()
    assert [c.id for c in store.list_communities()] == ["guild"]
    store.put_community(Community(id="other", name="Other", timezone="UTC"))
    store.close()


def test_sqlites_read_only_refusal_says_what_to_do(path):
    """SQLite's own `attempt to write a readonly database`, from a connection it opened read
    only (as it does for a file it may not write), said for the store at `path`."""
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("CREATE TABLE t (x)")
    reader.close()
    mapped = _problem(raised.value, path, 10)
    assert isinstance(mapped, InputError)
    assert str(mapped) == (f"{path} cannot be opened for writing (attempt to write a "
                           "readonly database); make it and its folder writable, or point "
                           "--data (or COP_STORE) elsewhere")


def test_a_file_that_is_no_database_is_damaged(tmp_path):
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x01" * 4096)
    with pytest.raises(sqlite3.DatabaseError) as raised:
        sqlite3.connect(garbage).execute("SELECT * FROM sqlite_master")
    mapped = _problem(raised.value, tmp_path / "cop.db", 10)
    assert isinstance(mapped, InputError)
    assert str(mapped).endswith("cop.db is damaged (file is not a database); restore a "
                                "backup, or move it away to start afresh")


def test_anything_else_is_a_failure_in_words(path):
    store = SqliteStore(path)
    with pytest.raises(sqlite3.OperationalError) as raised:
        store.db.execute("SELECT x FROM nowhere")
    mapped = _problem(raised.value, path, 10)
    assert isinstance(mapped, Failure) and not isinstance(mapped, InputError)
    assert str(mapped) == f"{path} could not be read or written (no such table: nowhere)"
    store.close()


@pytest.mark.parametrize("cut", [2, 4096])
def test_a_cut_short_file_is_refused_before_sqlite_opens_it(path, cut):
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) // 2] if cut == 2 else whole[:-cut])
    content = path.read_bytes()
    with pytest.raises(InputError, match=r"cop.db is damaged: cut short \(\d+ bytes of the "
                                         rf"{len(whole)} its header declares\); restore a "
                                         "backup"):
        SqliteStore(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == ["cop.db"]
