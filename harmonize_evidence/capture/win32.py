"""What Windows says about the screen: which windows show, where, and their titles.

Read through ctypes from ``user32`` and ``dwmapi``; they are loaded only on Windows, so this module
imports everywhere and its pure part (:func:`stack_from_records`) is tested on any platform.
Like the X11 reader, everything here is best effort and never guesses: a title that cannot be read
is recorded as ``unknown``, with the reason.

- ``EnumWindows`` lists the top-level windows in Z order, topmost first.
- A window shows when it is visible (``IsWindowVisible``), not minimised (``IsIconic``), not
  cloaked by the desktop window manager (``DWMWA_CLOAKED``: a window on another virtual desktop, a
  suspended Store app), not a click-through overlay (``WS_EX_LAYERED`` with ``WS_EX_TRANSPARENT``,
  as game and graphics-driver overlays are: the mouse and the eye go through them to the window
  below), and not wholly hidden behind the windows above it.
- Where it is: ``DWMWA_EXTENDED_FRAME_BOUNDS``, the frame as drawn, without the invisible resize
  borders that ``GetWindowRect`` counts since Windows 10 (``GetWindowRect`` is the fallback when
  the window manager does not answer). Both are in physical pixels in a process that is aware of
  each monitor's scale, as mss makes this program: the same pixels as the grab.
- Its title is ``GetWindowTextW``. Titles are read only for windows that show: the program's own
  windows are hidden before a grab, so no window message is sent to its own GUI thread.
- The foreground window (``GetForegroundWindow``, the one that had the keyboard) is named in the
  source of its title.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from harmonize_evidence.capture.geometry import Rect
from harmonize_evidence.capture.windows import (
    UNKNOWN,
    StackedWindow,
    UncoveredScreen,
    WindowStack,
    WindowTitle,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowRecord:
    """One top-level window as Windows listed it."""

    hwnd: int
    rect: Rect | None
    """Its visible frame in virtual-screen pixels; None when it was not read (hidden) or could
    not be."""
    title: str
    """Its title; empty when it has none, or when it was not read (the window does not show)."""
    visible: bool
    cloaked: bool
    iconic: bool
    click_through: bool = False
    """A layered, transparent overlay: what shows through it belongs to the window below."""

    @property
    def shown(self) -> bool:
        """Whether the window is drawn on the screen (if nothing above hides it)."""
        return (
            self.visible
            and not self.cloaked
            and not self.iconic
            and not self.click_through
            and self.rect is not None
            and self.rect.width > 0
            and self.rect.height > 0
        )


def _title(record: WindowRecord, foreground: int | None) -> WindowTitle:
    front = ", the foreground window" if record.hwnd == foreground else ""
    if not record.title:
        return WindowTitle(UNKNOWN, f"window {record.hwnd:#x} has no title{front}")
    return WindowTitle(record.title, f"Windows GetWindowTextW of window {record.hwnd:#x}{front}")


def stack_from_records(
    records: Iterable[WindowRecord], screen: Rect, foreground: int | None = None
) -> WindowStack:
    """The :class:`WindowStack` of ``records`` (topmost first) on the virtual screen ``screen``.

    Windows that do not show (hidden, minimised, cloaked, click-through, no area) and those
    wholly behind the windows above them are left out.

    Args:
        records: Every top-level window, in Z order, topmost first (as ``EnumWindows`` lists).
        screen: The virtual screen, in the same pixels as the records' rectangles.
        foreground: The foreground window's handle, named in its title's source.
    """
    uncovered = UncoveredScreen(screen)
    shown: list[StackedWindow] = []
    for record in records:
        if uncovered.all_covered:
            break  # everything below is hidden by the windows already kept
        if not record.shown or record.rect is None or not uncovered.shows(record.rect):
            continue
        shown.append(StackedWindow(record.rect, _title(record, foreground)))
        uncovered.cover(record.rect)
    return WindowStack(tuple(shown))


def window_stack(screen: Rect) -> WindowStack:
    """The windows showing on Windows now, with their titles (read once).

    Args:
        screen: The virtual screen (the monitor layout's), which may start left of or above 0.
    """
    if sys.platform == "win32":
        try:
            records, foreground = _read_windows()
        except Exception as exc:  # a window can close while we look; never guess a title
            log.info("cannot list the windows: %s", exc)
            return WindowStack(problem="Windows did not say which windows were showing")
        return stack_from_records(records, screen, foreground)
    return WindowStack(problem="Windows window titles are read only on Windows")


if sys.platform == "win32":
    import ctypes
    import functools
    from ctypes import wintypes
    from typing import Any

    _DWMWA_EXTENDED_FRAME_BOUNDS = 9
    _DWMWA_CLOAKED = 14
    _GWL_EXSTYLE = -20
    _WS_EX_LAYERED = 0x00080000
    _WS_EX_TRANSPARENT = 0x00000020
    _S_OK = 0
    _WNDENUMPROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)

    @functools.cache
    def _libraries() -> tuple[Any, Any]:
        """user32 and dwmapi, with the signatures of the functions used here."""
        user32 = ctypes.WinDLL("user32", use_last_error=True)
        dwmapi = ctypes.WinDLL("dwmapi")
        hwnd = wintypes.HWND
        for name, restype, argtypes in (
            ("EnumWindows", wintypes.BOOL, (_WNDENUMPROC, wintypes.LPARAM)),
            ("IsWindowVisible", wintypes.BOOL, (hwnd,)),
            ("IsIconic", wintypes.BOOL, (hwnd,)),
            ("GetWindowTextLengthW", ctypes.c_int, (hwnd,)),
            ("GetWindowTextW", ctypes.c_int, (hwnd, wintypes.LPWSTR, ctypes.c_int)),
            ("GetWindowRect", wintypes.BOOL, (hwnd, ctypes.POINTER(wintypes.RECT))),
            ("GetWindowLongW", wintypes.LONG, (hwnd, ctypes.c_int)),
            ("GetForegroundWindow", hwnd, ()),
        ):
            function = getattr(user32, name)
            function.restype, function.argtypes = restype, argtypes
        # An HRESULT read as a plain long: ctypes.HRESULT would raise on every failure.
        dwmapi.DwmGetWindowAttribute.restype = ctypes.c_long
        dwmapi.DwmGetWindowAttribute.argtypes = (
            hwnd,
            wintypes.DWORD,
            wintypes.LPVOID,
            wintypes.DWORD,
        )
        return user32, dwmapi

    def _frame(user32: Any, dwmapi: Any, hwnd: int) -> Rect | None:
        bounds = wintypes.RECT()
        answer = dwmapi.DwmGetWindowAttribute(
            hwnd, _DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(bounds), ctypes.sizeof(bounds)
        )
        if answer != _S_OK and not user32.GetWindowRect(hwnd, ctypes.byref(bounds)):
            return None
        return Rect(bounds.left, bounds.top, bounds.right - bounds.left, bounds.bottom - bounds.top)

    def _record(user32: Any, dwmapi: Any, hwnd: int) -> WindowRecord:
        visible = bool(user32.IsWindowVisible(hwnd))
        iconic = bool(user32.IsIconic(hwnd))
        cloak = wintypes.DWORD(0)
        answer = dwmapi.DwmGetWindowAttribute(
            hwnd, _DWMWA_CLOAKED, ctypes.byref(cloak), ctypes.sizeof(cloak)
        )
        cloaked = answer == _S_OK and cloak.value != 0
        if not visible or iconic or cloaked:
            return WindowRecord(hwnd, None, "", visible, cloaked, iconic)
        style = user32.GetWindowLongW(hwnd, _GWL_EXSTYLE) & (_WS_EX_LAYERED | _WS_EX_TRANSPARENT)
        length = user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        copied = user32.GetWindowTextW(hwnd, buffer, length + 1)
        return WindowRecord(
            hwnd,
            _frame(user32, dwmapi, hwnd),
            buffer.value[:copied],
            visible,
            cloaked,
            iconic,
            click_through=style == _WS_EX_LAYERED | _WS_EX_TRANSPARENT,
        )

    def _read_windows() -> tuple[list[WindowRecord], int | None]:
        """Every top-level window, topmost first, and the foreground window's handle."""
        user32, dwmapi = _libraries()
        handles: list[int] = []

        def collect(hwnd: int | None, _param: int) -> bool:
            if hwnd:
                handles.append(hwnd)
            return True

        if not user32.EnumWindows(_WNDENUMPROC(collect), 0):
            raise ctypes.WinError(ctypes.get_last_error())
        foreground = user32.GetForegroundWindow() or None
        return [_record(user32, dwmapi, hwnd) for hwnd in handles], foreground
