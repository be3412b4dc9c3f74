"""Gmail announces new inbox mail by Pub/Sub only while its watch lasts (7 days at most):
the tick renews it, at most once a UTC day."""
from __future__ import annotations

import logging
from datetime import timezone

from .. import ledger
from ..deps import Deps

log = logging.getLogger(__name__)


def renew_watch(deps: Deps, topic: str | None) -> bool:
    """Ask the inbox to announce new mail on `topic`, once a day; True when it was asked.

    Nothing to do without a topic or for an inbox that cannot be watched (a Maildir). A
    failure is logged, and the next tick tries again: the mail is still polled meanwhile.
    """
    if not topic or deps.inbox is None or not deps.inbox.watches:
        return False
    now = deps.clock.now()
    key = f"gmail-watch/{now.astimezone(timezone.utc).date().isoformat()}"
    if not ledger.claim(deps.store, key, now):
        return False
    try:
        deps.inbox.watch_inbox(topic)  # type: ignore[attr-defined]: it watches
    except Exception:  # the tick's other work goes on
        log.exception("could not renew the inbox watch on %s", topic)
        ledger.release(deps.store, key)
        return False
    return True
