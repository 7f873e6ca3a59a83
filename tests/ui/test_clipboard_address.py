"""A web address from the clipboard is filled in only when it was just copied, and says so.

An old TikTok address once slipped silently into a new record without an image. Now an address
is taken from the clipboard only within ten minutes of a change the program saw (an address
already there when the program started counts as old), and a label under the field says where it
came from until the user edits the field.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QGuiApplication

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.urls import validate_url
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.capture_question import RecordOnlyDialog
from harmonize_evidence.ui.clipboard_watch import (
    RECENT_SECONDS,
    ClipboardWatch,
    copied_ago,
    recent_address,
    watch_clipboard,
)
from tests.conftest import XDisplay
from tests.ui.conftest import SeededStore

TIKTOK = "https://www.tiktok.com/@someone/video/7"


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _valid(text: str) -> str | None:
    try:
        return validate_url(text.strip())
    except BadInput:
        return None


@given(
    text=st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [TIKTOK, " javascript:alert(1)", "HTTPS://x.com/a", "https://\u202eevil.com", "a b"]
        ),
        st.builds(lambda path: f"https://www.instagram.com/{path}", st.text(max_size=30)),
    ),
    seconds=st.none() | st.floats(min_value=-5, max_value=3 * RECENT_SECONDS),
)
def test_only_a_valid_address_copied_in_the_last_ten_minutes_is_offered(
    text: str, seconds: float | None
) -> None:
    offered = recent_address(text, seconds)
    valid = _valid(text) if text.strip() else None
    if seconds is None or not 0 <= seconds <= RECENT_SECONDS or valid is None:
        assert offered is None
    else:
        assert offered is not None and offered.url == valid
        assert offered.note == (
            f"Filled in from the clipboard ({copied_ago(seconds)}): check it is the right page"
        )


@given(st.floats(min_value=0, max_value=RECENT_SECONDS))
def test_the_label_says_how_many_whole_minutes_ago(seconds: float) -> None:
    minutes = int(seconds // 60)
    expected = {0: "copied just now", 1: "copied 1 minute ago"}.get(
        minutes, f"copied {minutes} minutes ago"
    )
    assert copied_ago(seconds) == expected


def test_an_address_on_the_clipboard_before_the_start_is_old(qtbot, qapp: object) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText(TIKTOK)
    qtbot.wait(50)
    ticks = Ticks()
    watch = ClipboardWatch(clipboard, ticks)  # the program starts now
    qtbot.wait(50)
    assert watch.seconds_since_copy() is None and watch.address() is None
    clipboard.setText(TIKTOK)  # copied again: now it is recent
    ticks.now += 120
    address = watch.address()
    assert address is not None and address.url == TIKTOK
    assert address.note == (
        "Filled in from the clipboard (copied 2 minutes ago): check it is the right page"
    )
    ticks.now += RECENT_SECONDS - 120 + 1
    assert watch.address() is None  # ten minutes and a second: too old
    watch.deleteLater()


def test_a_copy_in_another_program_counts(qtbot, qapp: object, xvfb: XDisplay) -> None:
    ticks = Ticks()
    watch = ClipboardWatch(QGuiApplication.clipboard(), ticks)
    other = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            from PySide6.QtCore import QTimer
            from PySide6.QtGui import QGuiApplication
            app = QGuiApplication(["browser"])
            QGuiApplication.clipboard().setText({TIKTOK + "/other"!r})
            print("copied", flush=True)
            QTimer.singleShot(30_000, app.quit)
            app.exec()  # a program answers for what it copied while it runs
        """)],
        env={**_env(xvfb), "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert other.stdout is not None and other.stdout.readline() == "copied\n"
        qtbot.waitUntil(lambda: watch.seconds_since_copy() is not None, timeout=10_000)
        address = watch.address()
        assert address is not None and address.url == TIKTOK + "/other"
    finally:
        other.terminate()
        other.wait(timeout=10)
        watch.deleteLater()


def _env(xvfb: XDisplay) -> dict[str, str]:
    import os

    return {**os.environ, "DISPLAY": xvfb.name}


@pytest.fixture
def record_dialog(qtbot, desktop: DesktopApp, seeded: SeededStore):  # type: ignore[no-untyped-def]
    def make() -> RecordOnlyDialog:
        dialog = RecordOnlyDialog(desktop.session, [], seeded.photo, None)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def test_the_record_without_an_image_marks_an_address_from_the_clipboard(
    qtbot, record_dialog
) -> None:  # type: ignore[no-untyped-def]
    QGuiApplication.clipboard().setText(TIKTOK)
    dialog = record_dialog()
    assert dialog.url.text() == TIKTOK
    assert dialog.from_clipboard.isVisible()
    assert dialog.from_clipboard.text() == (
        "Filled in from the clipboard (copied just now): check it is the right page"
    )
    qtbot.keyClicks(dialog.url, "1")  # the user edits it: it is theirs now
    assert dialog.url.text() == TIKTOK + "1"
    assert not dialog.from_clipboard.isVisible()


def test_an_address_copied_long_ago_is_not_filled_in(
    qtbot, record_dialog, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    watch = watch_clipboard()
    QGuiApplication.clipboard().setText(TIKTOK)
    copied = watch.clock()
    monkeypatch.setattr(watch, "clock", lambda: copied + RECENT_SECONDS + 60)
    dialog = record_dialog()
    assert dialog.url.text() == ""
    assert not dialog.from_clipboard.isVisible()
