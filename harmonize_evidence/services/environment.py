"""Facts about the computer that go into capture metadata: user, machine, tool."""

from __future__ import annotations

import getpass
import platform
import socket

from harmonize_evidence import TOOL_NAME, __version__


def os_user() -> str:
    """The operating-system account name, or ``unknown``."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def machine_name() -> str:
    """The computer's network name, or ``unknown``."""
    return socket.gethostname() or platform.node() or "unknown"


def tool() -> str:
    """Program name and version, e.g. ``Harmonize Evidence 0.1.0``."""
    return f"{TOOL_NAME} {__version__}"
