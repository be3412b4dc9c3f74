"""Member use cases: join (one or a CSV roster), leave, come back, pause, resume.

Each is one rota decision (load once, decide, save once), announced to everyone it
concerns; the member who asked gets the welcome, goodbye or confirmation, carrying every
calendar invite change they hold.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Callable

from ...domain import validation
from ...domain.digest import upcoming_lines
from ...domain.errors import Conflict, InputError
from ...domain.jobs import AT_ONCE
from ...domain.models import Member
from ...domain.rota import Decision, Rota
from ...domain.timing import local_date
from ...domain.language import N_, words
from ...domain.wording import day_words, weekday_name
from ...mail.compose import has_reply_address
from ...ports import Store
from .. import lookup, rotas
from ..delivery.notifier import Confirmation, announce
from .decide import decide
from ..deps import Deps

MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 10_000


def join(deps: Deps, community_id: str, email: str, name: str | None = None,
         welcome: bool = True) -> Member:
    address = validation.email_address(email)
    person = (address, validation.display_name(name, address))

    def clash(rota: Rota) -> None:
        existing = rota.roster.get(address)
        if existing is not None:
            hint = " (opted out: use member optin)" if existing.opted_out else ""
            raise Conflict(f"{address} is already a member of {community_id}{hint}")
    return _join(deps, community_id, [person], clash, welcome)[0]


def join_many(deps: Deps, community_id: str, data: bytes, welcome: bool = True
              ) -> list[Member]:
    """All or nothing: one bad row, or one address already a member, imports no one."""
    people = [(e, validation.display_name(n, e)) for e, n in parse_roster(data)]

    def clash(rota: Rota) -> None:
        found = [email for email, _ in people if email in rota.roster]
        if found:
            raise Conflict(f"already members of {community_id}: {', '.join(found[:5])}"
                           + (f" and {len(found) - 5} more" if len(found) > 5 else "")
                           + "; nothing imported")
    return _join(deps, community_id, people, clash, welcome)


def _join(deps: Deps, community_id: str, people: list[tuple[str, str]], clash,
          welcome: bool) -> list[Member]:
    """Add them, each welcomed with their first turn now, or once the community has a
    reply address (a welcome from `ID@localhost` could not be answered), or never."""
    emails = [email for email, _ in people]

    def add(rota: Rota, now: datetime):
        clash(rota)
        ready = has_reply_address(deps.mail, rota.community)
        return rota.join(people, now, welcome_due=welcome and not ready)
    after, _ = decide(deps, community_id, add,
                      _welcomes_if_answerable(deps, emails) if welcome else None)
    return [after.roster[email] for email in emails]


def _welcomes_if_answerable(deps: Deps, emails: list[str], again: bool = False
                            ) -> Callable[[Rota], list[Confirmation]]:
    """The welcomes, once the community has a reply address (a welcome from `ID@localhost`
    could not be answered): read from the rota the change loaded, not once more."""
    return lambda rota: (welcomes(rota, emails, deps.clock.now(), again)
                         if has_reply_address(deps.mail, rota.community) else [])


def welcomes(rota: Rota, emails: list[str], now: datetime, again: bool = False
             ) -> list[Confirmation]:
    """The welcome of each of them: how the rota works, their first turn, and the invite
    of every coming session."""
    community = rota.community
    turns = {s.presenter: s.date for s in reversed(rota.coming(now))}
    subject = (words("Welcome back to {name}", name=community.name) if again
               else words("Welcome to {name}", name=community.name))
    context = {"summary": subject, "local_time": community.start.strftime("%H:%M"),
               "weekday": weekday_name(community.weekday),
               "digest_day": weekday_name(community.digest_weekday)}
    return [Confirmation(
        email, "welcome",
        rota.roster[email].joined.isoformat() if not again
        else local_date(community, now).isoformat() + "-again", subject, context={
            **context, "next_turn": day_words(turns[email]) if email in turns else None},
        offer_coming=True)
        for email in emails]


def welcome_again(deps: Deps, community_id: str, email: str) -> Member:
    """Send a member's welcome once more (lost, or filtered as spam); at most once a day."""
    address = validation.email_address(email)
    now = deps.clock.now()
    rota = rotas.load(deps.store, community_id, now)
    member = lookup.member(deps.store, community_id, address)
    if member.opted_out:
        raise InputError(f"{address} has left {community_id}: bringing them back (member "
                         "optin) welcomes them")
    if not has_reply_address(deps.mail, rota.community):
        raise InputError(f"{community_id} has no reply address yet: a welcome now could not "
                         "be answered (set --reply-to)")
    today = rota.today(now)
    welcome = replace(welcomes(rota, [address], now)[0], key=f"{today.isoformat()}-resent")
    announce(deps, rota, Decision(), [welcome.completed(Decision(), today)])
    return member


def leave(deps: Deps, community_id: str, email: str, in_reply_to: str | None = None,
          by_organiser: bool = False, erased: bool = False) -> tuple[Member, Decision]:
    """Opt out: planned turns go to others; the goodbye cancels every invite they hold
    (and says who took them off, when an organiser did; `erased`: their address and name
    are about to leave the store, so it offers no way back by reply). Someone who already left (the
    unsubscribe link, say) gets no second goodbye: the decision is `unchanged`."""
    address = validation.email_address(email)
    community = lookup.community(deps.store, community_id)
    subject = (words("You are off the {name} roster", name=community.name) if by_organiser or erased
               else words("You have left {name}", name=community.name))
    after, decision = decide(
        deps, community_id, lambda rota, now: rota.leave(address, now),
        Confirmation(address, "goodbye", local_date(community, deps.clock.now()).isoformat(),
                     subject, context={
                         "in_reply_to": in_reply_to, "by_organiser": by_organiser or erased,
                         "erased": erased,
                         "auto": "auto-replied" if in_reply_to else "auto-generated"}))
    return after.roster[address], decision


def come_back(deps: Deps, community_id: str, email: str) -> tuple[Member, Decision]:
    """Opt in again, with a welcome back; nothing for someone already active."""
    address = validation.email_address(email)
    after, decision = decide(deps, community_id,
                             lambda rota, now: rota.come_back(address, now),
                             _welcomes_if_answerable(deps, [address], again=True))
    return after.roster[address], decision


def pause(deps: Deps, community_id: str, email: str, until: date,
          confirmation: Confirmation | None = None, by_organiser: bool = False
          ) -> tuple[Member, Decision]:
    """Away until `until` (back that day); their invites inside the pause are cancelled.
    The same pause again changes and sends nothing. `by_organiser`: they did not ask, so
    they are told who did, not "Done"."""
    address = validation.email_address(email)
    if by_organiser:
        day = day_words(until)
        confirmation = _organiser_did(
            deps, community_id, address, words("You are paused until {day}", day=day),
            N_("An organiser of {name} paused you until {day}: you are back on the roster "
               "that day, and keep your place in the queue."), day=day)
    after, decision = decide(deps, community_id,
                             lambda rota, now: rota.pause(address, until, now),
                             confirmation or Confirmation(address))
    return after.roster[address], decision


def resume(deps: Deps, community_id: str, email: str,
           confirmation: Confirmation | None = None, by_organiser: bool = False
           ) -> tuple[Member, Decision]:
    """End a pause now; nothing for someone active already."""
    address = validation.email_address(email)
    if by_organiser:
        confirmation = _organiser_did(
            deps, community_id, address, words("Your pause has ended"),
            N_("An organiser of {name} ended your pause: you are back on the roster from "
               "today."))
    after, decision = decide(deps, community_id, lambda rota, now: rota.resume(address, now),
                             replace(confirmation or Confirmation(address), offer_coming=True))
    return after.roster[address], decision


def _organiser_did(deps: Deps, community_id: str, address: str, subject: str,
                   notice: str, **values) -> Confirmation:
    """The notice to a member of a change an organiser made for them."""
    community = lookup.community(deps.store, community_id)
    notice = words(notice, name=community.name, **values)
    return Confirmation(address, "notice", subject=words(
        "{name}: {subject}", name=community.name, subject=subject),
                        context={"notice": notice, "summary": notice})


def opt_out(store: Store, now: datetime, community_id: str, email: str) -> Member:
    """Opt out without any email (the one-click unsubscribe): the next tick tells whoever
    takes their sessions."""
    address = validation.email_address(email)
    after, _ = rotas.apply(store, community_id, now, lambda rota: rota.leave(address, now))
    return after.roster[address]


def update(store: Store, community_id: str, email: str, now: datetime | None = None,
           **changes) -> Member:
    """Change a member's record without touching the rota (bounce counts, names); with
    `now`, what a person would call a change (mail stopped, a language) is noted for the
    history in the same write."""
    member = lookup.member(store, community_id, email)
    updated = replace(member, **changes)
    # Mail to them may start again: due at the next tick.
    rotas.save_member(store, lookup.community(store, community_id), member, updated, now,
                      mark_due=AT_ONCE)
    return updated


def schedule_lines(deps: Deps, community_id: str) -> list:
    """The upcoming roster, as the emails show it."""
    now = deps.clock.now()
    rota = rotas.load(deps.store, community_id, now)
    return upcoming_lines(rota.community, rota.sessions.values(), rota.roster, now)


def parse_roster(data: bytes) -> list[tuple[str, str | None]]:
    """Rows of a CSV with the header `email,name` (name optional); every problem named."""
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"CSV is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"CSV is not UTF-8 (byte {error.start}); save it as UTF-8") from None
    if not text.strip():
        raise InputError("CSV is empty: expected a header line `email,name` and one row "
                         "per member")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise InputError(f"CSV is malformed: {error}") from None
    header = [h.strip().lower() for h in rows[0]]
    if "email" not in header or not set(header) <= {"email", "name", ""}:
        raise InputError(f"CSV header {','.join(rows[0])!r}: expected `email,name`")
    at_email, at_name = header.index("email"), header.index("name") if "name" in header else None
    roster: list[tuple[str, str | None]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(roster) >= MAX_CSV_ROWS:
            raise InputError(f"CSV has more than {MAX_CSV_ROWS:,} members")
        if len(row) > len(header):
            raise InputError(f"CSV line {line}: {len(row)} fields, the header has {len(header)}")
        raw = row[at_email].strip() if at_email < len(row) else ""
        if not raw:
            raise InputError(f"CSV line {line}: no email address")
        try:
            email = validation.email_address(raw)
        except InputError as error:
            raise InputError(f"CSV line {line}: {error}") from None
        if email in seen:
            raise InputError(f"CSV line {line}: {email} is already on line {seen[email]}")
        seen[email] = line
        name = row[at_name] if at_name is not None and at_name < len(row) else None
        roster.append((email, name))
    if not roster:
        raise InputError("CSV has a header but no members")
    return roster


