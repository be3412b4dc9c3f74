"""One pace per sender across processes, on real elapsed time: 1, 3 and 10 threads, each
with its own store client and its own Gmail client, send 80 messages as one mailbox
against the Google API fake enforcing 40 sends in any two seconds (after the first 40, the
rest must wait for the window). None is refused, and together they keep at least 90% of
the quota: each window loses one batch's round trip, a send counting from its booking
until its answer came. (`make bench` measures the same with the
production quota and run budget.)

The local Firestore emulator does not isolate transactions (two that read the same
document both commit: see the known gap below), so bookings from several clients at once
are checked on SQLite (separate connections, BEGIN IMMEDIATE) and in memory (a lock); on
the emulator with one client. Firestore itself aborts and retries the later transaction.
"""
from __future__ import annotations

import threading

import pytest

from tests.shared_pace import send_at_once


@pytest.mark.parametrize("processes", [1, 3, 10])
def test_processes_sending_as_one_mailbox_share_its_pace(backend, open_store, processes):
    if backend == "firestore" and processes > 1:
        pytest.skip("the emulator does not isolate transactions (see the known gap)")
    if backend == "memory" and processes < 10:
        pytest.skip("SQLite's separate connections show the same; memory once, at its busiest")
    open_store().list_communities()  # created (SQLite: migrated) before they race
    # Throughput is measured on a machine busy with other tests: up to three tries, the best
    # counts (as `make bench` takes the best of five). Every try must lose and refuse nothing.
    tries = []
    for attempt in range(3):
        seen = send_at_once(open_store, processes, messages=80, limit=40, window=2.0,
                            sender=f"rota{attempt}@example.com")
        assert seen["sent"] == 80
        assert seen["throttled"] == 0
        tries.append(seen)
        if seen["throughput"] >= 0.9:
            break
    assert max(t["throughput"] for t in tries) >= 0.9, tries


def test_a_pace_changed_by_many_clients_at_once_loses_no_change(open_store, known_gap):
    known_gap("firestore", "the emulator lets two transactions that read the same "
                           "document both commit")
    open_store().list_communities()

    def count() -> None:
        store = open_store()
        for _ in range(10):
            store.pace("rota@example.com",
                       lambda record: ({"n": (record or {}).get("n", 0) + 1}, None))

    clients = [threading.Thread(target=count) for _ in range(8)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()

    assert open_store().pace("rota@example.com", lambda record: (record, record["n"])) == 80
