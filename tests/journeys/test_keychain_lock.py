"""A member of staff who unlocks with the computer login: the lock still needs the passphrase.

The real program in this process (Qt on Xvfb), on a real store set up with the setup wizard's
default ("Unlock with my computer login"), whose key is in a real Secret Service (gnome-keyring in
a private D-Bus session). The keychain opens the program when it starts; after any lock (Ctrl+L,
the tray's Lock, the idle timer) only the passphrase opens it again, and a second start of the
program brings the locked window forward without opening it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from harmonize_evidence.ui.instance import SingleInstance
from harmonize_evidence.vault import keychain
from tests.conftest import PASSPHRASE, MadeStore, XDisplay
from tests.ui import test_setup_and_unlock as unlocking
from tests.ui.helpers import ARTIFACTS, unlock_window_shown

# A store whose key is in this process's real Secret Service (the desktop fixtures come from
# this folder's conftest).
keychain_store = unlocking.keychain_store
WRONG_PASSPHRASE = unlocking.WRONG_PASSPHRASE

PASSPHRASE_NEEDED = "After a lock only the passphrase opens the store; type it, then choose Unlock."


def lock_with_ctrl_l(qtbot: Any, desktop: Any) -> None:
    window = desktop.main_window
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)  # the shortcut works in the window
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def lock_from_the_tray(qtbot: Any, desktop: Any) -> None:
    assert desktop.tray.lock_action.isEnabled()
    desktop.tray.lock_action.trigger()


def lock_by_waiting(qtbot: Any, desktop: Any) -> None:
    qtbot.waitUntil(lambda: not desktop.session.is_unlocked, timeout=10_000)


LOCKS: dict[str, tuple[Callable[[Any, Any], None], int | None]] = {
    "ctrl+l": (lock_with_ctrl_l, None),
    "tray": (lock_from_the_tray, None),
    "idle": (lock_by_waiting, 1_500),
}


def start_from_the_keychain(qtbot: Any, desktop: Any) -> None:
    """Start the program and see it open without anything typed."""
    with qtbot.waitSignal(desktop.main_window_shown, timeout=15_000):
        desktop.start()
    assert desktop.unlock_window is None  # never asked for the passphrase


def try_to_unlock(qtbot: Any, desktop: Any, typed: str) -> None:
    """Type ``typed`` (maybe nothing) into the unlock window, press Enter, wait for the outcome."""
    window = desktop.unlock_window
    window.passphrase.clear()
    qtbot.keyClicks(window.passphrase, typed)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.unlock_button.isEnabled()
            and (desktop.session.is_unlocked or bool(window.message.text()))
        ),
        timeout=15_000,
    )


def assert_every_sentence_shows_whole(window: Any) -> None:
    """No wrapped sentence in the window is squeezed into less height than its lines need."""
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()


def assert_only_the_passphrase_unlocks(
    qtbot: Any, desktop: Any, screenshot: str | None = None
) -> None:
    """The unlock window is up; a wrong passphrase and an empty box leave the store locked."""
    window = unlock_window_shown(qtbot, desktop, timeout=10_000)
    main = desktop.main_window
    assert not desktop.session.is_unlocked
    assert not main.isVisible()
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        window.grab().save(str(ARTIFACTS / screenshot))

    try_to_unlock(qtbot, desktop, "not the passphrase")
    assert not desktop.session.is_unlocked
    assert not main.isVisible()
    assert window.isVisible()
    assert window.message.text() == WRONG_PASSPHRASE
    assert_every_sentence_shows_whole(window)

    try_to_unlock(qtbot, desktop, "")
    assert not desktop.session.is_unlocked
    assert not main.isVisible()
    assert window.message.text() == PASSPHRASE_NEEDED
    assert_every_sentence_shows_whole(window)

    try_to_unlock(qtbot, desktop, PASSPHRASE)
    assert desktop.session.is_unlocked
    assert main.isVisible()
    assert not window.isVisible()


@pytest.mark.parametrize("how", list(LOCKS))
def test_after_a_lock_only_the_passphrase_unlocks(
    how: str, keychain_store: MadeStore, qtbot: Any, desktop_factory: Any
) -> None:
    lock, idle_ms = LOCKS[how]
    desktop = desktop_factory(keychain_store.location, idle_ms=idle_ms)
    start_from_the_keychain(qtbot, desktop)

    lock(qtbot, desktop)
    # The keychain still holds the key: only the lock keeps it out.
    assert keychain.cached_key(unlocking.store_id(keychain_store)) is not None
    assert_only_the_passphrase_unlocks(qtbot, desktop, f"unlock-after-{how}-lock.png")

    # Unlocked with the passphrase, locked again: still the passphrase, never the keychain.
    lock_with_ctrl_l(qtbot, desktop)
    assert_only_the_passphrase_unlocks(qtbot, desktop)


def test_a_second_start_while_locked_brings_the_window_forward_and_does_not_unlock(
    keychain_store: MadeStore,
    qtbot: Any,
    desktop_factory: Any,
    xvfb: XDisplay,
) -> None:
    desktop = desktop_factory(keychain_store.location)
    instance = SingleInstance(keychain_store.location)  # as run_gui listens for later starts
    instance.raise_requested.connect(desktop.bring_to_front)
    try:
        start_from_the_keychain(qtbot, desktop)
        lock_from_the_tray(qtbot, desktop)
        window = unlock_window_shown(qtbot, desktop)
        window.hide()  # out of sight, as after closing it to the tray

        # The second start is the real program, with this session's keychain and display.
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "harmonize_evidence",
                "--store",
                str(keychain_store.location.directory),
            ],
            env={**os.environ, "DISPLAY": xvfb.name, "QT_QPA_PLATFORM": "xcb"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        qtbot.waitUntil(window.isVisible, timeout=10_000)
        assert not desktop.session.is_unlocked
        assert not desktop.main_window.isVisible()
        assert_only_the_passphrase_unlocks(qtbot, desktop, "unlock-after-second-start.png")
    finally:
        instance.close()
