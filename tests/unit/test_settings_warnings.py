"""Settings taken with a warning: public holidays of another country than the time zone's
(from the tz database's zone tables, as the pinned tzdata package ships them), and
blackouts already past."""
from __future__ import annotations

from datetime import date

import pytest

from functions.domain import validation


@pytest.mark.parametrize("holidays, zone, warning", [
    ("GB", "America/New_York",
     "holidays GB are for the United Kingdom but the community's time zone America/New_York "
     "is in the United States; did you mean US-NY?"),
    ("US", "Australia/Sydney",
     "holidays US are for the United States but the community's time zone Australia/Sydney "
     "is in Australia; did you mean AU-NSW?"),  # the state, from the zone's description
    ("FR", "Asia/Dubai", "is in the United Arab Emirates; did you mean AE?"),
    ("US", "Asia/Calcutta", "is in India; did you mean IN?"),  # an old name, a link
    ("AU-NSW", "America/Chicago", "is in the United States; did you mean US?"),
    ("US", "Europe/Isle_of_Man", "is in the Isle of Man; did you mean IM?"),
    ("GB", "Europe/Isle_of_Man", None),  # a link to London, whose zone covers GB
    # agreeing, or nothing to compare
    ("US-NY", "America/New_York", None), ("AU-NSW", "Australia/Sydney", None),
    ("NO", "Europe/Oslo", None), ("NO", "Europe/Berlin", None),  # Berlin's zone covers NO
    ("GB", "Europe/Jersey", None), ("US", "US/Eastern", None), ("DE", "Europe/Zurich", None),
    ("GB", "UTC", None), ("GB", "Etc/GMT+5", None), (None, "America/New_York", None),
    ("GB", "EST", None),  # a zone warned about on its own (EST is not where people are)
])
def test_holidays_of_another_country_than_the_zone_are_named(holidays, zone, warning):
    found = validation.holidays_warning(holidays, zone)
    if warning is None:
        assert found is None
    else:
        assert found is not None and found.endswith(warning), found


def test_the_zone_tables_come_with_the_pinned_package():
    countries, _, links = validation._zone_tables()
    assert len(countries) > 300 and links["US/Eastern"] == "America/New_York"
    assert str(validation._tz_folder()).endswith("tzdata/zoneinfo")
    assert validation.zone_countries("Europe/Berlin")[0] == "DE"


def test_the_uk_is_taken_as_gb():
    assert validation.holiday_region("uk") == "GB"
    assert validation.holiday_region("UK-sct") == "GB-SCT"


def test_only_past_blackouts_are_warned_about():
    today = date(2026, 11, 25)
    assert validation.blackout_warnings([date(2027, 1, 1), today, date(2020, 1, 3)],
                                        today) == [
        "blackout 2020-01-03 is in the past; it changes nothing"]
