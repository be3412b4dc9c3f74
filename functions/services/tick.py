"""The scheduler's tick: run every job that is due, once, for each community."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from . import rotas
from .calendar_sync import sync_calendar
from ..ports import Fanout
from .deps import Deps
from .digest import send_digest
from .notify import alert_organisers, send_heads_ups, send_reminders
from .replies import read_inbox
from .rsvp import read_rsvps

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    communities: int = 0
    reassigned: int = 0
    events: int = 0
    sent: int = 0
    failed: int = 0
    replies: int = 0
    errors: list[str] = field(default_factory=list)


def run_community(deps: Deps, community_id: str, report: TickReport | None = None) -> TickReport:
    """Plan, update the calendar, then send what is due. Safe to run again at any time.

    The community's rota is read once; each step hands the next what it changed.
    """
    report = report or TickReport()
    now = deps.clock.now()
    rota, decision = rotas.apply(deps.store, community_id, now, lambda r: r.plan(now))
    report.reassigned += len(decision.changes)
    rota, published = sync_calendar(deps, rota, now)
    report.events += published
    rota, declined = read_rsvps(deps, rota, now)
    if declined:  # a presenter declined: the new presenters' invites go out at once
        rota, published = sync_calendar(deps, rota, now)
        report.events += published
    for job in (send_heads_ups, send_reminders, send_digest, alert_organisers):
        delivery = job(deps, rota, now)
        report.sent += len(delivery.sent)
        report.failed += len(delivery.failed)
    report.communities += 1
    return report


def tick(deps: Deps, fanout: Fanout | None = None) -> TickReport:
    """Every community in turn; one community's failure does not stop the others.

    With a fanout, each community's jobs run in their own function invocation instead.
    """
    report = TickReport()
    report.replies = len(read_inbox(deps))  # before planning: changes count at once
    if fanout is not None:
        ids = [c.id for c in deps.store.list_communities()]
        fanout.publish(ids)
        report.communities = len(ids)
        return report
    for community in deps.store.list_communities():
        try:
            run_community(deps, community.id, report)
        except Exception as error:  # logged with its traceback, then the next community
            log.exception("tick: community %s failed", community.id)
            report.errors.append(f"{community.id}: {error}")
    return report
