"""What a change would do before it is made: the very service that makes it, run on copies
that write nowhere (see bootstrap.dry_run), then the community's next run on the same copy.

So the messages shown are the ones that would go, rendered as they would be sent: those sent
at once (the confirmation or notice to the person concerned), and those the next run sends
because of the change (heads-ups, notices, cancellations). What the next run would have sent
anyway is left out: it is rehearsed once more without the change, and subtracted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Callable

from ...domain.errors import InputError
from ..deps import Deps
from .run import run_community


@dataclass
class Rehearsal:
    outcome: Any = None  # what the service returned
    error: str | None = None  # the change was refused: why (nothing would happen)
    at_once: list[EmailMessage] = field(default_factory=list)
    next_run: list[EmailMessage] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return sorted({str(m["To"]) for m in [*self.at_once, *self.next_run]})


def _fingerprint(message: EmailMessage) -> tuple[str, str, str]:
    return (str(message["X-Cop-Kind"]), str(message["To"]), str(message["Subject"]))


def rehearse(copies: Callable[[], Deps], community_id: str | None,
             change: Callable[[Deps], Any]) -> Rehearsal:
    """`change` on a copy (from `copies`, each a fresh dry run of the real collaborators),
    then that community's next run on it; errors of bad input come back as `error`."""
    shadow = copies()
    try:
        outcome = change(shadow)
    except InputError as error:
        return Rehearsal(error=str(error))
    at_once = list(shadow.mailer.sent)
    if community_id is None or shadow.store.get_community(community_id) is None:
        return Rehearsal(outcome, at_once=at_once)
    run_community(shadow, community_id)
    baseline = copies()
    run_community(baseline, community_id)
    anyway = {_fingerprint(m) for m in baseline.mailer.sent}
    later = [m for m in shadow.mailer.sent[len(at_once):] if _fingerprint(m) not in anyway]
    return Rehearsal(outcome, at_once=at_once, next_run=later)
