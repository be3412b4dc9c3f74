"""The embedded Store: one SQLite file, WAL mode, schema versioned and migrated on open."""
from __future__ import annotations

import base64
import functools
import json
import os
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from ..domain.delivery import PENDING, Entry
from ..domain.errors import Conflict, Failure, InputError, Unavailable
from ..domain.models import Community, Link, Member, Session
from ..domain.paths import problem, shown
from ..ports import RotaWrite
from . import records
from .records import (created_since as created_since_of, entry_from_record, entry_to_record,
                      from_record, to_record)

T = TypeVar("T")

# Each entry takes the schema from version N to N+1. Never edit one that has shipped.
MIGRATIONS = [
    """
    CREATE TABLE communities (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE members (
        community TEXT NOT NULL, email TEXT NOT NULL, position INTEGER NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (community, email));
    CREATE TABLE sessions (
        community TEXT NOT NULL, day TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (community, day));
    CREATE TABLE claims (
        key TEXT PRIMARY KEY, state TEXT NOT NULL, updated TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '');
    """,
    """
    CREATE TABLE links (
        community TEXT NOT NULL, id TEXT NOT NULL, shared_at TEXT NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (community, id));
    CREATE INDEX links_by_time ON links (community, shared_at);
    """,
    """
    ALTER TABLE claims ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE claims ADD COLUMN retry_at TEXT;
    ALTER TABLE claims ADD COLUMN expires TEXT;
    CREATE INDEX claims_retry ON claims (retry_at) WHERE retry_at IS NOT NULL;
    CREATE INDEX claims_expiry ON claims (expires);
    """,
    """
    CREATE TABLE due (community TEXT PRIMARY KEY, at TEXT NOT NULL, mark TEXT NOT NULL);
    CREATE INDEX due_by_time ON due (at);
    INSERT INTO due (community, at, mark) SELECT id, '', 'migrated' FROM communities;
    """,
    """
    CREATE TABLE paces (sender TEXT PRIMARY KEY, data TEXT NOT NULL);
    """,
    """
    CREATE INDEX members_by_email ON members (email);
    CREATE INDEX communities_by_reply_to ON communities (json_extract(data, '$.reply_to'));
    """,
]


ROTA_TABLES = {"communities", "members", "sessions", "claims"}  # since version 1
WAIT = 10.0  # seconds a command waits for another program's write to end (COP_STORE_WAIT)
RESTORE = "restore a backup, or move it away to start afresh"  # only for a damaged file
ELSEWHERE = "point --data (or COP_STORE) elsewhere"
# SQLite's primary result codes (the low byte of the extended code an error carries)
PERM, BUSY, LOCKED, READONLY, CORRUPT, FULL, CANTOPEN, NOTADB = 3, 5, 6, 8, 11, 13, 14, 26


def _in_own_words(cls):
    """Whatever SQLite reports from a method of the store (a file that is busy, read-only,
    full or damaged) is raised as one of the project's errors, in words that say what to
    do; the sqlite3 error stays attached as its cause (COP_DEBUG=1 shows it)."""
    def translating(method):
        @functools.wraps(method)
        def translated(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as error:
                raise _problem(error, self.path, self.wait) from error
        return translated

    for name, value in list(vars(cls).items()):
        if callable(value) and (name == "__init__" or not name.startswith("_")):
            setattr(cls, name, translating(value))
    return cls


@_in_own_words
class SqliteStore:
    def __init__(self, path: str | Path, wait: float = WAIT) -> None:
        """`wait`: the seconds a write waits for another program's to end before the store
        is reported busy (Unavailable)."""
        self.path, self.wait = Path(path), wait
        try:
            _check_existing(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _check_writable(self.path)
        except OSError as error:
            reason = problem(error, self.path) or f"{shown(self.path)}: {error.strerror}"
            raise InputError(f"{reason}; the store cannot be kept there: {ELSEWHERE}") from None
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
        self.db = sqlite3.connect(self.path, timeout=wait, isolation_level=None,
                                  check_same_thread=False)
        try:
            # Known to be a rota's, and one this program reads, before anything is written.
            current = self._version() == len(MIGRATIONS)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: safe without a sync per commit
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # erased people leave no bytes behind
            if not current:  # (up to date, no write lock is taken: reading waits for no writer)
                self._migrate()
        except BaseException:
            self.db.close()
            raise

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = self._version()  # again, locked: another program may have migrated
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def _version(self) -> int:
        """The schema version, once the file is known to be a rota's this program reads."""
        version = self.schema_version
        tables = {row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version > len(MIGRATIONS) and "communities" in tables:
            raise InputError(
                f"{self.path} has schema version {version}, newer than this program "
                f"({len(MIGRATIONS)}); upgrade the program")
        if (version == 0 and tables) or (version > 0 and not ROTA_TABLES <= tables):
            raise InputError(f"{self.path} is an SQLite database of something else, "
                             f"not of the rota; {ELSEWHERE}")
        return version

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # communities
    def get_community(self, community_id: str) -> Community | None:
        row = self.db.execute("SELECT data FROM communities WHERE id = ?",
                              (community_id,)).fetchone()
        return from_record(Community, json.loads(row[0])) if row else None

    def list_communities(self, created_since: datetime | None = None) -> list[Community]:
        rows = self.db.execute("SELECT data FROM communities ORDER BY id").fetchall()
        return created_since_of((from_record(Community, json.loads(r[0])) for r in rows),
                                created_since)

    def put_community(self, community: Community) -> None:
        with self._transaction() as db:
            _put_community(db, community)

    def replying_at(self, address: str | None, limit: int) -> list[Community]:
        reply_to = "json_extract(data, '$.reply_to')"
        if address is None:
            rows = self.db.execute(f"SELECT data FROM communities WHERE {reply_to} IS NULL "
                                   "ORDER BY id LIMIT ?", (limit,)).fetchall()
        else:  # the address itself, and with a +tag (the range of "local+…")
            local, _, _ = address.rpartition("@")
            spelt = records.spellings(address)
            rows = self.db.execute(
                f"SELECT data FROM communities WHERE {reply_to} IN "
                f"({', '.join('?' * len(spelt))}) OR ({reply_to} >= ? AND {reply_to} < ?)",
                (*spelt, f"{local}+", f"{local},")).fetchall()
        found = (from_record(Community, json.loads(r[0])) for r in rows)
        return records.replying_at(found, address)[:limit]

    def organised_by(self, email: str) -> list[Community]:
        rows = self.db.execute(
            "SELECT data FROM communities WHERE EXISTS (SELECT 1 FROM "
            "json_each(data, '$.organisers') WHERE value = ?) ORDER BY id", (email,))
        return [from_record(Community, json.loads(r[0])) for r in rows.fetchall()]

    # members
    def member_of(self, email: str) -> list[str]:
        rows = self.db.execute("SELECT community FROM members WHERE email = ? "
                               "ORDER BY community", (email,))
        return [r[0] for r in rows.fetchall()]

    def list_members(self, community_id: str) -> list[Member]:
        rows = self.db.execute(
            "SELECT data FROM members WHERE community = ? ORDER BY position",
            (community_id,)).fetchall()
        return [from_record(Member, json.loads(r[0])) for r in rows]

    def get_member(self, community_id: str, email: str) -> Member | None:
        row = self.db.execute("SELECT data FROM members WHERE community = ? AND email = ?",
                              (community_id, email)).fetchone()
        return from_record(Member, json.loads(row[0])) if row else None

    def put_member(self, community_id: str, member: Member) -> None:
        with self._transaction() as db:
            _put_members(db, community_id, [member], replace=True)

    def add_members(self, community_id: str, members: Iterable[Member]) -> None:
        with self._transaction() as db:
            _put_members(db, community_id, members, replace=False)

    def save(self, write: RotaWrite) -> None:
        with self._transaction() as db:
            _put_members(db, write.community_id, write.new_members, replace=False)
            _put_members(db, write.community_id, write.members, replace=True)
            _put_sessions(db, write.community_id, write.sessions)
            if write.community is not None:
                _put_community(db, write.community)
            for key, entry in write.records:
                self._write(db, key, entry)
            if write.mark_due is not None:
                _mark_due(db, write.community_id, write.mark_due)
            if write.settle_due is not None:
                _settle_due(db, write.community_id, *write.settle_due)

    # sessions
    def list_sessions(self, community_id: str, start: date | None = None,
                      end: date | None = None) -> list[Session]:
        sql, args = "SELECT data FROM sessions WHERE community = ?", [community_id]
        if start is not None:
            sql, args = sql + " AND day >= ?", args + [start.isoformat()]
        if end is not None:
            sql, args = sql + " AND day < ?", args + [end.isoformat()]
        rows = self.db.execute(sql + " ORDER BY day", args).fetchall()
        return [from_record(Session, json.loads(r[0])) for r in rows]

    def put_sessions(self, community_id: str, sessions: Iterable[Session]) -> None:
        with self._transaction() as db:
            _put_sessions(db, community_id, sessions)

    # shared links
    def add_link(self, community_id: str, link: Link) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO links (community, id, shared_at, data) "
                       "VALUES (?, ?, ?, ?)",
                       (community_id, link.id, _utc(link.shared_at),
                        json.dumps(to_record(link))))

    def list_links(self, community_id: str, since: datetime) -> list[Link]:
        rows = self.db.execute(
            "SELECT data FROM links WHERE community = ? AND shared_at >= ? "
            "ORDER BY shared_at, id", (community_id, _utc(since))).fetchall()
        return [from_record(Link, json.loads(r[0])) for r in rows]

    # claims and the outbox ledger
    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        keys = list(keys)
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), 500):  # under SQLite's limit of bound parameters
            part = keys[start:start + 500]
            rows = self.db.execute(
                f"SELECT key, state, updated, detail, data FROM claims WHERE key IN "
                f"({','.join('?' * len(part))})", part).fetchall()
            found.update((row[0], _entry(*row[1:])) for row in rows)
        return found

    def swap(self, key: str, expected: Entry | None, new: Entry | None) -> bool:
        with self._transaction() as db:
            row = db.execute("SELECT state, updated, detail, data FROM claims WHERE key = ?",
                             (key,)).fetchone()
            if (_entry(*row) if row else None) != expected:
                return False
            if new is None:
                db.execute("DELETE FROM claims WHERE key = ?", (key,))
            else:
                self._write(db, key, new)
            return True

    def due_retries(self, now: datetime, limit: int, community: str
                    ) -> list[tuple[str, Entry]]:
        # Keys "community/…" sort between "community/" and "community0" ('0' follows '/').
        rows = self.db.execute(
            "SELECT key, state, updated, detail, data FROM claims WHERE retry_at <= ? "
            "AND state = ? AND key >= ? AND key < ? ORDER BY retry_at LIMIT ?",
            (_utc(now), PENDING, community + "/", community + "0", limit)).fetchall()
        return [(row[0], _entry(*row[1:])) for row in rows]

    def mark_due(self, community_id: str, at: datetime) -> None:
        with self._transaction() as db:
            _mark_due(db, community_id, at)

    def due_communities(self, now: datetime) -> list[str]:
        rows = self.db.execute("SELECT community FROM due WHERE at <= ? ORDER BY community",
                               (_utc(now),)).fetchall()
        return [r[0] for r in rows]

    def due_mark(self, community_id: str) -> str | None:
        row = self.db.execute("SELECT mark FROM due WHERE community = ?",
                              (community_id,)).fetchone()
        return row[0] if row else None

    def settle_due(self, community_id: str, at: datetime, mark: str | None) -> None:
        with self._transaction() as db:
            _settle_due(db, community_id, at, mark)

    def prune(self, now: datetime) -> int:
        with self._transaction() as db:
            return db.execute("DELETE FROM claims WHERE expires <= ?", (_utc(now),)).rowcount

    @staticmethod
    def _write(db: sqlite3.Connection, key: str, entry: Entry) -> None:
        record = entry_to_record(entry)
        state, updated, detail = record.pop("state"), record.pop("updated"), \
            record.pop("detail", "")
        if "raw" in record:
            record["raw"] = base64.b64encode(record["raw"]).decode("ascii")
        db.execute(
            "INSERT INTO claims (key, state, updated, detail, data, retry_at, expires) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "state = excluded.state, updated = excluded.updated, detail = excluded.detail, "
            "data = excluded.data, retry_at = excluded.retry_at, expires = excluded.expires",
            (key, state, updated, detail, json.dumps(record), record.get("retry_at"),
             record.get("expires")))


    def pace(self, sender: str, change: Callable[[dict | None], tuple[dict, T]]) -> T:
        with self._transaction() as db:  # BEGIN IMMEDIATE: one process at a time
            row = db.execute("SELECT data FROM paces WHERE sender = ?", (sender,)).fetchone()
            kept, answer = change(json.loads(row[0]) if row else None)
            db.execute("INSERT OR REPLACE INTO paces (sender, data) VALUES (?, ?)",
                       (sender, json.dumps(kept)))
        return answer

    def list_records(self, prefix: str) -> list[tuple[str, str, datetime, str]]:
        rows = self.db.execute(
            "SELECT key, state, updated, detail FROM claims WHERE substr(key, 1, ?) = ? "
            "ORDER BY key", (len(prefix), prefix)).fetchall()
        return [(k, state, datetime.fromisoformat(at), d) for k, state, at, d in rows]

    # erasure
    def delete_member(self, community_id: str, email: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM members WHERE community = ? AND email = ?",
                       (community_id, email))
        self._scrub()

    def forget_records(self, text: str) -> int:
        with self._transaction() as db:
            count = db.execute("DELETE FROM claims WHERE instr(key, ?) OR instr(detail, ?)",
                               (text, text)).rowcount
        self._scrub()
        return count

    def delete_community(self, community_id: str) -> None:
        prefix = f"{community_id}/"
        with self._transaction() as db:
            for table in ("members", "sessions", "links", "due"):
                db.execute(f"DELETE FROM {table} WHERE community = ?", (community_id,))
            db.execute("DELETE FROM communities WHERE id = ?", (community_id,))
            db.execute("DELETE FROM claims WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        self._scrub()

    def _scrub(self) -> None:
        """Deleted rows are zeroed on their pages (secure_delete); copying the WAL back into
        the file and truncating it leaves no older copy of those pages either."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _put_community(db: sqlite3.Connection, community: Community) -> None:
    db.execute("INSERT OR REPLACE INTO communities (id, data) VALUES (?, ?)",
               (community.id, json.dumps(to_record(community))))


def _put_members(db: sqlite3.Connection, community_id: str, members: Iterable[Member],
                 replace: bool) -> None:
    """Replace them, or create them (Conflict when one exists)."""
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    for m in members:
        try:
            db.execute(f"{verb} INTO members (community, email, position, data) "
                       "VALUES (?, ?, ?, ?)",
                       (community_id, m.email, m.order, json.dumps(to_record(m))))
        except sqlite3.IntegrityError:
            raise Conflict(f"{m.email} is already a member of {community_id}") from None


def _put_sessions(db: sqlite3.Connection, community_id: str,
                  sessions: Iterable[Session]) -> None:
    db.executemany("INSERT OR REPLACE INTO sessions (community, day, data) VALUES (?, ?, ?)",
                   [(community_id, s.date.isoformat(), json.dumps(to_record(s)))
                    for s in sessions])


def _mark_due(db: sqlite3.Connection, community_id: str, at: datetime) -> None:
    db.execute("INSERT INTO due (community, at, mark) VALUES (?, ?, ?) "
               "ON CONFLICT(community) DO UPDATE SET at = min(at, excluded.at), "
               "mark = excluded.mark", (community_id, _utc(at), uuid.uuid4().hex))


def _settle_due(db: sqlite3.Connection, community_id: str, at: datetime,
                mark: str | None) -> None:
    db.execute("INSERT INTO due (community, at, mark) VALUES (?, ?, ?) "
               "ON CONFLICT(community) DO UPDATE SET at = CASE WHEN mark = ? "
               "THEN excluded.at ELSE min(at, excluded.at) END",
               (community_id, _utc(at), uuid.uuid4().hex, mark))


def _entry(state: str, updated: str, detail: str, data: str) -> Entry:
    record = json.loads(data)
    if "raw" in record:
        record["raw"] = base64.b64decode(record["raw"])
    return entry_from_record({**record, "state": state, "updated": updated, "detail": detail})


def _check_existing(path: Path) -> None:
    """A file that exists is opened as it is, never created over: an empty or damaged one
    (a failed copy, a truncated backup) would otherwise silently become a new, empty rota."""
    if not path.exists():
        return
    if not path.is_file():
        raise InputError(f"{path} is not a file; {RESTORE}")
    with path.open("rb") as file:
        header = file.read(100)
    if not header:
        raise InputError(f"{path} is empty, not a rota database; {RESTORE}")
    if not header.startswith(b"SQLite format 3\x00"):
        raise InputError(f"{path} is not an SQLite database (damaged?); {RESTORE}")
    cut = _cut_short(path, header)
    if cut:
        raise InputError(f"{path} is damaged: cut short ({cut}); {RESTORE}")


def _cut_short(path: Path, header: bytes) -> str | None:
    """How an SQLite file is shorter than its header says it is, if it is: a copy or
    download that stopped part way (SQLite itself may notice only on reaching a lost page)."""
    if len(header) < 100:
        return f"{len(header)} bytes, not even its 100-byte header"
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return None  # pages not yet copied back from the journal: the file may lag behind
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96]:
        return None  # written by an SQLite too old to keep the count: SQLite ignores it too
    size, declared = path.stat().st_size, pages * page_size
    return f"{size} bytes of the {declared} its header declares" if size < declared else None


def _check_writable(path: Path) -> None:
    """Refuse, before SQLite creates anything beside it, a store that could be read but
    not kept: a read-only file (or journal, PATH-wal and PATH-shm, left by an earlier
    reader), or a folder in which the journal cannot be created. (A read-only store would
    also leave read-only journal files behind, which block it even once made writable.)"""
    folder = path.parent
    if not _may(folder, os.W_OK | os.X_OK):
        raise InputError(f"the folder {shown(folder)} is not writable, and the store keeps "
                         f"its journal there beside {path.name}: make it writable (chmod u+w "
                         f"{shown(folder)}), or {ELSEWHERE}")
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and not _may(file, os.R_OK | os.W_OK):
            raise InputError(f"{shown(file)} is read-only: make it writable (chmod u+rw "
                             f"{shown(file)}), or {ELSEWHERE}")


def _may(path: Path, mode: int) -> bool:
    """Whether this process may use `path` so, as the file system will judge when it does
    (by the effective user, where the system can say)."""
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def _problem(error: sqlite3.Error, path: Path, wait: float) -> Exception:
    """The project's error for what SQLite reported about the store at `path`."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (BUSY, LOCKED):
        return Unavailable(f"{shown(path)} is in use by another program (waited {wait:g} s); "
                           "try again when it has finished")
    if code in (READONLY, PERM, CANTOPEN):
        try:  # names the file or folder that refuses, when one does
            _check_writable(path)
        except InputError as refused:
            return refused
        return InputError(f"{shown(path)} cannot be opened for writing ({error}); make it "
                          f"and its folder writable, or {ELSEWHERE}")
    if code == FULL:
        return InputError(f"the disk holding {shown(path)} is full ({error}); free some "
                          "space, then try again")
    if code in (CORRUPT, NOTADB):
        return InputError(f"{shown(path)} is damaged ({error}); {RESTORE}")
    return Failure(f"{shown(path)} could not be read or written ({error})")


def _utc(instant: datetime) -> str:
    """Instants as UTC ISO strings, so that text order is time order."""
    return instant.astimezone(timezone.utc).isoformat()
