"""One home for what many tests build: a guild with members, a reply as a mail program
writes it, and the command line driven as users drive it."""
from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from functions.entrypoints.cli import main
from functions.services.changes import communities, members
from tests.fakes import MemoryMailer

ROOT = Path(__file__).resolve().parents[1]
ROSTER = "email,name\n" + "".join(f"p{i}@example.com,Person {i}\n" for i in range(6))
NOW = "2026-11-25T10:00:00+11:00"  # a Wednesday morning in Sydney


def setup_guild(deps, roster: str = ROSTER, *, keep_welcomes: bool = False,
                welcome: bool = True, **settings):
    """The community `guild` (Fridays 16:00 in Sydney unless told otherwise) with `roster`.
    The welcomes (each with the invites of the coming sessions) are dropped from a memory
    mailer unless `keep_welcomes`; without `welcome` none is sent."""
    options = dict(name="Guild", timezone="Australia/Sydney", weekday=4, start=time(16),
                   minutes=30, holidays="AU-NSW")
    options.update(settings)
    communities.add_community(deps.store, deps.clock.now(), "guild", **options)
    members.join_many(deps, "guild", roster.encode(), welcome=welcome)
    if isinstance(deps.mailer, MemoryMailer) and not keep_welcomes:
        deps.mailer.sent.clear()


def reply(deps, sender: str, text: str, *, to: str | None = None, quote: str = "",
          headers: dict | None = None) -> bytes:
    """A reply as a mail client writes it: to the Reply-To of the last mail we sent them."""
    ours = deps.mailer.to(sender)
    msg = EmailMessage()
    msg["From"] = sender
    token = deps.mail.tokens.reply_token("guild", sender)
    msg["To"] = to or (str(ours[-1]["Reply-To"]) if ours else f"cop+{token}@example.com")
    msg["Subject"] = "Re: " + (str(ours[-1]["Subject"]) if ours else "rota")
    msg["Message-ID"] = make_msgid(domain="client.example")
    if ours:
        msg["In-Reply-To"] = ours[-1]["Message-ID"]
    for name, value in (headers or {}).items():
        msg[name] = value
    body = text + "\n"
    if quote:
        body += "\nOn Mon, 30 Nov 2026 at 09:00, Guild <cop@example.com> wrote:\n" + "".join(
            f"> {line}\n" for line in quote.splitlines())
    msg.set_content(body)
    return msg.as_bytes()


def _env(now: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")}
    if now:
        env["COP_NOW"] = now
    return env | extra


def cop(data: Path, *args: str, now: str | None = NOW, check: bool = True, **env: str
        ) -> subprocess.CompletedProcess:
    """`python -m functions --data DATA ARGS…`, run in this process (the entry point takes
    its arguments and environment): what it printed, and its exit status."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--data", str(data), *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _own_logging():
        code = main(argv, _env(now, **env))
    result = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(f"{args} failed ({code}): {result.stderr}")
    return result


@contextlib.contextmanager
def _own_logging():
    """The command line sets up the package's logger for its process: put it back after."""
    logger = logging.getLogger("functions")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    try:
        yield
    finally:
        logger.handlers, logger.propagate, logger.level = saved[0], saved[1], saved[2]


def cop_process(data: Path, *args: str, now: str | None = NOW, check: bool = True,
                user: int | None = None, **env: str) -> subprocess.CompletedProcess:
    """The same through a real `python -m functions` process: for the exit-status contract
    as scripts see it. `user`: run it as that user, with the group of the same number and
    no other (through util-linux's setpriv, as root)."""
    as_user = [] if user is None else ["setpriv", f"--reuid={user}", f"--regid={user}",
                                       "--clear-groups"]
    result = subprocess.run([*as_user, sys.executable, "-m", "functions", "--data", str(data),
                             *args], cwd=ROOT, env=_env(now, **env), capture_output=True,
                            text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}): {result.stderr}")
    return result


def one_error(result: subprocess.CompletedProcess, needle: str, status: int = 2) -> str:
    """The one `error:` line a refused command printed (it has `needle`), with its status."""
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], \
        result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def state(data: Path) -> dict:
    """Everything a command could change: the store's rows, every file under the folder."""
    db = sqlite3.connect(data / "cop.db")
    rows = "\n".join(db.iterdump())
    db.close()
    files = {str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(data.rglob("*")) if p.is_file() and "cop.db" not in p.name}
    return {"rows": rows, "files": files}
