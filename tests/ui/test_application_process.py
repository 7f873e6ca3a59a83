"""The real program, started as a user starts it, on its own X display; a screenshot is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, XDisplay, start_xvfb, stop_xvfb
from tests.ui.conftest import SeededStore
from tests.ui.helpers import ARTIFACTS


def xdotool(display: XDisplay, *args: str, timeout: float = 20) -> str:
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display.name},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.stdout.strip()


def wait_for_window(display: XDisplay, name: str, timeout: float = 30) -> str:
    """The id of a visible window whose title matches ``name`` (a regular expression)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = xdotool(display, "search", "--onlyvisible", "--name", name)
        if found:
            return found.splitlines()[0]
        time.sleep(0.1)
    pytest.fail(f"no window called {name!r} appeared")


def grab_window(display: XDisplay, window: str, path: Path) -> tuple[int, int]:
    """Save a PNG of the window's area of the screen; returns its size."""
    import mss
    import mss.tools

    geometry = dict(
        line.split("=", 1)
        for line in xdotool(display, "getwindowgeometry", "--shell", window).splitlines()
    )
    box = {
        "left": int(geometry["X"]),
        "top": int(geometry["Y"]),
        "width": int(geometry["WIDTH"]),
        "height": int(geometry["HEIGHT"]),
    }
    with mss.MSS(display=display.name) as screen:
        shot = screen.grab(box)
    path.parent.mkdir(parents=True, exist_ok=True)
    mss.tools.to_png(shot.rgb, shot.size, output=str(path))
    return shot.size.width, shot.size.height


@contextmanager
def unlocked_program(display: XDisplay, command: list[str], env: dict[str, str]) -> Iterator[str]:
    """The program started by ``command`` on ``display``, unlocked by typing the passphrase as a
    user does; yields its main window's id. After the block: Ctrl+Q, which must end it with 0
    and without a traceback."""
    process = subprocess.Popen(
        command,
        env={**env, "DISPLAY": display.name, "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        locked = wait_for_window(display, "^Locked( — Harmonize Evidence)?$")
        xdotool(display, "windowfocus", "--sync", locked)
        xdotool(display, "type", "--delay", "5", PASSPHRASE)
        xdotool(display, "key", "Return")
        window = wait_for_window(display, "^Harmonize Evidence$")
        yield window
        xdotool(display, "windowfocus", "--sync", window)
        xdotool(display, "key", "ctrl+q")
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        _out, err = process.communicate(timeout=10)
    assert "Traceback" not in err


@pytest.fixture(params=[(1, (1920, 1080)), (2, (3840, 2160))], ids=["100%", "200%"])
def screen(request: pytest.FixtureRequest) -> Iterator[tuple[XDisplay, int]]:
    scale, size = request.param
    display = start_xvfb((size,))
    yield display, scale
    stop_xvfb(display)


def test_the_program_unlocks_to_its_main_window_and_quits_cleanly(
    screen: tuple[XDisplay, int], seeded: SeededStore, cli_env: dict[str, str]
) -> None:
    display, scale = screen
    command = [
        sys.executable,
        "-m",
        "harmonize_evidence",
        "--store",
        str(seeded.location.directory),
    ]
    with unlocked_program(display, command, {**cli_env, "QT_SCALE_FACTOR": str(scale)}) as window:
        time.sleep(1.5)  # thumbnails arrive off the GUI thread
        name = "main-window.png" if scale == 1 else f"main-window-{scale * 100}pct.png"
        width, height = grab_window(display, window, ARTIFACTS / name)
        assert width >= 800 * scale * 0.9 and height >= 500 * scale * 0.9


OBSERVER = """
import json, logging, os, sys


class Observer(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("main window lists "):
            with open(os.environ["MODULES_OUT"], "w", encoding="utf-8") as out:
                json.dump(sorted(sys.modules), out)


logging.getLogger("harmonize_evidence").addHandler(Observer())
from harmonize_evidence.cli import main

sys.exit(main(sys.argv[1:]))
"""
"""Runs the program as ``python -m harmonize_evidence`` does; writes the names of the modules
it has imported when its log says the main window lists the incidents. It only watches."""

NOT_AT_START = (
    "reportlab",
    "pyhanko",
    "pypdf",
    "PIL",
    "mss",
    "Xlib",
    "keyring",
    "email",
    "html",
    "concurrent.futures",
    "harmonize_evidence.capture",
    "harmonize_evidence.export",
    "harmonize_evidence.transfer",
    "harmonize_evidence.domain.handover",
    "harmonize_evidence.services.producers",
    "harmonize_evidence.services.receiving",
    "harmonize_evidence.services.exporting",
    "harmonize_evidence.services.capturing",
)
"""Packages and modules that only an action uses (a capture, an export, a handover, reading an
email, the About box, a tooltip): the first window must not wait for them. (The unlock window
that comes first here uses ``ui.dialogs``, which a start through the keychain does not.)"""


def test_the_first_window_lists_the_incidents_before_importing_what_only_actions_use(
    tmp_path: Path, seeded: SeededStore, cli_env: dict[str, str]
) -> None:
    display = start_xvfb(((1920, 1080),))
    modules_out = tmp_path / "modules.json"
    command = [sys.executable, "-c", OBSERVER, "--store", str(seeded.location.directory)]
    try:
        with unlocked_program(display, command, {**cli_env, "MODULES_OUT": str(modules_out)}):
            deadline = time.monotonic() + 20
            while not modules_out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            imported = set(json.loads(modules_out.read_text(encoding="utf-8")))
    finally:
        stop_xvfb(display)
    assert "harmonize_evidence.ui.main_window" in imported  # it did watch the first list
    early = sorted(
        name
        for name in imported
        if any(name == part or name.startswith(part + ".") for part in NOT_AT_START)
    )
    assert early == []


def test_without_a_screen_the_program_says_so_instead_of_crashing(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    assert result.code == 5
    assert result.stderr == (
        "harmonize-evidence: There is no screen to show the window on; start Harmonize "
        "Evidence from the desktop, or use the commands listed by 'harmonize-evidence --help'.\n"
    )
