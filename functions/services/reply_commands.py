"""What each reply command does, one small function per verb.

Each returns the summary for the confirmation email, or None when the change already sent
its own (a welcome back, a goodbye, the help text). A refusal is an InputError, answered
with the help text and its reason.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from ..adapters.inbound import Inbound
from ..domain.commands import Command
from ..domain.errors import InputError
from ..domain.models import Community, Link, Member
from ..domain.timing import local_date
from . import lookup, members, sessions
from .deps import Deps
from .membership import come_back, leave, schedule_lines
from .messages import notify


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


def join_again(r: Request) -> str | None:
    if not r.member.opted_out:
        return "you are already in; nothing changed"
    come_back(r.deps, r.community.id, r.member.email)
    return None  # the welcome back is the confirmation


def opt_out(r: Request) -> str | None:
    leave(r.deps, r.community.id, r.member.email, in_reply_to=r.inbound.message_id)
    return None  # the goodbye is the confirmation


def pause(r: Request) -> str:
    members.pause(r.store, r.now, r.community.id, r.member.email, r.command.until)
    return f"you are paused until {r.command.until} and back on the roster that day"


def back(r: Request) -> str:
    members.opt_in(r.store, r.now, r.community.id, r.member.email)
    return "you are back on the roster"


def skip(r: Request) -> str:
    outcome = sessions.skip(r.store, r.now, r.community.id, r.member.email)
    tell_others(r, outcome, f"{r.member.name} gave away {outcome.date}")
    return outcome.summary


def swap(r: Request) -> str:
    outcome = sessions.offer_swap(r.store, r.now, r.community.id, r.member.email,
                                  r.command.email)
    partner = lookup.member(r.store, r.community.id, r.command.email)
    notify(r.deps, r.community, partner, kind="confirm",
           key=f"swap-{outcome.date.isoformat()}-{_short(r.member.email)}",
           subject=f"{r.member.name} asks to swap sessions with you",
           summary=(f"{r.member.name} asks to swap their session on {outcome.date} with "
                    f"you. Reply “accept” to take it, or “decline”"),
           upcoming=schedule_lines(r.deps, r.community))
    return outcome.summary


def answer_swap(r: Request) -> str:
    change = sessions.accept_swap if r.command.verb == "accept" else sessions.decline_swap
    outcome = change(r.store, r.now, r.community.id, r.member.email)
    tell_others(r, outcome, f"{r.member.name} {r.command.verb}ed the swap for {outcome.date}")
    return outcome.summary


def volunteer(r: Request) -> str:
    outcome = sessions.volunteer(r.store, r.now, r.community.id, r.member.email, r.command.on)
    tell_others(r, outcome,
                f"{r.member.name} volunteered for {outcome.date}; you keep your place")
    return outcome.summary


def topic(r: Request) -> str:
    return sessions.set_topic(r.store, r.now, r.community.id, r.member.email,
                              r.command.text).summary


def share(r: Request) -> str:
    link_id = _short(r.inbound.message_id or r.command.url, 24)  # redelivery: stored once
    r.store.add_link(r.community.id, Link(link_id, r.member.email, r.member.name,
                                          r.command.url, r.command.text or "", r.now))
    return f"your link goes in the next digest: {r.command.url}"


def help_text(r: Request) -> None:
    send_help(r.deps, r.community, r.member, r.inbound, "", r.now)
    return None


HANDLERS: dict[str, Callable[[Request], str | None]] = {
    "in": join_again, "out": opt_out, "pause": pause, "back": back, "skip": skip,
    "swap": swap, "accept": answer_swap, "decline": answer_swap, "volunteer": volunteer,
    "topic": topic, "share": share, "help": help_text,
}


def obey(request: Request) -> str | None:
    handler = HANDLERS.get(request.command.verb)
    if handler is None:
        raise InputError(f"“{request.command.verb}” is not something I can do")
    return handler(request)


def tell_others(r: Request, outcome: sessions.Outcome, summary: str) -> None:
    """Everyone else a change concerns hears about it."""
    for other in outcome.others:
        member = r.store.get_member(r.community.id, other)
        if member is None:
            continue
        notify(r.deps, r.community, member, kind="confirm",
               key=f"change-{outcome.date.isoformat()}-{_short(summary)}",
               subject=f"{r.community.name}: a change on {outcome.date}", summary=summary,
               upcoming=schedule_lines(r.deps, r.community))


def _short(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def send_help(deps: Deps, community: Community, member: Member, inbound: Inbound,
              reason: str, now: datetime) -> None:
    """The help text, once per member and day at most: never a loop of help mails."""
    notify(deps, community, member, kind="help",
           key=local_date(community, now).isoformat(),
           subject=f"How to reply to {community.name}", reason=reason,
           auto="auto-replied", in_reply_to=inbound.message_id)
