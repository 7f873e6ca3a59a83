"""The Linux package as a teacher's computer gets it: built here, unpacked, and used.

Run by ``.ci/run`` after the README's test command (``python -m pytest -n 0 packaging/tests``);
it is not part of the test suite, because the build takes minutes. The module builds the package
once with ``packaging/build``, unpacks the ``.deb`` with ``dpkg -x`` into a scratch folder, and
runs the frozen program from there, never this checkout's code:

- ``--version``;
- a teacher's whole path: ``init``, ``incident new``, ``capture`` of a real Xvfb screen, ``add``,
  ``export``, then the officer's checks (``verify-bundle`` of the frozen program, ``pdfsig``,
  ``sha256sum -c``, the ``openssl`` lines of VERIFY.txt);
- a handover: the lead's school card, joining, an encrypted package (age, through pyrage)
  received by the lead;
- the keychain: the key saved through keyring's Secret Service back-end, which the program
  takes directly, and read at start through secretstorage (the build must carry both);
- the desktop program's setup wizard on a screen, saved as test-artifacts/frozen-setup-wizard.png;
- the package's metadata (``dpkg-deb --info`` and ``--contents``) and its desktop entry
  (``desktop-file-validate``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from harmonize_evidence import __version__
from harmonize_evidence.capture import Rect
from tests.conftest import (
    Cli,
    XDisplay,
    private_env,
    running_secret_service,
    start_xvfb,
    stop_xvfb,
)
from tests.journeys.conftest import ok
from tests.journeys.officer import check_as_an_officer
from tests.painted import paint_known_content
from tests.screen_painter import pattern_colour

# The build takes minutes (it is part of the first test's set-up).
pytestmark = pytest.mark.timeout(1800)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
NAME = "harmonize-evidence"


@dataclass(frozen=True)
class Built:
    deb: Path
    root: Path
    """Where the .deb was unpacked (as / of a machine that installed it)."""

    @property
    def program(self) -> tuple[str, ...]:
        return (str(self.root / "usr" / "bin" / NAME),)


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (Debian package {package}; .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The package, built by packaging/build on this machine and unpacked by dpkg -x."""
    done = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "build")],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    debs = sorted((REPO / "dist").glob(f"{NAME}_{__version__}_*.deb"))
    assert len(debs) == 1, debs
    root = tmp_path_factory.mktemp("unpacked")
    subprocess.run([tool("dpkg", "dpkg"), "-x", str(debs[0]), str(root)], check=True)
    return Built(debs[0], root)


@pytest.fixture(scope="module")
def screen() -> Iterator[XDisplay]:
    display = start_xvfb(((1280, 800),))
    yield display
    stop_xvfb(display)


def run(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), capture_output=True, text=True, timeout=300, check=False, **options
    )  # type: ignore[call-overload]


def test_the_frozen_program_says_its_version(built: Built, tmp_path: Path) -> None:
    done = run(*built.program, "--version", cwd=tmp_path, env=private_env(tmp_path / "home"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{NAME} {__version__}"


def test_a_teacher_captures_and_exports_and_the_officer_checks_with_the_frozen_program(
    built: Built, screen: XDisplay, tmp_path: Path
) -> None:
    env = private_env(tmp_path / "home")
    cli = Cli(tmp_path / "store", env, program=built.program)
    fingerprint = ok(
        cli("--json", "init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill")
    )["fingerprint"]
    incident = ok(
        cli("--json", "incident", "new", "--title", "Posts about Ms Lane", "--platform", "TikTok")
    )["id"]

    virtual = Rect(0, 0, 1280, 800)
    painter = paint_known_content(screen, virtual)
    try:
        region = Rect(100, 80, 400, 240)
        captured = ok(
            cli(
                "--json", "capture", incident,
                "--region", f"{region.left},{region.top},{region.width},{region.height}",
                "--url", "https://www.tiktok.com/@someone/video/1", "--note", "The video's page",
                env={"DISPLAY": screen.name},
            )
        )  # fmt: skip
    finally:
        painter.communicate(timeout=10)
    phone = tmp_path / "IMG_2041.PNG"
    Image.new("RGB", (390, 844), (240, 240, 245)).save(phone)
    added = ok(cli("--json", "add", incident, str(phone), "--note", "Emailed from my phone"))
    ok(cli("--json", "note", incident, "Łukasz showed me the video at 21:40; محمد shared it."))

    out = tmp_path / "for the police"
    out.mkdir()
    bundle = Path(ok(cli("--json", "export", incident, "--out", str(out)))["bundle"])

    found = check_as_an_officer(
        bundle, fingerprint, tmp_path / "officer", private_env(tmp_path / "officer-home"),
        program=built.program,
    )  # fmt: skip
    expected = run(
        *built.program, "--json", "verify-bundle", str(bundle), "--expect-fingerprint",
        fingerprint, env=env,
    )  # fmt: skip
    assert expected.returncode == 0, expected.stdout + expected.stderr
    manifest = json.loads((found.folder / "manifest.json").read_text(encoding="utf-8"))
    files = {item["exhibit"]: found.folder / item["file"] for item in manifest["items"]}
    assert files[added["exhibit"]].read_bytes() == phone.read_bytes()
    shot = files[captured["exhibit"]]
    assert hashlib.sha256(shot.read_bytes()).hexdigest() == captured["sha256"]
    image = Image.open(shot).convert("RGB")
    assert image.size == (region.width, region.height)
    assert image.getpixel((10, 10)) == pattern_colour(region.left + 10, region.top + 10)
    assert "Łukasz showed me the video" in found.report_text


def test_a_handover_reaches_the_lead_through_the_frozen_program(
    built: Built, tmp_path: Path
) -> None:
    """The age encryption (pyrage) and the lead's side work in the build."""
    lead = Cli(tmp_path / "lead", private_env(tmp_path / "lead-home"), program=built.program)
    teacher = Cli(tmp_path / "staff", private_env(tmp_path / "staff-home"), program=built.program)
    ok(lead("--json", "init", "--name", "Priya Shah", "--initials", "PS", "--school", "Oak Hill",
            "--role", "lead"))  # fmt: skip
    card = ok(lead("--json", "school-card", "--out", str(tmp_path / "card" / "")))
    staff = ok(teacher("--json", "init", "--name", "Zoë Lane", "--initials", "ZL", "--school",
                       "Oak Hill"))  # fmt: skip
    ok(teacher("--json", "join", card["card"], "--fingerprint", card["short_fingerprint"]))
    incident = ok(teacher("--json", "incident", "new", "--title", "Messages"))["id"]
    ok(teacher("--json", "note", incident, "Three messages after the match."))
    package = ok(teacher("--json", "handover", incident, "--out", str(tmp_path / "usb" / "")))
    received = ok(
        lead("--json", "receive", package["package"], "--accept-staff", staff["fingerprint"])
    )
    assert received["staff_reference"] == incident
    assert ok(lead("--json", "verify"))["ok"] is True


def test_the_frozen_program_keeps_its_key_in_the_keychain(built: Built, tmp_path: Path) -> None:
    for name, package in (("dbus-daemon", "dbus"), ("gnome-keyring-daemon", "gnome-keyring")):
        tool(name, package)
    with running_secret_service(private_env(tmp_path / "home"), "keyring-password") as env:
        # No back-end named, as on a teacher's computer: the program takes the Secret Service
        # back-end directly (the build must carry it), and keyring's own detection, through
        # its entry points, only where that back-end is not usable.
        env.pop("PYTHON_KEYRING_BACKEND")
        cli = Cli(tmp_path / "store", env, program=built.program)
        ok(cli("--json", "init", "--name", "Ann Lee", "--initials", "AL", "--school", "Oak Hill",
               "--keychain"))  # fmt: skip
        listed = cli("--json", "incident", "list", passphrase=None)  # unlocked by the keychain
        assert ok(listed) == {"incidents": []}


def test_the_frozen_desktop_program_opens_its_setup_wizard(
    built: Built, screen: XDisplay, tmp_path: Path
) -> None:
    env = {**private_env(tmp_path / "home"), "DISPLAY": screen.name}
    log_file = Path(env["XDG_STATE_HOME"]) / "Harmonize Evidence" / "log" / f"{NAME}.log"
    process = subprocess.Popen(
        [*built.program], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not (log_file.exists() and "setup wizard shown" in log_file.read_text("utf-8")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the setup wizard never showed"
            time.sleep(0.1)
        found = run(tool("xdotool", "xdotool"), "search", "--onlyvisible", "--name",
                    "Set up Harmonize Evidence", env=env)  # fmt: skip
        assert found.returncode == 0 and found.stdout.strip(), found.stderr
        time.sleep(1.0)  # let it finish painting before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        picture = ARTIFACTS / "frozen-setup-wizard.png"
        shot = run(tool("scrot", "scrot"), "--overwrite", str(picture), env=env)
        assert shot.returncode == 0, shot.stderr
        colours = Image.open(picture).convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50, "the screen shows no window"
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_package_declares_its_dependencies_and_installs_under_opt(built: Built) -> None:
    info = run(tool("dpkg-deb", "dpkg"), "--info", str(built.deb))
    assert info.returncode == 0, info.stderr
    fields = dict(re.findall(r"^ ([A-Z][\w-]+): (.*)$", info.stdout, re.MULTILINE))
    assert fields["Package"] == NAME
    assert fields["Version"] == __version__
    assert fields["Architecture"] == run("dpkg", "--print-architecture").stdout.strip()
    depends = [part.strip() for part in fields["Depends"].split(",")]
    assert depends[0].startswith("libc6 (>= "), depends
    assert "libxcb1" in depends, depends  # Qt's X11 platform plugin needs the system's libxcb

    contents = run(tool("dpkg-deb", "dpkg"), "--contents", str(built.deb))
    paths = [line.split()[5] for line in contents.stdout.splitlines()]
    allowed = (
        f"./opt/{NAME}/",
        "./usr/bin/",
        "./usr/share/applications/",
        "./usr/share/icons/hicolor/",
        f"./usr/share/doc/{NAME}/",
    )
    folders = {"./", "./opt/", "./usr/", "./usr/share/", "./usr/share/doc/", "./usr/share/icons/"}
    outside = [p for p in paths if not p.startswith(allowed) and p not in folders]
    assert outside == []
    assert f"./opt/{NAME}/{NAME}" in paths
    # What the program never loads is not in the build.
    assert not any("/Qt/translations/" in p for p in paths)
    assert not any("/libgtk-3" in p or "/pydantic" in p for p in paths)

    entry = built.root / "usr" / "share" / "applications" / f"{NAME}.desktop"
    valid = run(tool("desktop-file-validate", "desktop-file-utils"), str(entry))
    assert valid.returncode == 0 and valid.stdout.strip() == "", valid.stdout + valid.stderr
    text = entry.read_text(encoding="utf-8")
    assert f"Exec={NAME}\n" in text and f"Icon={NAME}\n" in text
    assert (built.root / "usr" / "bin" / NAME).resolve() == (built.root / "opt" / NAME / NAME)
    for size in (16, 32, 48, 256):
        icon = built.root / f"usr/share/icons/hicolor/{size}x{size}/apps/{NAME}.png"
        assert Image.open(icon).size == (size, size)
