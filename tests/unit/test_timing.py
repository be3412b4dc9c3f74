from datetime import date, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from functions.domain.models import BLACKOUT, HOLIDAY, PLANNED, Community
from functions.domain.timing import day_status, holiday_name, horizon, local_instant, session_times
from functions.domain.jobs import digest_slot, next_tick


@pytest.mark.parametrize("zone, before, after", [
    ("Europe/London", date(2026, 3, 27), date(2026, 4, 3)),      # BST starts 29 March
    ("Australia/Sydney", date(2026, 4, 3), date(2026, 4, 10)),    # AEDT ends 5 April
    ("America/New_York", date(2026, 10, 30), date(2026, 11, 6)),  # EDT ends 1 November
])
def test_friday_1600_stays_1600_local_across_dst(zone, before, after):
    c = Community(id="c", name="C", timezone=zone, weekday=4, start=time(16))
    (a, a_end), (b, b_end) = session_times(c, before), session_times(c, after)
    assert (a.hour, a.minute, b.hour, b.minute) == (16, 0, 16, 0)
    assert a_end - a == b_end - b == timedelta(minutes=30)
    # the UTC instant moves by the hour the clocks changed
    utc_gap = b.astimezone(timezone.utc) - a.astimezone(timezone.utc)
    assert utc_gap in (timedelta(days=7, hours=1), timedelta(days=7, hours=-1))


def test_wall_time_in_a_spring_forward_gap_moves_forward():
    instant = local_instant(date(2026, 3, 29), time(1, 30), ZoneInfo("Europe/London"))
    assert (instant.hour, instant.minute) == (2, 30)
    assert instant.utcoffset() == timedelta(hours=1)


def test_ambiguous_wall_time_takes_first_occurrence():
    instant = local_instant(date(2026, 10, 25), time(1, 30), ZoneInfo("Europe/London"))
    assert instant.utcoffset() == timedelta(hours=1)


def test_holidays_and_blackouts_do_not_count_in_the_horizon():
    c = Community(id="c", name="C", timezone="Europe/London", holidays="GB-ENG",
                  blackouts=(date(2027, 1, 1) + timedelta(days=7),), lookahead=3)
    # Christmas 2026 is a Friday; 1 January 2027 too.
    dates = horizon(c, local_instant(date(2026, 12, 21), time(9), ZoneInfo("Europe/London")))
    statuses = [day_status(c, d)[0] for d in dates]
    assert statuses.count(PLANNED) == 3
    assert statuses[:3] == [HOLIDAY, HOLIDAY, BLACKOUT]
    assert all(d.weekday() == 4 for d in dates)


def test_horizon_starts_after_now_even_on_session_day():
    c = Community(id="c", name="C", timezone="Europe/London", lookahead=1)
    tz = ZoneInfo("Europe/London")
    assert horizon(c, local_instant(date(2026, 12, 4), time(15, 59), tz)) == [date(2026, 12, 4)]
    assert horizon(c, local_instant(date(2026, 12, 4), time(16, 0), tz)) == [date(2026, 12, 11)]


def test_digest_slot_is_latest_monday_0900_local():
    c = Community(id="c", name="C", timezone="Australia/Sydney")
    tz = ZoneInfo("Australia/Sydney")
    assert digest_slot(c, local_instant(date(2026, 12, 7), time(8, 59), tz)).date() == \
        date(2026, 11, 30)
    assert digest_slot(c, local_instant(date(2026, 12, 7), time(9, 0), tz)) == \
        local_instant(date(2026, 12, 7), time(9), tz)


def test_next_tick_is_on_the_quarter_hour():
    from datetime import datetime
    t = datetime(2026, 12, 4, 10, 0, 1, tzinfo=timezone.utc)
    assert next_tick(t) == datetime(2026, 12, 4, 10, 15, tzinfo=timezone.utc)
    assert next_tick(t.replace(second=0)) == t.replace(second=0)


def test_next_tick_is_exact_for_instants_in_a_zone_changing_clocks():
    from datetime import datetime
    sydney = ZoneInfo("Australia/Sydney")
    # 5 April 2026: clocks go back at 03:00 AEDT; 02:40 happens twice.
    for fold in (0, 1):
        t = datetime(2026, 4, 5, 2, 40, tzinfo=sydney, fold=fold)
        tick = next_tick(t)
        assert timedelta(0) <= tick - t.astimezone(timezone.utc) < timedelta(minutes=15)
        assert tick.minute % 15 == 0


@pytest.mark.parametrize("country, language, expected", [
    ("DE", "de", "Erster Weihnachtstag"),   # the country's own
    ("DE", "en", "Christmas Day"),          # the community reads English
    ("FR", "en", "Christmas Day"),
    ("BR", "pt", "Natal"),                  # pt is the package's pt_BR
    ("AU", "de", "Christmas Day"),          # no German names for Australia: its own
])
def test_holiday_names_in_the_communitys_language_where_they_exist(country, language, expected):
    community = Community("c", "C", "UTC", holidays=country, language=language)
    assert holiday_name(community, date(2026, 12, 25)) == expected
