"""The fairness figure of the report and the health email: how many turns each member had
per year of membership, from the fewest to the most, and the spread between them."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from .language import words
from .models import Member, Session
from .rota import presented

# Members for less than a quarter are left out: one turn more or less would swing their rate.
SETTLED = timedelta(weeks=13)
YEAR = 365.25


def turns_per_year(members: Iterable[Member], sessions: list[Session], now: datetime,
                   today: date) -> dict:
    """`least`, `most` and `spread` of turns held per member-year, over the members still
    on the roster who joined a quarter or more ago (`members`: how many); None without
    any."""
    rates = [len(presented(m, sessions, now)) / ((today - m.joined).days / YEAR)
             for m in members if not m.opted_out and today - m.joined >= SETTLED]
    if not rates:
        return {"least": None, "most": None, "spread": None, "members": 0}
    least, most = round(min(rates), 1), round(max(rates), 1)
    return {"least": least, "most": most, "spread": round(most - least, 1),
            "members": len(rates)}


def fairness_words(figure: dict) -> str | None:
    """The figure as a sentence, for people."""
    if not figure["members"]:
        return None
    return words("Turns per member-year: from {least} to {most} (a spread of {spread}), "
                 "among the {members} members of a quarter or more.", **figure)
