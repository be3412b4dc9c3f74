"""The scheduler's tick: run every job that is due, once, for each community."""
from __future__ import annotations

import logging

from ...domain.errors import Failure, InputError, Unavailable
from ..delivery.record import TickReport, recording
from ..actors import RUN, Actor, acting
from ..deps import Deps
from ..replies.inbox import read_inbox
from .feeds import index_feeds
from .rsvp import read_changed_answers
from .run import run_community

log = logging.getLogger(__name__)
__all__ = ["TickReport", "run_community", "tick"]


def tick(deps: Deps) -> TickReport:
    """Every community in turn; one community's failure does not stop the others, and an
    inbox or calendar that cannot be read stops none of them.

    With a fanout (deps.fanout), each community's jobs run in their own function
    invocation instead.
    """
    deps.pacer.begin()
    # every message, event and change below counts into it; the tick's own changes (a
    # calendar's answers) are the run's doing, a reply read by it its member's
    with recording() as report, acting(Actor(RUN)):
        _tick(deps, report)
    return report


def _tick(deps: Deps, report: TickReport) -> None:
    deps.store.prune(deps.clock.now())  # forget ledger entries and claims past their time
    try:  # the public pages' token index, which the web function only reads
        index_feeds(deps.store, deps.mail.tokens, deps.clock.now())
    except Unavailable:
        raise
    except Exception as error:  # pages of new communities are still found, more slowly
        log.exception("tick: the roster index could not be brought up to date")
        report.errors.append(f"roster index: {described(error)}")
    try:
        report.replies = len(read_inbox(deps))  # before planning: changes count at once
    except Unavailable:
        raise
    except Exception as error:  # a mailbox not readable yet must not stop the rota's mail
        log.exception("tick: the inbox could not be read")
        report.errors.append(f"inbox: {described(error)}")
    try:  # every community's calendar answers at once, where the calendar tells what changed
        read_changed_answers(deps, deps.clock.now())
    except Unavailable:
        raise
    except Exception as error:
        log.exception("tick: calendar answers could not be read")
        report.errors.append(f"calendar: {described(error)}")
    due = deps.store.due_communities(deps.clock.now())  # the others have nothing to do
    fanout = deps.fanout
    if fanout is not None:
        fanout.publish(due)
        report.communities = len(due)
        return
    for community_id in due:
        try:
            run_community(deps, community_id, report)
        except Unavailable:  # the store is busy: so it is for the next ones; a later tick
            raise
        except Exception as error:  # logged with its traceback, then the next community
            if deps.store.get_community(community_id) is None:
                # Removed while a run of it went on, which then marked it due again.
                log.info("tick: community %s is gone; its due time is forgotten",
                         community_id)
                deps.store.delete_community(community_id)
                continue
            log.exception("tick: community %s failed", community_id)
            report.errors.append(f"{community_id}: {described(error)}")


def described(error: Exception) -> str:
    """An error as one line: our own errors in their words, anything else with its kind."""
    if isinstance(error, (InputError, Failure, Unavailable)):
        return str(error)
    return f"{type(error).__name__}: {error}"
