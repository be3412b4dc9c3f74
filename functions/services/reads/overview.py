"""What the organiser's console shows of a community: the coming sessions with who was
asked and what they answered, and what the last runs did, from the outbox ledger that the
tick's record counts from (every message is recorded there as sent, waiting or failed)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from ...domain.chat import CHAT, channel_of
from ...domain.delivery import FAILED, PENDING, SENT, LedgerKey
from ...domain.digest import session_line
from ...ports import Store
from .. import activity, rotas

RUNS = 5  # the last runs shown
SESSIONS = 8  # the coming sessions shown


def coming(store: Store, community_id: str, now: datetime) -> list[dict]:
    """The next sessions: when, who presents, the topic, the status, who holds the invite
    and what each of them answered (from the calendar), and a swap offered."""
    rota = rotas.load(store, community_id, now)
    names = {m.email: m.name for m in rota.roster.values()}
    answers = activity.answers(store.list_records(f"{community_id}/rsvp/"))
    rows = []
    today = rota.today(now)
    upcoming = [s for d, s in sorted(rota.sessions.items()) if d >= today and not s.held(now)]
    for session in upcoming[:SESSIONS]:
        line = session_line(rota.community, session, rota.roster, now)
        said = answers.get(session.date, {})
        invited = [names.get(e, e) for e in session.invited]
        by_answer: dict[str, list[str]] = {"accepted": [], "declined": [], "tentative": []}
        for email in session.invited:
            state = said.get(activity.digest_of(email))
            if state in by_answer:
                by_answer[state].append(names.get(email, email))
        rows.append({"date": session.date.isoformat(), "when": line.when,
                     "presenter": names.get(session.presenter or "", None),
                     "presenter_email": session.presenter,
                     "topic": session.topic, "status": session.status,
                     "note": session.note, "invited": invited, **by_answer,
                     "declined_turn": [names.get(e, e) for e in session.declined],
                     "swap_with": names.get(session.swap_with or "", session.swap_with)})
    return rows


def runs(store: Store, community_id: str, limit: int = RUNS) -> list[dict]:
    """The last runs that sent anything, newest first: emails sent, waiting to be sent
    again and failed (each failure with its reason), chat posts, by the time the ledger
    recorded them."""
    by_time: dict[datetime, dict] = {}
    for key, state, updated, detail in store.list_records(f"{community_id}/"):
        if state not in (SENT, PENDING, FAILED):
            continue
        run = by_time.setdefault(updated, {"at": updated, "sent": Counter(), "posted": 0,
                                           "waiting": 0, "failed": []})
        parsed = LedgerKey.parse(key)
        if state == SENT and channel_of(key) == CHAT:
            run["posted"] += 1
        elif state == SENT:
            run["sent"][parsed.kind] += 1
        elif state == PENDING:
            run["waiting"] += 1
        else:
            run["failed"].append({"kind": parsed.kind, "to": parsed.recipient,
                                  "reason": detail or "no reason recorded"})
    latest = sorted(by_time.values(), key=lambda r: r["at"], reverse=True)[:limit]
    for run in latest:
        run["sent_total"] = sum(run["sent"].values())
        run["sent"] = sorted(run["sent"].items())
    return latest
