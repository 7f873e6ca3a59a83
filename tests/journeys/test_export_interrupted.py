"""Journey: an export stopped at any moment leaves no bundle that the custody chain does not record.

A member of staff exports an incident from the command line and the program is killed (SIGKILL)
or told to end (SIGTERM, as at a logout; SIGHUP, as when its terminal closes) at some point of the
export. Afterwards the folder holds either the bundle under its final name, recorded by an
``exported`` entry and accepted by ``verify-bundle``, or no file at all: SIGTERM and SIGHUP leave
it so by themselves; after SIGKILL, which no program can clean up after, the next start of the
program (or the next export) does.

The moments are found by watching, never by a hook in the program: the temporary file appearing
in the folder, then fractions of the time an undisturbed export takes to finish from there.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from harmonize_evidence.services.clock import SystemClock
from harmonize_evidence.services.store import StoreLocation, open_store
from tests.conftest import CLI_PRODUCER, PASSPHRASE, Cli, StoreTemplates, private_env

# Where an undisturbed export is, as a fraction of the time from its temporary file appearing to
# its end: at once, while exhibits are copied, while the report is made and signed, about when it
# is recorded, and (past the end) after it.
MOMENTS = (0.0, 0.25, 0.55, 0.85, 1.3)


@dataclass
class Case:
    cli: Cli
    incident: str
    out: Path
    write_seconds: float
    """How long an undisturbed export runs once its temporary file is in the folder."""


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


def _start_export(cli: Cli, incident: str, out: Path) -> subprocess.Popen[str]:
    """The real command, as ``Cli`` runs it, but left running so that it can be stopped."""
    env = {**cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harmonize_evidence",
            "--store",
            str(cli.store_dir),
            "--json",
            "export",
            incident,
            "--out",
            f"{out}{os.sep}",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_partial(child: subprocess.Popen[str], folder: Path, timeout: float = 60) -> float:
    """Poll until the export's temporary file appears; returns the moment (or when it ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _partials(folder) or child.poll() is not None:
            return time.monotonic()
        time.sleep(0.002)
    child.kill()
    pytest.fail("the export never started writing")


def _exported(cli: Cli) -> dict[str, int]:
    """SHA-256 -> entry of every ``exported`` entry; opening the store is the program's start."""
    location = StoreLocation(cli.store_dir)
    with open_store(location, lambda: PASSPHRASE, SystemClock()) as store:
        return {
            str(entry.evidence_sha256): entry.seq
            for incident in store.incidents()
            for entry in store.log(incident.id)
            if entry.action == "exported"
        }


def _assert_only_recorded_bundles(cli: Cli, folder: Path, checked: set[str]) -> None:
    """Every file is a bundle under its final name that the chain records and that verifies."""
    recorded = _exported(cli)
    for path in folder.iterdir():
        assert not path.name.startswith("."), f"{path.name} was left in the folder"
        assert path.suffix == ".zip", f"{path.name} was left in the folder"
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        assert sha256 in recorded, f"{path.name} is not recorded by any exported entry"
        if sha256 not in checked:
            checked.add(sha256)
            verified = cli("--json", "verify-bundle", str(path), passphrase=None)
            assert verified.code == 0 and verified.json["ok"] is True, verified.stdout


@dataclass(frozen=True)
class Prepared:
    store_dir: Path
    incident: str
    write_seconds: float


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Prepared:
    """An incident with three screenshots big enough for an export to take a moment.

    Made once for this module's tests (each stops exports in a copy of it): an undisturbed
    export is timed, and must be recorded and verify.
    """
    root = tmp_path_factory.mktemp("interrupted")
    cli = Cli(root / "store", private_env(root / "home"))
    store_templates.copy(cli.store_dir, CLI_PRODUCER, SystemClock())
    location = StoreLocation(cli.store_dir)
    with open_store(location, lambda: PASSPHRASE, SystemClock()) as store:
        incident = store.new_incident("Posts about a member of staff").id
        for number in range(3):
            noise = random.Random(number).randbytes(700 * 500 * 3)
            path = root / f"screen-{number}.png"
            Image.frombytes("RGB", (700, 500), noise).save(path, "PNG", compress_level=0)
            store.add_file(incident, path)
    out = root / "bundles"
    out.mkdir()
    child = _start_export(cli, incident, out)
    started = _wait_for_partial(child, out)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stdout + stderr
    write_seconds = time.monotonic() - started
    _assert_only_recorded_bundles(cli, out, set())
    return Prepared(cli.store_dir, incident, write_seconds)


@pytest.fixture
def case(prepared: Prepared, cli: Cli, tmp_path: Path) -> Case:
    """A copy of the prepared store, with an empty folder to export into."""
    shutil.copytree(prepared.store_dir, cli.store_dir)
    out = tmp_path / "bundles"
    out.mkdir()
    return Case(cli, prepared.incident, out, prepared.write_seconds)


def _stop_at(case: Case, how: signal.Signals, moment: float | None) -> tuple[int, str]:
    """Start an export and send ``how`` at ``moment`` (None: before it writes anything)."""
    child = _start_export(case.cli, case.incident, case.out)
    if moment is None:
        time.sleep(0.05)  # still starting up
    else:
        started = _wait_for_partial(child, case.out)
        time.sleep(max(0.0, started + moment * case.write_seconds - time.monotonic()))
    child.send_signal(how)
    stdout, stderr = child.communicate(timeout=120)
    return child.returncode, stdout + stderr


def test_an_export_terminated_at_any_moment_leaves_a_recorded_bundle_or_nothing(
    case: Case,
) -> None:
    checked: set[str] = set()
    stopped_while_writing = 0
    for number, moment in enumerate((None, *MOMENTS)):
        how = signal.SIGHUP if number % 3 == 2 else signal.SIGTERM  # a closed terminal, too
        before = set(case.out.iterdir())
        code, output = _stop_at(case, how, moment)
        # 143 or 129 (128 + the signal) as documented; the signal's own status when it came
        # before the command started, or after it had finished and printed its result.
        assert code in (0, 128 + how, -how), output
        assert "Traceback" not in output
        # Nothing else runs before this look: the terminated export cleaned up after itself.
        assert _partials(case.out) == [], f"left at {moment}: {os.listdir(case.out)}"
        _assert_only_recorded_bundles(case.cli, case.out, checked)
        stopped_while_writing += code == 128 + how and set(case.out.iterdir()) == before
    assert stopped_while_writing >= 2  # terminations did land while the bundle was being written


def test_an_export_killed_at_any_moment_is_cleaned_up_by_the_next_start_or_export(
    case: Case,
) -> None:
    checked: set[str] = set()
    left_behind = 0
    for number, moment in enumerate((None, *MOMENTS)):
        code, output = _stop_at(case, signal.SIGKILL, moment)
        assert code in (0, -signal.SIGKILL), output
        left_behind += bool(_partials(case.out))
        if number % 2:
            # The next start: any command opens the store, which finishes the killed export.
            assert case.cli("--json", "log", case.incident).code == 0
        else:
            # The next export (its own bundle is recorded like any other).
            again = case.cli("--json", "export", case.incident, "--out", f"{case.out}{os.sep}")
            assert again.code == 0, again.stdout + again.stderr
        _assert_only_recorded_bundles(case.cli, case.out, checked)
    assert left_behind >= 2  # kills did land while the bundle was being written


GUI_EXPORT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from harmonize_evidence.services.clock import SystemClock
    from harmonize_evidence.services.store import StoreLocation, unlock_key
    from harmonize_evidence.ui.export_flow import ExportJob
    from harmonize_evidence.ui.session import Session

    store_dir, passphrase, incident, out = sys.argv[1:]
    app = QApplication([])
    location = StoreLocation(Path(store_dir))
    session = Session(location, SystemClock())
    session.open(unlock_key(location, passphrase))
    job = ExportJob(session, incident, Path(out), None)
    job.finished.connect(app.quit)
    sys.exit(app.exec())
    """
)


def test_the_desktop_program_ended_during_an_export_leaves_nothing(case: Case) -> None:
    # The desktop program exports on a worker thread; signal handlers run on the main thread.
    before = _exported(case.cli)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            GUI_EXPORT,
            str(case.cli.store_dir),
            PASSPHRASE,
            case.incident,
            str(case.out),
        ],
        env={**case.cli.env, "QT_QPA_PLATFORM": "offscreen"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_partial(child, case.out)
    assert _partials(case.out), "the export finished before it could be stopped"
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGTERM, stderr  # it still ends as SIGTERM ends it
    assert list(case.out.iterdir()) == []
    assert _exported(case.cli) == before
