"""Text for a terminal: what people typed or mailed in never drives the terminal itself."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# ESC sequences (CSI, OSC and the two-character ones) and their 8-bit C1 forms.
_SEQUENCE = re.compile(r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
                       r"|(\x1b\]|\x9d).*?(\x07|\x1b\\|\x9c|$)"
                       r"|\x1b[@-_]?", re.DOTALL)
_KEEP = {"\n", "\t"}
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe(text: str, keep_lines: bool = False) -> str:
    """Control sequences and characters removed; line breaks kept only if asked."""
    text = _SEQUENCE.sub("", str(text))
    keep = _KEEP if keep_lines else set()
    return "".join(c if c in keep else " " if c in "\n\t" else ""
                   if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI else c
                   for c in text)


def safe_json(value: Any) -> str:
    """JSON as before, with the C1 and DEL controls json leaves raw escaped as \\uXXXX
    (the same values for a JSON reader, inert in a terminal)."""
    out = json.dumps(value, indent=2, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m[0]):04x}", out)
