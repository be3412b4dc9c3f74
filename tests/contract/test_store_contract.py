"""The Store contract (functions.ports.Store), checked on memory, SQLite and Firestore alike."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.adapters.firestore_store import FirestoreStore, doc_id
from functions.domain.delivery import CLAIMED, PENDING, SENT, Entry
from functions.domain.errors import Conflict
from functions.domain.models import CANCELLED, HOLIDAY, PLANNED, Community, Member, Session
from functions.ports import RotaWrite
from functions.services import ledger

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 11, 30, 22, 15, tzinfo=timezone.utc)


def member(email: str, order: int, **changes) -> Member:
    plain = Member(email=email, name=email.split("@")[0].title(), joined=date(2026, 1, 5),
                   order=order)
    return replace(plain, **changes)


def session(day: date, community: str = "pm", **changes) -> Session:
    return Session(community=community, date=day, **changes)


# communities

def test_community_round_trips_every_field(store):
    full = Community(
        id="pm", name="Product managers", timezone="Australia/Sydney", weekday=3,
        start=time(15, 45, 30, 250), minutes=45, holidays="AU-NSW", lookahead=6,
        digest_weekday=1, digest_time=time(8, 5), reply_to="cop@example.com",
        blackouts=(date(2026, 12, 25), date(2027, 1, 1)),
        allow_domains=("example.com", "example.org"), organisers=("ana@example.com",),
        video_url="https://meet.example.com/abc-defg-hij", settled=date(2026, 11, 28),
        created=datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=SYDNEY))
    bare = Community(id="eng", name="Engineers", timezone="UTC")
    store.put_community(full)
    store.put_community(bare)

    got = store.get_community("pm")
    assert got == full
    assert got.created.utcoffset() == timedelta(hours=11)
    assert isinstance(got.blackouts, tuple) and isinstance(got.organisers, tuple)
    assert store.get_community("eng") == bare  # None and empty tuples survive too


def test_communities_are_listed_by_id_and_overwritten_by_put(store):
    for cid in ("zeta", "alpha", "mid"):
        store.put_community(Community(id=cid, name=cid.upper(), timezone="UTC"))
    store.put_community(Community(id="mid", name="Renamed", timezone="Europe/Paris"))

    assert [c.id for c in store.list_communities()] == ["alpha", "mid", "zeta"]
    assert store.get_community("mid").name == "Renamed"
    assert store.get_community("nope") is None


def test_communities_created_since_a_time_are_listed_alone(store):
    """The roster page's token index brings itself up to date with these: a community of
    another zone, created after the time, counts; one created before, or never told when
    it was created, does not."""
    since = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)
    store.put_community(Community(id="old", name="Old", timezone="UTC",
                                  created=since - timedelta(seconds=1)))
    store.put_community(Community(id="timeless", name="Timeless", timezone="UTC"))
    # 10:30 in Sydney on 30 November is 23:30 UTC on the 29th: before, though it reads later
    store.put_community(Community(id="sydney", name="Sydney", timezone="Australia/Sydney",
                                  created=datetime(2026, 11, 30, 10, 30, tzinfo=SYDNEY)))
    store.put_community(Community(id="new", name="New", timezone="UTC", created=since))
    store.save(RotaWrite("later", community=Community(
        id="later", name="Later", timezone="Australia/Sydney",
        created=datetime(2026, 12, 1, 9, 0, tzinfo=SYDNEY))))

    assert [c.id for c in store.list_communities(created_since=since)] == ["later", "new"]
    assert len(store.list_communities()) == 5


# members

def test_members_round_trip_and_list_in_the_order_they_were_added(store):
    added = [member("zoe@example.com", 0, opted_out=True),
             member("ana@example.com", 2, paused_until=date(2027, 1, 10), bounces=3),
             member("bo@example.com", 1)]
    store.add_members("pm", added)
    store.put_member("eng", member("eve@example.com", 0))

    assert store.list_members("pm") == sorted(added, key=lambda m: m.order)
    assert store.get_member("pm", "ana@example.com") == added[1]
    assert store.list_members("eng") == [member("eve@example.com", 0)]


def test_put_member_creates_and_replaces(store):
    store.put_member("pm", member("ana@example.com", 0))
    store.put_member("pm", member("ana@example.com", 0, paused_until=date(2027, 1, 10)))

    assert store.list_members("pm") == [member("ana@example.com", 0,
                                               paused_until=date(2027, 1, 10))]


def test_unknown_member_or_community_is_none_or_empty(store):
    store.put_member("pm", member("ana@example.com", 0))

    assert store.get_member("pm", "bo@example.com") is None
    assert store.get_member("eng", "ana@example.com") is None
    assert store.list_members("eng") == []


def test_add_members_is_all_or_nothing(store):
    store.add_members("pm", [member("ana@example.com", 0)])
    batch = [member("bo@example.com", 1), member("ana@example.com", 2, name="Imposter"),
             member("cy@example.com", 3)]

    with pytest.raises(Conflict, match="ana@example.com"):
        store.add_members("pm", batch)

    assert store.list_members("pm") == [member("ana@example.com", 0)]
    assert store.get_member("pm", "bo@example.com") is None
    store.add_members("pm", [batch[0], batch[2]])  # the same batch minus the clash goes in
    assert [m.email for m in store.list_members("pm")] == [
        "ana@example.com", "bo@example.com", "cy@example.com"]


def test_add_members_refuses_an_email_listed_twice(store):
    batch = [member("ana@example.com", 0), member("bo@example.com", 1),
             member("ana@example.com", 2)]

    with pytest.raises(Conflict, match="ana@example.com"):
        store.add_members("pm", batch)
    assert store.list_members("pm") == []


def test_add_no_members_changes_nothing(store):
    store.add_members("pm", [])
    assert store.list_members("pm") == []


# sessions

def test_sessions_round_trip_every_field_and_keep_their_offset(store):
    starts = datetime(2026, 12, 4, 16, 0, tzinfo=SYDNEY)  # daylight saving: +11:00
    winter = datetime(2026, 6, 5, 16, 0, tzinfo=SYDNEY)  # standard time: +10:00
    planned = session(date(2026, 12, 4), presenter="ana@example.com", topic="Pricing pages",
                      starts_at=starts, ends_at=starts + timedelta(minutes=30),
                      declined=("bo@example.com", "cy@example.com"), sequence=3,
                      calendar_hash="sha256:0f1e", pinned=True, reassigned=2,
                      holders=(("ana@example.com", 3), ("b:o@example.com", 1)))
    june = session(date(2026, 6, 5), starts_at=winter, ends_at=winter + timedelta(hours=1))
    holiday = session(date(2026, 12, 25), status=HOLIDAY, note="Christmas Day")
    store.put_sessions("pm", [planned, june, holiday])

    got = {s.date: s for s in store.list_sessions("pm")}
    assert got == {s.date: s for s in (planned, june, holiday)}
    assert got[planned.date].starts_at.utcoffset() == timedelta(hours=11)
    assert got[june.date].starts_at.utcoffset() == timedelta(hours=10)
    assert got[planned.date].ends_at.timestamp() == planned.ends_at.timestamp()
    assert got[holiday.date].presenter is None and got[holiday.date].declined == ()


def test_list_sessions_filters_by_start_inclusive_end_exclusive_in_date_order(store):
    fridays = [date(2026, 11, 6) + timedelta(weeks=n) for n in range(6)]
    store.put_sessions("pm", [session(d) for d in reversed(fridays)])
    store.put_sessions("eng", [session(fridays[2], community="eng")])

    def dates(**bounds):
        return [s.date for s in store.list_sessions("pm", **bounds)]

    assert dates() == fridays
    assert dates(start=fridays[2]) == fridays[2:]
    assert dates(start=fridays[2] + timedelta(days=1)) == fridays[3:]
    assert dates(end=fridays[2]) == fridays[:2]
    assert dates(start=fridays[1], end=fridays[4]) == fridays[1:4]
    assert dates(start=fridays[3], end=fridays[3]) == []
    assert dates(start=date(2030, 1, 1)) == []
    assert store.list_sessions("nobody") == []


def test_put_sessions_overwrites_only_the_dates_it_is_given(store):
    first, second = date(2026, 12, 4), date(2026, 12, 11)
    store.put_sessions("pm", [session(first, presenter="ana@example.com"),
                              session(second, presenter="bo@example.com")])
    store.put_sessions("pm", [session(first, status=CANCELLED, note="offsite", sequence=1)])

    assert store.list_sessions("pm") == [
        session(first, status=CANCELLED, note="offsite", sequence=1),
        session(second, presenter="bo@example.com")]


def test_put_sessions_writes_nothing_when_the_batch_cannot_be_read(store):

    def sessions():
        yield session(date(2026, 12, 4))
        raise RuntimeError("calendar unavailable")

    with pytest.raises(RuntimeError):
        store.put_sessions("pm", sessions())
    assert store.list_sessions("pm") == []


# one unit of work: save

def test_save_writes_everything_of_a_unit_of_work(store):
    pm = Community(id="pm", name="PMs", timezone="UTC")
    store.save(RotaWrite("pm", community=pm, new_members=(member("ana@example.com", 0),),
                         mark_due=NOW))
    ana = member("ana@example.com", 0, times_presented=1, last_presented=date(2026, 12, 4))
    note = Entry("swap", NOW, expires=NOW + timedelta(days=800))
    mark = store.due_mark("pm")
    store.save(RotaWrite(
        "pm", community=replace(pm, settled=date(2026, 12, 5)),
        new_members=(member("bo@example.com", 1),), members=(ana,),
        sessions=(session(date(2026, 12, 4), presenter="ana@example.com"),
                  session(date(2026, 12, 11), presenter="bo@example.com")),
        records=(("pm/activity/swap/x/y", note),),
        settle_due=(NOW + timedelta(days=3), mark)))
    assert store.get_community("pm").settled == date(2026, 12, 5)
    assert store.list_members("pm") == [ana, member("bo@example.com", 1)]
    assert [s.presenter for s in store.list_sessions("pm")] == ["ana@example.com",
                                                                "bo@example.com"]
    assert store.entries(["pm/activity/swap/x/y"])["pm/activity/swap/x/y"].state == "swap"
    assert store.due_communities(NOW + timedelta(days=3)) == ["pm"]
    assert store.due_communities(NOW + timedelta(days=2)) == []  # settled: mark unchanged


def test_save_writes_nothing_when_a_new_member_exists(store):
    pm = Community(id="pm", name="PMs", timezone="UTC")
    store.save(RotaWrite("pm", community=pm, new_members=(member("ana@example.com", 0),)))
    with pytest.raises(Conflict):
        store.save(RotaWrite(
            "pm", community=replace(pm, name="Renamed"),
            new_members=(member("bo@example.com", 1), member("ana@example.com", 2)),
            sessions=(session(date(2026, 12, 4)),), records=(("pm/x/y/z", Entry("n", NOW)),),
            mark_due=NOW))
    assert store.get_community("pm").name == "PMs"
    assert [m.email for m in store.list_members("pm")] == ["ana@example.com"]
    assert store.list_sessions("pm") == [] and store.entries(["pm/x/y/z"]) == {}
    assert store.due_mark("pm") is None


def test_a_settle_after_a_mark_during_the_run_keeps_the_sooner_time(store):
    store.save(RotaWrite("pm", mark_due=NOW))
    mark = store.due_mark("pm")
    store.mark_due("pm", NOW + timedelta(hours=1))  # a reply while the run went on
    store.save(RotaWrite("pm", settle_due=(NOW + timedelta(days=3), mark)))
    assert store.due_communities(NOW) == ["pm"]


# claims and the outbox ledger

KEY = "pm/heads-up/2026-12-04/ana@example.com"


def test_claim_is_true_once(store):
    assert ledger.claim(store, KEY, NOW) is True
    assert ledger.claim(store, KEY, NOW + timedelta(minutes=15)) is False
    assert ledger.state(store, KEY) == ("claimed", NOW)  # the losing claim changed nothing
    assert ledger.claim(store, "pm/heads-up/2026-12-04/bo@example.com", NOW) is True


def test_claim_is_true_once_across_clients_of_one_backend(open_store):
    first, second = open_store(), open_store()
    later = NOW + timedelta(minutes=15)

    assert ledger.claim(first, KEY, NOW) is True
    assert ledger.claim(second, KEY, NOW) is False
    ledger.release(second, KEY)
    assert ledger.claim(first, KEY, later) is True
    assert ledger.claim(second, KEY, later) is False
    assert ledger.state(second, KEY) == ("claimed", later)


def test_release_lets_the_key_be_claimed_again(store):
    ledger.claim(store, KEY, NOW)
    ledger.release(store, KEY)

    assert ledger.state(store, KEY) is None
    assert ledger.claim(store, KEY, NOW) is True
    ledger.release(store, "never/claimed")  # releasing an unknown key is harmless


def test_record_creates_or_updates_the_state_and_its_time(store):
    assert ledger.state(store, KEY) is None
    ledger.record(store, KEY, "sent", NOW, "message-id <a@b>")
    assert ledger.state(store, KEY) == ("sent", NOW)
    assert ledger.claim(store, KEY, NOW) is False  # a recorded key counts as claimed

    other = "pm/digest/2026-11-30/bo@example.com"
    ledger.claim(store, other, NOW)
    ledger.record(store, other, "failed", NOW, "550 mailbox unavailable")
    retried = datetime(2026, 12, 1, 10, 0, tzinfo=SYDNEY)
    ledger.record(store, other, "sent", retried)
    state, when = ledger.state(store, other)
    assert (state, when) == ("sent", retried)
    assert when.utcoffset() == timedelta(hours=11)


def test_swap_replaces_an_entry_only_when_it_is_still_the_one_read(store):
    claimed = Entry(CLAIMED, NOW, owner="run-1", lease_until=NOW + timedelta(minutes=10),
                    expires=NOW + timedelta(days=35))
    assert store.swap(KEY, None, claimed) is True
    assert store.swap(KEY, None, claimed.with_changes(owner="run-2")) is False
    assert store.entries([KEY, "absent"]) == {KEY: claimed}

    pending = claimed.with_changes(state=PENDING, owner="", lease_until=None, attempts=1,
                                   retry_at=NOW + timedelta(minutes=5), raw=b"Subject: x\r\n",
                                   invites="2026-12-04:2 2026-12-11:0:cancel",
                                   deadline=datetime(2026, 12, 4, 16, tzinfo=SYDNEY))
    stale = claimed.with_changes(owner="run-2")
    assert store.swap(KEY, stale, pending) is False  # someone else's view: nothing changes
    assert store.swap(KEY, claimed, pending) is True
    assert store.entries([KEY])[KEY] == pending
    assert ledger.state(store, KEY) == (PENDING, NOW)
    assert store.swap(KEY, pending, None) is True and store.entries([KEY]) == {}


def test_swap_lets_one_of_two_clients_take_an_expired_claim(open_store):
    first, second = open_store(), open_store()
    dead = Entry(CLAIMED, NOW, owner="dead", lease_until=NOW)
    first.swap(KEY, None, dead)
    seen = second.entries([KEY])[KEY]
    assert first.swap(KEY, seen, dead.with_changes(owner="a")) is True
    assert second.swap(KEY, seen, dead.with_changes(owner="b")) is False
    assert second.entries([KEY])[KEY].owner == "a"


def test_due_retries_are_pending_entries_whose_time_came(store):
    def pending(minutes):
        return Entry(PENDING, NOW, retry_at=NOW + timedelta(minutes=minutes), attempts=1)

    store.swap("pm/a", None, pending(10))
    store.swap("pm/b", None, pending(-5))
    store.swap("pm/c", None, pending(0))
    store.swap("pm/d", None, Entry(SENT, NOW))
    store.swap("pm2/e", None, pending(-5))
    store.swap("p/f", None, pending(-5))
    assert [k for k, _ in store.due_retries(NOW, 10, "pm")] == ["pm/b", "pm/c"]
    assert [k for k, _ in store.due_retries(NOW + timedelta(hours=1), 2, "pm")] == \
        ["pm/b", "pm/c"]
    assert store.due_retries(NOW, 10, "pm")[0][1] == pending(-5)


def test_the_due_index_finds_the_communities_due_and_keeps_the_sooner_time(store):
    later, sooner = NOW + timedelta(hours=3), NOW - timedelta(minutes=1)
    store.mark_due("a/b", later)  # ids that need escaping too
    store.mark_due("c", later)
    store.mark_due("c", sooner)
    store.mark_due("c", later)  # a later mark never hides a sooner one
    assert store.due_communities(NOW) == ["c"]
    assert store.due_communities(later) == ["a/b", "c"]
    assert store.due_mark("absent") is None


def test_settling_the_due_time_keeps_a_change_marked_during_the_run(store):
    store.mark_due("c", NOW - timedelta(minutes=1))
    mark = store.due_mark("c")
    store.settle_due("c", NOW + timedelta(days=2), mark)  # nothing happened meanwhile
    assert store.due_communities(NOW + timedelta(days=1)) == []
    assert store.due_mark("c") == mark

    store.mark_due("c", NOW + timedelta(days=3))  # a change during the next run
    store.settle_due("c", NOW + timedelta(days=4), mark)
    assert store.due_communities(NOW + timedelta(days=2)) == ["c"]
    store.settle_due("new", NOW + timedelta(days=1), None)  # its first run
    assert store.due_communities(NOW + timedelta(days=2)) == ["c", "new"]


def test_firestore_communities_stored_before_the_index_are_due_once(open_store):
    old = open_store()
    if not isinstance(old, FirestoreStore):
        pytest.skip("SQLite migrates its index (test_sqlite_migrations); memory has no past")
    old.put_community(Community(id="old", name="Old", timezone="UTC"))
    assert old.due_communities(NOW) == ["old"]
    old.settle_due("old", NOW + timedelta(days=1), old.due_mark("old"))
    assert open_store().due_communities(NOW) == []  # indexed once: not due again


def test_a_deleted_community_is_never_due_again(store):
    store.put_community(Community(id="gone", name="Gone", timezone="UTC"))
    store.mark_due("gone", NOW)
    store.delete_community("gone")
    assert store.due_communities(NOW) == []


def test_prune_forgets_expired_entries_where_the_store_has_no_ttl(store):
    store.swap("old", None, Entry(SENT, NOW, expires=NOW - timedelta(seconds=1)))
    store.swap("new", None, Entry(SENT, NOW, expires=NOW + timedelta(days=1)))
    ledger.claim(store, "handled", NOW)  # claims expire too
    gone = store.prune(NOW)
    left = set(store.entries(["old", "new", "handled"]))
    if isinstance(store, FirestoreStore):  # its TTL policy deletes; prune leaves it alone
        assert gone == 0
    else:
        assert (gone, left) == (1, {"new", "handled"})
        assert store.prune(NOW + timedelta(days=40)) == 2


def test_ids_that_need_escaping_round_trip_and_stay_distinct(store):
    awkward = ["a/b@example.com", "a%2Fb@example.com", ".", "..", "__x__", "%2E", "é@ü.example"]
    store.put_community(Community(id="team/one", name="Slash", timezone="UTC"))
    store.add_members("team/one", [member(email, n) for n, email in enumerate(awkward)])

    assert store.get_community("team/one").name == "Slash"
    assert store.get_community("team") is None
    assert [m.email for m in store.list_members("team/one")] == awkward
    for email in awkward:
        assert store.get_member("team/one", email).email == email
    assert ledger.claim(store, "a/b", NOW) and ledger.claim(store, "a%2Fb", NOW) and ledger.claim(store, "a", NOW)


def test_records_are_listed_by_key_prefix_only(store):
    """`list_records` finds entries by a range of keys: another community's, and one whose
    id starts the same, stay out."""
    for key in ("gu/sent/1", "guild/a/1", "guild/z/2", "guild0/x/1", "guilds/x/1", "inbound/9"):
        ledger.record(store, key, "sent", NOW, key)

    assert [r[0] for r in store.list_records("guild/")] == ["guild/a/1", "guild/z/2"]
    assert [r[0] for r in store.list_records("guild/z/")] == ["guild/z/2"]
    assert store.list_records("guild/a/1") == [("guild/a/1", "sent", NOW, "guild/a/1")]
    assert len(store.list_records("")) == 6



def test_integers_keep_their_full_64_bit_range(store, known_gap):
    known_gap("firestore", "the emulator rejects integers beyond ±(2**53 - 1) with "
                           "UNKNOWN 'Something went wrong'; Firestore itself stores int64")
    store.put_member("pm", member("ana@example.com", 2**63 - 1, bounces=-(2**63)))
    got = store.get_member("pm", "ana@example.com")
    assert (got.order, got.bounces) == (2**63 - 1, -(2**63))


# random values

def fixed_offsets() -> st.SearchStrategy[timezone]:
    # Fixed offsets only: an aware datetime in a zone's repeated hour never compares equal
    # to one in another zone (PEP 495), even for the same instant.
    return st.builds(lambda s: timezone(timedelta(seconds=s)), st.integers(-86399, 86399))


texts = st.text(max_size=40)
maybe_texts = st.none() | texts
small_ints = st.integers(-(2**31), 2**31)
emails = st.text(min_size=1, max_size=40)
aware = st.datetimes(timezones=fixed_offsets())

members = st.builds(Member, email=emails, name=texts, joined=st.dates(), order=small_ints,
                    opted_out=st.booleans(), paused_until=st.none() | st.dates(),
                    bounces=small_ints, times_presented=small_ints,
                    last_presented=st.none() | st.dates())
sessions = st.builds(
    Session, community=st.just("pm"), date=st.dates(max_value=date(9998, 12, 31)),
    status=st.sampled_from([PLANNED, CANCELLED, HOLIDAY]) | texts,
    presenter=maybe_texts, topic=maybe_texts, starts_at=st.none() | aware,
    ends_at=st.none() | aware, declined=st.lists(emails, max_size=4).map(tuple),
    note=maybe_texts, sequence=small_ints, calendar_hash=maybe_texts, pinned=st.booleans(),
    reassigned=small_ints,
    holders=st.lists(st.tuples(emails, small_ints), max_size=4, unique_by=lambda h: h[0])
    .map(lambda h: tuple(sorted(h))))

# Each example overwrites what it reads back, so sharing one store across examples is fine.
examples = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@examples
@given(new=members)
def test_any_member_round_trips(store, new):
    store.put_member("pm", new)
    assert store.get_member("pm", new.email) == new


@examples
@given(new=sessions)
def test_any_session_round_trips(store, new):
    store.put_sessions("pm", [new])
    (got,) = store.list_sessions("pm", start=new.date, end=new.date + timedelta(days=1))
    assert got == new
    for ours, theirs in ((got.starts_at, new.starts_at), (got.ends_at, new.ends_at)):
        assert ours is None or ours.utcoffset() == theirs.utcoffset()


# Firestore specifics

def test_firestore_store_builds_no_client_until_first_use(monkeypatch):
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    store = FirestoreStore("no-such-project")  # would need credentials if it connected
    assert store._client_instance is None


@given(st.text(min_size=1))
def test_document_ids_are_valid_and_reversible(text):
    escaped = doc_id(text)
    assert "/" not in escaped and escaped not in (".", "..")
    assert not (escaped.startswith("__") and escaped.endswith("__"))
    assert unquote(escaped) == text


def test_links_are_listed_since_an_instant_in_time_order_across_offsets(store):
    from functions.domain.models import Link

    sydney = timezone(timedelta(hours=11))
    early = Link("m1", "ana@example.com", "Ana", "https://a.example/1", "first",
                 datetime(2026, 12, 1, 9, 0, tzinfo=sydney))  # 2026-11-30 22:00 UTC
    late = Link("m2", "bo@example.com", "Bo", "https://b.example/2", "",
                datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc))
    store.add_link("pm", late)
    store.add_link("pm", early)
    store.add_link("pm", early)  # a redelivered reply: stored once
    since = datetime(2026, 11, 30, 21, 0, tzinfo=timezone.utc)
    assert store.list_links("pm", since) == [early, late]
    assert store.list_links("pm", datetime(2026, 11, 30, 22, 30, tzinfo=timezone.utc)) == [late]
    assert store.list_links("other", since) == []


# the directory: who belongs where, by index

def test_a_members_communities_are_found_by_address(store, known_gap):
    known_gap("firestore", "the emulator has no collection-group queries (Firestore answers "
                           "them from the index in infra/firestore.tf)")
    for cid in ("zeta", "team/one", "alpha"):
        store.put_community(Community(id=cid, name=cid, timezone="UTC"))
    store.add_members("zeta", [member("ana@example.com", 0), member("bo@example.com", 1)])
    store.add_members("team/one", [member("ana@example.com", 0)])
    store.save(RotaWrite("alpha", new_members=[member("ana@example.com", 0)]))
    store.delete_member("alpha", "ana@example.com")

    assert store.member_of("ana@example.com") == ["team/one", "zeta"]
    assert store.member_of("bo@example.com") == ["zeta"]
    assert store.member_of("ana@example.org") == [] and store.member_of("zeta") == []


def test_communities_are_found_by_their_own_reply_address(store):
    """As mail systems compare addresses: a +tag in the community's address does not
    matter; communities without their own are found apart; never more than asked."""
    def add(cid: str, reply_to: str | None) -> None:
        store.put_community(Community(id=cid, name=cid, timezone="UTC", reply_to=reply_to))

    add("a", "guild@example.com")
    add("b", "guild+b@example.com")
    add("c", "guild@example.org")        # another domain
    add("d", "guildhall@example.com")    # another mailbox that starts the same
    add("e", "guild-e@example.com")      # sorts between "guild+" and "guild@"
    add("f", None)
    add("g", None)
    add("h", "pm@example.com")
    add("i", "rota@bücher.example")      # stored as given: the domain in Unicode
    add("j", "rota+j@bücher.example")

    def ids(address, limit=10):
        return [c.id for c in store.replying_at(address, limit)]

    assert ids("guild@example.com") == ["a", "b"]
    assert ids("guild@example.com", 1) == ["a"]
    assert ids("guild@example.org") == ["c"]
    assert ids("pm@example.com") == ["h"]
    assert ids("rota@xn--bcher-kva.example") == ["i", "j"]  # as mail systems compare it
    assert ids("nobody@example.com") == []
    assert ids(None) == ["f", "g"]
    assert store.replying_at("pm@example.com", 1)[0].reply_to == "pm@example.com"


def test_communities_without_their_own_reply_address_are_found_within_the_limit(
        store, known_gap):
    known_gap("firestore", "the emulator ignores unary filters (reply_to IS NULL): it "
                           "answers with every community, and the limit cuts off the wrong ones")
    for n, reply_to in enumerate(("guild@example.com", None, "pm@example.com", None, None)):
        store.put_community(Community(id=f"c{n}", name="C", timezone="UTC", reply_to=reply_to))

    assert [c.id for c in store.replying_at(None, 2)] == ["c1", "c3"]


def test_the_communities_one_organises_are_found_by_address(store):
    store.put_community(Community(id="pm", name="PM", timezone="UTC",
                                  organisers=("ana@example.com", "bo@example.com")))
    store.put_community(Community(id="eng", name="Eng", timezone="UTC",
                                  organisers=("ana@example.com",)))
    store.put_community(Community(id="ops", name="Ops", timezone="UTC"))

    assert [c.id for c in store.organised_by("ana@example.com")] == ["eng", "pm"]
    assert [c.id for c in store.organised_by("bo@example.com")] == ["pm"]
    assert store.organised_by("cy@example.com") == []
