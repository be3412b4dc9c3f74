"""Store reads per unit of work as the deployment grows (tests/scale.py): each unit of work
of one community, with 1, 100 and 1,000 communities in the store.

Counted two ways: as Firestore bills them on the in-memory store (tests/fakes.py
CountingStore), at every size; and on the wire, with the real client against the local
emulator (tests/wire_reads.py), at 1 and 100 communities (copying 1,000 communities into
the emulator takes minutes). A figure that grows by more than 10% from 100 to 1,000
communities fails the bench.
"""
from __future__ import annotations

from tests import scale
from tests.contract.test_firestore_reads import WIRED, wire_reads

SIZES = (1, 100, 1000)
WIRE_SIZES = (1, 100)
GROWTH = 1.10  # from 100 to 1,000 communities


def table(host: str | None) -> tuple[list[str], int]:
    """The printed lines and how many figures grew too much."""
    lived = scale.lived()
    lines = [f"{'reads per unit of work (store reads)':<44}"
             + "".join(f"{n:>8,}" for n in SIZES)
             + "".join(f"{f'wire {n:,}':>10}" for n in WIRE_SIZES) + "  growth"]
    missed = 0
    for name, work in scale.WORK.items():
        counted = [scale.reads_per_unit(lived, n, work) for n in SIZES]
        wired = [wire_reads(host, lived, n, name) if host and name in WIRED else None
                 for n in WIRE_SIZES]
        growth = counted[2] / counted[1] if counted[1] else 1.0
        ok = growth <= GROWTH
        missed += not ok
        lines.append(f"{name:<44}" + "".join(f"{v:8.1f}" for v in counted)
                     + "".join(f"{v:10.1f}" if v is not None else f"{'-':>10}"
                               for v in wired)
                     + f"  {growth:5.2f}× {'ok' if ok else 'MISSED'}")
    lines.append("(an idle tick: its reads in all; the rest: per message for the held-over "
                 f"copies, else per unit; fails past {GROWTH:.2f}× from 100 to 1,000)")
    return lines, missed
