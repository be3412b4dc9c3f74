"""The monthly health email: on the first digest day of a month, the organisers get the
last four weeks' figures against the four before, a chart of the last eight weeks, and the
few things worth doing.

It starts once the community has held sessions for four weeks (its first held session four
weeks or more before that day): before, every figure would be nothing. Its chart starts at
the community's first week, and its advice leaves alone members who joined in the last two
weeks.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ...domain.delivery import LedgerKey
from ...domain.fairness import fairness_words
from ...domain.jobs import digest_slot
from ...domain.language import N_, Words, nwords, words
from ...domain.models import Community, Member
from ...domain.timing import local_date
from ...domain.verbs import verb
from ..deps import Deps
from ..delivery.invitations import Invitations
from ..delivery.organisers import organiser_outgoing
from ..delivery.outbox import Outgoing
from ..reads.report import engagement

SETTLED_IN = timedelta(weeks=4)  # held sessions for this long before the first email
NEWCOMER = timedelta(weeks=2)  # joined since: not chased to present yet

COMPARED = ("sessions_held", "sessions_without_presenter", "distinct_presenters", "skips",
            "swaps", "shares", "rsvp_accepted", "rsvp_declined", "joined", "left")
LABELS = {"sessions_held": N_("Sessions held"),
          "sessions_without_presenter": N_("Sessions without a presenter"),
          "distinct_presenters": N_("Different presenters"), "skips": N_("Skips"),
          "swaps": N_("Swaps"), "shares": N_("Links shared"),
          "rsvp_accepted": N_("Invites accepted"), "rsvp_declined": N_("Invites declined"),
          "joined": N_("Joined"), "left": N_("Left")}  # said in the reader's language
CHARTED = (("sessions_held", LABELS["sessions_held"], "#2f6fed"),
           ("shares", LABELS["shares"], "#199473"),
           ("rsvp_accepted", LABELS["rsvp_accepted"], "#c27c0e"))  # table cells: all clients show them


def health_picture(figures: dict, began: date | None = None) -> dict:
    """The email's content from an 8-week report: this month (the last four weeks), the
    month before, a chart per week from the community's first week (`began`: the day it
    started), and what to do about it."""
    weeks = figures["weeks"]
    now_, before = weeks[4:], weeks[:4]
    rows = [{"label": LABELS[k], "now": sum(w[k] for w in now_),
             "before": sum(w[k] for w in before)} for k in COMPARED]
    for row in rows:
        row["change"] = row["now"] - row["before"]
    shown = [w for w in weeks if began is None or date.fromisoformat(w["to"]) >= began]
    top = max([w[k] for w in shown for k, _, _ in CHARTED] + [1])
    chart = [{"from": w["from"], "bars": [
        {"label": label, "value": w[k], "width": round(100 * w[k] / top), "colour": colour}
        for k, label, colour in CHARTED]} for w in shown]
    started = began.isoformat() if began and before and \
        began > date.fromisoformat(before[0]["from"]) else None
    return {"rows": rows, "chart": chart, "actions": actions(figures, now_),
            "started": started,
            "fairness": fairness_words(figures["fairness"]["turns_per_member_year"])}


def actions(figures: dict, month: list[dict]) -> list[str]:
    """The two or three things most worth doing, most pressing first."""
    todo = []
    never = figures["not_yet_presented"]
    if never:
        todo.append(nwords("{n} member has not presented since joining: ask them to "
                           "volunteer for a short first share.",
                           "{n} members have not presented since joining: ask them to "
                           "volunteer for a short first share.", len(never)))
    if sum(w["sessions_without_presenter"] for w in month):
        todo.append(words("Sessions went without a presenter: invite more people (member "
                          "add, or --allow-domain so colleagues can join by replying "
                          "\"{join}\").", join=Words(lambda: verb("in"))))
    if not sum(w["shares"] for w in month):
        todo.append(words("Nothing was shared this month: share a link yourself to get it "
                          "going."))
    if sum(w["skips"] for w in month) > sum(w["sessions_held"] for w in month):
        todo.append(words("More skips than sessions: ask whether a fortnightly rhythm "
                          "would suit the team better."))
    if sum(w["left"] for w in month) > sum(w["joined"] for w in month):
        todo.append(words("More people left than joined: ask leavers what would bring them "
                          "back."))
    return (todo or [words("All is well: nothing needs doing this month.")])[:3]


def health_reports(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """Once a month, on the first digest day of the month, after the digest time, once the
    community has held sessions for four weeks."""
    rota = book.rota
    community = rota.community
    if not community.organisers:
        return []
    slot = digest_slot(community, now)
    day = local_date(community, slot)
    if day.day > 7 or local_date(community, now) != day or \
            (community.created and slot < community.created + SETTLED_IN):
        return []  # the last test reads nothing
    month = f"{day:%Y-%m}"
    keys = [str(LedgerKey(community.id, "health", month, email))
            for email in community.organisers]
    if len(deps.store.entries(keys)) == len(keys):  # sent: the figures are not read again
        return []
    began = first_day(deps, community, day, now)
    if began is None:
        return []
    figures = engagement(deps.store, community.id, now, weeks=8)
    figures["not_yet_presented"] = worth_asking(figures["not_yet_presented"], rota.roster,
                                                day)
    picture = health_picture(figures, began)
    return [organiser_outgoing(deps.mail, community, rota.roster, email, kind="health",
                               key=month, now=now,
                               subject=words("{name}: how it went in the last four weeks",
                                             name=community.name),
                               **picture)
            for email in community.organisers]


def first_day(deps: Deps, community: Community, day: date, now: datetime) -> date | None:
    """The day the community started (created, else its first session), when it has held
    sessions for four weeks by `day`; None before."""
    early = deps.store.list_sessions(community.id, end=day - SETTLED_IN + timedelta(days=1))
    if not any(s.held(now) for s in early):
        return None
    if community.created:
        return local_date(community, community.created)
    return early[0].date


def worth_asking(emails: list[str], roster: dict[str, Member], today: date) -> list[str]:
    """Members who have not presented, leaving out those who joined in the last two weeks
    (their first turn is still coming)."""
    return [e for e in emails if e in roster and roster[e].joined <= today - NEWCOMER]
