"""What the X11 window manager says about the screen: window titles and the desktop's scale.

Read through python-xlib (the X protocol in pure Python). Everything here is best effort and
never guesses: a title that cannot be read is recorded as ``unknown``, with the reason.

- The window under a point is the topmost *viewable* client window that contains it. With an
  EWMH window manager that is read from ``_NET_CLIENT_LIST_STACKING`` (bottom to top); without
  one, from the root window's children in stacking order, descending to the client window that
  carries ``WM_STATE`` (ICCCM) when the child is a frame.
- Its title is ``_NET_WM_NAME`` (UTF-8), else ``WM_NAME``.
- Titles are read into a :class:`~.windows.WindowStack` right after a grab: every window that
  showed, where, and its title, topmost first. A point is looked up in that snapshot later, so a
  region chosen over the program's own overlay (or after a window moved or closed) is described
  as the screen was when it was grabbed. Windows wholly hidden behind those above them are left
  out, since no point can land on them; that keeps the snapshot to a few windows on a real
  desktop.
- The desktop's scale is ``Xft.dpi`` in the root window's ``RESOURCE_MANAGER`` resources, over
  96 dpi; X11 itself always works in device pixels, so grabs are at native resolution anyway.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from harmonize_evidence.capture.geometry import Rect
from harmonize_evidence.capture.windows import (
    UNKNOWN,
    StackedWindow,
    UncoveredScreen,
    WindowStack,
    WindowTitle,
)

log = logging.getLogger(__name__)

_MAX_DEPTH = 4
_local = threading.local()


@dataclass(frozen=True)
class DesktopScale:
    """The desktop's device pixel ratio and where it was read from."""

    ratio: Decimal
    source: str


class X11Session:
    """One connection to the X server, owned by the thread that opened it."""

    def __init__(self, display_name: str | None) -> None:
        from Xlib import display as xdisplay

        self._display: Any = xdisplay.Display(display_name)
        self._root: Any = self._display.screen().root

    def close(self) -> None:
        """Close the connection."""
        self._display.close()

    def _atom(self, name: str) -> int:
        return int(self._display.intern_atom(name, only_if_exists=True))

    def _property(self, window: Any, name: str) -> Any:
        atom = self._atom(name)
        if not atom:
            return None
        from Xlib import X

        return window.get_full_property(atom, X.AnyPropertyType)

    def _title(self, window: Any) -> WindowTitle | None:
        for name in ("_NET_WM_NAME", "WM_NAME"):
            prop = self._property(window, name)
            if prop is None or not prop.value:
                continue
            value = prop.value
            if isinstance(value, bytes):
                encoding = "utf-8" if name == "_NET_WM_NAME" else "latin-1"
                value = value.decode(encoding, errors="replace")
            return WindowTitle(str(value), f"X11 {name} of window {window.id:#x}")
        return None

    def _shown_rect(self, window: Any) -> Rect | None:
        """Where ``window`` is on the root window, or None when it is not viewable."""
        from Xlib import X

        if window.get_attributes().map_state != X.IsViewable:
            return None
        geometry = window.get_geometry()
        origin = self._root.translate_coords(window, 0, 0)
        return Rect(origin.x, origin.y, geometry.width, geometry.height)

    def _client_of(self, window: Any, depth: int = 0) -> Any:
        """The ICCCM client window inside ``window`` (itself if it has WM_STATE or a title)."""
        if self._property(window, "WM_STATE") is not None or depth >= _MAX_DEPTH:
            return window
        for child in reversed(window.query_tree().children):
            found = self._client_of(child, depth + 1)
            if found is not None and self._property(found, "WM_STATE") is not None:
                return found
        return window

    def window_stack(self) -> WindowStack:
        """Every window showing now, topmost first, with its title (see :class:`WindowStack`)."""
        stacking = self._property(self._root, "_NET_CLIENT_LIST_STACKING")
        if stacking is not None and len(stacking.value):
            candidates = [
                self._display.create_resource_object("window", wid)
                for wid in reversed(list(stacking.value))
            ]
            clients = True
        else:
            candidates = list(reversed(self._root.query_tree().children))
            clients = False
        root = self._root.get_geometry()
        uncovered = UncoveredScreen(Rect(0, 0, root.width, root.height))
        shown: list[StackedWindow] = []
        for window in candidates:
            if uncovered.all_covered:
                break  # everything below is hidden by the windows already read
            rect = self._shown_rect(window)
            if rect is None or not uncovered.shows(rect):
                continue
            client = window if clients else self._client_of(window)
            title = self._title(client) or WindowTitle(
                UNKNOWN, f"window {client.id:#x} has no title property"
            )
            shown.append(StackedWindow(rect, title))
            uncovered.cover(rect)
        return WindowStack(tuple(shown))

    def xinerama_screens(self) -> list[dict[str, int]]:
        """The Xinerama screens when Xinerama is active (see :func:`xinerama_screens`)."""
        if not self._display.has_extension("XINERAMA"):
            return []
        if not self._display.xinerama_is_active():
            return []
        return [
            {"left": s.x, "top": s.y, "width": s.width, "height": s.height}
            for s in self._display.xinerama_query_screens().screens
        ]

    def desktop_scale(self) -> DesktopScale:
        """The desktop's scale from ``Xft.dpi`` (1 when the desktop sets none)."""
        resources = self._property(self._root, "RESOURCE_MANAGER")
        if resources is not None and resources.value:
            text = resources.value
            if isinstance(text, bytes):
                text = text.decode("latin-1")
            for line in str(text).splitlines():
                key, _, value = line.partition(":")
                if key.strip() == "Xft.dpi":
                    try:
                        dpi = Decimal(value.strip())
                    except ArithmeticError:
                        break
                    if dpi > 0:
                        return DesktopScale(
                            (dpi / 96).quantize(Decimal("0.001")).normalize(),
                            f"X11 Xft.dpi {value.strip()}",
                        )
        return DesktopScale(Decimal(1), "X11 (the desktop sets no Xft.dpi scale)")


def xinerama_screens(display_name: str | None) -> list[dict[str, int]]:
    """The Xinerama screens (mss-style dicts) when Xinerama is active, else an empty list.

    mss reads monitors from RandR, which an X server running Xinerama does not offer per
    monitor; there Xinerama itself is the authority on the layout.
    """
    session = session_for_this_thread(display_name)
    if session is None:
        return []
    try:
        return session.xinerama_screens()
    except Exception as exc:
        log.info("cannot read the Xinerama screens: %s", exc)
        forget_session(display_name)
        return []


def session_for_this_thread(display_name: str | None) -> X11Session | None:
    """This thread's X11 connection to ``display_name`` (kept open), or None if it cannot open."""
    sessions: dict[str | None, X11Session] = _local.__dict__.setdefault("sessions", {})
    session = sessions.get(display_name)
    if session is None:
        try:
            session = X11Session(display_name)
        except Exception as exc:  # python-xlib raises many kinds; a title is not worth a failure
            log.info("cannot open X11 display %s for window titles: %s", display_name, exc)
            return None
        sessions[display_name] = session
    return session


def forget_session(display_name: str | None) -> None:
    """Close and forget this thread's X11 connection to ``display_name``, if any."""
    sessions: dict[str | None, X11Session] = _local.__dict__.setdefault("sessions", {})
    session = sessions.pop(display_name, None)
    if session is not None:
        try:
            session.close()
        except Exception as exc:
            log.info("closing the old X11 connection: %s", exc)


def window_stack(display_name: str | None) -> WindowStack:
    """The windows showing on ``display_name`` now, with their titles (read once)."""
    session = session_for_this_thread(display_name)
    if session is None:
        return WindowStack(problem="the X server could not be asked")
    try:
        return session.window_stack()
    except Exception as exc:  # a window can vanish while we look; never guess a title
        log.info("cannot read the window stack: %s", exc)
        forget_session(display_name)
        return WindowStack(problem="the window manager's properties could not be read")


def window_title_at(display_name: str | None, x: int, y: int) -> WindowTitle:
    """The title of the window under (x, y) now, or ``unknown`` with the reason."""
    return window_stack(display_name).title_at(x, y)


def desktop_scale(display_name: str | None) -> DesktopScale:
    """The desktop's device pixel ratio, as X11 resources state it."""
    session = session_for_this_thread(display_name)
    if session is None:
        return DesktopScale(Decimal(1), "X11 (the scale could not be read)")
    try:
        return session.desktop_scale()
    except Exception as exc:
        log.info("cannot read the desktop scale: %s", exc)
        forget_session(display_name)
        return DesktopScale(Decimal(1), "X11 (the scale could not be read)")
