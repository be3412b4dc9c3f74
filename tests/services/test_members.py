"""Member changes and their bad input: each error is clear and changes nothing."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from functions.domain.errors import Conflict, InputError, NotFound
from functions.services.changes import communities, members
from functions.services.reads.tables import member_rows, schedule_rows


@pytest.fixture
def guild(deps):
    communities.add_community(deps.store, deps.clock.now(), "guild", name="Guild",
                              timezone="Europe/London", weekday=4, start=time(16))
    return deps


def emails(deps):
    return [m.email for m in deps.store.list_members("guild")]


def test_import_adds_everyone_in_order(guild):
    data = "email,name\nAna@Example.com,Ana\nben@example.com,\n".encode()
    added = members.join_many(guild, "guild", data)
    assert [m.email for m in added] == ["ana@example.com", "ben@example.com"]
    assert [m.name for m in added] == ["Ana", "ben"]
    assert [m.order for m in added] == [0, 1]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"email,name\n", "no members"),
    (b"name,phone\nAna,123\n", "header"),
    (b"email,name\nana@example.com,Ana\n,Nobody\n", "line 3: no email"),
    (b"email,name\nana@example.com,Ana\nnot-an-address,Bad\n", "line 3"),
    (b"email,name\nana@example.com,Ana\nANA@example.com,Again\n", "already on line 2"),
    (b"email,name\n\"ana@example.com,Ana\n", "malformed"),
    (b"email,name\nana@example.com,Ana,extra\n", "3 fields"),
    ("email,name\nana@example.com,Ana\n".encode("utf-16"), "UTF-8"),
    (b"email,name\nana@example.com\r\nBcc: x@evil.com,Bad\n", "line 3"),
])
def test_bad_csv_is_refused_whole(guild, data, message):
    with pytest.raises(InputError, match=message):
        members.join_many(guild, "guild", data)
    assert emails(guild) == []


def test_import_is_all_or_nothing_when_one_is_already_a_member(guild):
    members.join(guild, "guild", "ben@example.com")
    with pytest.raises(Conflict, match="ben@example.com"):
        members.join_many(guild, "guild",
                               b"email,name\nana@example.com,Ana\nben@example.com,Ben\n")
    assert emails(guild) == ["ben@example.com"]


def test_huge_csv_is_refused(guild):
    data = b"email,name\n" + b"x@example.com,X\n" * 200_000
    with pytest.raises(InputError, match="limit"):
        members.join_many(guild, "guild", data)


def test_unknown_community_duplicate_and_unknown_member(guild):
    now = guild.clock.now()
    with pytest.raises(NotFound, match="no community"):
        members.join(guild, "nope", "ana@example.com")
    members.join(guild, "guild", "ana@example.com")
    with pytest.raises(Conflict, match="already a member"):
        members.join(guild, "guild", "ANA@example.com")
    with pytest.raises(NotFound, match="not a member"):
        members.leave(guild, "guild", "zed@example.com")


def test_pause_in_the_past_is_refused(guild):
    now = guild.clock.now()
    members.join(guild, "guild", "ana@example.com")
    with pytest.raises(InputError, match="after today"):
        members.pause(guild, "guild", "ana@example.com", now.date())
    assert guild.store.get_member("guild", "ana@example.com").paused_until is None


def test_statuses_and_pause_ends_on_its_date(guild, clock):
    now = clock.now()
    for e in ("ana@example.com", "ben@example.com", "cat@example.com"):
        members.join(guild, "guild", e)
    back = now.date() + timedelta(days=10)
    members.pause(guild, "guild", "ben@example.com", back)
    members.leave(guild, "guild", "cat@example.com")
    rows = {r["email"]: r for r in member_rows(guild.store, "guild", now)}
    assert rows["ana@example.com"]["status"] == "active"
    assert rows["ben@example.com"]["status"] == "paused"
    assert rows["ben@example.com"]["paused_until"] == back.isoformat()
    assert rows["cat@example.com"]["status"] == "opted_out"
    clock.advance(timedelta(days=10))
    rows = {r["email"]: r for r in member_rows(guild.store, "guild", clock.now())}
    assert rows["ben@example.com"]["status"] == "active"


def test_opted_out_and_paused_people_are_not_scheduled(guild):
    now = guild.clock.now()
    for e in ("ana@example.com", "ben@example.com", "cat@example.com"):
        members.join(guild, "guild", e)
    members.leave(guild, "guild", "ana@example.com")
    members.pause(guild, "guild", "ben@example.com",
                  now.date() + timedelta(weeks=3))
    rows = schedule_rows(guild.store, "guild", now, weeks=2)
    assert {r["presenter"] for r in rows} == {"cat@example.com"}
