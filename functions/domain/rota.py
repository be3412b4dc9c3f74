"""The Rota aggregate: one community's roster and coming sessions, and every rota rule.

Pure: every method takes `now` and returns a new Rota with a `Decision` (what to store and
what to announce). Nothing here reads a clock, a store or a mailbox.

The rules (DESIGN.md, "Rules the rota keeps"):
- Eligible on a date: not opted out, not paused over it, joined by then, reachable (mail to
  them has not stopped after bounces), and not having skipped or declined that very session.
- One fairness rule for all time: nobody presents again while someone who could present
  that day has never presented. Such a newcomer takes the earliest repeat turn in the
  window (a turn starting within the week stays with its presenter, who has been
  preparing and whom the digest named, unless the newcomer was a member when it was
  planned), or the next session planned, in join order among several; whoever made way
  takes the next repeat turn of someone who waited less, and so on, so the queue moves on
  by one. Everyone else by longest wait since their last turn (held or planned); ties by
  the order members were added. Volunteers, for any date however far ahead, follow the
  same rule; a date someone chose (volunteer, swap, assign) is kept but for that.
- In the planned window, too, nobody holds a second session while a member who could
  present then holds none.
- Stable wherever that keeps fairness: a first turn in the window keeps its presenter
  while they can present, and so does a turn a person chose. A session whose presenter
  dropped out goes to whoever comes first; if that person is planned later, they move up
  and their later session is filled the same way. So members added one at a time get the
  plan they would have got imported together.
- Only real presenters count: a session that ended counts for its presenter only if they
  could still present that day (a pause or leaving asked during it starts after it);
  otherwise it was held by nobody.
- Nothing that has started ever changes, but for that: a presenter who could not present
  is taken off the session once it ended.
- Asking for what already is (leave after leaving, come back or resume while active, the
  same pause) changes nothing: the Decision is `unchanged`, to store and announce nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

from .errors import Conflict, InputError, NotFound
from .models import (ACTIVE, CANCELLED, OPEN, OPTED_OUT, PAUSED, PLANNED, Community, Member,
                     Session)
from .timing import day_status, horizon, local_date, session_times
from .language import N_, Words, _, words
from .wording import day_words

FAR_AHEAD = timedelta(days=366)  # the furthest date someone may volunteer for
# A repeat turn starting sooner than this stays with its presenter, who has been preparing
# and whom the week's digest has named, when whoever never presented joined after that
# session was planned (they have no claim to it): they take the next one instead.
NOTICE = timedelta(days=7)


# Why a session changed hands (Change.cause); "" when planning moved it (fairness, a
# newcomer, settings).
SKIPPED, VOLUNTEERED, ASSIGNED, SWAPPED, AWAY, LEFT = (
    "skipped", "volunteered", "assigned", "swapped", "away", "left")
FIRST = "first"  # the planner's: a repeat turn made way for someone who never presented


@dataclass(frozen=True)
class Change:
    """A session whose presenter changed: the people concerned are told, and why."""

    date: date
    before: str | None
    after: str | None
    cause: str = ""
    actor: str | None = None  # whose request it was (for ASSIGNED: who was put on it)


@dataclass(frozen=True)
class Decision:
    """What one rota operation decided: records to store, changes to announce."""

    sessions: tuple[Session, ...] = ()
    members: tuple[Member, ...] = ()
    community: Community | None = None  # set when the community record changed
    changes: tuple[Change, ...] = ()
    date: date | None = None  # the session the request was about
    summary: str = ""  # for the confirmation to the person who asked
    others: tuple[str, ...] = ()  # people concerned besides the one who asked
    # Nothing to do: the rota already was as asked (`summary` says so); nothing is stored
    # and nobody is told.
    unchanged: bool = False

    def because(self, cause: str, actor: str | None) -> "Decision":
        """The same decision, its changes (and their sessions) saying why they happened."""
        changed = {c.date for c in self.changes}
        return replace(self, changes=tuple(replace(c, cause=cause, actor=actor)
                                           for c in self.changes),
                       sessions=tuple(s.with_changes(cause=cause, cause_by=actor)
                                      if s.date in changed else s for s in self.sessions))

    def then(self, later: "Decision") -> "Decision":
        """This decision followed by `later`, as one: what a run that made both announces
        (a session that changed hands twice changed from its first presenter to its last)."""
        sessions = {s.date: s for s in (*self.sessions, *later.sessions)}
        members = {m.email: m for m in (*self.members, *later.members)}
        changes: dict[date, Change] = {}
        for change in (*self.changes, *later.changes):
            first = changes.get(change.date, change)
            changes[change.date] = replace(change, before=first.before)
        return replace(later, sessions=tuple(sessions[d] for d in sorted(sessions)),
                       members=tuple(members.values()),
                       community=later.community or self.community,
                       changes=tuple(c for _, c in sorted(changes.items())
                                     if c.before != c.after))


@dataclass(frozen=True)
class Rota:
    community: Community
    roster: Mapping[str, Member]  # by email, in the order members were added
    # The sessions loaded: from `community.settled` on (those the planner may touch), and
    # any earlier ones the caller read for the digest's recap (never changed).
    sessions: Mapping[date, Session] = field(default_factory=dict)

    @classmethod
    def of(cls, community: Community, members: Iterable[Member],
           sessions: Iterable[Session]) -> "Rota":
        roster = {m.email: m for m in sorted(members, key=lambda m: m.order)}
        return cls(community, roster, {s.date: s for s in sessions})

    # ---- reading ---------------------------------------------------------------------
    def member(self, email: str) -> Member:
        found = self.roster.get(email)
        if found is None:
            raise NotFound(words("{address} is not a member of {community}", address=email,
                                 community=self.community.id))
        return found

    def coming(self, now: datetime) -> list[Session]:
        """Planned sessions that have not started, by date."""
        return [s for d, s in sorted(self.sessions.items())
                if s.status == PLANNED and s.starts_at is not None and s.starts_at > now]

    def next_turn(self, email: str, now: datetime) -> Session:
        turn = next((s for s in self.coming(now) if s.presenter == email), None)
        if turn is None:
            raise InputError(words("you have no upcoming session planned"))
        return turn

    def today(self, now: datetime) -> date:
        return local_date(self.community, now)

    # ---- planning --------------------------------------------------------------------
    def plan(self, now: datetime, lookahead: int | None = None) -> tuple["Rota", Decision]:
        """Keep the next `lookahead` sessions after `now` planned and fair."""
        return self._decide(now, self.sessions, self.roster, lookahead=lookahead)

    def settle(self, now: datetime) -> "Rota":
        """Count the sessions that have ended into their presenters' turns (see _settle)."""
        community, roster, ended = _settle(self.community, self.roster, self.sessions, now)
        return Rota(community, roster, {**self.sessions, **ended})

    def _decide(self, now: datetime, sessions: Mapping[date, Session],
                roster: Mapping[str, Member], lookahead: int | None = None,
                community: Community | None = None, **about) -> tuple["Rota", Decision]:
        """Settle and plan the proposed sessions and roster; the Decision holds every
        difference from this Rota."""
        community, roster, ended = _settle(community or self.community, roster, sessions,
                                           now)
        sessions = {**sessions, **ended}
        planned = _plan(community, roster, {
            d: s for d, s in sessions.items()
            if community.settled is None or d >= community.settled}, now, lookahead)
        old = self.sessions
        for d, s in planned.items():  # a presenter lost it: the next one gets a new heads-up
            if d in old and old[d].presenter and s.presenter != old[d].presenter:
                planned[d] = s = s.with_changes(reassigned=old[d].reassigned + 1)
            was = old.get(d)
            fresh = s.cause == FIRST and (was is None or (was.cause, was.cause_by) != (
                s.cause, s.cause_by))  # the planner's own reason, given just now
            if s.presenter != (was.presenter if was else None) and not fresh:
                planned[d] = s.with_changes(cause="", cause_by=None)  # stamped by its cause
        roster = _topics_follow(old, planned, roster, now)
        changes = tuple(
            Change(d, old[d].presenter if d in old else None, s.presenter)
            for d, s in sorted(planned.items())
            if (old[d].presenter if d in old else None) != s.presenter)
        history = {d: s for d, s in sessions.items() if d not in planned}  # read only
        after = {**history, **planned}
        decision = Decision(
            sessions=tuple(s for d, s in sorted(after.items()) if old.get(d) != s),
            members=tuple(m for e, m in roster.items() if self.roster.get(e) != m),
            community=community if community != self.community else None,
            changes=changes, **about)
        return Rota(community, roster, after), decision

    # ---- membership ------------------------------------------------------------------
    def join(self, people: Iterable[tuple[str, str]], now: datetime,
             welcome_due: bool = False) -> tuple["Rota", Decision]:
        """Add members (email, name), all or none; they come before anyone's next turn.
        `welcome_due`: their welcome waits (for the community's reply address)."""
        people = list(people)
        clash = [email for email, _ in people if email in self.roster]
        if clash:
            hint = (" (opted out: use member optin)"
                    if len(clash) == 1 and self.roster[clash[0]].opted_out else "")
            raise Conflict(f"already members of {self.community.id}: "
                           f"{', '.join(clash[:5])}"
                           + (f" and {len(clash) - 5} more" if len(clash) > 5 else "") + hint)
        first = max((m.order for m in self.roster.values()), default=-1) + 1
        joined = self.today(now)
        roster = dict(self.roster)
        for i, (email, name) in enumerate(people):
            roster[email] = Member(email=email, name=name, joined=joined, order=first + i,
                                   welcome_due=welcome_due)
        return self._decide(now, self.sessions, roster)

    def _with_member(self, email: str, now: datetime, summary: str,
                     **changes) -> tuple["Rota", Decision]:
        member = self.member(email)
        # Sessions that ended are counted as they were, before this change.
        community, roster, ended = _settle(self.community, self.roster, self.sessions, now)
        roster[email] = replace(roster[email], **changes)
        return self._decide(now, {**self.sessions, **ended}, roster, community=community,
                            summary=summary)

    def _unchanged(self, summary: str) -> tuple["Rota", Decision]:
        """A request the rota already satisfies: this Rota as it is, nothing to store or
        announce."""
        return self, Decision(summary=words("{summary}; nothing changed", summary=summary),
                              unchanged=True)

    def leave(self, email: str, now: datetime) -> tuple["Rota", Decision]:
        """Opt out; someone who already left (say by the unsubscribe link) stays as is."""
        if self.member(email).opted_out:
            return self._unchanged(words("you have already left"))
        after, decision = self._with_member(email, now, "you have left", opted_out=True,
                                            topic=None)
        return _caused(after, decision.because(LEFT, email))

    def come_back(self, email: str, now: datetime) -> tuple["Rota", Decision]:
        """Opt in again (a pause ends too); someone active already stays as is."""
        if self.member(email).status(self.today(now)) == ACTIVE:
            return self._unchanged(words("you are already on the roster"))
        return self._with_member(email, now, "you are back on the roster", opted_out=False,
                                 paused_until=None)

    def pause(self, email: str, until: date, now: datetime) -> tuple["Rota", Decision]:
        today = self.today(now)
        if until <= today:
            raise InputError(f"--until {until}: a pause must end after today ({today})")
        member = self.member(email)
        if member.paused_until == until and member.status(today) == PAUSED:
            return self._unchanged(words("you are already paused until {day}",
                                         day=day_words(until)))
        after, decision = self._with_member(
            email, now, words("you are paused until {day} and back on the roster that day",
                              day=day_words(until)), paused_until=until)
        return _caused(after, decision.because(AWAY, email))

    def resume(self, email: str, now: datetime) -> tuple["Rota", Decision]:
        """End a pause now; someone active already stays as is. Someone who opted out has
        no pause to end: opting in brings them back."""
        status = self.member(email).status(self.today(now))
        if status == OPTED_OUT:
            raise InputError(f"{email} has opted out, not paused: opting in brings them back")
        if status == ACTIVE:
            return self._unchanged(words("you are already on the roster"))
        return self._with_member(email, now, "you are back on the roster",
                                 paused_until=None)

    def reconfigure(self, community: Community, now: datetime) -> tuple["Rota", Decision]:
        """New community settings (weekday, time, holidays, blackouts, …); plan again."""
        return self._decide(now, self.sessions, self.roster, community=community)

    # ---- sessions --------------------------------------------------------------------
    def skip(self, email: str, now: datetime, day: date | None = None
             ) -> tuple["Rota", Decision]:
        """Give a session away and keep one's place; whoever has waited longest takes it."""
        if day is None:
            turn = self.next_turn(email, now)
        else:
            turn = next((s for s in self.coming(now)
                         if s.date == day and s.presenter == email), None)
            if turn is None:
                raise InputError(words("you are not presenting on {day}", day=day_words(day)))
        sessions = {**self.sessions, turn.date: turn.with_changes(
            declined=tuple(sorted({*turn.declined, email})), swap_with=None, pinned=False)}
        after, decision = self._decide(now, sessions, self.roster, date=turn.date)
        taker = after.sessions[turn.date].presenter
        return _caused(after, replace(
            decision.because(SKIPPED, email), others=(taker,) if taker else (),
            summary=words("you are off the session on {day}; you keep your place",
                          day=day_words(turn.date))))

    def volunteer(self, email: str, now: datetime, day: date | None = None
                  ) -> tuple["Rota", Decision]:
        """Take the next session, or that date's (planned or further ahead).

        The person planned there keeps their place; the volunteer's other turns go back to
        the queue, so volunteering never makes anyone present twice in a round. Refused
        when it would be a repeat turn while someone who could present that day never
        presented (the fairness rule, however far ahead the date).
        """
        member = self.member(email)
        if day is None:
            target = next((s for s in self.coming(now) if s.presenter != email), None)
            if target is None:
                raise InputError(words("there is no upcoming session to take"))
        else:
            target = self._session_on(day, now)
        if target.presenter == email:
            raise InputError(words("you already present on {day}",
                                   day=day_words(target.date)))
        if not member.eligible_on(target.date):
            raise InputError(words("you are paused or opted out on {day}",
                                   day=day_words(target.date)))
        displaced = target.presenter
        sessions = dict(self.sessions)
        for s in self.coming(now):
            if s.presenter == email:
                sessions[s.date] = s.with_changes(presenter=None, swap_with=None, pinned=False)
        sessions[target.date] = target.with_changes(
            presenter=email, swap_with=None, pinned=True,
            declined=tuple(d for d in target.declined if d != email))
        after, decision = self._decide(now, sessions, self.roster, date=target.date)
        _must_hold(after, email, target.date)
        return _caused(after, replace(decision.because(VOLUNTEERED, email),
                                      others=(displaced,) if displaced else (),
                                      summary=words("you present on {day}",
                                                    day=day_words(target.date))))

    def assign(self, day: date, email: str, now: datetime) -> tuple["Rota", Decision]:
        """The organiser puts someone on a session: as if they had volunteered for it."""
        member = self.member(email)
        self._session_on(day, now)  # a past, held or missing session says so first
        if not member.eligible_on(day):
            raise InputError(f"{member.name} <{email}> is paused or has left on "
                             f"{day_words(day)}")
        after, decision = self.volunteer(email, now, day)
        return _caused(after, decision.because(ASSIGNED, email))

    def _session_on(self, day: date, now: datetime) -> Session:
        """The session on `day`: a planned one, or a date further ahead made planned."""
        found = self.sessions.get(day)
        if found is not None and found.started(now):
            raise InputError(_past(found, now))
        if found is not None:
            if found.status != PLANNED:
                raise InputError(words("there is no session to take on {day} ({note})",
                                       day=day_words(day), note=Words(lambda: _(found.note)))
                                 if found.note else words("there is no session to take on {day}",
                                                          day=day_words(day)))
            return found
        start, end = session_times(self.community, day)
        if day.weekday() == self.community.weekday and start <= now:
            status, note = day_status(self.community, day)
            if status != PLANNED:
                raise InputError(_past(Session(community=self.community.id, date=day,
                                               status=status, note=note), now))
            # Not among the sessions read: held or called off, or before the community.
            raise InputError(words("{day} is in the past: a session that was held or has "
                                   "started cannot be changed", day=day_words(day)))
        if (day.weekday() != self.community.weekday  # a past session date raised above
                or day > self.today(now) + FAR_AHEAD
                or day_status(self.community, day)[0] != PLANNED):
            raise InputError(words("there is no session on {day}", day=day_words(day)))
        return Session(community=self.community.id, date=day, starts_at=start, ends_at=end)

    def offer_swap(self, email: str, other: str, now: datetime) -> tuple["Rota", Decision]:
        """Ask `other` to trade: nothing changes until they reply `accept`."""
        if other == email:
            raise InputError(words("you cannot swap with yourself"))
        partner = self.member(other)
        if partner.opted_out:
            raise InputError(words("{address} has opted out", address=other))
        turn = self.next_turn(email, now)
        if not partner.eligible_on(turn.date):
            raise InputError(words("{address} is away on {day}", address=other,
                                   day=day_words(turn.date)))
        sessions = {**self.sessions, turn.date: turn.with_changes(swap_with=other)}
        after, decision = self._decide(now, sessions, self.roster, date=turn.date)
        return after, replace(decision, others=(other,), summary=(
            words("asked {name} to swap your session on {day}", name=partner.name,
                  day=day_words(turn.date))))

    def accept_swap(self, email: str, now: datetime) -> tuple["Rota", Decision]:
        """The partner accepts: both sessions change hands (or they take it, if unplanned)."""
        offer = self._offer_to(email, now)
        asker = offer.presenter
        mine = next((s for s in self.coming(now) if s.presenter == email), None)
        # Each takes the other's date by choice: a date they gave away before is theirs
        # again (else the planner would hand it to a third person).
        # Without a session to give back, the asker gives theirs away, as with a skip.
        given = {asker} if mine is None and asker else set()
        sessions = {**self.sessions, offer.date: offer.with_changes(
            presenter=email, swap_with=None, pinned=True,
            declined=tuple(sorted({*offer.declined, *given} - {email})))}
        if mine is not None:
            if asker is None or not self.member(asker).eligible_on(mine.date):
                raise InputError(words("{address} is away on {day}; the swap cannot happen",
                                       address=asker, day=day_words(mine.date)))
            sessions[mine.date] = mine.with_changes(
                presenter=asker, swap_with=None, pinned=True,
                declined=tuple(d for d in mine.declined if d != asker))
        after, decision = self._decide(now, sessions, self.roster, date=offer.date)
        _must_hold(after, email, offer.date)
        after, decision = _caused(after, decision.because(SWAPPED, email))
        # Said from the result, never from the intent.
        held = {d: after.sessions[d].presenter for d in (offer.date, *([mine.date] if mine
                                                                      else []))}
        said = [words("you now present on {day}", day=day_words(d)) if who == email
                else words("{name} presents on {day}", name=self.roster[who].name,
                           day=day_words(d)) if who in self.roster
                else words("nobody presents on {day} yet", day=day_words(d))
                for d, who in sorted(held.items())]
        summary = Words(lambda: "; ".join(map(str, said)))
        return after, replace(decision, others=(asker,) if asker else (), summary=summary)

    def decline_swap(self, email: str, now: datetime) -> tuple["Rota", Decision]:
        offer = self._offer_to(email, now)
        sessions = {**self.sessions, offer.date: offer.with_changes(swap_with=None)}
        after, decision = self._decide(now, sessions, self.roster, date=offer.date)
        return after, replace(decision,
                              others=(offer.presenter,) if offer.presenter else (),
                              summary=words("the swap for {day} is off",
                                            day=day_words(offer.date)))

    def _offer_to(self, email: str, now: datetime) -> Session:
        offer = next((s for s in self.coming(now) if s.swap_with == email), None)
        if offer is None:
            raise InputError(words("nobody has asked you to swap"))
        return offer

    def set_topic(self, email: str, topic: str, now: datetime) -> tuple["Rota", Decision]:
        turn = self.next_turn(email, now)
        sessions = {**self.sessions, turn.date: turn.with_changes(topic=topic)}
        after, decision = self._decide(now, sessions, self.roster, date=turn.date)
        return after, replace(decision, summary=(
            words("the topic of your session on {day} is now “{topic}”",
                  day=day_words(turn.date), topic=topic)))


def _must_hold(after: "Rota", email: str, day: date) -> None:
    """Someone who asked for `day` (volunteering, accepting a swap) holds it once the rules
    are applied, or is refused, with the rule that stood in the way."""
    if (_presented(after.roster, after.sessions, email, day)
            and _newcomers(after.roster, after.sessions, day)):
        raise InputError(words(
            "you cannot take {day}: you have presented before, and someone who could "
            "present that day has not had a first turn yet (nobody presents again "
            "while a member who could has never presented)", day=day_words(day)))
    if after.sessions[day].presenter != email:
        # Only possible when nobody else can take their other turn: they would present
        # twice while someone who could present holds no session.
        raise InputError(words("you cannot take {day}: you would present twice while "
                               "someone else has no session", day=day_words(day)))


def _topics_follow(old: Mapping[date, Session], planned: dict[date, Session],
                   roster: Mapping[str, Member], now: datetime) -> dict[str, Member]:
    """A topic belongs to its presenter: when a session changes hands, its topic leaves
    with whoever had it, to the session they move to (a swap, a move up the queue), or it
    waits on them for their next turn (dropped if they left); the new presenter brings
    theirs, or none. Returns the roster with the topics that wait."""
    roster = dict(roster)
    changed = [d for d, s in planned.items()
               if d in old and s.presenter != old[d].presenter]
    taken = {old[d].presenter: old[d].topic for d in changed
             if old[d].presenter and old[d].topic}
    for d in changed:
        planned[d] = planned[d].with_changes(topic=taken.pop(planned[d].presenter, None))
    for email, topic in taken.items():
        if email in roster and not roster[email].opted_out:
            roster[email] = replace(roster[email], topic=topic)
    for d, s in sorted(planned.items()):  # a topic that waited goes to their next turn
        member = roster.get(s.presenter or "")
        if (member is not None and member.topic and not s.topic and s.status == PLANNED
                and not s.started(now)):
            planned[d] = s.with_changes(topic=member.topic)
            roster[member.email] = replace(member, topic=None)
    return roster


def _caused(after: Rota, decision: Decision) -> tuple[Rota, Decision]:
    """The rota with the sessions of `decision` as it says (their cause stamped)."""
    return replace(after, sessions={**after.sessions,
                                    **{s.date: s for s in decision.sessions}}), decision


def untold(rota: Rota, now: datetime) -> tuple[Change, ...]:
    """What changed since people were last told, session by session: a burst of changes
    (a pause, then a resume, then someone leaving) is one change from what they were
    told to what is now, with the last cause."""
    changes = []
    for day, s in sorted(rota.sessions.items()):
        if s.started(now) or s.starts_at is None:
            continue
        told = None if s.told in (None, OPEN) else s.told
        if (s.told is None and s.presenter is None) or told == s.presenter:
            continue
        changes.append(Change(day, told, s.presenter, s.cause, s.cause_by))
    return tuple(changes)


def all_told(rota: Rota, now: datetime) -> Rota:
    """The rota once everyone concerned was told who presents each coming session."""
    return replace(rota, sessions={
        d: s if s.started(now) or s.starts_at is None
        else s.with_changes(told=s.presenter or OPEN) for d, s in rota.sessions.items()})


# ---- the planner -----------------------------------------------------------------------
def _settle(community: Community, roster: Mapping[str, Member],
            sessions: Mapping[date, Session], now: datetime
            ) -> tuple[Community, dict[str, Member], dict[date, Session]]:
    """Count every session that ended since `community.settled` into its presenter's turns
    and move `settled` past it, so that planning never reads the history before it. Only a
    real presenter counts: one who could no longer present that day (mail stopped after
    bounces before it began) is taken off the session, which was held by nobody (those
    sessions are returned)."""
    roster = dict(roster)
    ended = [s for d, s in sorted(sessions.items())
             if s.ends_at is not None and s.ends_at <= now
             and (community.settled is None or d >= community.settled)]
    if not ended:
        return community, roster, {}
    nobody = {}
    for s in ended:
        member = roster.get(s.presenter or "")
        if not s.held(now) or member is None:
            continue
        # Neither a pause nor leaving can have begun before the session did (both plan
        # again at once, taking the presenter off every session not yet started): one
        # asked during it keeps it. Mail stopped by bounces is only seen at the next run.
        during = replace(member, paused_until=None, opted_out=False)
        if not _fits({**roster, member.email: during}, s, member.email):
            nobody[s.date] = s.with_changes(presenter=None, topic=None)
            continue
        roster[member.email] = replace(
            member, times_presented=member.times_presented + 1,
            last_presented=max(s.date, member.last_presented or s.date))
    return (community.with_changes(settled=ended[-1].date + timedelta(days=1)), roster,
            nobody)


def _plan(community: Community, roster: Mapping[str, Member], sessions: dict[date, Session],
          now: datetime, lookahead: int | None) -> dict[date, Session]:
    known = set(sessions)
    # Future sessions on a weekday the community no longer meets are called off.
    for day, s in list(sessions.items()):
        if s.status == PLANNED and day.weekday() != community.weekday and not s.started(now):
            sessions[day] = s.with_changes(status=CANCELLED, note=N_("moved to another weekday"),
                                           pinned=False)
    for day in horizon(community, now, lookahead):
        status, note = day_status(community, day)
        start, end = session_times(community, day)
        s = sessions.get(day) or Session(community=community.id, date=day)
        if s.status == CANCELLED and day in known:
            sessions[day] = s.with_changes(starts_at=start, ends_at=end)
            continue  # called off by hand stays off
        if status != PLANNED:
            s = s.with_changes(status=status, presenter=None, note=note, pinned=False)
        elif s.status != PLANNED:
            s = s.with_changes(status=PLANNED, note=None)
        sessions[day] = s.with_changes(starts_at=start, ends_at=end)
    # A blackout or holiday added later also calls off sessions beyond the horizon.
    for day, s in list(sessions.items()):
        status, note = day_status(community, day)
        if s.status == PLANNED and status != PLANNED and not s.started(now):
            sessions[day] = s.with_changes(status=status, presenter=None, note=note,
                                           pinned=False)
    window = [d for d in sorted(sessions)
              if sessions[d].status == PLANNED and not sessions[d].started(now)]
    for day in window:  # whoever can no longer present there lets it go first
        if sessions[day].presenter and not _fits(roster, sessions[day], sessions[day].presenter):
            sessions[day] = sessions[day].with_changes(presenter=None, pinned=False,
                                                       swap_with=None)
    planning = timedelta(weeks=lookahead or community.lookahead)
    _fill(roster, sessions, window, firm={d: d - planning for d in window
                                          if sessions[d].starts_at
                                          and sessions[d].starts_at < now + NOTICE})
    return sessions


def _fits(roster: Mapping[str, Member], session: Session, email: str | None) -> bool:
    """Can present then: eligible, has not given that session away, and mail reaches them
    (whose mail stopped after bounces is not planned until they write again)."""
    member = roster.get(email or "")
    return (member is not None and member.eligible_on(session.date) and member.reachable
            and member.email not in session.declined)


def _fill(roster: Mapping[str, Member], sessions: dict[date, Session],
          window: list[date], firm: Mapping[date, date]) -> None:
    """Give every session of the window its presenter, in date order (see module doc).
    `firm`: the sessions starting within NOTICE, with the day each was planned."""
    # Who made way for a newcomer (and for whom): each takes a later repeat turn of
    # someone who waited less (see _behind).
    bumped: dict[str, str] = {}
    for day in window:
        s = sessions[day]
        p = s.presenter
        if _fits(roster, s, p) and _keeps(roster, sessions, window, day):
            if not _presented(roster, sessions, p, day):
                continue  # a first turn
            waiting = _waiting_newcomers(roster, sessions, window, day)
            if day in firm:  # only who was a member when it was planned has a claim
                waiting = [e for e in waiting if roster[e].joined <= firm[day]]
            if waiting:
                choice = _pick(roster, sessions, window, day)  # a repeat turn makes way
                bumped[p] = choice
                sessions[day] = s.with_changes(presenter=choice, pinned=False, swap_with=None,
                                               cause=FIRST, cause_by=choice)
                continue
            taker = _behind(roster, sessions, day, list(bumped))
            if taker is None:
                continue
            bumped[p] = newcomer = bumped.pop(taker)
            sessions[day] = s.with_changes(presenter=taker, pinned=False, swap_with=None,
                                           cause=FIRST, cause_by=newcomer)
            continue
        choice = _pick(roster, sessions, window, day)
        newcomer = bumped.pop(choice, None)  # whoever made way takes this one
        if choice != p:
            # If they were planned later, that turn is now a second one: it is filled in
            # turn when the loop reaches it, so the queue moves up.
            sessions[day] = s.with_changes(presenter=choice, pinned=False, swap_with=None,
                                           **({"cause": FIRST, "cause_by": newcomer}
                                              if newcomer else {}))
    # Whoever made way and still holds nothing (the turn they gave up was the window's
    # last) takes the latest repeat turn of someone who presents twice in the window.
    for giver, newcomer in bumped.items():
        if giver in _holders(sessions, window):
            continue
        twice = next((d for d in reversed(window) if _fits(roster, sessions[d], giver)
                      and not sessions[d].pinned and sessions[d].presenter
                      and any(sessions[e].presenter == sessions[d].presenter
                              for e in window if e < d)), None)
        if twice is not None:
            sessions[twice] = sessions[twice].with_changes(
                presenter=giver, swap_with=None, cause=FIRST, cause_by=newcomer)


def _waiting_newcomers(roster: Mapping[str, Member], sessions: Mapping[date, Session],
                       window: list[date], day: date) -> list[str]:
    """Who could present on `day`, has never presented and has not chosen a date of their
    own: a repeat turn makes way for them."""
    chose = {sessions[d].presenter for d in window if sessions[d].pinned}
    return [e for e in _newcomers(roster, sessions, day) if e not in chose]


def _wait(roster: Mapping[str, Member], sessions: Mapping[date, Session], email: str,
          day: date) -> tuple[date, int]:
    """How long `email` has waited by `day`, as an order: their latest turn before it
    (held, under way or planned; for someone who never presented, the day they joined),
    then the order they were added."""
    member = roster[email]
    turns = [d for d, s in sessions.items()
             if d < day and s.presenter == email and s.status == PLANNED]
    last = max([*turns, *([member.last_presented] if member.last_presented else [])],
               default=member.joined)
    return last, member.order


def _behind(roster: Mapping[str, Member], sessions: Mapping[date, Session], day: date,
            bumped: list[str]) -> str | None:
    """Who takes the repeat turn on `day` (not a chosen date) from its presenter: whoever
    made way for a newcomer and has waited longer than them, longest first. So the queue
    moves on by one week, in its order."""
    s = sessions[day]
    if s.pinned:
        return None
    taker = min((b for b in bumped if b != s.presenter and _fits(roster, s, b)),
                key=lambda b: _wait(roster, sessions, b, day), default=None)
    if taker is None or (_wait(roster, sessions, taker, day)
                         >= _wait(roster, sessions, s.presenter, day)):
        return None
    return taker


def _keeps(roster: Mapping[str, Member], sessions: Mapping[date, Session],
           window: list[date], day: date) -> bool:
    """Whether the presenter planned on `day`, who can present then, keeps it: a first
    turn in the window does (it was planned fairly then, and planned weeks stay), a second
    one only when chosen while nobody who could present holds a session."""
    s = sessions[day]
    if all(sessions[d].presenter != s.presenter for d in window if d < day):
        return True
    return s.pinned and not _waiting(roster, sessions, window, day)


def _presented(roster: Mapping[str, Member], sessions: Mapping[date, Session],
               email: str | None, day: date) -> bool:
    """Whether `email` presented before `day`: a held turn counted, or one under way or
    planned before it."""
    member = roster.get(email or "")
    return (member is not None and member.times_presented > 0) or any(
        d < day and s.presenter == email and s.status == PLANNED
        for d, s in sessions.items())


def _newcomers(roster: Mapping[str, Member], sessions: Mapping[date, Session],
               day: date) -> list[str]:
    """Who could present on `day` and has not presented before it: they come before
    anyone's next turn."""
    return [e for e in roster if _fits(roster, sessions[day], e)
            and not _presented(roster, sessions, e, day)]


def _holders(sessions: Mapping[date, Session], window: list[date]) -> set[str]:
    return {sessions[d].presenter for d in window if sessions[d].presenter}


def _waiting(roster: Mapping[str, Member], sessions: Mapping[date, Session],
             window: list[date], day: date) -> bool:
    """Whether someone who could present on `day` holds no session in the window."""
    holders = _holders(sessions, window)
    return any(e not in holders and _fits(roster, sessions[day], e) for e in roster)


def _pick(roster: Mapping[str, Member], sessions: Mapping[date, Session],
          window: list[date], day: date) -> str | None:
    """Who presents on `day`: a newcomer first (join order), then whoever eligible has
    waited longest; someone holding a turn they chose later in the window ranks last."""
    s = sessions[day]
    candidates = [e for e in roster if _fits(roster, s, e)]
    if not candidates:
        return None
    newcomers = set(_newcomers(roster, sessions, day))

    def key(email: str):
        chosen_later = any(sessions[d].presenter == email and sessions[d].pinned
                           for d in window if d > day)
        earlier = [d for d in window if d < day and sessions[d].presenter == email]
        # A turn earlier in the window always counts as more recent than any turn before
        # it (someone joining on a session's own day must not tie with its presenter).
        newcomer = email in newcomers
        last, order = _wait(roster, sessions, email, day)
        return (chosen_later, bool(earlier), not newcomer, date.min if newcomer else last,
                order)

    return min(candidates, key=key)


def _past(session: Session, now: datetime) -> str:
    """Why a session that has started cannot be taken: it is history."""
    day = day_words(session.date)
    if session.status != PLANNED:
        return (words("there was no session on {day} ({note}); it is past", day=day,
                      note=Words(lambda: _(session.note))) if session.note
                else words("there was no session on {day}; it is past", day=day))
    if session.held(now):
        return words("the session on {day} was already held; it cannot be changed", day=day)
    return words("the session on {day} has started; it cannot be changed", day=day)


def presented(member: Member, sessions: Iterable[Session], now: datetime) -> list[date]:
    """Dates this member presented at a session that has been held."""
    return sorted(s.date for s in sessions if s.presenter == member.email and s.held(now))
