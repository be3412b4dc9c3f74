"""Logging for the command line (short text lines) and the cloud (JSON Cloud Logging reads).

Our records go through the `functions` package logger with its own handler, so they keep
their level whatever the host did to the root logger (functions-framework, with
LOG_EXECUTION_ID set, puts the root logger at WARNING, and its dictConfig disables every
logger that exists once our module is loaded: `setup` enables ours again).
Tracebacks appear only with COP_DEBUG.
"""
from __future__ import annotations

import json
import logging
import sys
from typing import Mapping

PACKAGE = "functions"


class CloudFormatter(logging.Formatter):
    """One JSON object a line: `severity` and `message` are what Cloud Logging reads."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        entry = {"severity": record.levelname, "message": record.getMessage(),
                 "logger": record.name}
        if record.exc_info and self.debug:
            entry["stack_trace"] = self.formatException(record.exc_info)
        elif record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["message"] += f" ({type(error).__name__}: {error})"
        return json.dumps(entry, ensure_ascii=False)


class LineFormatter(logging.Formatter):
    """`LEVEL logger: message`, the error's one line instead of its traceback."""

    def __init__(self, debug: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.debug = debug

    def formatException(self, exc_info) -> str:  # noqa: N802 (logging's name)
        if self.debug:
            return super().formatException(exc_info)
        return f"  {type(exc_info[1]).__name__}: {exc_info[1]} (COP_DEBUG=1 for details)"


class CurrentStdout(logging.StreamHandler):
    """Writes to whatever sys.stdout is when a record comes: with LOG_EXECUTION_ID the
    framework swaps in, per request, a stream that labels lines with the execution id."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup(env: Mapping[str, str], default_level: str, cloud: bool = False) -> None:
    debug = bool(env.get("COP_DEBUG"))
    handler = CurrentStdout() if cloud else logging.StreamHandler(sys.stderr)
    handler.setFormatter(CloudFormatter(debug) if cloud else LineFormatter(debug))
    for name, existing in list(logging.Logger.manager.loggerDict.items()):
        if (name == PACKAGE or name.startswith(PACKAGE + ".")) and \
                isinstance(existing, logging.Logger):
            existing.disabled = False
    logger = logging.getLogger(PACKAGE)
    logger.disabled = False
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel((env.get("COP_LOG_LEVEL") or default_level).upper())
