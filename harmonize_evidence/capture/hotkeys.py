"""Key combinations such as ``Ctrl+Shift+S``: what they mean to X11 and to Windows.

Plain values and arithmetic, no display is touched: the key grab on X11
(:mod:`~harmonize_evidence.capture.x11_hotkey`) and the registered hot key on Windows
(:mod:`~harmonize_evidence.capture.win32_hotkey`) take their numbers from here.

A combination is written as Qt writes it (``QKeySequence.toString()``): modifiers in the order
Meta, Ctrl, Alt, Shift, then one key, joined by ``+``. Only keys that mean the same on every
keyboard layout are offered for the whole desktop: a letter A to Z or a digit (with Ctrl, Alt or
Meta, or every program would lose that character) and the function keys F1 to F24.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import StrEnum
from itertools import product

from harmonize_evidence.domain.errors import BadInput, EnvironmentProblem


class UnsupportedKey(BadInput):
    """A key combination this program cannot offer for the whole desktop."""


class KeyUnavailable(EnvironmentProblem):
    """The platform would not give the key combination to this program.

    Its message is a short phrase that completes "the key captures the screen only inside the
    program: ..." (for the tray's tooltip), such as "another program already uses it".
    """


class KeyTaken(KeyUnavailable):
    """Another program holds the combination for the whole desktop.

    Then the key reaches no other program, this one included: on X11 a grab on the root window
    takes the key before the window in front sees it, and on Windows a hot key does the same.
    """


TAKEN = "another program already uses it"
"""The message of :class:`KeyTaken`."""


class Modifier(StrEnum):
    """A modifier key, named as Qt names it, in Qt's order."""

    META = "Meta"
    CTRL = "Ctrl"
    ALT = "Alt"
    SHIFT = "Shift"


_ORDER = tuple(Modifier)
_BY_NAME = {modifier.value.lower(): modifier for modifier in Modifier}
_FUNCTION_KEYS = tuple(f"F{number}" for number in range(1, 25))
_CHARACTER_KEYS = tuple(string.ascii_uppercase + string.digits)
_HOLDING = frozenset({Modifier.CTRL, Modifier.ALT, Modifier.META})
SUPPORTED_KEYS = _CHARACTER_KEYS + _FUNCTION_KEYS
"""Every key a combination may end with, as written in one."""


@dataclass(frozen=True)
class KeyCombination:
    """Modifiers held and one key pressed, e.g. Ctrl and Shift with S."""

    modifiers: frozenset[Modifier]
    key: str
    """One of :data:`SUPPORTED_KEYS`: ``S``, ``7``, ``F9``."""

    @property
    def text(self) -> str:
        """As Qt and the program's menus write it: ``Ctrl+Shift+S``."""
        held = [modifier.value for modifier in _ORDER if modifier in self.modifiers]
        return "+".join([*held, self.key])

    def __str__(self) -> str:
        return self.text


def parse_key_combination(text: str) -> KeyCombination:
    """The combination written in ``text`` (``Ctrl+Shift+S``; case and spaces do not matter).

    Raises:
        UnsupportedKey: Not a combination, a modifier or key this program does not know, a
            modifier named twice, or a letter or digit without Ctrl, Alt or Meta.
    """
    parts = [part.strip() for part in text.split("+")]
    if not text.strip() or any(not part for part in parts):
        raise UnsupportedKey(
            f"'{text}' is not a key combination; write it like Ctrl+Shift+S (modifiers, then "
            "one key, joined by +)."
        )
    *held, key = parts
    modifiers: set[Modifier] = set()
    for name in held:
        modifier = _BY_NAME.get(name.lower()) if name.isascii() else None
        if modifier is None:
            raise UnsupportedKey(
                f"'{name}' in '{text}' is not a modifier key; use Ctrl, Alt, Shift or Meta."
            )
        if modifier in modifiers:
            raise UnsupportedKey(f"'{text}' names {modifier.value} twice.")
        modifiers.add(modifier)
    key = key.upper() if key.isascii() else key  # no dotless i read as I
    if key not in SUPPORTED_KEYS:
        raise UnsupportedKey(
            f"'{key}' in '{text}' cannot be taken for the whole desktop; use a letter A to Z, "
            "a digit, or a function key F1 to F24."
        )
    if key in _CHARACTER_KEYS and not modifiers & _HOLDING:
        raise UnsupportedKey(
            f"'{text}' would take the character {key} from every program; hold Ctrl, Alt or "
            "Meta with a letter or digit."
        )
    return KeyCombination(frozenset(modifiers), key)


# -- X11 -------------------------------------------------------------------------------------------

X11_SHIFT = 1 << 0
X11_LOCK = 1 << 1
X11_CONTROL = 1 << 2
X11_MOD1 = 1 << 3
"""Alt on nearly every X server."""
X11_MOD2 = 1 << 4
"""Num Lock on nearly every X server."""
X11_MOD4 = 1 << 6
"""Super (Qt's Meta) on nearly every X server."""
_XK_F1 = 0xFFBE


@dataclass(frozen=True)
class X11Key:
    """A combination as an X11 key grab takes it: a keysym and a modifier mask."""

    keysym: int
    """The key's keysym (lower case for a letter: the keycode is the same for both cases)."""
    modifiers: int


def x11_key(
    combination: KeyCombination, *, alt_mask: int = X11_MOD1, meta_mask: int = X11_MOD4
) -> X11Key:
    """``combination`` for X11. Alt's and Meta's masks are the server's, where it says them."""
    masks = {
        Modifier.SHIFT: X11_SHIFT,
        Modifier.CTRL: X11_CONTROL,
        Modifier.ALT: alt_mask,
        Modifier.META: meta_mask,
    }
    modifiers = 0
    for modifier in combination.modifiers:
        modifiers |= masks[modifier]
    key = combination.key
    keysym = _XK_F1 + int(key[1:]) - 1 if key in _FUNCTION_KEYS else ord(key.lower())
    return X11Key(keysym, modifiers)


def x11_grab_masks(modifiers: int, num_lock_mask: int = X11_MOD2) -> tuple[int, ...]:
    """Every modifier mask to grab so that Caps Lock and Num Lock do not stop the key.

    X11 matches a grab on the exact modifier state, and a lit Caps Lock or Num Lock is part of
    it; so the combination is grabbed with each of them on and off (four grabs, fewer when Num
    Lock is on no modifier or on one the combination already holds).
    """
    locks = (X11_LOCK, num_lock_mask) if num_lock_mask else (X11_LOCK,)
    masks: list[int] = []
    for chosen in product((False, True), repeat=len(locks)):
        mask = modifiers
        for lock, on in zip(locks, chosen, strict=True):
            if on:
                mask |= lock
        if mask not in masks:
            masks.append(mask)
    return tuple(masks)


# -- Windows ---------------------------------------------------------------------------------------

MOD_ALT = 0x0001
MOD_CONTROL = 0x0002
MOD_SHIFT = 0x0004
MOD_WIN = 0x0008
MOD_NOREPEAT = 0x4000
"""Holding the combination down sends one message, not one per auto-repeat."""
_VK_F1 = 0x70


@dataclass(frozen=True)
class WindowsKey:
    """A combination as ``RegisterHotKey`` takes it: modifier flags and a virtual-key code."""

    modifiers: int
    virtual_key: int


def windows_key(combination: KeyCombination) -> WindowsKey:
    """``combination`` for ``RegisterHotKey``, auto-repeat left out (``MOD_NOREPEAT``)."""
    flags = {
        Modifier.SHIFT: MOD_SHIFT,
        Modifier.CTRL: MOD_CONTROL,
        Modifier.ALT: MOD_ALT,
        Modifier.META: MOD_WIN,
    }
    modifiers = MOD_NOREPEAT
    for modifier in combination.modifiers:
        modifiers |= flags[modifier]
    key = combination.key
    # Letters and digits are their own (upper-case) character codes; F1 to F24 follow 0x70.
    virtual_key = _VK_F1 + int(key[1:]) - 1 if key in _FUNCTION_KEYS else ord(key)
    return WindowsKey(modifiers, virtual_key)
