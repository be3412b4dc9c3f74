"""MaildirOutbox, read back with the standard library's mailbox and email parser."""
from __future__ import annotations

import mailbox
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from functions.domain.delivery import PermanentFailure
from functions.adapters.maildir import MaildirOutbox, message_key

from .factories import make_message


def read_all(path) -> list[EmailMessage]:
    box = mailbox.Maildir(path, factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(box.get_bytes(key)) for key in box.keys()]


def test_sent_messages_are_real_messages_in_the_maildir(tmp_path):
    outbox = MaildirOutbox(tmp_path / "outbox")
    messages = [make_message(n) for n in range(3)]

    assert outbox.send_many(messages) == [None, None, None]

    stored = sorted(read_all(tmp_path / "outbox"), key=lambda m: m["Message-ID"])
    assert [m["Message-ID"] for m in stored] == [m["Message-ID"] for m in messages]
    for original, copy in zip(messages, stored):
        assert list(copy.items()) == list(original.items())
        for kind in ("plain", "html"):
            assert copy.get_body((kind,)).get_content() == \
                original.get_body((kind,)).get_content()
    assert sorted(p.name for p in (tmp_path / "outbox" / "new").iterdir()) == sorted(
        message_key(m["Message-ID"]) for m in messages)
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []


def test_was_sent_answers_exactly(tmp_path):
    outbox = MaildirOutbox(tmp_path / "outbox")
    outbox.send_many([make_message(1)])

    assert outbox.was_sent("<digest-1.kitchen@cop.example.com>") is True
    assert outbox.was_sent("digest-1.kitchen@cop.example.com") is True
    assert outbox.was_sent("<digest-2.kitchen@cop.example.com>") is False
    # A fresh outbox on the same directory (another process) knows too.
    assert MaildirOutbox(tmp_path / "outbox").was_sent("<digest-1.kitchen@cop.example.com>")


def test_was_sent_still_true_after_a_reader_moves_the_message_to_cur(tmp_path):
    outbox = MaildirOutbox(tmp_path / "outbox")
    outbox.send_many([make_message(1)])
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    for key in box.keys():
        message = box[key]
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message

    assert [p.name for p in (tmp_path / "outbox" / "new").iterdir()] == []
    assert outbox.was_sent("<digest-1.kitchen@cop.example.com>") is True
    assert outbox.send_many([make_message(1)]) == [None]
    assert len(read_all(tmp_path / "outbox")) == 1


def test_resending_a_message_id_keeps_one_file(tmp_path):
    outbox = MaildirOutbox(tmp_path / "outbox")
    first = make_message(1)
    again = make_message(1)
    again.replace_header("Subject", "A retry with the same Message-ID")

    assert outbox.send_many([first, make_message(2)]) == [None, None]
    assert outbox.send_many([again, first]) == [None, None]

    stored = read_all(tmp_path / "outbox")
    assert len(stored) == 2
    assert {m["Subject"] for m in stored} == {first["Subject"], make_message(2)["Subject"]}


def test_a_message_without_message_id_fails_alone(tmp_path):
    outbox = MaildirOutbox(tmp_path / "outbox")
    anonymous = make_message(2)
    del anonymous["Message-ID"]

    results = outbox.send_many([make_message(1), anonymous, make_message(3)])

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], PermanentFailure)
    assert isinstance(results[1].__cause__, ValueError)
    assert len(read_all(tmp_path / "outbox")) == 2
