"""Shared fixtures: real stores, the real command line, a real X display, a real Secret Service."""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Compiled bytecode of the program's modules, outside the checkout and shared by every test
# process, every child process it starts and every run (Python writes each file atomically and
# checks it against its source): a process starts as an installed program does, from .pyc files,
# even where the shell sets PYTHONDONTWRITEBYTECODE (each one would otherwise compile every module
# it imports again: collecting the tests took 5.0-5.7 s that way here, 3.0 s from .pyc files).
CHILD_PYCACHE = Path(tempfile.gettempdir()) / f"harmonize-evidence-tests-pycache-{os.getuid()}"
sys.pycache_prefix = str(CHILD_PYCACHE)
sys.dont_write_bytecode = False

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from harmonize_evidence.domain.clock import FixedClock  # noqa: E402
from harmonize_evidence.domain.model import Producer, Role  # noqa: E402
from harmonize_evidence.services.evidence import EvidenceStore  # noqa: E402
from harmonize_evidence.services.store import StoreLocation, create_store, open_store  # noqa: E402
from harmonize_evidence.vault.keys import PassphraseCost  # noqa: E402
from tests.warm_cli import WarmStarter  # noqa: E402

PASSPHRASE = "correct horse battery staple"

# Property tests explore user input; wall-clock deadlines would make them flaky on a busy 2-core
# machine, and fixtures that make real stores are meant to be shared across examples.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("default")
REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

# The test files that take longest, longest first. pytest-xdist gives each worker whole files in
# the order collected (pyproject.toml: --dist loadfile --no-loadscope-reorder); starting with the
# long ones lets the short ones even out the workers' ends. Every other file follows, in the
# usual order. The order is the one measured in a parallel run on a 2-core machine.
LONGEST_FIRST = (
    "test_export.py",
    "test_report_metadata.py",
    "journeys/test_export_interrupted.py",
    "test_cli.py",
    "test_capture.py",
    "test_interrupted_writes.py",
    "ui/test_capture_and_export.py",
    "ui/test_frozen_capture.py",
    "journeys/test_teacher_to_officer.py",
    "journeys/test_staff_to_lead_to_officer.py",
    "test_store.py",
    "test_bundle_forgery.py",
    "journeys/test_lead_runs_a_case.py",
    "test_cli_terminal.py",
    "journeys/test_store_faults.py",
    "test_report_casework.py",
    "test_init_race.py",
    "ui/test_setup_and_unlock.py",
    "test_cli_input.py",
    "ui/test_handover_windows.py",
    "ui/test_application_process.py",
    "ui/test_capture_key.py",
    "test_lead_bundle.py",
    "test_post_time.py",
    "ui/test_main_window.py",
    "test_provenance.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of LONGEST_FIRST first; each file keeps the order of its own tests."""
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}

    def place(item: pytest.Item) -> int:
        try:
            name = item.path.relative_to(TESTS).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items.sort(key=place)  # a stable sort


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting made (the program's modules, Qt's, the libraries', every test item)
    lives until the run ends: it is left out of the garbage collector's walks, which each test
    would otherwise repeat over all of it (as tests/warm_cli.py's process leaves out what it
    imported)."""
    gc.freeze()


@pytest.fixture
def clock() -> FixedClock:
    """A clock stopped on a winter evening in London (GMT)."""
    return FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))


@pytest.fixture
def producer() -> Producer:
    return Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)


class MovingClock:
    """A clock the test moves on by hand (:meth:`advance`, or ``instant`` set), so that each
    step the program records, reading it, has its own time (in London)."""

    zone_name = "Europe/London"

    def __init__(self, start: datetime) -> None:
        self.instant = start

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.zone_name)

    def now(self) -> datetime:
        return self.instant

    def advance(self, minutes: int) -> None:
        self.instant += timedelta(minutes=minutes)


# Argon2id at its minimum, for the stores the tests make by the hundred. The standard cost
# (256 MiB, about 0.4 s per unlock) is what every user's store gets; tests of the cost itself and
# of `init` use it. The key file records the cost, so the real program opens these stores as is.
TEST_COST = PassphraseCost(memory_kib=8, iterations=1, lanes=1)


@dataclass
class MadeStore:
    location: StoreLocation
    recovery_key: str
    passphrase: str = PASSPHRASE


class StoreTemplates:
    """Stores made once per test session and copied for each test that needs one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple[Producer, str], MadeStore] = {}

    def copy(self, destination: Path, producer: Producer, clock: Any) -> MadeStore:
        """A fresh copy, at ``destination``, of a store made by ``producer`` at ``clock.now()``."""
        key = (producer, clock.now().isoformat() if isinstance(clock, FixedClock) else "system")
        template = self._made.get(key)
        if template is None:
            location = StoreLocation(self.folder / f"template-{len(self._made)}")
            made, recovery_key = create_store(
                location, producer, PASSPHRASE, clock, passphrase_cost=TEST_COST
            )
            made.close()
            template = self._made[key] = MadeStore(location, recovery_key)
        shutil.copytree(template.location.directory, destination)
        return MadeStore(StoreLocation(destination), template.recovery_key)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> StoreTemplates:
    return StoreTemplates(tmp_path_factory.mktemp("store-templates"))


@pytest.fixture
def made_store(
    tmp_path: Path, producer: Producer, clock: FixedClock, store_templates: StoreTemplates
) -> MadeStore:
    """A real store on disk, closed again (a copy of one made once per session)."""
    return store_templates.copy(tmp_path / "store", producer, clock)


@pytest.fixture
def store(made_store: MadeStore, clock: FixedClock) -> Iterator[EvidenceStore]:
    """An open, unlocked store."""
    opened = open_store(made_store.location, lambda: PASSPHRASE, clock)
    yield opened
    opened.close()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


PYTHON_PROGRAM = (sys.executable, "-m", "harmonize_evidence")


_warm_starter: WarmStarter | None = None


def warm_starter() -> WarmStarter:
    """This test process's warm command-line process (see tests/warm_cli.py)."""
    global _warm_starter  # noqa: PLW0603 - one per test process, stopped as it ends
    if _warm_starter is None:
        _warm_starter = WarmStarter(private_env(Path(tempfile.mkdtemp(prefix="warm-home-"))))
        atexit.register(_warm_starter.stop)
    return _warm_starter


class Cli:
    """Runs the real ``harmonize-evidence`` program in a child process.

    ``program`` is the command that starts it: this checkout's, or a frozen build's executable.
    ``warm``: each command runs in a fork of a process that has already imported the program
    (tests/warm_cli.py), unless its environment changes how the interpreter starts; otherwise
    (the default, and for the journeys) in a fresh interpreter, as a user starts it.
    """

    def __init__(
        self,
        store_dir: Path,
        env: dict[str, str],
        program: tuple[str, ...] = PYTHON_PROGRAM,
        *,
        warm: bool = False,
    ) -> None:
        self.store_dir = store_dir
        self.env = env
        self.program = program
        self.warm = warm and program == PYTHON_PROGRAM

    def __call__(
        self,
        *args: str,
        passphrase: str | None = PASSPHRASE,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> CliResult:
        run_env = {**self.env, **(env or {})}  # ``env`` adds to (or overrides) the base
        run_env.pop("HARMONIZE_EVIDENCE_PASSPHRASE", None)
        if passphrase is not None:
            run_env["HARMONIZE_EVIDENCE_PASSPHRASE"] = passphrase
        if self.warm and warm_starter().starts_the_same(run_env):
            return CliResult(
                *warm_starter().run(["--store", str(self.store_dir), *args], run_env, timeout)
            )
        completed = subprocess.run(
            [*self.program, "--store", str(self.store_dir), *args],
            capture_output=True,
            text=True,
            env=run_env,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)


def private_env(home: Path) -> dict[str, str]:
    """Environment for child processes: a private HOME, no keychain, no session bus."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HARMONIZE_EVIDENCE", "DBUS_", "PYTHON_KEYRING", "GNOME_KEYRING"))
        and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        PYTHONPYCACHEPREFIX=str(CHILD_PYCACHE),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for child processes: private HOME, no keychain unless asked."""
    return private_env(tmp_path / "home")


@pytest.fixture
def cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """The command line against a fresh store folder (not yet initialised)."""
    return Cli(tmp_path / "cli-store", cli_env, warm=True)


CLI_PRODUCER = Producer("Zoë Lane", "ZL", "Oak Hill", Role.STAFF)


@pytest.fixture
def initialised_cli(cli: Cli, store_templates: StoreTemplates) -> Cli:
    """The command line against an initialised store (as ``init`` makes it, on the real clock).

    A copy of a store made once per session; tests of ``init`` itself use the ``cli`` fixture.
    """
    from harmonize_evidence.services.clock import SystemClock

    made = store_templates.copy(cli.store_dir, CLI_PRODUCER, SystemClock())
    cli.recovery_key = made.recovery_key  # type: ignore[attr-defined]
    return cli


# -- a real X display ------------------------------------------------------------------------------


@dataclass
class XDisplay:
    name: str
    process: subprocess.Popen[bytes]
    screens: tuple[tuple[int, int], ...]


def start_xvfb(
    screens: tuple[tuple[int, int], ...] = ((1920, 1080),), xinerama: bool = False
) -> XDisplay:
    """Start Xvfb on a free display number (-displayfd) with -noreset."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (Debian package xvfb; .ci/run installs it)")
    read_fd, write_fd = os.pipe()
    args = ["Xvfb", "-displayfd", str(write_fd), "-noreset", "-nolisten", "tcp"]
    for index, (width, height) in enumerate(screens):
        args += ["-screen", str(index), f"{width}x{height}x24"]
    if xinerama:
        args += ["+xinerama"]
    process = subprocess.Popen(
        args, pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        number = reader.readline().strip()
    if not number:
        process.kill()
        pytest.fail("Xvfb did not start")
    # The capture layer keeps a connection per display name and thread; one this thread kept to
    # an earlier server with this number (stopped, its number free again) is dead now.
    from harmonize_evidence.capture.screen import forget_screen

    forget_screen(f":{number}")
    return XDisplay(f":{number}", process, screens)


def fill_root(display: str, rgb: tuple[int, int, int]) -> None:
    """Give the display's root window a plain background colour (an empty Xvfb is all black)."""
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        root = connection.screen().root
        red, green, blue = rgb
        root.change_attributes(background_pixel=(red << 16) | (green << 8) | blue)
        root.clear_area(0, 0, 0, 0)
        connection.sync()
    finally:
        connection.close()


def stop_xvfb(display: XDisplay) -> None:
    display.process.send_signal(signal.SIGTERM)
    try:
        display.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        display.process.kill()


@pytest.fixture(scope="session")
def xvfb() -> Iterator[XDisplay]:
    """One 1920x1080 virtual screen for the whole session."""
    display = start_xvfb()
    yield display
    stop_xvfb(display)


# -- a real Secret Service -------------------------------------------------------------------------


@dataclass
class SecretService:
    env: dict[str, str]
    password: str


@contextlib.contextmanager
def running_secret_service(base_env: dict[str, str], password: str) -> Iterator[dict[str, str]]:
    """Start a private D-Bus session with gnome-keyring's Secret Service, unlocked.

    Yields ``base_env`` plus the session's variables and keyring's Secret Service backend.
    """
    runtime = Path(tempfile.mkdtemp(prefix="xdg-runtime-"))
    runtime.chmod(0o700)
    env = dict(base_env)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    env["XDG_RUNTIME_DIR"] = str(runtime)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert bus.stdout is not None
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    daemon = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
        input=password,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    for line in daemon.stdout.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    try:
        yield env
    finally:
        pid = env.get("GNOME_KEYRING_PID")
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
        bus.terminate()
        bus.wait(timeout=10)
        shutil.rmtree(runtime, ignore_errors=True)


def secret_tool(
    env: dict[str, str], *args: str, text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``secret-tool`` (libsecret's command) on the Secret Service in ``env``, with ``args``
    (``lookup service "Harmonize Evidence" username ID`` and the like)."""
    return subprocess.run(
        ["secret-tool", *args],
        input=text,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def lock_keychain(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Lock the Secret Service's default collection in ``env``, as logging out would."""
    lock = (
        "import secretstorage\n"
        "collection = secretstorage.get_default_collection(secretstorage.dbus_init())\n"
        "collection.lock()\n"
        "assert collection.is_locked()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", lock],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def secret_service(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[SecretService]:
    """A private D-Bus session with gnome-keyring's Secret Service, unlocked."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (.ci/run installs dbus-x11 and gnome-keyring)")
    password = "keyring-test-password"
    with running_secret_service(cli_env, password) as env:
        yield SecretService(env, password)
