"""A store that cannot be used just now, or not there, or not at all, is said so in one line
with what to do, and left as it was: busy (another program writes; exit status 3, try
again), read-only or in a folder that is not writable (exit 2, make it writable or point
--data elsewhere), damaged (exit 2, restore a backup), or at a path too long (exit 2).

Permissions are real: when the tests run as root, whom chmod does not stop, the commands
run as the unprivileged user `nobody` (in this process with `nobody` as its effective user
for the command, and in a real process started as `nobody` through setpriv), in a folder
outside pytest's own (which only root may enter); skipped, saying why, only where root
cannot act as another user."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.builders import cop, cop_process, one_error, state

NOBODY = 65534
ROOT_USER = os.geteuid() == 0

# Another program that writes to the store: it holds the write lock until its input closes,
# or for the seconds given.
LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
else:
    sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextlib.contextmanager
def held(store: Path, seconds: float | None = None):
    """The store's write lock, held by another process for the block (or `seconds`)."""
    extra = [] if seconds is None else [str(seconds)]
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(store), *extra],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline() == "locked\n"
        yield locker
    finally:
        locker.stdin.close()
        assert locker.wait(timeout=10) == 0
        locker.stdout.close()


def members(data: Path) -> list[str]:
    return [r["email"] for r in json.loads(cop(data, "member", "list", "guild", "--json").stdout)]


ADD = ("member", "add", "guild", "new@example.com")


def test_a_store_another_program_writes_to_is_waited_for_then_said_busy(guild):
    before = state(guild)
    with held(guild / "cop.db"):
        busy = cop(guild, *ADD, check=False, COP_STORE_WAIT="0.2")
        line = one_error(busy, "cop.db is in use by another program (waited 0.2 s); try again "
                         "when it has finished", status=3)
        assert "OperationalError" not in line and "restore" not in line
        as_script = cop_process(guild, *ADD, check=False, COP_STORE_WAIT="0.2")
        one_error(as_script, "is in use by another program", status=3)
        # reading waits for no writer
        assert "new@example.com" not in members(guild)
    assert state(guild) == before
    cop(guild, *ADD)  # once the other program has finished, the same command works
    assert "new@example.com" in members(guild)


def test_a_write_waits_for_the_other_program_within_the_stated_wait(guild):
    with held(guild / "cop.db", seconds=0.3):
        cop(guild, *ADD, COP_STORE_WAIT="5")  # started while the lock is held
    assert "new@example.com" in members(guild)


def test_the_wait_is_ten_seconds_unless_set():
    from functions.config import Config

    assert Config.from_env({}).store_wait == 10
    assert Config.from_env({"COP_STORE_WAIT": "2.5"}).store_wait == 2.5


@pytest.fixture
def open_folder():
    """A folder `nobody` may enter (pytest's own are root's alone when run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="cop-store-errors-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):  # whatever a test left read-only
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


@contextlib.contextmanager
def unprivileged():
    """This process as a user file permissions apply to: itself, or `nobody` when root."""
    if not ROOT_USER:
        yield
        return
    groups = os.getgroups()
    try:
        os.setgroups([])
        os.setegid(NOBODY)
        os.seteuid(NOBODY)
    except PermissionError:  # a root without the capability to change users
        os.setgroups(groups)
        pytest.skip("running as root, and cannot act as an unprivileged user")
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


def _guild_in(folder: Path, roster: Path) -> Path:
    data = folder / "data"
    cop(data, "community", "add", "guild", "--name", "Guild", "--timezone", "UTC")
    roster.write_text("email,name\np0@example.com,Person 0\np1@example.com,Person 1\n")
    cop(data, "member", "import", "guild", str(roster))
    if ROOT_USER:
        for path in (data, *data.rglob("*")):
            os.chown(path, NOBODY, NOBODY)
    return data


def _files(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data.iterdir()) if p.is_file()}


@pytest.mark.parametrize("read_only, needle", [
    ("file", "cop.db is read-only: make it writable (chmod u+rw "),
    ("folder", "is not writable, and the store keeps its journal there beside cop.db: make "
               "it writable (chmod u+w "),
])
def test_a_read_only_store_or_folder_is_named_with_what_to_do(open_folder, tmp_path,
                                                               read_only, needle):
    data = _guild_in(open_folder, tmp_path / "roster.csv")
    target = data / "cop.db" if read_only == "file" else data
    mode = target.stat().st_mode
    target.chmod(0o444 if read_only == "file" else 0o555)
    before = _files(data)
    for args in (ADD, ("member", "list", "guild")):
        with unprivileged():
            result = cop(data, *args, check=False)
        line = one_error(result, needle)
        assert "OperationalError" not in line and "restore" not in line
        assert "--data" in line and str(target) in line
    if ROOT_USER and not shutil.which("setpriv"):
        pytest.skip("running as root, without setpriv to start a process as another user")
    as_script = cop_process(data, *ADD, check=False, user=NOBODY if ROOT_USER else None)
    one_error(as_script, needle)
    assert _files(data) == before  # not a byte changed, no journal left behind
    target.chmod(mode)
    with unprivileged():
        cop(data, *ADD)  # made writable, the same command works
        assert "new@example.com" in members(data)


@pytest.mark.parametrize("cut", ["half", "last page"])
def test_a_truncated_store_is_damaged_and_left_as_it_is(guild, cut):
    path = guild / "cop.db"
    whole = path.read_bytes()
    page_size = int.from_bytes(whole[16:18], "big")
    content = whole[:len(whole) // 2] if cut == "half" else whole[:-page_size]
    path.write_bytes(content)
    line = one_error(cop(guild, "member", "list", "guild", check=False),
                     "cop.db is damaged: cut short (")
    assert "restore a backup" in line
    one_error(cop_process(guild, *ADD, check=False), "is damaged")
    assert path.read_bytes() == content
    assert sorted(p.name for p in guild.glob("cop.db*")) == ["cop.db"]


def test_another_programs_sqlite_database_is_not_taken_for_the_rota(tmp_path):
    import sqlite3

    data = tmp_path / "data"
    data.mkdir()
    db = sqlite3.connect(data / "cop.db")
    db.execute("CREATE TABLE notes (body TEXT)")
    db.execute("PRAGMA user_version = 2")  # as if of a rota's second version
    db.commit()
    db.close()
    content = (data / "cop.db").read_bytes()
    one_error(cop(data, "community", "list", check=False), "an SQLite database of something "
              "else, not of the rota")
    assert (data / "cop.db").read_bytes() == content


@pytest.fixture
def long_path(tmp_path) -> Path:
    return tmp_path / ("a" * 300)


@pytest.mark.parametrize("args, suffix", [
    (["member", "import", "guild"], ".csv"),
    (["reply"], ".eml"),
])
def test_an_input_file_path_too_long_for_the_system_is_said_so(guild, long_path, args, suffix):
    before = state(guild)
    name = f"{long_path}{suffix}"
    line = one_error(cop(guild, *args, name, check=False),
                     "the path is too long for this system (a name in it is longer than")
    assert name not in line and name[-20:] in line  # shortened to its two ends
    one_error(cop_process(guild, *args, name, check=False), "too long for this system")
    assert state(guild) == before


@pytest.mark.parametrize("shape", ["a long name", "a long path"])
def test_a_data_folder_path_too_long_is_said_so(tmp_path, long_path, shape):
    data = long_path if shape == "a long name" else tmp_path.joinpath(*["b" * 200] * 25)
    line = one_error(cop(data, "community", "list", check=False),
                     "characters): the path is too long for this system")
    assert ("(a name in it is longer than 255 bytes)" in line) == (shape == "a long name")
    assert "--data" in line and "OSError" not in line
    one_error(cop_process(data, "community", "list", check=False), "too long for this system")
    assert not any(tmp_path.iterdir())
