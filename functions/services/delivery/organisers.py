"""Mail to a community's organisers: its own kind of mail, not member mail.

- It greets the organiser by name where the rota knows it: an organiser who is also a member
  by their first name ("Hi Ana,"), anyone else with "Hello," (never the part of their
  address before the @).
- Its footer says why they get it (they organise the community) and how to stop
  (`community set ID --organiser …` without them). It has no unsubscribe link and no
  List-Unsubscribe header (see `compose`). An organiser who is also a member keeps their
  member mail, with its own unsubscribe link.

Alerts (a session nobody can present, a member whose mail stopped, a digest larger than the
sender's daily cap) are gathered: what one run has to tell an organiser goes out as ONE
message, with a section per alert. With the outbox ledger:

- every alert has a topic, the same in every run: `unfilled-2026-12-04`,
  `over-cap-2026-12-04` (the digest's session), `stopped-<digest of the address>`;
- an alert has been told to an organiser once the entry `community/told/TOPIC/organiser`
  exists. A run reads those of its alerts (one read, only when there are alerts) and
  composes, for each organiser, one message of the alerts not told yet;
- that message's ledger key is `community/alerts/DAY-HASH/organiser`, HASH over the sorted
  topics it covers: the same alerts on the same day make the same key, so the outbox sends
  that message once whatever happens to the run;
- once the outbox has dealt with the message (sent; pending, which the outbox retries on its
  own from then on; or failed for good, which is reported), its `told` entries are saved in
  the run's one write. A run stopped before that write composes the same message again at
  the next tick, finds it sent in the ledger and saves them then.
So an alert is told once; only a run stopped between sending and saving, followed by a new
alert (or midnight) before the next run, can tell an alert a second time, inside a message
that has the new one too.

A member's mail that stops on a bounce read from the inbox is told at once (`tell`), by
the same message and entries; one that stops on refusals during a run is told by the next.
A reply from that member starts their mail again and forgets the `told` entries (`forget`),
so the next time it stops, the organisers hear again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Iterable, Mapping

from ...domain.delivery import FAILED, PENDING, SENT, Entry, LedgerKey, expiry
from ...domain.language import Words, nwords, spoken, words
from ...domain.models import BOUNCE_LIMIT, Community, Member
from ...domain.timing import local_date
from ...domain.wording import greeting
from ...mail.compose import MailSettings, compose
from ...mail.translations import speak
from ...ports import RotaWrite, Store
from .. import ledger
from .messages import refuse_if_unsafe, render_parts
from .outbox import Delivery, Outgoing, deliver

TOLD = "told"  # the kind of the entries that say an alert was told to an organiser
WHILE_IT_HOLDS = timedelta(days=800)  # how long `told` lasts for an alert without a deadline


def organiser_outgoing(settings: MailSettings, community: Community,
                       roster: Mapping[str, Member], email: str, *, kind: str, key: str,
                       subject: str, now: datetime, deadline: datetime | None = None,
                       **context: Any) -> Outgoing:
    """One organiser message under the key `community/kind/key/organiser`, built only when it
    is sent, from `templates/email/KIND.txt` and `.html`."""
    refuse_if_unsafe(settings, community)
    return Outgoing(LedgerKey(community.id, kind, key, email), lambda: render_organiser(
        settings, community, roster, email, kind=kind, key=key, subject=subject, now=now,
        **context), deadline)


def render_organiser(settings: MailSettings, community: Community,
                     roster: Mapping[str, Member], email: str, *, kind: str, key: str,
                     subject: str, now: datetime, **context: Any) -> EmailMessage:
    member = roster.get(email)
    with speak(member.language if member and member.language else community.language):
        subject = str(subject)
        text, html = render_parts(kind, dict(
            community=community, subject=subject,
            greeting=greeting(member.name if member else None, email),
            others=[o for o in community.organisers if o != email], **context))
    return compose(settings, community, member or Member(email, "", date.min, -1),
                   kind=kind, key=key, subject=subject, text=text, html=html, now=now,
                   organiser=True)


@dataclass(frozen=True)
class Alert:
    """Something an organiser must act on. `topic`: the same for the same alert in every
    run; `kind`: its section in `templates/email/alerts.*`; `title`: one line, in sentence
    case; `deadline`: it no longer matters after this (None: as long as it holds)."""

    topic: str
    kind: str
    title: str
    deadline: datetime | None = None
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def section(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, **self.context}


def stopped(member: Member) -> Alert:
    """Mail to `member` stopped after bounces: what the organisers should do about it."""
    return Alert(stopped_topic(member.email), "stopped",
                 words("Mail to {name} keeps bouncing", name=member.name),
                 context={"member": member, "limit": BOUNCE_LIMIT})


def _lowered(title: str) -> Words:
    """A title after a colon: lower-cased in English ("Guild: nobody can present…"), as
    written in languages whose nouns keep their capitals."""
    return Words(lambda: str(title)[:1].lower() + str(title)[1:] if spoken() == "en"
                 else str(title))


def stopped_topic(email: str) -> str:
    return "stopped-" + hashlib.sha256(email.lower().encode()).hexdigest()[:12]


class AlertMail(Outgoing):
    """One organiser's alerts, in one message; `told` once the outbox has dealt with it."""

    def __init__(self, key: LedgerKey, build, deadline: datetime | None,
                 alerts: tuple[Alert, ...]) -> None:
        super().__init__(key, build, deadline)
        self.alerts = alerts

    def told(self, now: datetime) -> list[tuple[str, Entry]]:
        return [(told_key(self.community, a.topic, self.recipient),
                 Entry(TOLD, now, self.key, expires=expiry(now, a.deadline)
                       if a.deadline else now + WHILE_IT_HOLDS)) for a in self.alerts]


def told_key(community_id: str, topic: str, email: str) -> str:
    return str(LedgerKey(community_id, TOLD, topic, email))


def untold(store: Store, community: Community, alerts: Iterable[Alert]
           ) -> dict[str, list[Alert]]:
    """For each organiser, the alerts not told to them yet (one read of the ledger)."""
    alerts = list({a.topic: a for a in alerts}.values())
    if not alerts or not community.organisers:
        return {}
    known = store.entries([told_key(community.id, a.topic, o)
                           for o in community.organisers for a in alerts])
    found = {o: [a for a in alerts if told_key(community.id, a.topic, o) not in known]
             for o in community.organisers}
    return {o: found_ for o, found_ in found.items() if found_}


def alert_mails(settings: MailSettings, community: Community, roster: Mapping[str, Member],
                pending: Mapping[str, list[Alert]], now: datetime) -> list[AlertMail]:
    """One message per organiser with everything in `pending` for them."""
    if pending:
        refuse_if_unsafe(settings, community)
    items = []
    for email, alerts in pending.items():
        alerts = tuple(sorted(alerts, key=lambda a: a.topic))
        digest = hashlib.sha256(" ".join(a.topic for a in alerts).encode()).hexdigest()[:10]
        key = f"{local_date(community, now).isoformat()}-{digest}"
        if len(alerts) == 1:
            subject = words("{name}: {title}", name=community.name,
                            title=_lowered(alerts[0].title))
        else:
            subject = nwords("{name}: one thing needs you", "{name}: {n} things need you",
                             len(alerts), name=community.name)
        deadlines = [a.deadline for a in alerts]
        deadline = None if None in deadlines else max(deadlines)  # type: ignore[type-var]
        build = (lambda email=email, alerts=alerts, key=key, subject=subject: render_organiser(
            settings, community, roster, email, kind="alerts", key=key, subject=subject,
            now=now, alerts=[a.section() for a in alerts]))
        items.append(AlertMail(LedgerKey(community.id, "alerts", key, email), build,
                               deadline, alerts))
    return items


def told(store: Store, items: Iterable[Outgoing], delivery: Delivery,
         now: datetime) -> list[tuple[str, Entry]]:
    """The `told` entries of the alert messages the outbox has dealt with, to be saved with
    the run. A message skipped (sent by an earlier run that stopped before it saved) is
    looked up in the ledger; one still claimed by another run is left to that run."""
    mails = [item for item in items if isinstance(item, AlertMail)]
    if not mails:
        return []
    done = set(delivery.sent) | set(delivery.deferred) | set(delivery.failed)
    unsure = [m.key for m in mails if m.key not in done]
    if unsure:
        done |= {key for key, entry in store.entries(unsure).items()
                 if entry.state in (SENT, PENDING, FAILED)}
    return [record for m in mails if m.key in done for record in m.told(now)]


def tell(deps, community: Community, alerts: list[Alert], now: datetime) -> Delivery:
    """Tell the organisers now (outside a run: a bounce read from the inbox), once."""
    roster = {m.email: m for m in deps.store.list_members(community.id)}
    items = alert_mails(deps.mail, community, roster,
                        untold(deps.store, community, alerts), now)
    if not items:
        return Delivery()
    delivery = deliver(deps, now, items)
    records = told(deps.store, items, delivery, now)
    if records:
        deps.store.save(RotaWrite(community.id, records=tuple(records)))
    return delivery


def forget(store: Store, community_id: str, topic: str) -> None:
    """The alert is over (a member whose mail stopped wrote again): the next one is told."""
    for key, *_ in store.list_records(f"{community_id}/{TOLD}/{topic}/"):
        ledger.release(store, key)
