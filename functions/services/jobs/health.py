"""The monthly health email: on the first digest day of a month, the organisers get the
last four weeks' figures against the four before, a chart of the last eight weeks, and the
few things worth doing."""
from __future__ import annotations

from datetime import datetime

from ...domain.delivery import LedgerKey
from ...domain.jobs import digest_slot
from ...domain.models import Member
from ...domain.timing import local_date
from ..deps import Deps
from ..delivery.invitations import Invitations
from ..delivery.messages import outgoing
from ..delivery.outbox import Outgoing
from ..reads.report import engagement

COMPARED = ("sessions_held", "sessions_without_presenter", "distinct_presenters", "skips",
            "swaps", "shares", "rsvp_accepted", "rsvp_declined", "joined", "left")
LABELS = {"sessions_held": "Sessions held",
          "sessions_without_presenter": "Sessions without a presenter",
          "distinct_presenters": "Different presenters", "skips": "Skips", "swaps": "Swaps",
          "shares": "Links shared", "rsvp_accepted": "Invites accepted",
          "rsvp_declined": "Invites declined", "joined": "Joined", "left": "Left"}
CHARTED = (("sessions_held", "Sessions", "#2f6fed"), ("shares", "Shares", "#199473"),
           ("rsvp_accepted", "RSVPs", "#c27c0e"))  # drawn as table cells: every client shows them


def health_picture(figures: dict) -> dict:
    """The email's content from an 8-week report: this month (the last four weeks), the
    month before, a chart per week, and what to do about it."""
    weeks = figures["weeks"]
    now_, before = weeks[4:], weeks[:4]
    rows = [{"label": LABELS[k], "now": sum(w[k] for w in now_),
             "before": sum(w[k] for w in before)} for k in COMPARED]
    for row in rows:
        row["change"] = row["now"] - row["before"]
    top = max([w[k] for w in weeks for k, _, _ in CHARTED] + [1])
    chart = [{"from": w["from"], "bars": [
        {"label": label, "value": w[k], "width": round(100 * w[k] / top), "colour": colour}
        for k, label, colour in CHARTED]} for w in weeks]
    return {"rows": rows, "chart": chart, "actions": actions(figures, now_)}


def actions(figures: dict, month: list[dict]) -> list[str]:
    """The two or three things most worth doing, most pressing first."""
    todo = []
    never = figures["not_yet_presented"]
    if never:
        todo.append(f"{len(never)} member{'s have' if len(never) > 1 else ' has'} not "
                    f"presented since joining: ask {'them' if len(never) > 1 else 'them'} "
                    f"to volunteer for a short first share.")
    if sum(w["sessions_without_presenter"] for w in month):
        todo.append("Sessions went without a presenter: invite more people (member add, "
                    "or --allow-domain so colleagues can join by replying \"in\").")
    if not sum(w["shares"] for w in month):
        todo.append("Nothing was shared this month: share a link yourself to get it going.")
    if sum(w["skips"] for w in month) > sum(w["sessions_held"] for w in month):
        todo.append("More skips than sessions: ask whether a fortnightly rhythm would suit "
                    "the team better.")
    if sum(w["left"] for w in month) > sum(w["joined"] for w in month):
        todo.append("More people left than joined: ask leavers what would bring them back.")
    return (todo or ["All is well: nothing needs doing this month."])[:3]


def health_reports(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Once a month, on the first digest day of the month, after the digest time."""
    rota = book.rota
    community = rota.community
    if not community.organisers:
        return []
    slot = digest_slot(community, now)
    day = local_date(community, slot)
    if day.day > 7 or (community.created and slot < community.created) \
            or local_date(community, now) != day:
        return []
    month = f"{day:%Y-%m}"
    keys = [str(LedgerKey(community.id, "health", month, email))
            for email in community.organisers]
    if len(deps.store.entries(keys)) == len(keys):  # sent: the figures are not read again
        return []
    picture = health_picture(engagement(deps.store, community.id, now, weeks=8))
    items = [outgoing(deps.mail, community,
                      rota.roster.get(email) or Member(email, email.split("@")[0],
                                                       now.date(), -1),
                      kind="health", key=month, now=now, subject=(
                          f"{community.name}: how it went in the last four weeks"),
                      **picture)
             for email in community.organisers]
    return items
