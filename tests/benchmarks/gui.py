"""Benchmark of the desktop application on a large store (not a test; run it by hand).

    python tests/benchmarks/gui.py [--runs 5] [--rebuild] [--floor]

On its own Xvfb display and its own Secret Service (gnome-keyring in a private D-Bus session):

1. Cold start to an unlocked main window, keychain mode, on a store of 5,000 incidents and
   50,000 exhibits: the real program is started as a user starts it, and timed until its log says
   the main window lists the incidents. Baseline, in the same run: a bare QApplication and
   QMainWindow shown by a fresh Python process, started alternately with the program. Median
   of ``--runs`` starts each, and of the CPU time each process had used by then (all its
   threads): a start about as long as its CPU time kept one core busy throughout.
   With ``--floor``, a third kind of start in the same alternation: ``start_floor.py``, the least
   a program on our libraries does to list this store (the keychain read, the PySide6 classes the
   real window had created by then, a table of the rows read from SQLCipher; none of our code).
   What the program takes beyond it is the room its own work has under a target ratio.
2. Scrolling, in this process: the incidents list from top to bottom and back, then the grid of an
   incident with 500 exhibits. Each frame is a scroll step painted synchronously; frames over
   50 ms are counted, and the exhibits whose bytes were decrypted for thumbnails are compared with
   the grid cells that were on screen.

Bytecode: the program is started from this checkout as an installed program starts, with compiled
``.pyc`` files of its own modules (a private ``PYTHONPYCACHEPREFIX``, filled by the first, untimed
start; ``PYTHONDONTWRITEBYTECODE`` unset for it), as pip's install and the frozen build have them.
The libraries, PySide6 (the only thing the baseline imports) among them, start from their installed
``.pyc`` files in both. Started without them (every module of ours compiled on every start, as in a
development shell with ``PYTHONDONTWRITEBYTECODE`` set and no ``__pycache__`` in the checkout), the
program took 110-150 ms of CPU longer on the development machine.

The store takes a minute or two to build (small PNG exhibits, each stored with its signed custody
entry through the services); it is built once into a folder under the system's temp directory and
reused. The keychain entry is put back for every run, since each run has a fresh keyring.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import (  # noqa: E402
    private_env,
    running_secret_service,
    start_xvfb,
    stop_xvfb,
)

PASSPHRASE = "correct horse battery staple"
INCIDENTS = 5_000
EXHIBITS = 50_000
BIG_INCIDENT_EXHIBITS = 500
CACHE = Path(tempfile.gettempdir()) / "harmonize-evidence-gui-benchmark-v1"
READY_LINE = f"main window lists {INCIDENTS} incidents"
SLOW_FRAME_MS = 50.0

BASELINE = (
    "import time\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([])\n"
    "window = QMainWindow()\n"
    "window.resize(1200, 800)\n"
    "window.show()\n"
    "app.processEvents()\n"
    "print('shown', time.process_time(), flush=True)\n"
)

_TITLE_WORDS = (
    "comments photo group chat fake account threatening message video story post reply year "
    "nine ten eleven parents evening trip football lesson supply teacher canteen bus"
)
WORDS = _TITLE_WORDS.split()


# -- a private Secret Service ---------------------------------------------------------------------


@contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """A private D-Bus session with gnome-keyring's Secret Service, unlocked."""
    with running_secret_service(private_env(home), "benchmark-keyring") as env:
        yield env


# -- the store ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltStore:
    folder: Path
    big_incident: str


def small_pngs() -> list[bytes]:
    """A few tiny screenshots (64x48) with a band across, in different colours."""
    from PIL import Image, ImageDraw

    pictures = []
    for number in range(16):
        image = Image.new("RGB", (64, 48), (40 + number * 12, 90, 200 - number * 10))
        ImageDraw.Draw(image).rectangle((0, 18, 63, 24), fill="white")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    return pictures


def build_store(folder: Path) -> BuiltStore:
    """Create the store (keychain mode) with 5,000 incidents and 50,000 exhibits."""
    from harmonize_evidence.domain.clock import FixedClock
    from harmonize_evidence.domain.model import Action, Category, ExhibitKind, Producer, Role
    from harmonize_evidence.services.store import StoreLocation, create_store

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    location = StoreLocation(folder / "store")
    start = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(location, producer, PASSPHRASE, FixedClock(start), keychain_cache=True)
    pngs = small_pngs()
    digests = [hashlib.sha256(png).hexdigest() for png in pngs]
    categories = list(Category)
    per_incident = (EXHIBITS - BIG_INCIDENT_EXHIBITS) // (INCIDENTS - 1)
    extra = (EXHIBITS - BIG_INCIDENT_EXHIBITS) - per_incident * (INCIDENTS - 1)
    began = time.perf_counter()
    big = ""
    stored = 0
    with store:
        for number in range(INCIDENTS):
            moment = start + timedelta(minutes=97 * number)
            store.clock = FixedClock(moment)
            words = [WORDS[(number * 7 + k * 3) % len(WORDS)] for k in range(4)]
            incident = store.new_incident(
                " ".join(words).capitalize() + f" ({number})",
                category=categories[number % len(categories)],
                platforms=[("TikTok", "Instagram", "Snapchat", "WhatsApp")[number % 4]],
                people=f"Pupil {number % 97}; Pupil {number % 89}",
            )
            if number == INCIDENTS // 2:
                count = BIG_INCIDENT_EXHIBITS
                big = incident.id
            else:
                count = per_incident + (1 if number < extra else 0)
            metadata = store.describe_source(
                url=f"https://www.tiktok.com/@someone/video/{number}",
                note="",
                posted_at=None,
                now=moment,
            )
            for item in range(count):
                which = (number + item) % len(pngs)
                store.store_exhibit(
                    incident.id,
                    kind=ExhibitKind.IMAGE,
                    media_type="image/png",
                    chunks=[pngs[which]],
                    size=len(pngs[which]),
                    sha256=digests[which],
                    metadata=metadata,
                    action=Action.EVIDENCE_IMPORTED,
                    now=moment,
                )
                stored += 1
            if number % 250 == 0:
                elapsed = time.perf_counter() - began
                print(
                    f"  building: {number:,} incidents, {stored:,} exhibits ({elapsed:.0f} s)",
                    flush=True,
                )
    (folder / "big-incident").write_text(big, encoding="utf-8")
    (folder / "complete").write_text(f"{INCIDENTS} {EXHIBITS}\n", encoding="utf-8")
    return BuiltStore(folder / "store", big)


def cached_store(rebuild: bool) -> BuiltStore:
    """The store from an earlier run, or a new one."""
    if not rebuild and (CACHE / "complete").exists():
        return BuiltStore(CACHE / "store", (CACHE / "big-incident").read_text(encoding="utf-8"))
    print(f"Building the store in {CACHE} (once; it is reused by later runs)…", flush=True)
    return build_store(CACHE)


def put_key_in_keychain(store_folder: Path) -> None:
    """This run's fresh keyring gets the store's key, as setup would have left it."""
    from harmonize_evidence.services.store import StoreLocation, unlock_key
    from harmonize_evidence.vault import keychain
    from harmonize_evidence.vault.keys import KeyFile

    location = StoreLocation(store_folder)
    key = unlock_key(location, lambda: PASSPHRASE)
    keychain.store_key(KeyFile.load(location.key_file).store_id, key)


# -- cold start -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    seconds: float
    """From the start of the process to the window (wall clock)."""
    cpu_seconds: float
    """The CPU time the process had used by then, all its threads together."""


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system, all threads) that process ``pid`` has used (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_baseline(env: dict[str, str]) -> Start:
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", BASELINE], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - began
    process.wait(timeout=30)
    said = line.split()
    if len(said) != 2 or said[0] != "shown":
        raise SystemExit("the baseline window did not show")
    return Start(elapsed, float(said[1]))


FLOOR = Path(__file__).with_name("start_floor.py")

QT_TYPES_OBSERVER = """
import logging, os, sys


class Observer(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("main window lists "):
            names = []
            for module in ("QtCore", "QtGui", "QtWidgets"):
                found = sys.modules.get("PySide6." + module)
                for name, value in vars(found or object()).items():
                    if isinstance(value, type) and name.startswith("Q"):
                        names.append(module + "." + name)
            with open(os.environ["QT_TYPES_OUT"], "w", encoding="utf-8") as out:
                out.write("\\n".join(sorted(names)) + "\\n")


logging.getLogger("harmonize_evidence").addHandler(Observer())
from harmonize_evidence.cli import main

sys.exit(main(sys.argv[1:]))
"""
"""Runs the program as ``python -m harmonize_evidence`` does; writes the PySide6 classes it has
created (PySide6 creates each on first use) when its log says the main window lists the
incidents. It only watches."""


def record_qt_types(env: dict[str, str], store_folder: Path, out: Path) -> list[str]:
    """The PySide6 classes the program has created by the time it lists the incidents."""
    state = Path(tempfile.mkdtemp(prefix="gui-bench-types-"))
    run_env = {**env, "XDG_STATE_HOME": str(state), "QT_TYPES_OUT": str(out)}
    process = subprocess.Popen(
        [sys.executable, "-c", QT_TYPES_OBSERVER, "--store", str(store_folder)],
        env=run_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.perf_counter() + 120
        while not (out.exists() and out.read_text(encoding="utf-8").endswith("\n")):
            if process.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit("the program never listed the incidents")
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)
    return out.read_text(encoding="utf-8").split()


def time_floor(env: dict[str, str], store_folder: Path, qt_types: Path) -> Start:
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(FLOOR), str(store_folder), str(qt_types)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - began
    process.wait(timeout=30)
    said = line.split()
    if len(said) != 3 or said[0] != "shown" or said[2] != str(INCIDENTS):
        raise SystemExit(f"the floor program did not list the incidents: {line.strip()}")
    return Start(elapsed, float(said[1]))


def installed_env(env: dict[str, str], pycache: Path) -> dict[str, str]:
    """``env`` for a start with compiled bytecode of our modules kept in ``pycache``."""
    started = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    started["PYTHONPYCACHEPREFIX"] = str(pycache)
    return started


def time_cold_start(env: dict[str, str], store_folder: Path, run: int) -> Start:
    state = Path(tempfile.mkdtemp(prefix=f"gui-bench-state-{run}-"))
    log_file = state / "Harmonize Evidence" / "log" / "harmonize-evidence.log"
    run_env = {**env, "XDG_STATE_HOME": str(state)}
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "harmonize_evidence", "--store", str(store_folder)],
        env=run_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = began + 120
        while True:
            if log_file.exists() and READY_LINE in log_file.read_text(encoding="utf-8"):
                elapsed = time.perf_counter() - began
                used = cpu_seconds(process.pid)
                break
            if process.poll() is not None or time.perf_counter() > deadline:
                tail = log_file.read_text(encoding="utf-8")[-2000:] if log_file.exists() else ""
                raise SystemExit(
                    "the program never listed the incidents (did the keychain unlock it?)\n" + tail
                )
            time.sleep(0.002)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)
    return Start(elapsed, used)


# -- scrolling ------------------------------------------------------------------------------------


@dataclass
class Frames:
    times_ms: list[float]

    def line(self, what: str) -> str:
        ordered = sorted(self.times_ms)
        p95 = ordered[min(len(ordered) - 1, round(len(ordered) * 0.95))]
        slow = sum(1 for t in ordered if t > SLOW_FRAME_MS)
        return (
            f"{what}: {len(ordered)} frames, median {statistics.median(ordered):.1f} ms, "
            f"95th percentile {p95:.1f} ms, worst {ordered[-1]:.1f} ms, "
            f"{slow} frame(s) over {SLOW_FRAME_MS:.0f} ms"
        )


def scrolling(store_folder: Path, big_incident: str) -> None:
    from PySide6.QtWidgets import QApplication

    from harmonize_evidence.domain.clock import FixedClock
    from harmonize_evidence.services.store import StoreLocation, unlock_key
    from harmonize_evidence.ui.app import DesktopApp
    from harmonize_evidence.ui.locking import Preferences

    app = QApplication.instance() or QApplication(["gui-benchmark"])
    location = StoreLocation(store_folder)
    settings = Path(tempfile.mkdtemp(prefix="gui-bench-settings-")) / "settings.ini"
    desktop = DesktopApp(location, FixedClock(datetime.now(UTC)), Preferences(settings))
    key = unlock_key(location, lambda: PASSPHRASE)

    def wait(condition: object, timeout: float = 120) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() > deadline:
                raise SystemExit("timed out waiting for the window")

    desktop.open_with_key(key)
    window = desktop.main_window
    assert window is not None
    wait(lambda: window.incidents.rowCount() == INCIDENTS)
    wait(lambda: window.incident_view.incident is not None)
    for _ in range(20):
        app.processEvents()

    # The incidents list: page by page to the bottom, then three rows at a time back up a way.
    table = window.table
    bar = table.verticalScrollBar()
    frames: list[float] = []

    def frame(value: int) -> None:
        began = time.perf_counter()
        bar.setValue(value)
        table.viewport().repaint()
        app.processEvents()
        frames.append((time.perf_counter() - began) * 1000)

    bar.setValue(0)
    for value in range(0, bar.maximum() + bar.pageStep(), bar.pageStep()):
        frame(min(value, bar.maximum()))
    for value in range(bar.maximum(), max(0, bar.maximum() - 600), -3):
        frame(value)
    print(Frames(frames).line(f"Scrolling the {INCIDENTS:,} incidents"))

    # The incident with 500 exhibits: the thumbnail grid, a step at a time to the bottom.
    window.select_incident(big_incident)
    view = window.incident_view
    wait(lambda: view.incident is not None and view.incident.id == big_incident)
    wait(lambda: view.exhibits.rowCount() == BIG_INCIDENT_EXHIBITS)
    grid = view.grid
    grid.viewport().repaint()
    wait(lambda: window.thumbnails.pending == 0)
    shown: set[str] = set()

    def note_shown() -> None:
        shown.update(view.exhibits.exhibit_at(row).ref for row in grid.visible_rows())

    note_shown()
    grid_bar = grid.verticalScrollBar()
    grid_frames: list[float] = []
    step = max(1, grid_bar.singleStep() * 3)
    for value in range(0, grid_bar.maximum() + step, step):
        began = time.perf_counter()
        grid_bar.setValue(min(value, grid_bar.maximum()))
        grid.viewport().repaint()
        app.processEvents()
        grid_frames.append((time.perf_counter() - began) * 1000)
        note_shown()
    wait(lambda: window.thumbnails.pending == 0)
    decrypted = set(window.thumbnails.decrypted_refs)
    print(Frames(grid_frames).line(f"Scrolling an incident's {BIG_INCIDENT_EXHIBITS} exhibits"))
    hidden = decrypted - shown
    print(
        f"Exhibits decrypted for thumbnails: {len(decrypted)} of {BIG_INCIDENT_EXHIBITS}; "
        f"cells shown on screen while scrolling: {len(shown)}; "
        f"decrypted but never shown: {len(hidden)}"
    )
    desktop.shutdown()


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument("--rebuild", action="store_true", help="build the store again")
    parser.add_argument(
        "--floor", action="store_true", help="also time start_floor.py (see the docstring)"
    )
    args = parser.parse_args()

    display = start_xvfb(((1920, 1080),))
    home = Path(tempfile.mkdtemp(prefix="gui-bench-home-"))
    try:
        with secret_service(home) as env:
            env.update(DISPLAY=display.name, QT_QPA_PLATFORM="xcb")
            # As on a user's computer: no keyring backend chosen, for the program started here
            # as for this process (which uses the same keyring and display).
            env.pop("PYTHON_KEYRING_BACKEND", None)
            os.environ.update(env)
            os.environ.pop("PYTHON_KEYRING_BACKEND", None)
            built = cached_store(args.rebuild)
            put_key_in_keychain(built.folder)
            size = sum(p.stat().st_size for p in built.folder.iterdir()) / 1e6
            print(
                f"Store: {INCIDENTS:,} incidents, {EXHIBITS:,} exhibits, {size:,.0f} MB, "
                f"keychain mode; display {display.name} 1920x1080"
            )
            pycache = home / "pycache"
            installed = installed_env(env, pycache)
            time_cold_start(installed, built.folder, 0)  # compiles, and warms the file cache
            time_baseline(env)
            qt_types = home / "qt-types.txt"
            if args.floor:
                created = record_qt_types(installed, built.folder, qt_types)
                time_floor(env, built.folder, qt_types)
            # Alternately, so that a change in the machine's load during the run falls on each.
            baseline, ours, floor = [], [], []
            for run in range(args.runs):
                baseline.append(time_baseline(env))
                ours.append(time_cold_start(installed, built.folder, run + 1))
                if args.floor:
                    floor.append(time_floor(env, built.folder, qt_types))
            base_median = statistics.median(start.seconds for start in baseline)
            ours_median = statistics.median(start.seconds for start in ours)
            print(
                f"Cold start to the unlocked main window: median {ours_median * 1000:.0f} ms "
                f"(runs: {', '.join(f'{start.seconds * 1000:.0f}' for start in ours)})"
            )
            print(
                f"Bare QApplication + QMainWindow shown: median {base_median * 1000:.0f} ms "
                f"(runs: {', '.join(f'{start.seconds * 1000:.0f}' for start in baseline)})"
            )
            print(f"Ratio: {ours_median / base_median:.2f}x the bare window")
            # A start that is as long as its CPU time kept one core busy throughout: only less
            # work makes it shorter, not moving work between threads.
            base_cpu = statistics.median(start.cpu_seconds for start in baseline)
            ours_cpu = statistics.median(start.cpu_seconds for start in ours)
            print(
                f"CPU time used by then, all threads: median {ours_cpu * 1000:.0f} ms against "
                f"{base_cpu * 1000:.0f} ms for the bare window ({ours_cpu / base_cpu:.2f}x)"
            )
            if args.floor:
                floor_median = statistics.median(start.seconds for start in floor)
                floor_cpu = statistics.median(start.cpu_seconds for start in floor)
                print(
                    f"Floor (start_floor.py, {len(created)} PySide6 classes created): median "
                    f"{floor_median * 1000:.0f} ms, {floor_median / base_median:.2f}x the bare "
                    f"window; CPU {floor_cpu * 1000:.0f} ms "
                    f"(runs: {', '.join(f'{start.seconds * 1000:.0f}' for start in floor)})"
                )
                beyond = ours_median - floor_median
                print(
                    f"The program's own work beyond the floor: {beyond * 1000:.0f} ms, "
                    f"{beyond / base_median:.2f}x the bare window"
                )
            scrolling(built.folder, built.big_incident)
    finally:
        stop_xvfb(display)
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
