"""Text for a terminal: what people typed or mailed in never drives the terminal itself."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ..domain.fairness import fairness_words

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


def report_lines(community_id: str, f: dict) -> list[str]:
    """The `report` table: the figures of `engagement`, one line each (unescaped)."""
    m = f["members"]
    fair = (fairness_words(f["fairness"]["turns_per_member_year"])
            or "not measured yet: nobody has been a member for a quarter")
    lines = [
        f"{community_id}, {f['from']} to {f['to']} ({f['weeks_count']} weeks)",
        f"  sessions held     {f['sessions_held']} ({f['sessions']['with_topic']} with a "
        f"topic, {f['sessions_without_presenter']} without a presenter, "
        f"{f['distinct_presenters']} presenters)",
        f"  no session        {f['sessions_skipped_holiday']} holidays, "
        f"{f['sessions']['blackout']} blackouts, {f['sessions']['cancelled']} cancelled",
        f"  skips, swaps      {f['skips']}, {f['swaps']}",
        f"  links shared      {f['shares']}",
        f"  invites           {f['rsvp_accepted']} accepted, {f['rsvp_declined']} declined, "
        f"{f['rsvp_no_answer']} no answer",
        f"  members           {m['active']} active, {m['paused']} paused, "
        f"{m['opted_out']} opted out; {f['joined']} joined, {f['left']} left in the period",
        f"  turns per active  {f['fairness']['least_presented']} to "
        f"{f['fairness']['most_presented']} (all time)",
        f"  fairness          {fair}",
        f"  emails sent       {sum(f['emails_sent'].values())}"
        + (" (" + ", ".join(f"{n} {kind}" for kind, n in f["emails_sent"].items()) + ")"
           if f["emails_sent"] else ""),
    ]
    if f["not_yet_presented"]:
        lines.append(f"  not presented yet {', '.join(f['not_yet_presented'])}")
    lines += [f"  {p['times']}× {p['name']} <{p['email']}>" for p in f["presenters"]]
    return lines
