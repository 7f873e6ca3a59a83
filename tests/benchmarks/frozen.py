"""Benchmark of the frozen program against ``python -m harmonize_evidence`` (run it by hand).

    packaging/build                      # once: the build this measures
    python tests/benchmarks/frozen.py [--runs 5]

Target: the frozen program starts no slower than the program run by Python from this checkout.
On its own Xvfb display and its own Secret Service, in one run, alternating the two programs:

1. Start to the setup wizard: a first start, with an empty home folder, timed until the
   program's log says the wizard is shown (it logs that from the event loop, after the show).
2. Start to an unlocked main window: a store set up with ``init --keychain`` (a few incidents),
   timed until the log says the main window lists them.

"Cold" means a new process each time; the file cache is warm (a second login, not a first boot:
this machine does not let us drop the cache). The Python program runs with compiled ``.pyc``
files of its own modules (a private ``PYTHONPYCACHEPREFIX``, filled by a first, untimed start),
as an installed program has them.

Then the size of the build folder and of the ``.deb``, and the largest parts of the build.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harmonize_evidence import __version__  # noqa: E402
from tests.conftest import (  # noqa: E402
    private_env,
    running_secret_service,
    start_xvfb,
    stop_xvfb,
)

PASSPHRASE = "correct horse battery staple"
BUILD = REPO / "dist" / "harmonize-evidence"
FROZEN = (str(BUILD / "harmonize-evidence"),)
PYTHON = (sys.executable, "-m", "harmonize_evidence")
INCIDENTS = 3
LOG = Path("Harmonize Evidence") / "log" / "harmonize-evidence.log"


def time_until(program: tuple[str, ...], args: list[str], env: dict[str, str], line: str) -> float:
    """Seconds from starting ``program`` until its log has ``line`` (a fresh log folder)."""
    state = Path(tempfile.mkdtemp(prefix="frozen-bench-state-"))
    log_file = state / LOG
    began = time.perf_counter()
    process = subprocess.Popen(
        [*program, *args],
        env={**env, "XDG_STATE_HOME": str(state)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = began + 120
        while True:
            if log_file.exists() and line in log_file.read_text(encoding="utf-8"):
                return time.perf_counter() - began
            if process.poll() is not None or time.perf_counter() > deadline:
                tail = log_file.read_text(encoding="utf-8")[-2000:] if log_file.exists() else ""
                raise SystemExit(f"{program[0]} never logged {line!r}\n{tail}")
            time.sleep(0.002)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


def compare(what: str, runs: int, start: Callable[[tuple[str, ...]], float]) -> None:
    """Alternate the two programs ``runs`` times; print the medians and their ratio."""
    start(FROZEN), start(PYTHON)  # untimed: fills the caches (and Python's .pyc files)
    frozen: list[float] = []
    python: list[float] = []
    for _ in range(runs):
        frozen.append(start(FROZEN))
        python.append(start(PYTHON))
    f, p = statistics.median(frozen), statistics.median(python)
    print(f"{what}:")
    print(f"  frozen program: median {f * 1000:.0f} ms (runs: {_ms(frozen)})")
    print(f"  python -m harmonize_evidence: median {p * 1000:.0f} ms (runs: {_ms(python)})")
    print(f"  ratio: {f / p:.2f}x (target: no slower, 1.00x or less)")


def _ms(times: list[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times)


def sizes() -> None:
    """The build's size, the .deb's, and the largest parts of the build."""

    def size(path: Path) -> int:
        if path.is_symlink():
            return 0
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())

    total = size(BUILD)
    print(f"Build folder {BUILD.relative_to(REPO)}: {total / 2**20:.0f} MiB")
    for deb in sorted((REPO / "dist").glob(f"harmonize-evidence_{__version__}_*.deb")):
        print(f"{deb.relative_to(REPO)}: {deb.stat().st_size / 2**20:.0f} MiB")
    internal = BUILD / "_internal"
    parts = [p for p in internal.iterdir() if p.name != "PySide6"]
    parts += list((internal / "PySide6").iterdir())
    parts = [p for p in parts if p.name != "Qt"] + list((internal / "PySide6" / "Qt").iterdir())
    parts = [p for p in parts if p.name != "lib"] + list(
        (internal / "PySide6" / "Qt" / "lib").iterdir()
    )
    print("Largest parts:")
    for path in sorted(parts, key=size, reverse=True)[:8]:
        print(f"  {size(path) / 2**20:6.1f} MiB  {path.relative_to(internal)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each program and kind")
    args = parser.parse_args()
    if not (BUILD / "harmonize-evidence").exists():
        raise SystemExit("There is no build to measure: run packaging/build first.")

    display = start_xvfb(((1920, 1080),))
    work = Path(tempfile.mkdtemp(prefix="frozen-bench-"))
    pycache = work / "pycache"
    try:
        base = private_env(work / "home")
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base.update(DISPLAY=display.name, QT_QPA_PLATFORM="xcb", PYTHONPYCACHEPREFIX=str(pycache))

        def first_start(program: tuple[str, ...]) -> float:
            home = Path(tempfile.mkdtemp(prefix="first-start-", dir=work))
            env = {**private_env(home), **{k: base[k] for k in ("DISPLAY", "QT_QPA_PLATFORM")}}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(pycache)
            try:
                return time_until(program, [], env, "setup wizard shown")
            finally:
                shutil.rmtree(home, ignore_errors=True)

        compare("Start to the setup wizard (a first start)", args.runs, first_start)

        with running_secret_service(base, "benchmark-keyring") as env:
            store = work / "store"
            made = subprocess.run(
                [*PYTHON, "--store", str(store), "init", "--name", "Ann Lee", "--initials",
                 "AL", "--school", "Oak Hill", "--keychain"],
                env={**env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE},
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if made.returncode != 0:
                raise SystemExit(made.stderr)
            for number in range(INCIDENTS):
                subprocess.run(
                    [*PYTHON, "--store", str(store), "incident", "new", "--title",
                     f"Incident {number}"],
                    env=env, capture_output=True, check=True,
                )  # fmt: skip

            def unlocked(program: tuple[str, ...]) -> float:
                return time_until(
                    program,
                    ["--store", str(store)],
                    env,
                    f"main window lists {INCIDENTS} incidents",
                )

            compare("Start to the unlocked main window (keychain)", args.runs, unlocked)
        sizes()
    finally:
        stop_xvfb(display)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
