"""Benchmark: ``due`` on a lead's store of 5,000 cases and 50,000 custody entries, against a bare
SQL query over the same rows.

Run from the repository root: ``python tests/benchmarks/casework.py [--cases 5000]``.

The store is built once through the real services (each case: opened, triaged, a takedown
requested, the removal checked and so on, ten entries in all, some cases closed), in the temp
folder. Then, in the same process and alternately:

- ours: ``due_cases`` (what ``due`` and the lead's case list call): every open case's next step
  and due time, computed from its chain with the store's clock, sorted;
- bare SQL: the same rows read with sqlcipher3 on the same open connection, with no work on
  them (the incidents; the step entries' bodies; the earliest exhibit and sender times).

Target: ours at most 3x the bare query. Medians of the runs are printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harmonize_evidence.domain.casework import ACTION_STEPS, Step
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.casework import due_cases, record_step
from harmonize_evidence.services.store import StoreLocation, create_store


class Clock:
    zone_name = "Europe/London"

    def __init__(self) -> None:
        from zoneinfo import ZoneInfo

        self.zone = ZoneInfo(self.zone_name)
        self.instant = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant


def build(store, clock: Clock, cases: int) -> int:  # type: ignore[no-untyped-def]
    entries = 0
    for number in range(cases):
        clock.instant += timedelta(minutes=7)
        case = store.new_incident(f"Case {number}: posts on a platform").id
        entries += 1
        plan = [
            (Step.TRIAGE, {"category": "cyberbullying-of-staff", "risk": "medium"}),
            (Step.TAKEDOWN_REQUESTED, {"platform": "Instagram", "route": "platform"}),
            (Step.REMOVAL_CHECKED, {"outcome": "still-up"}),
            (Step.ISP_CONTACTED, {"isp": "BT", "reference": f"BT-{number}"}),
            (Step.REMOVAL_CHECKED, {"outcome": "still-up" if number % 3 else "removed"}),
            (Step.CONSENT, {"decision": "given", "given_by": "Staff", "how": "In person"}),
            (Step.SUPPORT_OFFERED, {"what": "Counselling", "by": "HR"}),
            (Step.TAKEDOWN_REQUESTED, {"platform": "Instagram", "route": "posh"}),
            (Step.STATUS, {"to": "under-review", "reason": "Waiting for POSH"}),
        ]
        if number % 10 == 0:
            plan[-1] = (Step.CLOSE, {"outcome": "Removed", "rationale": "Done"})
        for step, fields in plan:
            clock.instant += timedelta(seconds=30)
            record_step(store, case, step, fields)
            entries += 1
    return entries


def bare(store) -> float:  # type: ignore[no-untyped-def]
    vault = store.vault
    started = time.perf_counter()
    vault.list_incidents()
    list(vault.entries_by_action(ACTION_STEPS, ()))  # the step entries, no field read
    vault.earliest_times()
    return time.perf_counter() - started


def ours(store) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    due_cases(store)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    try:
        clock = Clock()
        store, _ = create_store(
            StoreLocation(work / "lead"),
            Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD),
            "benchmark passphrase",
            clock,
        )
        started = time.perf_counter()
        entries = build(store, clock, args.cases)
        print(
            f"Built {args.cases} cases, {entries} entries in {time.perf_counter() - started:.0f} s"
        )
        listed = due_cases(store)
        print(f"{len(listed)} open cases listed; first due {listed[0].due.due}")
        ours_times, bare_times = [], []
        for _ in range(args.repeats):
            bare_times.append(bare(store))
            ours_times.append(ours(store))
        mine, base = statistics.median(ours_times), statistics.median(bare_times)
        print(f"due (ours):  {mine * 1000:7.1f} ms")
        print(f"bare SQL:    {base * 1000:7.1f} ms")
        print(f"ratio: {mine / base:.2f}x (target <= 3x)")
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
