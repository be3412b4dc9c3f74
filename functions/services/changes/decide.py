"""One change someone asked for: load the rota once, decide once, save once, announce."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Union

from ...domain.rota import Decision, Rota
from .. import rotas
from ..delivery.notifier import Confirmation, announce
from ..deps import Deps

Confirming = Union[Confirmation, Callable[[Rota], list[Confirmation]], None]


def decide(deps: Deps, community_id: str, operation: Callable[[Rota, datetime], Any],
           confirming: Confirming = None) -> tuple[Rota, Decision]:
    """The decision is saved (one write) before anyone is told: a confirmation speaks of
    the saved result. `confirming`: the confirmation to the person who asked, or a function
    of the new rota giving them. A decision that changes nothing (`unchanged`: the rota
    already was as asked) stores nothing and sends nothing, confirmations included."""
    now = deps.clock.now()
    after, decision = rotas.apply(deps.store, community_id, now,
                                  lambda rota: operation(rota, now))
    if decision.unchanged:
        return after, decision
    confirmations = (confirming(after) if callable(confirming)
                     else [confirming] if confirming else [])
    after, _, _ = announce(deps, after, decision, [c.completed(decision, after.today(now))
                                                   for c in confirmations])
    return after, decision
