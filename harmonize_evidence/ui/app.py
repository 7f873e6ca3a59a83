"""Entry point of the desktop application, and the controller that moves between its windows.

First run: the setup wizard. Later runs: a quiet unlock through the keychain when the store was set
up for it, else the unlock window. Once unlocked: the main window, until the store is locked (on
demand or after a spell without use), which drops everything decrypted and shows the unlock window.
The keychain opens the store at start only: after a lock only the passphrase does.

The capture key (Ctrl+Shift+S) is taken for the whole desktop where the platform allows
(:class:`~harmonize_evidence.ui.capture_key.CaptureKey`), shortly after the first window shows;
pressed in front of any program it brings the program forward and starts a capture, or asks to
unlock first.

Start-up is timed by ``tests/benchmarks/gui.py``. The main window's code is imported, and the
window built (hidden), while the first step runs: during the quiet unlock on its worker thread, or
once the unlock window has been painted. It is shown only once the store is open.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import (
    EXIT_INTERNAL,
    EnvironmentProblem,
    HarmonizeError,
    StoreLocked,
)
from harmonize_evidence.services.clock import SystemClock
from harmonize_evidence.services.logfile import APP_NAME
from harmonize_evidence.services.store import StoreLocation, missing_store, unlock_key
from harmonize_evidence.ui.capture_key import CaptureKey
from harmonize_evidence.ui.clipboard_watch import watch_clipboard
from harmonize_evidence.ui.errors import (
    install_exception_hooks,
    message_box,
    report_unexpected,
    start_logging,
)
from harmonize_evidence.ui.heap import START_PAUSE_LIMIT_MS, resume_collection
from harmonize_evidence.ui.instance import SingleInstance, ask_running_instance
from harmonize_evidence.ui.locking import IdleLock, Preferences
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, run_task
from harmonize_evidence.ui.tray import TrayMenu, app_icon

if TYPE_CHECKING:
    # Imported where they are shown: at most one of them is the first window.
    from harmonize_evidence.ui.main_window import MainWindow
    from harmonize_evidence.ui.setup import SetupWizard
    from harmonize_evidence.ui.unlock import UnlockWindow

log = logging.getLogger(__name__)

_KEYCHAIN_WAIT_MS = 15
"""How long the quiet unlock may take before the main window is built while it goes on: asking
the keychain takes a tenth of a second or more; finding that the store does not use the keychain
takes a millisecond or two, and then the unlock window comes first."""

CAPTURE_KEY_DELAY_MS = 400
"""How long after the start the capture key is taken: its code (python-xlib and the capture
layer, about a tenth of a second to load) should not delay the first window."""


class DesktopApp(QObject):
    """Moves between the setup wizard, the unlock window and the main window."""

    main_window_shown = Signal()
    finished = Signal(int)
    """The program should end with this exit code (``run_gui`` ends the event loop)."""

    def __init__(
        self,
        location: StoreLocation,
        clock: Clock,
        preferences: Preferences,
        *,
        idle_ms: int | None = None,
        capture_key: CaptureKey | None = None,
    ) -> None:
        super().__init__()
        # From now on the clipboard's changes are noted: an address copied before the program
        # started is not filled into a capture's details as if just copied.
        watch_clipboard()
        self.location = location
        self.preferences = preferences
        self.session = Session(location, clock)
        self.idle = IdleLock(
            session=self.session, idle_ms=idle_ms or preferences.idle_minutes * 60_000
        )
        self.idle.expired.connect(self._idle_expired)
        self.session.locked.connect(self._locked)
        self.main_window: MainWindow | None = None
        """The main window, from the first unlock on (None before)."""
        self._prepared: MainWindow | None = None
        self.unlock_window: UnlockWindow | None = None
        self.wizard: SetupWizard | None = None
        self.fatal_dialog: QMessageBox | None = None
        self.exit_code: int | None = None
        self._lock_message = ""
        self._selected: str | None = None
        self._quiet_task: Task[bytes] | None = None
        self._capture_key_waiting = False
        self._closing = False
        self.tray = TrayMenu()
        self.tray.capture_requested.connect(self.capture)
        self.tray.open_requested.connect(self.bring_to_front)
        self.tray.lock_requested.connect(self.lock)
        self.tray.quit_requested.connect(lambda: self.quit(0))
        self.tray.set_unlocked(False)
        self.session.unlocked.connect(lambda: self.tray.set_unlocked(True))
        self.session.locked.connect(lambda: self.tray.set_unlocked(False))
        self.capture_key = capture_key
        """The capture key for the whole desktop (None: only the program's own shortcut)."""
        if capture_key is not None:
            capture_key.pressed.connect(self.capture_key_pressed)
            capture_key.changed.connect(
                lambda: self.tray.show_capture_key(
                    capture_key.keys, capture_key.reason, taken=capture_key.taken
                )
            )

    # -- start -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the first window: setup, or unlock (quietly through the keychain if possible)."""
        self.tray.show()
        if self.capture_key is not None:
            QTimer.singleShot(CAPTURE_KEY_DELAY_MS, self._take_capture_key_when_ready)
        location = self.location
        if not location.exists():
            if location.database.exists():
                self.fatal(missing_store(location))
                return
            self.show_setup()
            return
        use_keychain = self.session.keychain_may_unlock

        def quiet(_task: Task[bytes]) -> bytes:
            return unlock_key(location, None, use_keychain=use_keychain)

        def failed(error: BaseException) -> None:
            self._quiet_task = None
            if isinstance(error, StoreLocked):  # the keychain did not open it: ask
                self.show_unlock()
            else:
                self.fatal(error)
            if self._capture_key_waiting:
                QTimer.singleShot(CAPTURE_KEY_DELAY_MS, self._take_capture_key_when_ready)

        def unlocked(key: bytes) -> None:
            self._quiet_task = None
            self.open_with_key(key)

        self._quiet_task = run_task(quiet, unlocked, failed)
        QTimer.singleShot(_KEYCHAIN_WAIT_MS, self._prepare_while_unlocking)

    def show_setup(self) -> None:
        """The first-run wizard."""
        from harmonize_evidence.ui.setup import SetupWizard

        wizard = SetupWizard(self.location, self.session.clock)
        wizard.finished_setup.connect(self.open_with_key)
        wizard.rejected.connect(lambda: self.quit(0))
        self.wizard = wizard
        wizard.show()
        resume_collection()
        QTimer.singleShot(0, lambda: log.info("setup wizard shown"))

    def show_unlock(self, message: str = "") -> None:
        """The unlock window; an empty box opens the store through the keychain before any lock."""
        if self.unlock_window is None:
            from harmonize_evidence.ui.unlock import UnlockWindow

            window = UnlockWindow(self.location)
            window.unlocked.connect(self.open_with_key)
            window.quit_requested.connect(lambda: self.quit(0))
            window.installEventFilter(self)
            self.unlock_window = window
        self.unlock_window.allow_keychain(self.session.keychain_may_unlock)
        self.unlock_window.reset(message)
        self.unlock_window.show()
        self.unlock_window.raise_()
        self.unlock_window.activateWindow()
        resume_collection()

    def open_with_key(self, key: bytes) -> None:
        """Open the GUI thread's handle with an unlocked key and show the main window."""
        try:
            self.session.open(key)
        except HarmonizeError as exc:
            self.fatal(exc)
            return
        except Exception as exc:
            self.fatal(exc)
            return
        if self.wizard is not None:
            self.wizard.deleteLater()
            self.wizard = None
        if self.unlock_window is not None:
            self.unlock_window.hide()
        self.show_main()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Once the unlock window is on screen, build the main window while the user types.
        if (
            watched is self.unlock_window
            and event.type() == QEvent.Type.Paint
            and self.main_window is None
            and self._prepared is None
        ):
            QTimer.singleShot(0, self._prepare_main_window)
        return False

    def _prepare_while_unlocking(self) -> None:
        # Still waiting for the keychain: this thread has nothing to show until it answers.
        # (Without a keychain the quiet unlock fails within milliseconds, and the unlock window
        # comes first.)
        if self._quiet_task is not None:
            self._prepare_main_window()

    def _prepare_main_window(self) -> None:
        """Import and build the main window, hidden, before the store is open."""
        if self.main_window is not None or self._prepared is not None or self._closing:
            return
        from harmonize_evidence.ui.main_window import MainWindow

        window = MainWindow(self.session, self.preferences.idle_minutes)
        window.lock_requested.connect(self.lock)
        window.quit_requested.connect(lambda: self.quit(0))
        window.close_requested.connect(self._main_window_closed)
        window.setWindowIcon(app_icon())
        window.idle_minutes_chosen.connect(self.set_idle_minutes)
        window.casework.overdue.connect(lambda text: self.tray.icon.showMessage(APP_NAME, text))
        window.capture_saved.connect(self._capture_saved)
        window.listed.connect(self._first_list_shown)
        self._prepared = window

    def _capture_saved(self, text: str) -> None:
        """Say so from the tray too when the user is in another program (the capture key)."""
        window = self.main_window
        if self.tray.icon.isVisible() and (window is None or not window.isActiveWindow()):
            self.tray.icon.showMessage(APP_NAME, text)

    def show_main(self) -> None:
        """Show the main window and read the incidents."""
        window = self.main_window
        if window is None:
            self._prepare_main_window()
            window, self._prepared = self._prepared, None
            assert window is not None
            self.main_window = window
        window.load(self._selected)  # first: the worker reads while the window is shown
        window.show()
        window.raise_()
        window.activateWindow()
        self.main_window_shown.emit()

    def bring_to_front(self) -> None:
        """Show whichever window the user needs now (a second launch, the tray's Open)."""
        for window in (self.wizard, self.fatal_dialog):
            if window is not None and window.isVisible():
                window.raise_()
                window.activateWindow()
                return
        if self.session.is_unlocked and self.main_window is not None:
            self.main_window.showNormal()
            self.main_window.raise_()
            self.main_window.activateWindow()
        elif self.location.exists() and self._quiet_task is None:
            self.show_unlock(self.unlock_window.message.text() if self.unlock_window else "")

    def capture(self) -> None:
        """Start a capture (the tray's Capture): unlock first if the store is locked."""
        if self.session.is_unlocked and self.main_window is not None:
            self.main_window.start_capture()
        else:
            self.bring_to_front()

    def take_capture_key(self) -> None:
        """Take the capture key for the whole desktop, where the platform allows it."""
        self._capture_key_waiting = False
        if self.capture_key is not None and not self._closing:
            self.capture_key.start()

    def _take_capture_key_when_ready(self) -> None:
        """Take the capture key once the first window has what it shows.

        Not while that window is still being made (the store opening through the keychain, the
        main window reading its list): loading the key's code and asking the display for it
        would only delay the window. It is taken as soon as the list shows.
        """
        if self.capture_key is None or self.capture_key.held:
            return
        window = self.main_window or self._prepared
        if self._quiet_task is not None or (window is not None and window.loading):
            self._capture_key_waiting = True
            return
        self.take_capture_key()

    def _first_list_shown(self) -> None:
        resume_collection()
        if self._capture_key_waiting:
            QTimer.singleShot(0, self._take_capture_key_when_ready)

    def capture_key_pressed(self) -> None:
        """The capture key, pressed in front of any program: come forward and capture."""
        modal: QWidget | None = QApplication.activeModalWidget()
        if modal is not None:  # a question of ours waits for its answer first
            modal.raise_()
            modal.activateWindow()
            return
        window = self.main_window
        if window is not None and window.capture_flow is not None:
            return  # a capture is under way: its windows are the ones to answer
        self.bring_to_front()
        if self.session.is_unlocked and window is not None:
            window.start_capture()

    def _main_window_closed(self) -> None:
        # With a tray icon the program stays there, locked; without one, closing quits.
        if self.tray.icon.isVisible():
            self.lock()
            if self.unlock_window is not None:
                self.unlock_window.hide()
            self.tray.icon.showMessage(
                APP_NAME, "Still running here, locked. Capture from this icon's menu."
            )
        else:
            self.quit(0)

    # -- locking ---------------------------------------------------------------------------------

    def lock(self) -> None:
        """Lock now (Ctrl+L, the tray menu)."""
        self._lock_message = "Locked. Type your passphrase to carry on."
        self.session.lock()

    def _idle_expired(self) -> None:
        minutes = round(self.idle.idle_ms / 60_000)
        self._lock_message = (
            f"Locked after {minutes} minute{'s' if minutes != 1 else ''} without use."
            if minutes >= 1
            else "Locked after a spell without use."
        )

    def _locked(self) -> None:
        if self._closing:
            return
        window = self.main_window
        message = self._lock_message or "Locked."
        if window is not None:
            current = window.current_incident()
            self._selected = current.id if current else None
            if window.drop_everything():
                message += " The written account you were typing was not saved."
            window.hide()
        self.show_unlock(message)
        self._lock_message = ""

    def set_idle_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` without use from now on (remembered)."""
        self.preferences.idle_minutes = minutes
        self.idle.set_idle_ms(minutes * 60_000)

    # -- ending ----------------------------------------------------------------------------------

    def fatal(self, error: BaseException) -> None:
        """Say why the program cannot go on, then end it when the dialog is closed."""
        box: QMessageBox | None
        if isinstance(error, HarmonizeError):
            log.error("cannot continue: %s", error.message, exc_info=error.__cause__ is not None)
            box = message_box(None, QMessageBox.Icon.Critical, APP_NAME, error.message)
            code = error.exit_code
        else:
            box = report_unexpected(error)
            code = EXIT_INTERNAL
        self.exit_code = code
        resume_collection()
        for window in (self.unlock_window, self.wizard, self.main_window):
            if window is not None:
                window.hide()
        if box is None:
            self.quit(code)
            return
        self.fatal_dialog = box
        box.finished.connect(lambda _result: self.quit(code))

    def quit(self, code: int = 0) -> None:
        """Lock, close every window and end the event loop."""
        if self.exit_code is None:
            self.exit_code = code
        self.shutdown()
        self.finished.emit(self.exit_code)

    def shutdown(self) -> None:
        """Close the store and every window (also used by tests)."""
        self._closing = True
        self._lock_message = ""
        if self.session.is_unlocked:
            self.session.lock()
        for window in (self.unlock_window, self.wizard, self._prepared):
            if window is not None:
                window.hide()
        if self.main_window is not None:
            self.main_window.drop_everything()
            self.main_window.hide()
        self.tray.hide()
        if self.capture_key is not None:
            self.capture_key.stop()
        self.idle.stop_watching()
        QThreadPool.globalInstance().waitForDone(10_000)


_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")


def check_screen() -> None:
    """Refuse to start without a screen (Qt would abort), as the command-line contract says."""
    if not sys.platform.startswith("linux"):
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(_HEADLESS_PLATFORMS):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise EnvironmentProblem(
            "There is no screen to show the window on; start Harmonize Evidence from the "
            "desktop, or use the commands listed by 'harmonize-evidence --help'."
        )


def run_gui(store: str | None) -> int:
    """Open the desktop application on the store in ``store`` (else the default folder)."""
    check_screen()
    log_path = start_logging()
    application = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(application, QApplication)
    application.setApplicationName(APP_NAME)
    application.setApplicationDisplayName(APP_NAME)
    application.setDesktopFileName("harmonize-evidence")
    application.setWindowIcon(app_icon())
    install_exception_hooks()
    QTimer.singleShot(START_PAUSE_LIMIT_MS, resume_collection)  # if no first window said so
    location = StoreLocation.resolve(store)
    if ask_running_instance(location):
        log.info("already open on %s: asked that window to come to the front", location.directory)
        return 0
    instance = SingleInstance(location)
    log.info("desktop application starting; log at %s", log_path)
    desktop = DesktopApp(location, SystemClock(), Preferences(), capture_key=CaptureKey())
    instance.raise_requested.connect(desktop.bring_to_front)
    desktop.finished.connect(application.exit)
    desktop.start()
    code = application.exec()
    desktop.shutdown()
    instance.close()
    return desktop.exit_code if desktop.exit_code is not None else code
