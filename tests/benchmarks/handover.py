"""Benchmark: the lead receiving a handover package, against ``age -d`` plus ``sha256sum``.

Run from the repository root: ``python tests/benchmarks/handover.py`` (needs the ``age`` tool and
sha256sum).

It makes realistic 1080p screenshots (the same social-media pages as the export benchmark,
encoded as a capture stores them), stores 50 and 200 of them in a member of staff's incident,
hands each incident over to a lead's store (the real ``hand_over`` service), and then, in the same
session and alternately, each in a fresh child process:

- ours: ``receive_package`` on a fresh copy of the lead's store (unlocked before the clock
  starts): the package decrypted as a stream, the manifest's signature, the staff chain, every
  exhibit's bytes hashed as they are stored in the encrypted store, one transaction committed
  once age has authenticated the whole file;
- the baseline: ``age -d`` of the same package with the lead's identity (to a file), plus
  ``sha256sum`` of the same screenshots as files: decrypting and checking, with nothing stored.

Also timed, for reference: the floor that the store itself sets, the same screenshots' bytes
written into a fresh copy of the lead's store in the store's own pieces and settings (SQLCipher's
page encryption and HMAC, its WAL journal, ``synchronous=FULL``), in one transaction committed
once, with nothing decrypted or checked: what any receive into this store costs at least.

Target: ours at most 1.5x the baseline. Peak memory is each child's high-water mark of resident
memory (``VmHWM``), reset just after the store is unlocked (the passphrase KDF's 256 MiB is not
counted); it must not grow with the package: the peak at 200 exhibits against the peak at 50.
Medians of the runs are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export import realistic_screenshot  # noqa: E402

from harmonize_evidence.domain.clock import FixedClock  # noqa: E402
from harmonize_evidence.domain.handover import short_fingerprint  # noqa: E402
from harmonize_evidence.domain.model import Producer, Role  # noqa: E402
from harmonize_evidence.services.handing_over import hand_over  # noqa: E402
from harmonize_evidence.services.school import join_school, make_school_card  # noqa: E402
from harmonize_evidence.services.store import StoreLocation, create_store  # noqa: E402

PASSPHRASE = "benchmark passphrase"
SIZES = (50, 200)
CLOCK = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))

_OURS = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from datetime import UTC, datetime
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.store import StoreLocation, open_store
from harmonize_evidence.services.receiving import receive_package
store = open_store(StoreLocation(Path({store!r})), lambda: {passphrase!r},
                   FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)))
Path("/proc/self/clear_refs").write_text("5")
started = time.perf_counter()
result = receive_package(store, Path({package!r}), accept_staff={staff!r})
seconds = time.perf_counter() - started
store.close()
peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(json.dumps({{"seconds": seconds, "peak_kb": int(peak[0].split()[1]),
                  "exhibits": result.exhibits}}))
"""


_FLOOR = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from datetime import UTC, datetime
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.store import StoreLocation, open_store
from harmonize_evidence.vault.database import CHUNK_SIZE
store = open_store(StoreLocation(Path({store!r})), lambda: {passphrase!r},
                   FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)))
db = store.vault._db  # a scratch copy: a table of its own, beside the store's
db.execute("CREATE TABLE floor_chunks (n INTEGER, idx INTEGER, data BLOB)")
shots = {shots!r}
started = time.perf_counter()
db.execute("BEGIN IMMEDIATE")
for n, shot in enumerate(shots):
    data = Path(shot).read_bytes()
    for idx, at in enumerate(range(0, len(data), CHUNK_SIZE)):
        piece = data[at : at + CHUNK_SIZE]
        db.execute("INSERT INTO floor_chunks VALUES (?, ?, ?)", (n, idx, piece))
db.execute("COMMIT")
seconds = time.perf_counter() - started
store.close()
print(json.dumps({{"seconds": seconds}}))
"""


def run_child(code: str) -> dict[str, Any]:
    os.sync()
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=1800
    )
    if completed.returncode != 0:
        raise SystemExit(f"child failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def baseline(package: Path, identity: Path, shots: list[Path], out: Path) -> float:
    """Seconds for ``age -d`` of the package plus ``sha256sum`` of the screenshots."""
    os.sync()
    started = time.perf_counter()
    subprocess.run(["age", "-d", "-i", str(identity), "-o", str(out), str(package)], check=True)
    subprocess.run(["sha256sum", *map(str, shots)], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    out.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, median reported")
    args = parser.parse_args()
    for tool in ("age", "sha256sum"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    work = Path(tempfile.mkdtemp(prefix="handover-bench-"))
    try:
        print(f"Making {max(SIZES)} realistic 1080p screenshots ...", flush=True)
        shots = []
        for index in range(max(SIZES)):
            path = work / f"shot-{index:03d}.png"
            path.write_bytes(realistic_screenshot(index))
            shots.append(path)
        lead, _ = create_store(
            StoreLocation(work / "lead"),
            Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD),
            PASSPHRASE,
            CLOCK,
        )
        staff, _ = create_store(
            StoreLocation(work / "staff"),
            Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF),
            PASSPHRASE,
            CLOCK,
        )
        card, fingerprint = make_school_card(lead)
        key = lead.vault.school_key()
        assert key is not None
        identity = work / "lead-identity.txt"
        identity.write_text(key[0] + "\n")
        lead.close()
        join_school(staff, card, short_fingerprint(fingerprint), "in person")
        staff_fingerprint = staff.fingerprint
        packages = {}
        for count in SIZES:
            incident = staff.new_incident(f"Benchmark incident of {count} screenshots")
            for path in shots[:count]:
                staff.add_file(incident.id, path, url="https://www.facebook.com/some.page/1")
            packages[count] = hand_over(staff, incident.id, work / "packages" / "").package
        staff.close()
        peaks: dict[int, int] = {}
        for count in SIZES:
            package = packages[count]
            print(
                f"\n{count} screenshots: package {package.stat().st_size / 2**20:.1f} MiB",
                flush=True,
            )
            ours_times, ours_peaks, base_times, floor_times = [], [], [], []
            for run in range(args.repeats):
                copy = work / f"lead-{count}-{run}"
                shutil.copytree(work / "lead", copy)
                measured = run_child(
                    _OURS.format(
                        repo=str(REPO),
                        store=str(copy),
                        passphrase=PASSPHRASE,
                        package=str(package),
                        staff=staff_fingerprint,
                    )
                )
                assert measured["exhibits"] == count
                ours_times.append(measured["seconds"])
                ours_peaks.append(measured["peak_kb"])
                shutil.rmtree(copy)
                base_times.append(baseline(package, identity, shots[:count], work / "plain.tar"))
                shutil.copytree(work / "lead", copy)
                floor = run_child(
                    _FLOOR.format(
                        repo=str(REPO),
                        store=str(copy),
                        passphrase=PASSPHRASE,
                        shots=[str(path) for path in shots[:count]],
                    )
                )
                floor_times.append(floor["seconds"])
                shutil.rmtree(copy)
            ours, base = statistics.median(ours_times), statistics.median(base_times)
            print(f"  receive (ours):          {ours:6.2f} s   runs {ours_times}")
            print(f"  age -d + sha256sum:      {base:6.2f} s   runs {base_times}")
            print(f"  ratio: {ours / base:.2f}x (target <= 1.5x)")
            floor = statistics.median(floor_times)
            print(
                f"  the store's floor (the same bytes written, nothing checked): {floor:6.2f} s"
                f" = {floor / base:.2f}x the baseline; ours is {ours / floor:.2f}x the floor"
                f"   runs {floor_times}"
            )
            print(f"  peak memory (ours): {max(ours_peaks) / 1024:.0f} MiB")
            peaks[count] = max(ours_peaks)
        print(
            f"\nPeak memory at {SIZES[0]} exhibits {peaks[SIZES[0]] / 1024:.0f} MiB, at "
            f"{SIZES[1]} {peaks[SIZES[1]] / 1024:.0f} MiB: "
            f"{peaks[SIZES[1]] / peaks[SIZES[0]]:.2f}x (target: it does not grow with the package)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
