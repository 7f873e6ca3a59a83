"""The program's log file, shared by the command line and the desktop application.

The log holds what went wrong and where in the code, never evidence: no passphrases, keys, notes
or file contents are logged. Users are told where it is when something unexpected happens.
"""

from __future__ import annotations

import logging
from pathlib import Path

APP_NAME = "Harmonize Evidence"
LOG_FILE_NAME = "harmonize-evidence.log"

_started: list[Path] = []


def log_file_path() -> Path:
    """The log file in the platform's user log folder (the folder is created if missing)."""
    import platformdirs

    directory = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return directory / LOG_FILE_NAME


def start_logging() -> Path | None:
    """Send the program's log to the log file once; its path, or None if it cannot be opened."""
    if _started:
        return _started[0]
    try:
        path = log_file_path()
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _started.append(path)
    return path
