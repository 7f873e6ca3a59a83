"""Benchmark: the lead's case list on a store of 5,000 cases and 50,000 custody entries.

    python tests/benchmarks/case_list.py [--cases 5000] [--rebuild]

The store is built once through the real services (each case opened and taken through nine
steps of the policy, some closed) into a folder under the system's temp directory, and reused.

1. ``due`` (``due_cases``: every open case's next step and due time from its chain) and the case
   list's rows (``case_rows``: that, plus each case's risk, assignee and sender), each against a
   bare query over the same rows on the same open store (the incidents; the step entries; the
   earliest exhibit and sender times), alternately, median of the runs. Target for ``due``: at
   most 3x.
   The rows are then prepared for the list (``list_cases``: each cell's text, the search text
   and every column's order), which the desktop program does with the reading, off the GUI
   thread; its time is printed on its own.
2. The list on a real display (its own Xvfb): the prepared rows given to the case list (the one
   step on the GUI thread, as the desktop program does after reading them off it), the first
   paint, then a sort by each column and a search, each up to the table's next paint (the event
   loop run until the table has painted once, as after a click in the program; an earlier
   version timed a forced repaint and then the loop's own paint, two paints a frame). Each is
   one frame; target: none over 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from casework import Clock, bare, build  # noqa: E402

from harmonize_evidence.domain.model import Producer, Role  # noqa: E402
from harmonize_evidence.services.case_list import case_rows  # noqa: E402
from harmonize_evidence.services.casework import due_cases  # noqa: E402
from harmonize_evidence.services.store import (  # noqa: E402
    StoreLocation,
    create_store,
    open_store,
)
from tests.conftest import start_xvfb, stop_xvfb  # noqa: E402

PASSPHRASE = "benchmark passphrase"
SLOW_FRAME_MS = 50.0


def timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / f"harmonize-evidence-case-list-v1-{args.cases}"
    clock = Clock()
    if args.rebuild or not (cache / "store" / "key.json").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        store, _ = create_store(
            StoreLocation(cache / "store"),
            Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD),
            PASSPHRASE,
            clock,
        )
        started = time.perf_counter()
        entries = build(store, clock, args.cases)
        (cache / "clock").write_text(clock.instant.isoformat())
        print(
            f"Built {args.cases} cases, {entries} entries in {time.perf_counter() - started:.0f} s"
        )
        store.close()
    from datetime import datetime

    clock.instant = datetime.fromisoformat((cache / "clock").read_text())
    store = open_store(StoreLocation(cache / "store"), lambda: PASSPHRASE, clock)
    print(f"{len(store.incidents())} cases in the store")

    bare_times, due_times, row_times = [], [], []
    for _ in range(args.repeats):
        bare_times.append(bare(store))
        due_times.append(timed(lambda: due_cases(store)))
        row_times.append(timed(lambda: case_rows(store)))
    base = statistics.median(bare_times)
    due_ms, rows_ms = statistics.median(due_times), statistics.median(row_times)
    print(f"bare SQL over the same rows: {base * 1000:7.1f} ms")
    print(f"due (due_cases):             {due_ms * 1000:7.1f} ms  ratio {due_ms / base:.2f}x "
          "(target <= 3x)")  # fmt: skip
    print(f"case list rows (case_rows):  {rows_ms * 1000:7.1f} ms  ratio {rows_ms / base:.2f}x")

    rows = case_rows(store)
    zone = store.clock.zone
    store.close()
    from harmonize_evidence.ui.listed_cases import list_cases

    # The first time folds every title and name; later readings find most of them folded.
    prepare_times = [timed(lambda: list_cases(rows, zone, clock.now()))]
    prepare_times += [timed(lambda: list_cases(rows, zone, clock.now())) for _ in range(2)]
    listed = list_cases(rows, zone, clock.now())
    first, then = prepare_times[0] * 1000, min(prepare_times[1:]) * 1000
    print(f"rows prepared for the list (list_cases, off the GUI thread): first {first:.1f} ms, "
          f"then {then:.1f} ms")  # fmt: skip
    display = start_xvfb(((1920, 1080),))
    os.environ["DISPLAY"] = display.name
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtWidgets import QApplication

    from harmonize_evidence.ui.case_list import CaseListPane, CaseTableModel

    app = QApplication([])
    pane = CaseListPane()
    pane.resize(1400, 900)
    pane.show()
    app.processEvents()
    frames: dict[str, float] = {}

    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        """Counts the table's paints, so that each frame is timed to its first paint."""

        paints = 0

        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint:
                PaintCounter.paints += 1
            return False

    counter = PaintCounter()
    pane.table.viewport().installEventFilter(counter)

    def frame(label: str, work) -> None:  # type: ignore[no-untyped-def]
        # One frame as the program has it: the work, then the event loop until the table has
        # painted once (its delayed layout and the paint it asks for); a paint is forced only
        # if the loop did not paint.
        before = PaintCounter.paints
        started = time.perf_counter()
        work()
        for _ in range(5):
            app.processEvents()
            if PaintCounter.paints > before:
                break
        else:
            pane.table.viewport().repaint()
        frames[label] = (time.perf_counter() - started) * 1000

    frame("rows given to the list, first paint", lambda: pane.set_rows(listed))
    from PySide6.QtCore import Qt

    for column, name in enumerate(CaseTableModel.HEADERS):
        for order, way in (
            (Qt.SortOrder.AscendingOrder, "up"),
            (Qt.SortOrder.DescendingOrder, "down"),
        ):
            frame(f"sort by {name} {way}", lambda c=column, o=order: pane.table.sortByColumn(c, o))
    frame("search 'posts'", lambda: pane._search_changed("posts"))
    frame("search cleared", lambda: pane._search_changed(""))
    slow = {label: ms for label, ms in frames.items() if ms > SLOW_FRAME_MS}
    print(f"\n{len(rows)} rows on a real display: {len(frames)} frames, the longest "
          f"{max(frames.values()):.1f} ms, {len(slow)} over {SLOW_FRAME_MS:.0f} ms")  # fmt: skip
    for label, ms in frames.items():
        print(f"  {ms:7.1f} ms  {label}")
    pane.close()
    app.quit()
    stop_xvfb(display)


if __name__ == "__main__":
    main()
