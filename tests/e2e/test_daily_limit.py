"""A community past what one sender may send in a day is named as such when members are
imported and when it is shown; within the limit, nothing is said."""
from __future__ import annotations

from tests.builders import cop


def roster(tmp_path, size: int):
    path = tmp_path / "roster.csv"
    path.write_text("email,name\n" + "".join(f"p{i}@example.com,Person {i}\n"
                                             for i in range(size)))
    return str(path)


def test_a_community_past_one_senders_day_is_told_at_import_and_show(tmp_path):
    data = tmp_path / "data"
    cop(data, "community", "add", "guild", "--name", "Guild", "--timezone", "Australia/Sydney")
    small = cop(data, "member", "import", "guild", roster(tmp_path, 20), "--no-welcome",
                COP_MAIL_DAILY_CAP="30")
    assert "warning" not in small.stderr  # 20 digests and 10 others fit in 30

    cop(data, "community", "remove", "guild", "--yes")
    cop(data, "community", "add", "guild", "--name", "Guild", "--timezone", "Australia/Sydney")
    large = cop(data, "member", "import", "guild", roster(tmp_path, 21), "--no-welcome",
                COP_MAIL_DAILY_CAP="30")
    shown = cop(data, "community", "show", "guild", COP_MAIL_DAILY_CAP="30")

    assert large.stdout.startswith("imported 21 members into guild")
    for result in (large, shown):
        (line,) = result.stderr.splitlines()
        assert line.startswith("warning: guild: its digest goes to 21 people: past the 30 "
                               "messages a day one sender may send"), line
        assert "SMTP relay" in line and "Large communities" in line
    relayed = cop(data, "community", "show", "guild", COP_MAIL_DAILY_CAP="10000")
    assert relayed.stderr == ""
