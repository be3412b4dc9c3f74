"""The operators hear of what needs them: a function failing, dead letters waiting, no tick
for an hour, Gmail refusing sends with 429, the sender's daily limit reached; and the
project has a budget. The log-based alerts count lines the code really logs."""
from __future__ import annotations

import re

from .test_terraform import ROOT, load, tf

__all__ = ["tf"]  # the fixture, shared with test_terraform

ALERT = "google_monitoring_alert_policy"


def problems_alerts(tf) -> list[str]:
    problems = []
    channels = {f"${{google_monitoring_notification_channel.{name}.id}}"
                for name in tf.of_type("google_monitoring_notification_channel")}
    metrics = tf.resolve("${local.log_metrics}")
    conditions = " ".join(str(body) for body in tf.of_type(ALERT).values())
    for needed, found in (("function errors", "severity>=ERROR" in str(metrics)),
                          ("dead letters", "num_undelivered_messages" in conditions),
                          ("no tick", "condition_absent" in conditions
                           and "run.googleapis.com/request_count" in conditions),
                          ("429s", "HTTP 429" in str(metrics)),
                          ("daily limit", "daily limit is reached" in str(metrics))):
        if not found:
            problems.append(f"no alert on {needed}")
    for name, body in tf.of_type(ALERT).items():
        if not set(body.get("notification_channels", [])) & channels:
            problems.append(f"{name} tells nobody")
    if not tf.of_type("google_billing_budget"):
        problems.append("no budget")
    return problems


def test_the_operators_are_told_what_needs_them(tf):
    assert problems_alerts(tf) == []


def test_a_missing_alert_is_caught():
    tf = load()
    del tf.of_type(ALERT)["no_tick"]
    tf.locals["log_metrics"] = {k: v for k, v in tf.locals["log_metrics"].items()
                                if k != "daily_cap"}
    assert problems_alerts(tf) == ["no alert on no tick", "no alert on daily limit"]


def test_the_logged_alerts_count_lines_the_code_writes(tf):
    source = "\n".join(p.read_text() for p in (ROOT / "functions").rglob("*.py"))
    assert "daily limit is reached" in source
    assert re.search(r"HTTP \{?status\}?|HTTP 429", source)
