"""One community's run: one unit of work.

    load the rota once
    → send again what waited for a retry
    → decide: plan the coming weeks, take presenters' declines from the calendar
    → publish the calendar events that changed (their new SEQUENCE numbers)
    → compose: what changed since people were last told (a burst of changes, once, with
      its cause), the confirmations of declines, then what each job wants to send
    → deliver all of it in one step (the outbox ledger: each message once)
    → save once: one transactional write of the new rota, what the emails carried,
      the bounces, the answers read, the alerts told and the next due time.

A run that stops anywhere leaves the old state or the new one: nothing it decided is saved
before its messages went out, and each message is claimed and recorded in the ledger on
its own, so the next run decides the same again, finds what already went out (and the
invites it carried) and sends only the rest. Every step below is named here, in order.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ...domain.jobs import next_due
from ...domain.rota import Decision, Rota, all_told, untold
from .. import rotas
from ..actors import RUN, Actor, acting
from ..delivery import record
from ..delivery.calendar import sync_calendar
from ..delivery.invitations import Invitations, outcome
from ..delivery.notifier import cancellations, compose
from ..delivery.organisers import told as alerts_told
from ..delivery.outbox import Outgoing, deliver, retry_pending
from ..delivery.record import TickReport, recording
from ..deps import Deps
from .alerts import newly_stopped, organiser_alerts
from .chat import chat_posts
from .digest import digests
from .health import health_reports
from .presenters import heads_ups, reminders
from .prompts import pause_questions, topic_reminders
from .rsvp import answers, polled
from .welcomes import owed_welcomes

FAR = datetime(9999, 1, 1, tzinfo=timezone.utc)  # every pending retry is due before this


def run_community(deps: Deps, community_id: str, report: TickReport | None = None
                  ) -> TickReport:
    """Everything due for one community, as one unit of work, counted into `report` (a
    tick's) or a report of its own. Safe to run again at any time, and after a run that
    stopped anywhere."""
    if report is None:
        deps.pacer.begin()  # a run on its own: its own time budget
    with recording(report) as report, acting(Actor(RUN)):
        _run(deps, community_id)
        report.communities += 1
    return report


def _run(deps: Deps, community_id: str) -> None:
    now = deps.clock.now()
    mark = deps.store.due_mark(community_id)  # a change made during the run moves it
    loaded = rotas.load(deps.store, community_id, now)
    retried = retry_pending(deps, community_id, now)  # before new mail: it waited

    rota, decision = loaded.plan(now)
    declined = answers(deps, rota, now)
    rota, decision = declined.rota, decision.then(declined.decision)
    rota, published, calendar_failed = sync_calendar(deps, rota, now)

    book = Invitations(deps, rota, now)
    changed = untold(rota, now)  # since people were last told: a burst of changes, once
    news = Decision(changes=changed, sessions=tuple(rota.sessions[c.date] for c in changed))
    items = compose(deps, book, news, declined.confirmations, now) + wanted(deps, book, now)
    # With what the retries did (each delivery counted itself): the invites they carried,
    # their bounces, the welcomes they were.
    delivery = deliver(deps, now, book.carry(items)).add(retried)

    after = outcome(all_told(rota, now), delivery)
    # Mail to someone stopped on a refusal: the organisers hear at the next tick.
    due = now if calendar_failed or newly_stopped(rota, after) else due_after(deps, after, now)
    rotas.store_changes(deps.store, loaded, after, now,
                        [*declined.records, *alerts_told(deps.store, items, delivery, now)],
                        settle_due=(due, mark))
    record.published(published, decision)


def wanted(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """What each scheduled job wants sent now, in this order (a message already sent, by
    its ledger key, is not sent again)."""
    return [*owed_welcomes(deps, book, now), *heads_ups(deps, book, now),
            *cancellations(deps, book, now), *reminders(deps, book, now),
            *topic_reminders(deps, book, now), *organiser_alerts(deps, book, now),
            *digests(deps, book, now),
            *chat_posts(deps, book, now), *pause_questions(deps, book, now),
            *health_reports(deps, book, now)]


def due_after(deps: Deps, rota: Rota, now: datetime) -> datetime:
    """When this community next has a job due: a scheduled job, its next pending retry,
    or, with a calendar whose answers are read per session, now: every tick."""
    due = [next_due(rota.community, list(rota.sessions.values()), now, deps.timing)]
    pending = deps.store.due_retries(FAR, 1, rota.community.id)
    due += [entry.retry_at for _, entry in pending if entry.retry_at]
    if polled(deps) and rota.coming(now):
        due.append(now)
    return min(due)
