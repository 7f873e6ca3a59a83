"""Where a per-user install on Windows keeps the store, the log and the settings.

platformdirs' own Windows rules are applied here on any platform: it reads each known folder from a
``WIN_PD_OVERRIDE_*`` variable when one is set, as it would ask Windows otherwise. Everything goes
in the user's local application data (not the roaming one: the store is large and belongs to this
laptop), in one folder named after the program, with no company folder above it.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath

import platformdirs
import platformdirs.windows
import pytest

from harmonize_evidence.services.logfile import log_file_path
from harmonize_evidence.services.store import StoreLocation

LOCAL = r"C:\Users\Zoe\AppData\Local"
FOLDER = PureWindowsPath(LOCAL, "Harmonize Evidence")


def windows_path(path: Path | str) -> PureWindowsPath:
    """A path made by platformdirs' Windows rules on this platform (its separators mixed)."""
    return PureWindowsPath(str(path).replace("/", "\\"))


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """platformdirs answering as on a Windows laptop whose user is Zoe."""
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", LOCAL)
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", r"C:\Users\Zoe\AppData\Roaming")
    monkeypatch.delenv("HARMONIZE_EVIDENCE_HOME", raising=False)
    # The log's folder is created: here a relative one, under the test's own folder.
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("on_windows")
def test_the_store_is_in_the_users_local_application_data() -> None:
    assert windows_path(StoreLocation.resolve().directory) == FOLDER


@pytest.mark.usefixtures("on_windows")
def test_the_log_is_in_a_logs_folder_beside_the_store() -> None:
    assert windows_path(log_file_path()) == FOLDER / "Logs" / "harmonize-evidence.log"


@pytest.mark.usefixtures("on_windows")
def test_the_settings_are_in_the_same_local_folder(tmp_path: Path) -> None:
    from harmonize_evidence.ui.locking import Preferences

    written = Path(Preferences()._settings.fileName())
    assert windows_path(written.relative_to(tmp_path)) == FOLDER / "settings.ini"
