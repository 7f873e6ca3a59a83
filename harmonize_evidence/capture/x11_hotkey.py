"""A key combination taken for the whole X11 desktop: a passive key grab on the root window.

The grab is made on a connection of its own (python-xlib), so that the program's GUI can watch
that connection's socket (:meth:`GrabbedKey.fileno`) and read the presses when it is readable
(:meth:`GrabbedKey.presses`); nothing here blocks or starts a thread. Use it from one thread.

X11 matches a grab on the exact modifier state, so the combination is grabbed four times, with
Caps Lock and Num Lock each on and off (:func:`~.hotkeys.x11_grab_masks`); Alt's, Meta's and Num
Lock's modifier bits are read from the server's modifier map. A grab that another client already
holds fails with ``BadAccess``: then nothing is kept and :class:`~.hotkeys.KeyTaken` says another
program uses the key. When the keyboard mapping changes (a new layout), the key is
grabbed again at its new keycode.
"""

from __future__ import annotations

import logging
from typing import Any

from harmonize_evidence.capture.hotkeys import (
    TAKEN,
    X11_MOD1,
    X11_MOD2,
    X11_MOD4,
    KeyCombination,
    KeyTaken,
    KeyUnavailable,
    x11_grab_masks,
    x11_key,
)

log = logging.getLogger(__name__)

_XK_NUM_LOCK = 0xFF7F
_XK_ALT_L = 0xFFE9
_XK_SUPER_L = 0xFFEB


class GrabbedKey:
    """A key combination grabbed on the root window of one X display, until :meth:`close`.

    Args:
        display_name: The X display (``:0``); ``None`` means the ``DISPLAY`` variable.
        combination: The combination to take.

    Raises:
        KeyTaken: Another program holds the combination.
        KeyUnavailable: The display cannot be opened, or its keyboard has no such key.
    """

    def __init__(self, display_name: str | None, combination: KeyCombination) -> None:
        from Xlib import display as xdisplay

        self.combination = combination
        try:
            self._display: Any = xdisplay.Display(display_name)
        except Exception as exc:  # python-xlib raises many kinds for a display it cannot open
            log.info("cannot open X display %s for the capture key: %s", display_name, exc)
            raise KeyUnavailable("the X server did not answer") from exc
        self._root: Any = self._display.screen().root
        self._grabbed: tuple[int, tuple[int, ...]] | None = None
        self._held = False
        self._released_at: int | None = None
        try:
            self._grab()
        except BaseException:
            self._display.close()
            raise

    def fileno(self) -> int:
        """The connection's socket: readable when the server has sent something."""
        return int(self._display.fileno())

    def _modifier_mask(self, keysym: int, default: int) -> int:
        """The modifier bit that ``keysym``'s key sets on this server (``default`` if none)."""
        keycodes = {code for code, _index in self._display.keysym_to_keycodes(keysym)}
        for index, bound in enumerate(self._display.get_modifier_mapping()):
            if keycodes & set(bound):
                return 1 << index
        return default

    def _wanted(self) -> tuple[int, tuple[int, ...]]:
        """The keycode and the modifier masks to grab, as the server maps the keyboard now."""
        key = x11_key(
            self.combination,
            alt_mask=self._modifier_mask(_XK_ALT_L, X11_MOD1),
            meta_mask=self._modifier_mask(_XK_SUPER_L, X11_MOD4),
        )
        keycode = int(self._display.keysym_to_keycode(key.keysym))
        if not keycode:
            raise KeyUnavailable(f"this keyboard has no {self.combination.key} key")
        return keycode, x11_grab_masks(key.modifiers, self._modifier_mask(_XK_NUM_LOCK, X11_MOD2))

    def _grab(self) -> None:
        from Xlib import X, error

        keycode, masks = self._wanted()
        refused = error.CatchError(error.BadAccess)
        for mask in masks:
            self._root.grab_key(
                keycode, mask, False, X.GrabModeAsync, X.GrabModeAsync, onerror=refused
            )
        self._display.sync()
        if refused.get_error() is not None:
            self._ungrab(keycode, masks)
            log.info(
                "the X server refused the grab of %s: another client holds it", self.combination
            )
            raise KeyTaken(TAKEN)
        self._grabbed = (keycode, masks)
        log.info("grabbed %s on the root window (keycode %d)", self.combination, keycode)

    def _ungrab(self, keycode: int, masks: tuple[int, ...]) -> None:
        # Releasing a grab this connection does not hold does nothing; no error to catch.
        for mask in masks:
            self._root.ungrab_key(keycode, mask)
        self._display.sync()

    def presses(self) -> int:
        """How often the combination was pressed since the last call; never blocks.

        Auto-repeat while it is held down is not counted. Raises what python-xlib raises when
        the connection is gone (the X server ended).
        """
        from Xlib import X

        count = 0
        while self._display.pending_events():
            event = self._display.next_event()
            if event.type == X.MappingNotify:
                self._mapping_changed(event)
            elif self._grabbed is None or getattr(event, "detail", None) != self._grabbed[0]:
                continue
            elif event.type == X.KeyPress:
                # X11 auto-repeat sends a release and a press with the same time, or presses
                # alone while the key is down; only a fresh press counts.
                if not self._held and event.time != self._released_at:
                    count += 1
                self._held = True
            elif event.type == X.KeyRelease:
                self._held = False
                self._released_at = event.time
        return count

    def _mapping_changed(self, event: Any) -> None:
        from Xlib import X

        self._display.refresh_keyboard_mapping(event)
        if event.request not in (X.MappingKeyboard, X.MappingModifier):
            return
        try:
            if self._wanted() == self._grabbed:
                return  # another key moved (xdotool, for one, remaps a spare key as it types)
        except KeyUnavailable:
            pass
        if self._grabbed is not None:
            self._ungrab(*self._grabbed)
            self._grabbed = None
        try:
            self._grab()
        except KeyUnavailable as exc:
            log.warning("the capture key was lost when the keyboard changed: %s", exc.message)

    def is_press(self, message_address: int) -> bool:
        """Always False: on X11 the presses come through :meth:`fileno`, not native messages."""
        return False

    @property
    def active(self) -> bool:
        """Whether the combination is grabbed now (a new keyboard mapping can lose it)."""
        return self._grabbed is not None

    @property
    def keycode(self) -> int | None:
        """The keycode grabbed now (it follows the key to a new keyboard mapping)."""
        return self._grabbed[0] if self._grabbed is not None else None

    def close(self) -> None:
        """Release the grab and close the connection."""
        try:
            self._display.close()
        except Exception as exc:  # a dead connection may not close cleanly; the grab is gone
            log.info("closing the capture key's X connection: %s", exc)
