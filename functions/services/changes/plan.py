"""Plan: keep the next `lookahead` sessions of a community planned and stored."""
from __future__ import annotations

from datetime import datetime

from ...domain.rota import Change
from ...ports import Store
from .. import rotas


def replan(store: Store, community_id: str, now: datetime) -> list[Change]:
    """Plan the horizon; store what changed. Idempotent: a second run changes nothing."""
    _, decision = rotas.apply(store, community_id, now, lambda rota: rota.plan(now))
    return list(decision.changes)
