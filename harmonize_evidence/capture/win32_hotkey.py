"""A key combination taken for the whole Windows desktop: ``RegisterHotKey``.

The hot key is registered with no window, so Windows posts ``WM_HOTKEY`` to the message queue of
the thread that registered it: register it on the GUI thread, whose event loop (Qt's) reads that
queue, and hand each native message the loop sees to :meth:`RegisteredHotkey.is_press`.
``MOD_NOREPEAT`` makes a held combination one message, not one per auto-repeat. When another
program has registered the combination, ``RegisterHotKey`` fails with
``ERROR_HOTKEY_ALREADY_REGISTERED`` and :class:`~.hotkeys.KeyTaken` says so.

A message posted to a thread is lost while that thread runs one of Windows' own modal loops (one
of its windows being moved or resized); a press then does nothing, and the next one works.

user32 is loaded through ctypes only on Windows, so this module imports everywhere.
"""

from __future__ import annotations

import logging
import sys

from harmonize_evidence.capture.hotkeys import (
    TAKEN,
    KeyCombination,
    KeyTaken,
    KeyUnavailable,
    windows_key,
)

log = logging.getLogger(__name__)

HOTKEY_ID = 0x4845
"""The program's number for its hot key (applications use 0 to 0xBFFF)."""
WM_HOTKEY = 0x0312
ERROR_HOTKEY_ALREADY_REGISTERED = 1409


class RegisteredHotkey:
    """A key combination registered for the whole desktop, until :meth:`close`.

    Args:
        combination: The combination to take.
        hotkey_id: The program's number for it, which its ``WM_HOTKEY`` messages carry.

    Raises:
        KeyTaken: Another program holds the combination.
        KeyUnavailable: Windows refused it for another reason (or this is not Windows).
    """

    def __init__(self, combination: KeyCombination, hotkey_id: int = HOTKEY_ID) -> None:
        self.combination = combination
        self.hotkey_id = hotkey_id
        self._registered = False
        if sys.platform == "win32":
            import ctypes

            key = windows_key(combination)
            if not _user32().RegisterHotKey(None, hotkey_id, key.modifiers, key.virtual_key):
                code = ctypes.get_last_error()
                log.info("RegisterHotKey(%s) failed with Windows error %d", combination, code)
                if code == ERROR_HOTKEY_ALREADY_REGISTERED:
                    raise KeyTaken(TAKEN)
                raise KeyUnavailable("Windows refused it")
            self._registered = True
            log.info("registered %s as hot key %#x", combination, hotkey_id)
            return
        raise KeyUnavailable("hot keys are registered only on Windows")

    def fileno(self) -> None:
        """None: on Windows the presses come as native messages (:meth:`is_press`)."""
        return None

    def presses(self) -> int:
        """0: on Windows the presses come as native messages (:meth:`is_press`)."""
        return 0

    def is_press(self, message_address: int) -> bool:
        """Whether the native message at ``message_address`` (a ``MSG``) is this hot key's."""
        if sys.platform == "win32" and self._registered and message_address:
            from ctypes import wintypes

            message = wintypes.MSG.from_address(message_address)
            return bool(message.message == WM_HOTKEY and message.wParam == self.hotkey_id)
        return False

    @property
    def active(self) -> bool:
        """Whether the combination is registered now."""
        return self._registered

    def close(self) -> None:
        """Give the combination back to Windows (from the thread that registered it)."""
        if sys.platform == "win32" and self._registered:
            self._registered = False
            if not _user32().UnregisterHotKey(None, self.hotkey_id):
                log.info("UnregisterHotKey(%#x) failed", self.hotkey_id)


if sys.platform == "win32":
    import functools
    from typing import Any

    @functools.cache
    def _user32() -> Any:
        """user32, with the signatures of the functions used here."""
        import ctypes
        from ctypes import wintypes

        user32 = ctypes.WinDLL("user32", use_last_error=True)
        user32.RegisterHotKey.restype = wintypes.BOOL
        user32.RegisterHotKey.argtypes = (
            wintypes.HWND,
            ctypes.c_int,
            wintypes.UINT,
            wintypes.UINT,
        )
        user32.UnregisterHotKey.restype = wintypes.BOOL
        user32.UnregisterHotKey.argtypes = (wintypes.HWND, ctypes.c_int)
        return user32
