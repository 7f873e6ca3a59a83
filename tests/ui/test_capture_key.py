"""Ctrl+Shift+S from anywhere on the desktop: a real key grab on a real X server (Xvfb).

The keys are pressed with xdotool (the XTEST extension: to the X server, a keyboard), while a
window of another X client has the keyboard focus. Each test's key is given back at its end, so
the next one (or another program) can take it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QByteArray, QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from harmonize_evidence.capture.hotkeys import TAKEN, KeyTaken, parse_key_combination
from harmonize_evidence.capture.x11_hotkey import GrabbedKey
from harmonize_evidence.services.capture_key import CAPTURE_KEYS, WAYLAND
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.capture_key import CaptureKey, _HotkeyMessages
from harmonize_evidence.ui.tray import TOOLTIP_MAX, capture_key_tooltip
from tests.conftest import XDisplay
from tests.ui.conftest import SeededStore
from tests.ui.helpers import unlock_through_window


@pytest.fixture(autouse=True)
def x11_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """An X11 session, whatever session runs the tests."""
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.fixture
def capture_key(qapp: object, xvfb: XDisplay) -> Iterator[CaptureKey]:
    """The capture key on the test display, not yet taken; given back after the test."""
    key = CaptureKey(xvfb.name)
    yield key
    key.stop()


def press(display: XDisplay, *keys: str) -> None:
    """Press keys as a keyboard would (xdotool's names: ``ctrl+shift+s``, ``Caps_Lock``)."""
    subprocess.run(
        ["xdotool", "key", *keys],
        env={**os.environ, "DISPLAY": display.name},
        check=True,
        timeout=20,
    )


@contextlib.contextmanager
def another_program_in_front(display: XDisplay) -> Iterator[int]:
    """A window of another X client, shown and given the keyboard focus; yields its id."""
    from Xlib import X
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display.name)
    try:
        screen = connection.screen()
        window = screen.root.create_window(
            0, 0, 640, 480, 0, screen.root_depth, event_mask=X.KeyPressMask
        )
        window.set_wm_name("Comments - Instagram")
        window.map()
        connection.sync()
        window.set_input_focus(X.RevertToParent, X.CurrentTime)
        connection.sync()
        assert connection.get_input_focus().focus.id == window.id
        yield window.id
    finally:
        connection.close()


def lock_state(display: XDisplay) -> int:
    """The modifier state of the keyboard now (Caps Lock is 2, Num Lock 16 on Xvfb)."""
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display.name)
    try:
        return int(connection.screen().root.query_pointer().mask)
    finally:
        connection.close()


def test_the_capture_key_works_while_another_program_is_in_front(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey
) -> None:
    assert capture_key.start()
    assert capture_key.system_wide and capture_key.reason == "" and not capture_key.taken
    with another_program_in_front(xvfb), qtbot.waitSignal(capture_key.pressed, timeout=10_000):
        press(xvfb, "ctrl+shift+s")


def test_the_capture_key_works_with_caps_lock_and_num_lock_on(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey
) -> None:
    assert capture_key.start()
    with another_program_in_front(xvfb):
        for lock, bit in (("Caps_Lock", 2), ("Num_Lock", 16)):
            press(xvfb, lock)
            try:
                assert lock_state(xvfb) & bit
                with qtbot.waitSignal(capture_key.pressed, timeout=10_000):
                    press(xvfb, "ctrl+shift+s")
            finally:
                press(xvfb, lock)
        assert not lock_state(xvfb) & (2 | 16)


def test_other_keys_and_the_letter_alone_do_not_capture(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey
) -> None:
    assert capture_key.start()
    with another_program_in_front(xvfb), qtbot.assertNotEmitted(capture_key.pressed, wait=500):
        press(xvfb, "s", "shift+s", "ctrl+s", "ctrl+shift+d", "ctrl+alt+shift+s")


def test_holding_the_key_down_captures_once(qtbot, xvfb: XDisplay, capture_key: CaptureKey) -> None:
    assert capture_key.start()
    presses: list[bool] = []
    capture_key.pressed.connect(lambda: presses.append(True))
    env = {**os.environ, "DISPLAY": xvfb.name}
    with another_program_in_front(xvfb):
        # Longer than the X server's auto-repeat delay (660 ms), so the key repeats meanwhile;
        # the event loop runs all the while, reading each repeat as it comes.
        holding = subprocess.Popen(
            ["xdotool", "keydown", "ctrl+shift+s", "sleep", "1.5", "keyup", "ctrl+shift+s"],
            env=env,
        )
        qtbot.waitUntil(lambda: holding.poll() is not None, timeout=20_000)
        qtbot.wait(300)
    assert holding.returncode == 0
    assert presses == [True]


def test_a_second_grab_of_the_key_from_another_connection_is_refused(
    xvfb: XDisplay, capture_key: CaptureKey
) -> None:
    assert capture_key.start()
    with pytest.raises(KeyTaken) as refused:
        GrabbedKey(xvfb.name, parse_key_combination(CAPTURE_KEYS))
    assert refused.value.message == TAKEN
    capture_key.stop()  # given back, another program may take it
    GrabbedKey(xvfb.name, parse_key_combination(CAPTURE_KEYS)).close()


def test_when_another_program_holds_the_key_the_tray_says_to_capture_from_its_menu(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey, desktop_factory, seeded: SeededStore
) -> None:
    other = GrabbedKey(xvfb.name, parse_key_combination(CAPTURE_KEYS))
    try:
        desktop = desktop_factory(seeded.location, capture_key=capture_key)
        desktop.take_capture_key()
        assert not capture_key.system_wide
        assert capture_key.taken and capture_key.reason == TAKEN
        assert desktop.tray.icon.toolTip() == (
            "Harmonize Evidence — another program uses Ctrl+Shift+S, so capture from this "
            "icon's menu"
        )
        # That program's grab takes the key before any window sees it, this program's too.
        with another_program_in_front(xvfb), qtbot.assertNotEmitted(capture_key.pressed, wait=500):
            press(xvfb, "ctrl+shift+s")
        qtbot.waitUntil(lambda: other.presses() == 1, timeout=10_000)
    finally:
        other.close()


def test_the_tray_says_the_key_captures_the_screen_from_anywhere(
    xvfb: XDisplay, capture_key: CaptureKey, desktop_factory, seeded: SeededStore
) -> None:
    desktop = desktop_factory(seeded.location, capture_key=capture_key)
    desktop.take_capture_key()
    assert desktop.tray.icon.toolTip() == "Harmonize Evidence — Ctrl+Shift+S captures the screen"


def test_a_wayland_session_keeps_the_key_inside_the_program(
    monkeypatch: pytest.MonkeyPatch,
    capture_key: CaptureKey,
    desktop_factory,
    seeded: SeededStore,
) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    desktop = desktop_factory(seeded.location, capture_key=capture_key)
    desktop.take_capture_key()
    assert not capture_key.system_wide and not capture_key.taken
    assert capture_key.reason == WAYLAND
    assert desktop.tray.icon.toolTip() == (
        "Harmonize Evidence — Ctrl+Shift+S captures the screen only inside the program "
        "(Wayland lets no program take a key)"
    )


def test_the_grab_follows_the_s_key_to_a_new_keycode(qtbot, xvfb: XDisplay) -> None:
    from Xlib import XK, X
    from Xlib import display as xdisplay

    grabbed = GrabbedKey(xvfb.name, parse_key_combination(CAPTURE_KEYS))
    connection = xdisplay.Display(xvfb.name)  # a keyboard settings tool, say
    old = connection.keysym_to_keycode(XK.XK_s)
    assert grabbed.keycode == old
    spare = next(
        code
        for code, syms in enumerate(connection.get_keyboard_mapping(8, 248), start=8)
        if not any(syms)
    )
    width = len(connection.get_keyboard_mapping(old, 1)[0])
    s_keys = [XK.XK_s, XK.XK_S] + [X.NoSymbol] * (width - 2)

    def remap(keycode: int, keysyms: list[int]) -> None:
        connection.change_keyboard_mapping(keycode, [keysyms])
        connection.sync()

    try:
        remap(spare, s_keys)
        remap(old, [X.NoSymbol] * width)
        qtbot.waitUntil(lambda: grabbed.presses() == 0 and grabbed.keycode == spare, timeout=5000)
        with another_program_in_front(xvfb):
            press(xvfb, "ctrl+shift+s")
            qtbot.waitUntil(lambda: grabbed.presses() == 1, timeout=10_000)
    finally:
        remap(old, s_keys)
        remap(spare, [X.NoSymbol] * width)
        connection.close()
        grabbed.close()


def test_the_capture_key_brings_the_program_forward_and_asks_the_first_question(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey, desktop_factory, seeded: SeededStore
) -> None:
    desktop: DesktopApp = desktop_factory(seeded.location, capture_key=capture_key)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    desktop.take_capture_key()
    window = desktop.main_window
    assert window is not None
    window.showMinimized()
    with another_program_in_front(xvfb):
        press(xvfb, "ctrl+shift+s")
        qtbot.waitUntil(lambda: window.capture_flow is not None, timeout=10_000)
    flow = window.capture_flow
    assert flow is not None and flow.question is not None
    qtbot.waitUntil(lambda: flow.question is not None and flow.question.isVisible())
    assert not window.isMinimized()
    press(xvfb, "ctrl+shift+s")  # pressed again while the question waits: no second capture
    qtbot.wait(300)
    assert window.capture_flow is flow
    flow.question.reject()
    qtbot.waitUntil(lambda: window.capture_flow is None, timeout=5000)


def test_the_capture_key_on_a_locked_program_asks_for_the_passphrase(
    qtbot, xvfb: XDisplay, capture_key: CaptureKey, desktop_factory, seeded: SeededStore
) -> None:
    desktop: DesktopApp = desktop_factory(seeded.location, capture_key=capture_key)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    desktop.take_capture_key()
    desktop.lock()
    unlock = desktop.unlock_window
    assert unlock is not None
    unlock.hide()
    with another_program_in_front(xvfb):
        press(xvfb, "ctrl+shift+s")
        qtbot.waitUntil(unlock.isVisible, timeout=10_000)


def test_the_menus_and_qt_write_the_key_as_the_grab_reads_it(qapp: object) -> None:
    assert QKeySequence(CAPTURE_KEYS).toString() == CAPTURE_KEYS
    for text in ("Meta+Ctrl+Alt+Shift+F5", "Ctrl+Alt+7", "Shift+F12"):
        combination = parse_key_combination(text)
        assert QKeySequence(text).toString() == combination.text == text


def test_every_tooltip_fits_a_windows_tray_icon() -> None:
    reasons = [
        TAKEN,
        WAYLAND,
        "not offered on macOS yet",
        "the X server did not answer",
        "this keyboard has no S key",
        "Windows refused it",
        "it could not be taken",
        "it has not been taken yet",
        "the program gave it back",
        "the new keyboard layout lost it",
        "the X server stopped answering",
    ]
    tooltips = [capture_key_tooltip(CAPTURE_KEYS, reason) for reason in ["", *reasons]]
    tooltips.append(capture_key_tooltip(CAPTURE_KEYS, TAKEN, taken=True))
    assert max(len(tip) for tip in tooltips) <= TOOLTIP_MAX


def test_the_windows_message_filter_lets_x11_events_pass(qtbot, qapp: object) -> None:
    """On X11 Qt hands the filter xcb events: none is read as a hot key, and each goes on."""

    class NoNativePresses:
        """A held key whose presses never come as native messages (as on X11)."""

        active = True

        def fileno(self) -> int | None:
            return None

        def presses(self) -> int:
            return 0

        def is_press(self, message_address: int) -> bool:
            raise AssertionError("an xcb event was read as a Windows message")

        def close(self) -> None:
            pass

    seen: list[bytes] = []

    class Watching(_HotkeyMessages):
        def nativeEventFilter(self, eventType, message):  # type: ignore[no-untyped-def]
            seen.append(eventType.data() if isinstance(eventType, QByteArray) else eventType)
            assert int(message)  # the event's address, as the Windows branch reads a MSG
            return super().nativeEventFilter(eventType, message)

    watching = Watching(NoNativePresses(), lambda: None)
    application = QCoreApplication.instance()
    assert application is not None
    application.installNativeEventFilter(watching)
    widget = QWidget()
    try:
        with qtbot.waitExposed(widget):  # the expose event goes through the filter to the widget
            widget.show()
    finally:
        application.removeNativeEventFilter(watching)
        widget.close()
    assert seen and set(seen) == {b"xcb_generic_event_t"}


def test_the_program_takes_the_key_once_its_first_window_lists_the_incidents(
    qtbot, capture_key: CaptureKey, desktop_factory, seeded: SeededStore
) -> None:
    """Taking the key (its code, the display's answer) waits until the first window has what it
    shows, then happens without anyone asking."""
    desktop: DesktopApp = desktop_factory(seeded.location, capture_key=capture_key)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = desktop.main_window
    assert window is not None
    qtbot.waitUntil(lambda: capture_key.held, timeout=10_000)
    assert not window.loading and window.incidents.rowCount() == 3
    assert capture_key.system_wide
