"""The scheduler's tick: run every job that is due, once, for each community."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .. import rotas
from ..changes.announce import announce, send_cancellations
from ..delivery.chat import is_post
from .chat import post_to_chat
from ..delivery.invitations import Invitations, record_retried
from ..deps import Deps
from .digest import send_digest
from .presenters import alert_organisers, send_heads_ups, send_reminders
from .prompts import ask_about_pauses, send_topic_reminders
from .health import send_health
from ..delivery.outbox import Delivery, retry_pending
from ..replies.inbox import read_inbox
from .rsvp import polled, read_changed_answers, read_rsvps
from ...domain.jobs import next_due
from ...domain.rota import Rota

log = logging.getLogger(__name__)
FAR = datetime(9999, 1, 1, tzinfo=timezone.utc)  # every pending retry is due before this


@dataclass
class TickReport:
    communities: int = 0
    reassigned: int = 0
    events: int = 0
    sent: int = 0  # emails
    posted: int = 0  # chat posts
    failed: int = 0
    replies: int = 0
    deferred: int = 0  # pending: temporary failures and mail for the next run
    errors: list[str] = field(default_factory=list)  # a community or the inbox raised
    failures: list[str] = field(default_factory=list)  # one line per failed message

    def count(self, delivery: Delivery) -> None:
        posts = sum(1 for key in delivery.sent if is_post(key))
        self.sent += len(delivery.sent) - posts
        self.posted += posts
        self.failed += len(delivery.failed)
        self.deferred += len(delivery.deferred)
        self.failures += delivery.problems

    @property
    def problems(self) -> list[str]:
        return self.errors + self.failures


def run_community(deps: Deps, community_id: str, report: TickReport | None = None) -> TickReport:
    """Send again what waited for a retry; plan and announce, update the calendar, read its
    answers, then send what is due. Safe to run again at any time.

    The community's rota is read once; each step hands the next what it changed.
    """
    if report is None:
        report = TickReport()
        deps.pacer.begin()
    now = deps.clock.now()
    mark = deps.store.due_mark(community_id)  # a change made during the run moves it
    retried = retry_pending(deps, community_id, now)  # before new mail: it waited
    record_retried(deps.store, community_id, retried)
    report.count(retried)
    rota, decision = rotas.apply(deps.store, community_id, now, lambda r: r.plan(now))
    report.reassigned += sum(1 for c in decision.changes if c.before)
    rota, announced, published = announce(deps, rota, decision)  # calendar first
    report.events += published
    rota, declined = read_rsvps(deps, rota, now)
    book = Invitations(deps, rota, now)
    deliveries = [announced, *declined]
    for job in (send_heads_ups, send_cancellations, send_reminders, send_topic_reminders,
                send_digest, post_to_chat, alert_organisers, ask_about_pauses, send_health):
        deliveries.append(job(deps, book, now))
    for delivery in deliveries:
        report.count(delivery)
    report.communities += 1
    deps.store.settle_due(community_id, due_after(deps, book.rota, now), mark)
    return report


def due_after(deps: Deps, rota: Rota, now: datetime) -> datetime:
    """When this community next has a job due: a scheduled job, its next pending retry,
    or, with a calendar whose answers are read per session, now: every tick."""
    due = [next_due(rota.community, list(rota.sessions.values()), now, deps.timing)]
    pending = deps.store.due_retries(FAR, 1, rota.community.id)
    due += [entry.retry_at for _, entry in pending if entry.retry_at]
    if polled(deps) and rota.coming(now):
        due.append(now)
    return min(due)


def tick(deps: Deps) -> TickReport:
    """Every community in turn; one community's failure does not stop the others, and an
    inbox or calendar that cannot be read stops none of them.

    With a fanout (deps.fanout), each community's jobs run in their own function
    invocation instead.
    """
    report = TickReport()
    deps.pacer.begin()
    deps.store.prune(deps.clock.now())  # forget ledger entries and claims past their time
    try:
        report.replies = len(read_inbox(deps))  # before planning: changes count at once
    except Exception as error:  # a mailbox not readable yet must not stop the rota's mail
        log.exception("tick: the inbox could not be read")
        report.errors.append(f"inbox: {type(error).__name__}: {error}")
    try:  # every community's calendar answers at once, where the calendar tells what changed
        for delivery in read_changed_answers(deps, deps.clock.now()):
            report.count(delivery)
    except Exception as error:
        log.exception("tick: calendar answers could not be read")
        report.errors.append(f"calendar: {type(error).__name__}: {error}")
    due = deps.store.due_communities(deps.clock.now())  # the others have nothing to do
    fanout = deps.fanout
    if fanout is not None:
        fanout.publish(due)
        report.communities = len(due)
        return report
    for community_id in due:
        try:
            run_community(deps, community_id, report)
        except Exception as error:  # logged with its traceback, then the next community
            if deps.store.get_community(community_id) is None:
                # Removed while a run of it went on, which then marked it due again.
                log.info("tick: community %s is gone; its due time is forgotten",
                         community_id)
                deps.store.delete_community(community_id)
                continue
            log.exception("tick: community %s failed", community_id)
            report.errors.append(f"{community_id}: {type(error).__name__}: {error}")
    return report
