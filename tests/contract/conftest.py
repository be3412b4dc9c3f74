"""Fixtures for the Store contract: every test runs on each backend.

The Firestore backend is the local emulator in tests/emulator (installed by `make emulator`),
started once per test session on a free loopback port and stopped at the end.
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import IO, Callable, Iterator, NoReturn

import pytest

from functions.adapters.firestore_store import FirestoreStore
from functions.adapters.memory_store import MemoryStore
from functions.adapters.sqlite_store import SqliteStore
from functions.ports import Store

EMULATOR_DIR = Path(__file__).resolve().parents[1] / "emulator"
READY_PREFIX = "firestore emulator ready on "
STARTUP_SECONDS = 20


def _start_failure(message: str, process: subprocess.Popen | None = None,
                   stderr: IO[bytes] | None = None) -> NoReturn:
    detail = ""
    if process is not None:
        process.kill()
        process.wait()
    if stderr is not None:
        stderr.seek(0)
        detail = stderr.read().decode(errors="replace").strip()
    pytest.fail(f"{message}\nRun `make emulator` (npm ci in {EMULATOR_DIR}) and try again."
                + (f"\nemulator stderr:\n{detail}" if detail else ""), pytrace=False)


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[str]:
    """host:port of a running emulator; only started when a Firestore test needs it."""
    node = shutil.which("node")
    if node is None:
        _start_failure("node is not on PATH; the Firestore emulator needs Node.js 18 or later.")
    if not (EMULATOR_DIR / "node_modules" / "@firestore-emulator" / "server").is_dir():
        _start_failure(f"The Firestore emulator is not installed in {EMULATOR_DIR}.")

    # Port 0: the emulator binds a free port itself and reports it, so no race over picking one.
    # Its stdin is a pipe it watches, so it exits even if this process dies without cleanup.
    # stderr goes to a file: a pipe nobody reads could fill up and stall the emulator.
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [node, "start.js", "0", "--exit-with-stdin"], cwd=EMULATOR_DIR,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
        first_line: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: first_line.put(process.stdout.readline()),
                         daemon=True).start()
        try:
            line: str | None = first_line.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            line = None
        if line is None:
            _start_failure(f"The Firestore emulator did not report ready within "
                           f"{STARTUP_SECONDS} s.", process, stderr)
        if not line:
            _start_failure(f"The Firestore emulator exited with status {process.wait()} "
                           f"before it was ready.", process, stderr)
        if not line.startswith(READY_PREFIX):
            _start_failure(f"The Firestore emulator said {line.strip()!r} instead of "
                           f"{READY_PREFIX.strip()!r}.", process, stderr)
        try:
            yield line[len(READY_PREFIX):].strip()
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdin.close()
            process.stdout.close()


def _memory(request, tmp_path) -> Callable[[], Store]:
    shared = MemoryStore()  # a MemoryStore is its own backend: "another client" is itself
    return lambda: shared


def _sqlite(request, tmp_path) -> Callable[[], Store]:
    path = tmp_path / "cop.db"
    return lambda: SqliteStore(path)


def _firestore(request, tmp_path) -> Callable[[], Store]:
    host = request.getfixturevalue("firestore_emulator")
    # Function-scoped: the variable is set only while this test runs. Each store builds its
    # own client lazily, on first use, which is when the variable is read.
    request.getfixturevalue("monkeypatch").setenv("FIRESTORE_EMULATOR_HOST", host)
    project = f"test-{uuid.uuid4().hex[:20]}"  # a fresh project: no data from other tests
    return lambda: FirestoreStore(project)


BACKENDS = {"memory": _memory, "sqlite": _sqlite, "firestore": _firestore}


@pytest.fixture(params=["memory", "sqlite",
                        pytest.param("firestore", marks=pytest.mark.emulator)])
def backend(request) -> str:
    """The name of the backend under test."""
    return request.param


@pytest.fixture
def open_store(backend, request, tmp_path) -> Iterator[Callable[[], Store]]:
    """Opens another client of one backend (same file, same emulator project)."""
    make = BACKENDS[backend](request, tmp_path)
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(make())
        return opened[-1]

    yield open_one
    for store in opened:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def store(open_store) -> Store:
    return open_store()


@pytest.fixture
def known_gap(backend, request) -> Callable[[str, str], None]:
    """known_gap(name, reason): this test must fail on backend `name` (strict xfail)."""
    def mark(name: str, reason: str) -> None:
        if name == backend:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    return mark
