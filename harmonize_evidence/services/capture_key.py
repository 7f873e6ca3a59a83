"""Use case: the capture key, which starts a capture from anywhere on the desktop.

The program's own windows always answer :data:`CAPTURE_KEYS` (an application shortcut). Where the
platform lets a program take a key for the whole desktop, the GUI takes it there too
(:func:`take_capture_key`), so that a member of staff with a harmful post in front of them
captures it without first finding the program: on X11 through a key grab, on Windows through a
registered hot key. Where it cannot (a Wayland session, macOS),
:class:`~harmonize_evidence.domain.errors.EnvironmentProblem` says why in a short phrase, and the
key still works inside the program. Where another program already holds it for the whole desktop
(:class:`CaptureKeyTaken`), it reaches no program, this one included: the tray's menu and the
program's toolbar still capture.

Importing this module is cheap, since the program's start reads :data:`CAPTURE_KEYS`; the capture
layer is loaded only when the key is taken.
"""

from __future__ import annotations

from typing import Protocol

from harmonize_evidence.domain.errors import EnvironmentProblem

CAPTURE_KEYS = "Ctrl+Shift+S"
"""The key combination that captures the screen, written as Qt writes it."""

WAYLAND = "Wayland lets no program take a key"
"""Why the key works only inside the program in a Wayland session."""


class CaptureKeyTaken(EnvironmentProblem):
    """Another program holds the capture key for the whole desktop, this program included."""


class TakenKey(Protocol):
    """A key combination this program holds for the whole desktop, until :meth:`close`."""

    @property
    def active(self) -> bool:
        """Whether the combination is still held (a new keyboard mapping can lose it)."""
        ...

    def fileno(self) -> int | None:
        """A socket that is readable when there may be presses to read (None: none to watch)."""
        ...

    def presses(self) -> int:
        """How often the combination was pressed since the last call, from that socket."""
        ...

    def is_press(self, message_address: int) -> bool:
        """Whether the native message at that address is a press (Windows' ``MSG``)."""
        ...

    def close(self) -> None:
        """Give the combination back."""
        ...


def take_capture_key(display: str | None = None) -> TakenKey:
    """Take :data:`CAPTURE_KEYS` for the whole desktop, where this platform allows it.

    Args:
        display: The X11 display the program shows on (``None``: ``DISPLAY``); ignored elsewhere.

    Raises:
        CaptureKeyTaken: Another program holds the key (message: "another program already uses
            it").
        EnvironmentProblem: The key cannot be taken here; its message is a short phrase saying why
            (Wayland; not offered on macOS yet).
    """
    from harmonize_evidence.capture.hotkeys import KeyTaken, KeyUnavailable, parse_key_combination
    from harmonize_evidence.capture.screen import display_server

    combination = parse_key_combination(CAPTURE_KEYS)
    server = display_server()
    try:
        if server == "X11":
            from harmonize_evidence.capture.x11_hotkey import GrabbedKey

            return GrabbedKey(display, combination)
        if server == "Windows":
            from harmonize_evidence.capture.win32_hotkey import RegisteredHotkey

            return RegisteredHotkey(combination)
    except KeyTaken as exc:
        raise CaptureKeyTaken(exc.message) from exc
    if server == "Wayland":
        raise KeyUnavailable(WAYLAND)
    raise KeyUnavailable(f"not offered on {server} yet")
