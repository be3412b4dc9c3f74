"""What a session's calendar event says: one value that every calendar adapter publishes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from .language import _
from .verbs import verb


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str


@dataclass(frozen=True)
class Event:
    uid: str  # stable per session, e.g. "kitchen-2026-12-04@cop"; adapters derive their ids
    community_id: str
    date: date
    summary: str
    description: str
    starts_at: datetime  # aware
    ends_at: datetime
    timezone: str  # IANA name, e.g. "Australia/Sydney"
    organiser: str  # email address the invites come from
    organiser_name: str
    attendees: tuple[Attendee, ...]
    cancelled: bool = False
    sequence: int = 0  # RFC 5545 SEQUENCE: higher on every change
    video_url: str | None = None
    presenter: str | None = None

    def fingerprint(self) -> str:
        """`CONTENT.ATTENDEES`: the first half changes whenever anything an invitee sees
        in their own copy changes (each copy names only its recipient), the second when
        the list of invitees changes. The sequence is left out."""
        content = {
            "summary": self.summary, "description": self.description,
            "start": self.starts_at.isoformat(), "end": self.ends_at.isoformat(),
            "tz": self.timezone, "cancelled": self.cancelled, "video": self.video_url,
        }
        return f"{_digest(content)}.{_digest(sorted(a.email for a in self.attendees))}"

    @property
    def invitees(self) -> frozenset[str]:
        return frozenset(a.email for a in self.attendees)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def content_changed(fingerprint: str, previous: str | None) -> bool:
    """Whether invitees must get an update (a higher SEQUENCE) between two fingerprints."""
    return previous is not None and fingerprint.split(".")[0] != previous.split(".")[0]


REQUEST, CANCEL = "REQUEST", "CANCEL"


def invite_action(held: int | None, sequence: int, invited: bool, offered: bool
                  ) -> str | None:
    """What one person's next email carries for one event, if anything.

    `held`: the SEQUENCE they last received, None if they hold no invite. Nobody gets an
    update or a CANCEL for an invite they never received; an invite is offered (first
    sent) only where the caller says so (a presenter's own session, the digest's week).
    """
    if held is not None:
        if not invited:
            return CANCEL
        return REQUEST if held < sequence else None
    return REQUEST if invited and offered else None


def build_event(community, session, members, organiser: str, roster_url: str | None = None
                ) -> Event:
    """The event for a session: who presents, the topic, and who is invited on that date."""
    from .timing import session_times  # local import keeps this module free of cycles
    from .models import PLANNED

    roster = {m.email: m for m in members}
    presenter = roster.get(session.presenter or "")
    start, end = (session.starts_at, session.ends_at) if session.starts_at else \
        session_times(community, session.date)
    # in the language spoken (the caller's: the community's)
    if session.status != PLANNED:  # the title people know, marked as called off
        summary = _("Cancelled: {name}").format(name=community.name) + (
            f" ({session.note})" if session.note else "")
    else:
        who = presenter.name if presenter else _("open slot")
        summary = f"{community.name}: {who}" + (f" — {session.topic}" if session.topic
                                                else "")
    lines = [
        _("Knowledge share of {name}, {minutes} minutes.").format(
            name=community.name, minutes=community.minutes),
        _("Presenter: {name} <{email}>").format(name=presenter.name, email=presenter.email)
        if presenter else _("Presenter: nobody yet (reply \"{volunteer}\" to any email from "
                            "the rota)").format(volunteer=verb("volunteer")),
    ]
    if session.topic:
        lines.append(_("Topic: {topic}").format(topic=session.topic))
    if community.video_url:
        lines.append(_("Join: {url}").format(url=community.video_url))
    if roster_url:
        lines.append(_("Roster: {url}").format(url=roster_url))
    lines.append(_("Reply to the rota's emails with {skip}, {swap} <email>, {topic}: <text> "
                   "or {out}.").format(**{v: verb(v) for v in ("skip", "swap", "topic",
                                                                "out")}))
    attendees = tuple(
        Attendee(m.email, m.name) for m in members
        if m.eligible_on(session.date) or m.email == session.presenter)
    return Event(
        uid=f"{community.id}-{session.date.isoformat()}@cop",
        community_id=community.id, date=session.date,
        summary=summary, description="\n".join(lines),
        starts_at=start, ends_at=end, timezone=community.timezone,
        organiser=organiser, organiser_name=community.name,
        attendees=attendees, cancelled=session.status != PLANNED,
        sequence=session.sequence, video_url=community.video_url,
        presenter=session.presenter,
    )


def uid_session(uid: str) -> tuple[str, date] | None:
    """The community and date of the session an event UID names
    (`<community>-<YYYY-MM-DD>@cop`), or None for any other UID."""
    stem, at, host = uid.partition("@")
    community, day = stem[:-11], stem[-10:]
    if not (at and host == "cop" and community and stem[-11:-10] == "-"):
        return None
    try:
        return community, date.fromisoformat(day)
    except ValueError:
        return None
