"""The frozen program's first run-time hook (packaging/harmonize-evidence.spec).

PyInstaller runs the spec's run-time hooks before its own, and its hook for PySide6 imports
QtCore: so the desktop program's start pauses the garbage collector here, as
``python -m harmonize_evidence`` does before it imports Qt (harmonize_evidence.ui.heap).
"""

import sys

from harmonize_evidence.cli import pause_collection_if_desktop

pause_collection_if_desktop(sys.argv[1:])
