"""What each reply command does, one small function per verb.

Each returns the summary for the confirmation email, or None when the change already sent
its own (a change's confirmation, a welcome back, a goodbye, the help text). A refusal is an InputError, answered
with the help text and its reason.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from babel import Locale

from ...mail.inbound import Inbound
from ...domain.commands import Command
from ...domain.errors import InputError
from ...domain.language import Words, spoken, words
from ...domain.models import Community, Link, Member
from ...domain.rota import Decision
from ...domain.timing import local_date
from ...domain.verbs import verb
from ...domain.wording import day_words
from .. import lookup
from ..changes import members, sessions
from ..delivery.notifier import Confirmation
from ..deps import Deps
from ..delivery.messages import notify


@dataclass(frozen=True)
class Request:
    deps: Deps
    community: Community
    member: Member
    command: Command
    inbound: Inbound
    now: datetime

    @property
    def store(self):
        return self.deps.store

    def confirmation(self, summary: str | None = None) -> Confirmation:
        """The confirmation of this reply's change, answering it."""
        return Confirmation(self.member.email, "confirm", reply_key(self.inbound),
                            context={"auto": "auto-replied",
                                     "in_reply_to": self.inbound.message_id,
                                     **({"summary": summary} if summary else {})})


def join_again(r: Request) -> str | None:
    if not r.member.opted_out:
        return words("you are already in; nothing changed")
    members.come_back(r.deps, r.community.id, r.member.email)
    return None  # the welcome back is the confirmation


def opt_out(r: Request) -> str | None:
    _, decision = members.leave(r.deps, r.community.id, r.member.email,
                                in_reply_to=r.inbound.message_id)
    return _unchanged(decision)  # else the goodbye is the confirmation


def pause(r: Request) -> str | None:
    until = r.command.until
    _, decision = members.pause(r.deps, r.community.id, r.member.email, until, r.confirmation(
        words("you are paused until {day} and back on the roster that day",
              day=day_words(until))))
    return _unchanged(decision)


def back(r: Request) -> str | None:
    _, decision = members.resume(r.deps, r.community.id, r.member.email,
                                 r.confirmation(words("you are back on the roster")))
    return _unchanged(decision)


def _unchanged(decision: Decision) -> str | None:
    """A change that was already so sent nothing: the answer says so ("nothing changed")."""
    return decision.summary if decision.unchanged else None


def skip(r: Request) -> None:
    sessions.skip(r.deps, r.community.id, r.member.email, confirmation=r.confirmation())


def swap(r: Request) -> None:
    decision = sessions.offer_swap(r.deps, r.community.id, r.member.email, r.command.email,
                                   r.confirmation())
    partner = lookup.member(r.store, r.community.id, r.command.email)
    notify(r.deps, r.community, partner, kind="notice",  # their request, not the partner's
           key=f"swap-{decision.date.isoformat()}-{_short(r.member.email)}",
           subject=words("{name} asks to swap sessions with you", name=r.member.name),
           notice=words("{name} asks to swap their session on {day} with you. Reply "
                        "“{accept}” to take it, or “{decline}”.", name=r.member.name,
                        day=day_words(decision.date), accept=Words(lambda: verb("accept")),
                        decline=Words(lambda: verb("decline"))),
           upcoming=members.schedule_lines(r.deps, r.community.id))


def answer_swap(r: Request) -> None:
    change = sessions.accept_swap if r.command.verb == "accept" else sessions.decline_swap
    change(r.deps, r.community.id, r.member.email, r.confirmation())


def volunteer(r: Request) -> None:
    sessions.volunteer(r.deps, r.community.id, r.member.email, r.command.on,
                       r.confirmation())


def topic(r: Request) -> None:
    sessions.set_topic(r.deps, r.community.id, r.member.email, r.command.text,
                       r.confirmation())


def share(r: Request) -> str:
    link_id = _short(r.inbound.message_id or r.command.url, 24)  # redelivery: stored once
    r.store.add_link(r.community.id, Link(link_id, r.member.email, r.member.name,
                                          r.command.url, r.command.text or "", r.now))
    return words("your link {url} goes in the next digest", url=r.command.url)


def choose_language(r: Request) -> str:
    """`language: de`: their mail from now on, this answer already, in that language."""
    members.update(r.store, r.community.id, r.member.email, r.now, language=r.command.text)
    return words("your emails are now in {language}",
                 language=Words(lambda: Locale.parse(r.command.text).get_display_name(
                     spoken())))


def help_text(r: Request) -> None:
    send_help(r.deps, r.community, r.member, r.inbound, "", r.now)
    return None


HANDLERS: dict[str, Callable[[Request], str | None]] = {
    "in": join_again, "out": opt_out, "pause": pause, "back": back, "skip": skip,
    "swap": swap, "accept": answer_swap, "decline": answer_swap, "volunteer": volunteer,
    "topic": topic, "share": share, "help": help_text, "language": choose_language,
}


def obey(request: Request) -> str | None:
    handler = HANDLERS.get(request.command.verb)
    if handler is None:
        raise InputError(words("“{verb}” is not something I can do",
                               verb=request.command.verb))
    return handler(request)


def reply_key(inbound: Inbound) -> str:
    """One confirmation per reply, however often it is delivered."""
    return "reply-" + hashlib.sha256((inbound.message_id or "").encode()).hexdigest()[:16]


def _short(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def send_help(deps: Deps, community: Community, member: Member, inbound: Inbound,
              reason: str, now: datetime) -> None:
    """The help text, once per member and day at most: never a loop of help mails."""
    notify(deps, community, member, kind="help",
           key=local_date(community, now).isoformat(),
           subject=words("How to reply to {name}", name=community.name), reason=reason,
           auto="auto-replied", in_reply_to=inbound.message_id)
