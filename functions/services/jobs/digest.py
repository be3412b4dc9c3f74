"""The weekly digest: this week's session, the recap, shared links and the roster."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ...domain.delivery import LedgerKey
from ...domain.digest import digest_content
from ...domain.jobs import digest_session
from ...domain.language import Words, words
from ...domain.pace import past_one_sender
from ...domain.models import Community, Session
from ...domain.rota import Rota
from ...mail.templating import lines
from ...domain.timing import local_date, local_instant, zone
from ..delivery.invitations import Invitations
from ..deps import Deps
from ..delivery.messages import outgoing
from ..delivery.organisers import Alert
from ..delivery.outbox import Outgoing


def sender_warning(deps: Deps, community_id: str, today: date) -> str | None:
    """Whether the community is past what its one sender can serve in a day."""
    readers = digest_recipients(deps.store.list_members(community_id), today)
    return past_one_sender(len(readers), deps.pacer.daily_cap)


def digest_recipients(members, slot_day):
    """Everyone not opted out who had joined when the digest fell due (paused ones too)."""
    return [m for m in members if not m.opted_out and m.reachable and m.joined <= slot_day]


QUIET = timedelta(days=14)  # no link shared for this long: the digest asks a question


def shared_since(deps: Deps, community: Community, slot: datetime
                 ) -> tuple[list[dict], str | None]:
    """Links shared in the week before this digest's slot (the next digest has the rest),
    and the question that opens the digest when nothing was shared for two weeks."""
    recent = [k for k in deps.store.list_links(community.id, slot - QUIET) if k.shared_at < slot]
    shared = [{"url": k.url, "note": k.note, "name": k.name}
              for k in recent if k.shared_at >= slot - timedelta(days=7)]
    quiet = not recent and (community.created is None or community.created <= slot - QUIET)
    return shared, prompt_for(slot.date()) if quiet else None


def prompt_for(day: date) -> str | None:
    """One question of the editable list, a different one each week in turn (the same
    line of the reader's language's list)."""
    if not lines("prompts/questions.txt"):
        return None
    return Words(lambda: (lambda questions: questions[day.toordinal() // 7 % len(questions)])(
        lines("prompts/questions.txt")))


def digest_subject(community: Community, session, content: dict,
                   reader: str | None = None) -> str:
    """The week's digest subject; to its presenter, it speaks of them as "you"."""
    if not session.is_session:
        return words("{name}: no session this week", name=community.name)
    line = content["session"]
    who = (words("you present") if reader and reader == line.presenter_email
           else line.presenter_name or words("open slot"))
    if session.topic:
        return words("{name} this week: {who} — {topic}", name=community.name, who=who,
                     topic=session.topic)
    return words("{name} this week: {who}", name=community.name, who=who)


def due_digest(rota: Rota, now: datetime) -> tuple[datetime, Session] | None:
    """The digest due now: its slot and the session it announces (None: none due)."""
    return digest_session(rota.community, sorted(rota.sessions.values(),
                                                 key=lambda s: s.date), now)


def digests(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """The week's digest to every reader, each copy with the invite of the week's session
    if they lack it, and the update or CANCEL of every other event they hold that changed."""
    rota = book.rota
    community = rota.community
    due = due_digest(rota, now)
    if due is None:
        return []
    slot, session = due
    parts = digest_parts(deps, rota, session, slot, now)
    key = session.date.isoformat()
    day = local_date(community, slot)
    deadline = digest_deadline(community, slot, session)
    recipients = digest_recipients(rota.roster.values(), day)
    items = [outgoing(deps.mail, community, m, kind="digest", key=key, now=now,
                      deadline=deadline,
                      invites=book.parts(LedgerKey(community.id, "digest", key, m.email), m,
                                         offer={session.date}),
                      **{**parts, "subject": digest_subject(community, session, parts,
                                                            m.email)})
             for m in recipients]
    for item in items:  # held back by the sender's daily limit, it may go on later days
        item.capped_deadline = session.starts_at
    return items


def digest_deadline(community: Community, slot: datetime, session: Session) -> datetime:
    """A digest (and what is posted with it) is too late after its day or its session."""
    end_of_day = local_instant(local_date(community, slot) + timedelta(days=1), time(0),
                               zone(community))
    return min(end_of_day, session.starts_at or end_of_day)


def over_cap(deps: Deps, rota: Rota, now: datetime) -> list[Alert]:
    """While a digest is due: whether it alone exceeds the sender's daily cap (the
    organisers hear once a digest, with the run's other alerts)."""
    cap = deps.pacer.daily_cap
    community = rota.community
    if cap is None:
        return []
    due = due_digest(rota, now)
    if due is None:
        return []
    slot, session = due
    recipients = len(digest_recipients(rota.roster.values(), local_date(community, slot)))
    if past_one_sender(recipients, cap) is None:
        return []
    return [Alert(f"over-cap-{session.date.isoformat()}", "over-cap",
                  words("The digest is larger than the sender's daily limit"),
                  digest_deadline(community, slot, session),
                  {"recipients": recipients, "cap": cap})]


def digest_parts(deps: Deps, rota: Rota, session: Session, slot: datetime,
                 now: datetime) -> dict:
    """What every copy of one digest shares: its subject and its content."""
    community = rota.community
    members = list(rota.roster.values())
    sessions = sorted(rota.sessions.values(), key=lambda s: s.date)
    shared, prompt = shared_since(deps, community, slot)
    content = digest_content(community, session, members, sessions, now, shared)
    return {"subject": digest_subject(community, session, content), "prompt": prompt,
            **content}
