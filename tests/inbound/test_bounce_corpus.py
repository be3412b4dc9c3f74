"""Real bounces from many mail systems (tests/inbound/bounces): the failed recipient is found,
and none of them is ever answered."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.mail.inbound import parse_inbound
from tests.inbound import accuracy

CORPUS = Path(__file__).parent / "bounces" / "flufl"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
NOT_BOUNCES = {"bounce_01.txt", "groupwise_03.txt"}  # spam via a list; a person's reply


def read(name: str):
    return parse_inbound((CORPUS / name).read_bytes(), "mx.google.com", ("cop@example.com",))


def lower(addresses) -> set[str]:
    return {a.lower() for a in addresses}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_failed_and_delayed_recipients_are_found(name):
    inbound = read(name)
    expected = EXPECTED[name]
    assert inbound.refused is None
    bounce = inbound.bounce
    assert lower(bounce.failed if bounce else ()) == lower(expected["permanent"])
    assert lower(bounce.delayed if bounce else ()) == lower(expected["temporary"])


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NOT_BOUNCES))
def test_no_bounce_is_taken_for_a_reply(name):
    assert read(name).automatic


def test_bounce_corpus_accuracy():
    bounces = [n for n, e in EXPECTED.items() if e["permanent"]]
    found = [n for n in bounces
             if (b := read(n).bounce) and lower(b.failed) == lower(EXPECTED[n]["permanent"])]
    print(f"\nbounces whose failed recipient is found: {len(found)}/{len(bounces)}")
    assert len(found) == len(bounces)


# Real notices of 40-odd mail systems (tests/inbound/bounces/sisimai, see its README).
SAMPLES = accuracy.sisimai_samples()
FAILURES = sorted(n for n, e in SAMPLES.items() if e["kind"] == "failure")
NOTICES = sorted(n for n, e in SAMPLES.items() if e["kind"] != "failure")
# Read as failures, with the right Message-ID, but not with exactly their recipients:
MISREAD = {
    "lhost-zoho-01.eml": "flufl.bounce also takes addresses from the inline returned headers",
    "lhost-zoho-02.eml": "the same",
    "lhost-zoho-03.eml": "the same",
    "lhost-zoho-05.eml": "the same",
    "lhost-sendgrid-03.eml": "'Action: expired' is no RFC 3464 action",
    "lhost-v5sendmail-01.eml": "only the returned message's To: names the recipient",
}


@pytest.mark.parametrize("name", FAILURES)
def test_each_failure_notice_is_read_with_its_returned_message_id(name):
    expected = SAMPLES[name]
    inbound = accuracy.read_sample(name)
    assert inbound.automatic and inbound.bounce is not None and inbound.bounce.permanent
    if expected["message_id"]:
        assert expected["message_id"] in inbound.bounce.original_ids
    if name not in MISREAD:
        assert lower(inbound.bounce.failed) == set(expected["failed"])


@pytest.mark.parametrize("name", NOTICES)
def test_delay_and_success_notices_are_never_failures(name):
    inbound = accuracy.read_sample(name)
    assert inbound.automatic
    assert inbound.bounce is None or not inbound.bounce.permanent


def test_a_delay_warning_read_only_from_its_words_is_no_failure():
    """Postfix's plain-text "still being retried" warning (rfc3464-34) without its RFC 3464
    fields, as a relay that drops them passes it on: flufl.bounce reads the recipient as
    failed, the warning's words say it is only delayed."""
    raw = (accuracy.SISIMAI / "rfc3464-34.eml").read_bytes()
    start, end = raw.index(b"Reporting-MTA:"), raw.index(b"Will-Retry-Until:")
    raw = raw[:start] + raw[raw.index(b"\n", end) + 1:]
    bounce = parse_inbound(raw, "mx.google.com", ("cop@example.com",)).bounce
    assert bounce is not None and not bounce.permanent
    assert bounce.delayed == ("kijitora@example.com",)


def test_each_mail_system_form_reads_a_real_notice():
    """Every form in functions/mail/bounces/mail_systems.py is proven on a sample."""
    from functions.mail.bounces.mail_systems import FORMS

    readers = {b.reader for n in FAILURES if (b := accuracy.read_sample(n).bounce)}
    assert {form.name for form in FORMS} <= readers


def test_the_report_s_x_original_message_id_ties_it_when_the_returned_copy_lacks_one():
    """Gmail's report (rfc3464-61) names the message in its delivery-status fields
    (X-Original-Message-ID); here the returned copy lost its own Message-ID line."""
    expected = SAMPLES["rfc3464-61.eml"]["message_id"]
    raw = (accuracy.SISIMAI / "rfc3464-61.eml").read_bytes()
    raw = raw.replace(f"\nMessage-ID: {expected}\n".encode(), b"\n")
    assert raw.count(expected.encode()) == 1
    bounce = parse_inbound(raw, "mx.google.com", ("cop@example.com",)).bounce
    assert expected in bounce.original_ids


def test_a_quoted_header_block_gives_the_returned_message_id():
    """Office 365's notice (lhost-office365-01) as a system that quotes what it passes on
    writes it: every line of the returned headers behind "> "."""
    expected = SAMPLES["lhost-office365-01.eml"]["message_id"]
    raw = (accuracy.SISIMAI / "lhost-office365-01.eml").read_bytes()
    head, _, rest = raw.partition(b"Original message headers:")
    raw = head + b"Original message headers:" + rest.replace(b"\n", b"\n> ")
    bounce = parse_inbound(raw, "mx.google.com", ("cop@example.com",)).bounce
    assert expected in bounce.original_ids
