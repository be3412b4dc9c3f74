"""The entry points load the heavy libraries only when a command needs them: importing the
Cloud Functions' file, `--help` and `community list` load none of them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("icalendar", "holidays", "email_validator", "googleapiclient", "mailparser_reply",
         "flufl", "google.cloud.firestore")


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    probe = (f"import sys\n{code}\n"
             f"print('LOADED:', *(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, env={"PATH": "", "HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADED:"))
    return set(line.split()[1:])


def cli(*args: str) -> str:
    return ("from functions.entrypoints.cli import main\n"
            f"try:\n    main({['--data', 'DATA', *args]!r})\nexcept SystemExit:\n    pass")


@pytest.mark.parametrize("code", [
    "import functions.entrypoints.cloud",
    cli("--help"),
    cli("community", "list"),
], ids=["cloud", "help", "community-list"])
def test_importing_and_simple_commands_load_no_heavy_library(code, tmp_path):
    code = code.replace("DATA", str(tmp_path / "data"))
    assert loaded_after(code, tmp_path) == set()


def test_a_command_that_needs_them_loads_them(tmp_path):
    code = cli("community", "add", "guild", "--name", "Guild", "--timezone", "UTC",
               "--holidays", "AU-NSW").replace("DATA", str(tmp_path / "data"))
    assert {"holidays"} <= loaded_after(code, tmp_path)
