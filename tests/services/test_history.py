"""The exact history: every change is noted with when, whose doing it was and what, in the
same write as the change itself (services/changelog.py, services/actors.py), and the
console's history reads it back with names from the current roster."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from werkzeug.test import Client

from functions.adapters.memory_store import MemoryStore
from functions.domain.delivery import LedgerKey
from functions.entrypoints.serve import wsgi_app
from functions.ports import RotaWrite
from functions.services import actors, changelog
from functions.services.activity import digest_of
from functions.services.changes import communities, members, sessions
from functions.services.jobs.tick import tick
from functions.services.reads.history import events
from functions.services.replies.inbox import handle_reply
from tests.builders import reply, setup_guild

P2, P3 = "p2@example.com", "p3@example.com"


def changes_noted(deps) -> list[dict]:
    """Every change note, as stored (detail decoded)."""
    return [json.loads(detail) | {"key": key, "at": at}
            for key, _, at, detail in deps.store.list_records("guild/change/")]


def lines(deps, by: str | None = None) -> list[tuple[str, str]]:
    """(who, what) of each change line of the history, newest first."""
    return [(e["by"], e["what"]) for e in events(deps.store, "guild", deps.clock.now())
            if e["source"] == "change" and (by is None or by in e["by"])]


@pytest.fixture
def guild(deps):
    setup_guild(deps)
    tick(deps)
    deps.clock.advance(timedelta(minutes=5))
    return deps


def test_a_members_reply_is_theirs(guild):
    assert handle_reply(guild, reply(guild, P2, "pause until 2027-01-20")).outcome == "done"
    assert ("Person 2's reply", "Person 2 paused until 2027-01-20") in lines(guild)
    assert all(note["actor"] == digest_of(P2) for note in changes_noted(guild)
               if note["by"] == actors.MEMBER)


def test_a_members_reply_that_moves_sessions_says_each_move(guild):
    mine = next(s for s in guild.store.list_sessions("guild") if s.presenter == P2)
    assert handle_reply(guild, reply(guild, P2, "skip")).outcome == "done"
    after = guild.store.list_sessions("guild")
    new = next(s for s in after if s.date == mine.date).presenter
    names = {m.email: m.name for m in guild.store.list_members("guild")}
    assert ("Person 2's reply", f"session of {mine.date}: presenter Person 2 → "
            f"{names[new]} (skipped)") in lines(guild)


def test_the_rotas_run_is_the_runs(guild):
    guild.clock.advance(timedelta(days=7))  # a week on: one more session to plan
    tick(guild)
    newest = max(s.date for s in guild.store.list_sessions("guild"))
    assert any(what.startswith(f"session of {newest} planned: ")
               for _, what in lines(guild, "the rota's run"))
    assert {by for by, _ in lines(guild) if "planned" in _} <= {"the rota's run", "unknown"}


def test_a_declined_invite_in_the_run_is_the_members_calendar_answer(guild):
    first = next(s for s in guild.store.list_sessions("guild") if s.presenter)
    name = guild.store.get_member("guild", first.presenter).name
    guild.calendar.answers[f"guild-{first.date.isoformat()}@cop"] = {
        first.presenter: "declined"}
    tick(guild)
    assert any(by == f"{name}'s calendar answer" and f"presenter {name} →" in what
               for by, what in lines(guild))


def test_the_unsubscribe_link_is_named(guild):
    token = guild.mail.tokens.unsubscribe_token("guild", P3)
    answer = Client(wsgi_app(guild)).post(f"/unsubscribe?t={token}",
                                          data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert ("Person 3, by the unsubscribe link", "Person 3 left") in lines(guild)


def test_a_bounce_that_stops_mail_is_the_mail_systems(guild):
    for count in range(3):
        members.update(guild.store, "guild", P2, guild.clock.now(), bounces=count + 1)
    assert ("the mail system (bounces)", "mail to Person 2 stopped after bounces") in \
        lines(guild)


def test_a_change_with_no_actor_says_unknown(guild):
    sessions.set_topic(guild, "guild", P2, "Pairing")
    who = [by for by, what in lines(guild) if what.endswith("topic set")]
    assert who == ["unknown"]


def test_settings_say_which_fields_changed_and_never_their_values(guild):
    with actors.acting(actors.Actor(actors.COMMAND_LINE)):
        communities.set_community(guild, "guild", video_url="https://meet.example.com/x",
                                  organisers=("boss@example.com",))
    assert ("an organiser, by the command line",
            "settings changed: organisers, video_url") in lines(guild)
    raw = repr(guild.store.list_records("guild/change/"))
    assert "boss@example.com" not in raw and "meet.example.com" not in raw


def test_newest_first_in_the_communitys_zone(guild):
    with actors.acting(actors.Actor(actors.COMMAND_LINE)):
        members.pause(guild, "guild", P2, date(2027, 1, 20), by_organiser=True)
        guild.clock.advance(timedelta(hours=1))
        members.resume(guild, "guild", P2, by_organiser=True)
    shown = [e for e in events(guild.store, "guild", guild.clock.now())
             if e["source"] == "change"]
    assert [e["what"] for e in shown[:1]] == ["Person 2's pause ended"]
    assert [e["at"] for e in shown] == sorted((e["at"] for e in shown), reverse=True)


class Saves:
    """The store, with every RotaWrite it was given."""

    def __init__(self, store: MemoryStore) -> None:
        self.store, self.writes = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def save(self, write: RotaWrite) -> None:
        self.writes.append(write)
        self.store.save(write)


def test_each_change_and_its_note_are_one_write(guild):
    guild.store = Saves(guild.store)
    assert handle_reply(guild, reply(guild, P2, "pause until 2027-01-20")).outcome == "done"
    changed = [w for w in guild.store.writes
               if any(m.email == P2 and m.paused_until for m in w.members)]
    assert len(changed) == 1  # the pause itself
    noted = [w for w in guild.store.writes
             if any(LedgerKey.parse(k).kind == changelog.KIND for k, _ in w.records)]
    assert noted == changed  # its note is in that write, and in no other


def test_a_note_holds_no_address_nor_name(guild):
    assert handle_reply(guild, reply(guild, P2, "skip")).outcome == "done"
    raw = repr(guild.store.list_records("guild/change/")).lower()
    for m in guild.store.list_members("guild"):
        assert m.email not in raw and m.name.lower() not in raw


def test_a_crash_at_any_write_leaves_the_change_and_its_note_both_or_neither(guild):
    import copy

    from tests.services.test_run_crash import Crash, DyingStore
    raw = reply(guild, P2, "pause until 2027-01-20")
    original = guild.store
    outcomes = set()
    for at in range(1, 30):
        for after in (False, True):
            guild.store = DyingStore(copy.deepcopy(original), at, after)
            try:
                handle_reply(guild, raw)
            except Crash:
                pass
            paused = guild.store.store.get_member("guild", P2).paused_until is not None
            noted = any(n["what"] == "paused" for n in changes_noted(guild))
            assert paused == noted, (at, after)
            outcomes.add(paused)
            if guild.store.writes < at:  # it finished before that write
                break
    assert outcomes == {True, False}


def test_a_declined_invite_mailed_back_is_the_members_calendar_answer(deps):
    import dataclasses

    from tests.services.test_calendar_truth import rsvp
    deps.mail = dataclasses.replace(deps.mail, attach_invites=True)
    setup_guild(deps, keep_welcomes=True)
    tick(deps)
    guild = deps
    first = next(s for s in guild.store.list_sessions("guild") if s.presenter)
    name = guild.store.get_member("guild", first.presenter).name
    assert handle_reply(guild, rsvp(guild, first.presenter, first)).outcome == "rsvp"
    assert any(by == f"{name}'s calendar answer" and f"presenter {name} →" in what
               for by, what in lines(guild))


def test_what_each_change_of_a_session_says(guild):
    mine = next(s for s in guild.store.list_sessions("guild") if s.presenter == P2)
    assert handle_reply(guild, reply(guild, P2, "topic: Pairing")).outcome == "done"
    assert handle_reply(guild, reply(guild, P2, f"swap with {P3}")).outcome == "done"
    said = lines(guild, "Person 2's reply")
    assert ("Person 2's reply", f"session of {mine.date}: topic set") in said
    assert ("Person 2's reply", f"session of {mine.date}: Person 2 asked Person 3 to swap"
            ) in said
    with actors.acting(actors.Actor(actors.COMMAND_LINE)):
        communities.set_community(guild, "guild", blackouts=(mine.date,))
    by_organiser = lines(guild, "command line")
    assert ("an organiser, by the command line", "settings changed: blackouts") in by_organiser
    assert ("an organiser, by the command line",
            f"session of {mine.date} called off (blackout)") in by_organiser


def test_an_import_is_one_note_naming_whoever_joined(guild):
    roster = "email,name\n" + "".join(f"n{i}@example.com,New {i}\n" for i in range(12))
    guild.store = Saves(guild.store)
    members.join_many(guild, "guild", roster.encode())
    [write] = [w for w in guild.store.writes if w.new_members]
    notes = [k for k, _ in write.records if LedgerKey.parse(k).kind == changelog.KIND]
    assert len(write.new_members) == 12 and len(notes) < 12
    assert any(what == "12 members joined: " + ", ".join(f"New {i}" for i in range(10))
               + " and 2 more" for _, what in lines(guild))
