"""Replies by email run the roster: who sent it, what they asked, do it, confirm it.

Who: a valid signed token in the plus-address the reply went to, when the reply is from
that member; otherwise its real sender, trusted with DMARC pass aligned with From in the top
Authentication-Results of the trusted server. Anything else is refused and logged, never
answered (no backscatter to forged senders), and not recorded, so that it can be handled
once the settings are fixed. Automatic mail (out-of-office, bounces, our own mail) is never
answered. Authentic bounces (to a signed envelope sender, or naming a signed Message-ID that
the ledger says went to that member) count against the member; repeated ones stop mail to
them and the organisers are told. Each inbound message is handled once, keyed on its
Message-ID.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from ...mail.inbound import Inbound, named_communities, parse_inbound, with_reply_bases
from ...domain.commands import Command, Unclear, parse_command
from ...domain.errors import InputError
from ...domain.invites import uid_session
from ...domain.models import BOUNCE_LIMIT, Community, Member
from ...domain.timing import local_date
from ...domain.validation import mailbox
from ...domain.language import Words, words
from ...domain.wording import done_subject, join_list
from ...mail.compose import reply_address, sent_message
from .. import activity, ledger, lookup, rotas
from ..actors import BOUNCES, CALENDAR, MEMBER, Actor, acting
from ..changes import members, sessions
from ..deps import Deps
from ..delivery import organisers
from ..delivery.notifier import Confirmation
from ..delivery.messages import notify
from ..delivery.outbox import SENT
from .commands import Request, obey, reply_key, send_help

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handled:
    """What became of one inbound message (for logs, the CLI and tests)."""

    outcome: str  # done, help, refused, ignored, duplicate, bounce, rsvp
    detail: str = ""
    community: str | None = None
    member: str | None = None


PAGE = 50  # messages read into memory at once


def read_inbox(deps: Deps, limit: int = 500) -> list[Handled]:
    """New messages in the inbox, a page at a time, each handled once (up to `limit` per
    run; the rest wait for the next). One bad message stops nothing."""
    if deps.inbox is None:
        return []
    results: list[Handled] = []
    seen = 0
    while seen < limit:
        page = deps.inbox.fetch(min(PAGE, limit - seen))
        seen += len(page)
        for handle, raw in page:
            try:
                results.append(handle_reply(deps, raw))
            except Exception:  # a bug: logged with its traceback, kept for a retry
                log.exception("inbox: could not handle message %s", handle)
                continue
            deps.inbox.done(handle)
        if len(page) < PAGE:
            break
    return results


class Communities:
    """The communities one inbound message concerns, each read once, by key, as it names
    them (its tokens, the Message-IDs it answers, the sender's memberships)."""

    def __init__(self, deps: Deps) -> None:
        self.store = deps.store
        self.found: dict[str, Community | None] = {}

    def get(self, community_id: str) -> Community | None:
        if community_id not in self.found:
            self.found[community_id] = self.store.get_community(community_id)
        return self.found[community_id]

    def named(self, community_ids: Iterable[str]) -> list[Community]:
        return [c for c in map(self.get, sorted(community_ids)) if c is not None]


def handle_reply(deps: Deps, raw: bytes) -> Handled:
    inbound = parse_inbound(raw, deps.mail.trusted_authserv)
    now = deps.clock.now()
    if inbound.refused:
        return _log(Handled("refused", inbound.refused))
    key = "inbound/" + hashlib.sha256(
        (inbound.message_id or hashlib.sha256(raw).hexdigest()).encode()).hexdigest()[:32]
    if not ledger.claim(deps.store, key, now):
        return _log(Handled("duplicate", inbound.message_id or ""))
    communities = Communities(deps)
    named = communities.named(named_communities(inbound.recipients))
    # Of several tokens, one at a community's reply address is the one meant.
    inbound = with_reply_bases(inbound, [reply_address(deps.mail, c) for c in named])
    result = _handle(deps, inbound, communities, now)
    if result.outcome == "refused":
        ledger.release(deps.store, key)  # not handled: the same message may be trusted later
    else:
        ledger.record(deps.store, key, "handled", now, f"{result.outcome}: {result.detail}"[:500])
    return _log(result)


def _log(result: Handled) -> Handled:
    level = logging.WARNING if result.outcome == "refused" else logging.INFO
    log.log(level, "reply %s (%s) %s %s", result.outcome, result.detail, result.community or "",
            result.member or "")
    return result


def _handle(deps: Deps, inbound: Inbound, communities: Communities,
            now: datetime) -> Handled:
    if inbound.bounce or inbound.bounce_token or inbound.mail_system:
        with acting(Actor(BOUNCES)):
            return _bounce(deps, inbound, communities, now)
    if inbound.automatic:
        return Handled("ignored", f"automatic mail: {inbound.automatic}")
    found = _sender(deps, inbound, communities)
    if isinstance(found, str):
        return Handled("refused", found)
    if isinstance(found, list):
        return _which_one(deps, inbound, found, now)
    community, member, email = found
    if inbound.calendar_reply:
        with acting(Actor(CALENDAR, email)):
            return _rsvp(deps, community, email, inbound, now)
    with acting(Actor(MEMBER, email)):  # whatever it changes is this member's doing
        return _obey(deps, inbound, community, member, email, now)


def _obey(deps: Deps, inbound: Inbound, community: Community, member: Member | None,
          email: str, now: datetime) -> Handled:
    command = parse_command(inbound.text, local_date(community, now))
    if member is None:
        return _stranger(deps, community, email, inbound, command)
    if member.bounces:
        members.update(deps.store, community.id, member.email, now, bounces=0)  # alive after all
        if not member.reachable:  # mail starts again: should it stop again, say so again
            organisers.forget(deps.store, community.id, organisers.stopped_topic(member.email))
    if isinstance(command, Unclear):
        send_help(deps, community, member, inbound, command.reason, now)
        return Handled("help", command.reason, community.id, member.email)
    try:
        summary = obey(Request(deps, community, member, command, inbound, now))
    except InputError as error:
        # the reason as raised (Words say themselves in the reader's language)
        send_help(deps, community, member, inbound, error.args[0] if error.args else "", now)
        return Handled("help", str(error), community.id, member.email)
    if summary:
        _confirm(deps, community, lookup.member(deps.store, community.id, email), inbound,
                 summary)
    return Handled("done", command.verb, community.id, email)


def _sender(deps: Deps, inbound: Inbound, communities: Communities
            ) -> tuple[Community, Member | None, str] | list[Community] | str:
    """The community and member a reply comes from, if it can be trusted; the sender's
    communities when it could be from any of several; else why not."""
    if inbound.reply_token:
        community = communities.get(deps.mail.tokens.token_community(inbound.reply_token))
        if community is not None:
            roster = [m.email for m in deps.store.list_members(community.id)]
            email = deps.mail.tokens.reply_member(inbound.reply_token, roster)
            # The token is the member's only when they sent it: a forwarded digest's
            # reader replies as themselves.
            if email is not None and inbound.from_address is not None and \
                    mailbox(inbound.from_address) == mailbox(email):
                return community, deps.store.get_member(community.id, email), email
    if not (inbound.auth and inbound.from_address):
        return ("no valid reply token and no aligned DMARC pass "
                f"(From {inbound.from_address or 'missing'})")
    # Authenticated but no token: the community whose reply address it was sent to,
    # preferring one the sender belongs to. Both are found by index (a fresh mail costs
    # the same among ten communities as among ten thousand).
    sent_to = {mailbox(r) for r in inbound.recipients}
    addressed = _addressed(deps, sent_to, communities)
    belongs = communities.named(deps.store.member_of(inbound.from_address))
    mine = [c for c in belongs if not addressed or _replies_at(deps, c, sent_to)]
    if len(mine) == 1:
        return mine[0], deps.store.get_member(mine[0].id, inbound.from_address), \
            inbound.from_address
    if not mine and len(addressed) == 1:
        return addressed[0], None, inbound.from_address
    if mine:
        return mine
    return (f"no reply token, and {inbound.from_address} belongs to no community at the "
            "address it wrote to" + (", which several communities share" if addressed else ""))


def _which_one(deps: Deps, inbound: Inbound, mine: list[Community], now: datetime
               ) -> Handled:
    """A trusted new mail from a member of several communities at the address it went to:
    nothing is done, and the sender is asked to reply to one community's email instead
    (in the first one's name; help goes at most once a day)."""
    community = mine[0]
    member = lookup.member(deps.store, community.id, inbound.from_address)
    names = Words(lambda: join_list(c.name for c in mine))
    send_help(deps, community, member, inbound, words(
        "you are a member of {communities}, which share this address; reply to an email "
        "from the one you mean", communities=names), now)
    return Handled("help", f"no reply token, and {member.email} belongs to several "
                   f"communities at the address it wrote to ({', '.join(c.id for c in mine)})",
                   community.id, member.email)


def _addressed(deps: Deps, sent_to: set[str], communities: Communities) -> list[Community]:
    """The communities whose reply address is among `sent_to`: all of them, or at least
    two (enough to tell one from several) when more share an address."""
    shared = mailbox(deps.mail.default_reply_to) if deps.mail.default_reply_to else None
    found: dict[str, Community] = {}
    for address in sorted(sent_to):
        found.update((c.id, c) for c in deps.store.replying_at(address, 2))
        if address == shared:  # the deployment's address: communities without their own
            found.update((c.id, c) for c in deps.store.replying_at(None, 2))
        elif shared is None and address.endswith("@localhost"):  # see reply_address
            local = communities.get(address.rpartition("@")[0])
            if local is not None:
                found[local.id] = local
    return [found[k] for k in sorted(found) if _replies_at(deps, found[k], sent_to)]


def _replies_at(deps: Deps, community: Community, sent_to: set[str]) -> bool:
    return mailbox(reply_address(deps.mail, community)) in sent_to


def _stranger(deps: Deps, community: Community, email: str, inbound: Inbound,
              command: Command | Unclear) -> Handled:
    """Someone not on the roster: only `in` from an allowed domain does anything."""
    domain = email.rpartition("@")[2]
    if isinstance(command, Command) and command.verb == "in":
        if domain in community.allow_domains:
            members.join(deps, community.id, email, inbound.from_name)
            return Handled("done", "joined", community.id, email)
        return Handled("refused", f"{domain} is not an allowed domain", community.id, email)
    return Handled("ignored", "not a member", community.id, email)


def _confirm(deps: Deps, community: Community, member: Member, inbound: Inbound,
             summary: str) -> None:
    notify(deps, community, member, kind="confirm", key=reply_key(inbound),
           subject=done_subject(summary), summary=summary,
           upcoming=members.schedule_lines(deps, community.id), auto="auto-replied",
           in_reply_to=inbound.message_id)


def _rsvp(deps: Deps, community: Community, email: str, inbound: Inbound,
          now: datetime) -> Handled:
    """An invite answer mailed back by a calendar app: a presenter declining skips."""
    answer = inbound.calendar_reply
    status = (answer.partstat or "").lower()
    day = _session_date(answer.uid or "", community)
    if day is not None and (answer.attendee or email) == email:
        rotas.keep(deps.store, community.id,
                   activity.answered(deps.store, community.id, day, {email: status}, now))
    if status != "declined" or day is None or (answer.attendee or email) != email:
        return Handled("rsvp", status or "no answer", community.id, email)
    try:
        sessions.skip(deps, community.id, email, day, Confirmation(
            email, "confirm", reply_key(inbound), prefix="you declined the invite, so ",
            context={"auto": "auto-replied", "in_reply_to": inbound.message_id}))
    except InputError as error:
        return Handled("rsvp", f"declined, nothing to do: {error}", community.id, email)
    return Handled("rsvp", "declined: skipped", community.id, email)


def _session_date(uid: str, community: Community) -> date | None:
    """The date of the community's session an event UID names."""
    found = uid_session(uid)
    return found[1] if found and found[0] == community.id else None


def _bounce(deps: Deps, inbound: Inbound, communities: Communities,
            now: datetime) -> Handled:
    """A delivery failure about a message the rota really sent: counted against that member
    in that community (only a failure read from it counts, wherever it came back); after BOUNCE_LIMIT in a row, mail to them stops and the organisers
    are told. Anything else (forged, or about mail we never sent) is logged and ignored."""
    bounce = inbound.bounce
    if bounce is not None and not bounce.permanent:  # a delay, or a success report
        what = "delayed" if bounce.delayed else "delivered"
        return Handled("bounce", f"{what}, not counted: "
                       + ", ".join(bounce.delayed or bounce.delivered)[:200])
    found = _bounced_member(deps, inbound, communities)
    if found is None:
        log.warning("bounce not authentic (no signed return path, no message we sent): %s",
                    ", ".join(bounce.failed if bounce else ())[:200] or inbound.subject[:80])
        return Handled("ignored", "bounce not authentic")
    community, member = found
    if bounce is None:  # an auto-reply to the envelope sender, or a notice of no failure
        why = "no failure read from a mail system's notice" if inbound.mail_system \
            else f"automatic mail: {inbound.automatic}"
        return Handled("ignored", why, community.id, member.email)
    count = member.bounces + 1
    updated = members.update(deps.store, community.id, member.email, now, bounces=count)
    if count == BOUNCE_LIMIT:
        log.warning("mail to %s bounced %d times: stopped until they reply", member.email,
                    count)
        _tell_organisers(deps, community, updated, now)
    return Handled("bounce", f"{member.email} ({count})", community.id, member.email)


def _bounced_member(deps: Deps, inbound: Inbound, communities: Communities
                    ) -> tuple[Community, Member] | None:
    """The member a bounce is about, when it is authentic: it came back to the signed
    envelope sender of a message to them, or it names the Message-ID of a message the
    ledger says was sent to them."""
    tokens = deps.mail.tokens
    if inbound.bounce_token:
        community = communities.get(tokens.token_community(inbound.bounce_token))
        if community is not None:
            roster = [m.email for m in deps.store.list_members(community.id)]
            email = tokens.bounce_member(inbound.bounce_token, roster)
            if email is not None:
                return community, deps.store.get_member(community.id, email)
    for message_id in (inbound.bounce.original_ids if inbound.bounce else ()):
        community = communities.get(message_id.strip("<").split(".", 2)[1]) \
            if message_id.count(".") >= 3 else None
        if community is None:
            continue
        roster = [m.email for m in deps.store.list_members(community.id)]
        sent = sent_message(tokens, message_id, roster)
        if sent is None:
            continue
        state = ledger.state(deps.store, sent[0])
        if state is not None and state[0] == SENT:
            return community, deps.store.get_member(community.id, sent[2])
    return None


def _tell_organisers(deps: Deps, community: Community, member: Member,
                     now: datetime) -> None:
    """Once each time a member's mail stops, at once: organiser mail saying what to do
    (a run would otherwise tell it with its other alerts)."""
    organisers.tell(deps, community, [organisers.stopped(member)], now)
