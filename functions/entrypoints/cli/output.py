"""How commands print: lines, tables and JSON, never with control sequences."""
from __future__ import annotations

from typing import Any, Sequence

from ..terminal import safe, safe_json


def say(text: str) -> None:
    print(safe(text))


def print_json(value: Any) -> None:
    print(safe_json(value))


def table(rows: list[dict], columns: Sequence[str]) -> None:
    if not rows:
        print("(none)")
        return
    cells = [[safe(r.get(c) if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
