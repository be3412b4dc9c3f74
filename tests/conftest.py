from __future__ import annotations

from datetime import datetime, timezone

import pytest

from functions.adapters.clock import FixedClock
from functions.adapters.memory_store import MemoryStore
from functions.mail.compose import MailSettings
from functions.bootstrap import Container
from functions.mail.tokens import Tokens
from tests.fakes import MemoryCalendar, MemoryMailer

# Wednesday 25 November 2026, 10:00 in Sydney.
START = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def deps(clock) -> Container:
    settings = MailSettings(public_url="https://cop.example.com",
                            tokens=Tokens("test-secret"), default_reply_to="cop@example.com")
    return Container(store=MemoryStore(), mailer=MemoryMailer(), calendar=MemoryCalendar(),
                  clock=clock, mail=settings)
