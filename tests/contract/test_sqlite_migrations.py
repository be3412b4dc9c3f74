"""The SQLite schema is versioned and migrated on open, keeping what is there."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from functions.adapters.sqlite_store import MIGRATIONS, SqliteStore
from functions.domain.errors import InputError
from functions.domain.models import Community, Link


def test_an_old_database_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "cop.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO communities (id, data) VALUES ('pm', ?)",
               ('{"id": "pm", "name": "PM", "timezone": "UTC"}',))
    db.commit()
    db.close()

    store = SqliteStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.get_community("pm") == Community(id="pm", name="PM", timezone="UTC")
    link = Link("x", "a@example.com", "A", "https://example.com", "",
                datetime(2026, 12, 1, tzinfo=timezone.utc))
    store.add_link("pm", link)
    assert store.list_links("pm", link.shared_at) == [link]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.due_communities(datetime(2026, 1, 1, tzinfo=timezone.utc)) == ["pm"]


def test_reopening_is_a_no_op(tmp_path):
    SqliteStore(tmp_path / "cop.db").put_community(Community(id="pm", name="PM", timezone="UTC"))
    again = SqliteStore(tmp_path / "cop.db")
    assert again.schema_version == len(MIGRATIONS)
    assert [c.id for c in again.list_communities()] == ["pm"]


def test_a_newer_database_is_refused_clearly(tmp_path):
    path = tmp_path / "cop.db"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    content = path.read_bytes()
    with pytest.raises(InputError, match="newer than this program .*; upgrade the program"):
        SqliteStore(path)
    assert path.read_bytes() == content
