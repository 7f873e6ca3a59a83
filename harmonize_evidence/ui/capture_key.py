"""The capture key for the whole desktop, as a Qt signal on the GUI thread.

:class:`CaptureKey` takes the key through :func:`~harmonize_evidence.services.capture_key.
take_capture_key` and turns its presses into :attr:`CaptureKey.pressed`: on X11 by watching the
grab's own X connection with a :class:`QSocketNotifier`, on Windows with a native event filter
that picks ``WM_HOTKEY`` out of the messages Qt's event loop reads. Where the key cannot be taken,
:attr:`CaptureKey.reason` says why, and the program's own shortcut is all there is; where another
program holds it (:attr:`CaptureKey.taken`), not even that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractNativeEventFilter,
    QByteArray,
    QCoreApplication,
    QObject,
    QSocketNotifier,
    QTimer,
    Signal,
)

from harmonize_evidence.domain.errors import EnvironmentProblem
from harmonize_evidence.services.capture_key import (
    CAPTURE_KEYS,
    CaptureKeyTaken,
    TakenKey,
    take_capture_key,
)

log = logging.getLogger(__name__)

_WINDOWS_MESSAGES = (b"windows_generic_MSG", b"windows_dispatcher_MSG")
"""Qt's names for a native ``MSG``: to a window, and to the thread (where hot keys come)."""
LOST = "the new keyboard layout lost it"
GONE = "the X server stopped answering"


class _HotkeyMessages(QAbstractNativeEventFilter):
    """Picks the hot key's presses out of the native messages (Windows)."""

    def __init__(self, key: TakenKey, on_press: Callable[[], None]) -> None:
        super().__init__()
        self._key = key
        self._on_press = on_press

    def nativeEventFilter(
        self, eventType: QByteArray | bytes | bytearray | memoryview, message: int
    ) -> tuple[bool, int]:
        kind = eventType.data() if isinstance(eventType, QByteArray) else bytes(eventType)
        if kind in _WINDOWS_MESSAGES and self._key.is_press(int(message)):
            # Leave the native event handler before any window opens.
            QTimer.singleShot(0, self._on_press)
            return True, 0
        return False, 0


class CaptureKey(QObject):
    """The capture key (``Ctrl+Shift+S``) for the whole desktop, where the platform allows.

    Args:
        display: The X11 display the program shows on (``None``: ``DISPLAY``, as Qt uses).
    """

    pressed = Signal()
    """The key was pressed, whichever program was in front."""
    changed = Signal()
    """Whether the key works on the whole desktop changed (see :attr:`reason`)."""

    def __init__(self, display: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keys = CAPTURE_KEYS
        self._display = display
        self._key: TakenKey | None = None
        self._notifier: QSocketNotifier | None = None
        self._filter: _HotkeyMessages | None = None
        self.reason = "it has not been taken yet"
        """Why the key does not work everywhere (a short phrase); empty while it does."""
        self.taken = False
        """Whether another program holds the key, so that it does not reach this one either."""

    @property
    def held(self) -> bool:
        """Whether the key has been taken (by :meth:`start`) and not given back."""
        return self._key is not None

    @property
    def system_wide(self) -> bool:
        """Whether the key works whichever program is in front."""
        return not self.reason

    def start(self) -> bool:
        """Take the key for the whole desktop; whether that worked (else see :attr:`reason`)."""
        if self._key is not None:
            return self.system_wide
        try:
            key = take_capture_key(self._display)
        except CaptureKeyTaken as exc:
            log.info("another program holds the capture key: %s", exc.message)
            self.taken = True
            self._set_reason(exc.message)
            return False
        except EnvironmentProblem as exc:
            log.info("the capture key works only inside the program: %s", exc.message)
            self._set_reason(exc.message)
            return False
        except Exception:  # never let the key stop the program from starting
            log.exception("taking the capture key failed")
            self._set_reason("it could not be taken")
            return False
        self._key = key
        self.taken = False
        socket = key.fileno()
        if socket is not None:
            self._notifier = QSocketNotifier(socket, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._read)
        else:
            self._filter = _HotkeyMessages(key, self.pressed.emit)
            application = QCoreApplication.instance()
            if application is not None:
                application.installNativeEventFilter(self._filter)
        self._set_reason("")
        self._read()  # anything the server sent while the key was being taken
        return True

    def _read(self) -> None:
        key = self._key
        if key is None:
            return
        try:
            presses = key.presses()
        except Exception as exc:  # the X server ended (a new login, a crash)
            log.warning("the capture key's connection failed: %s", exc)
            self.stop()
            self._set_reason(GONE)
            return
        self._set_reason("" if key.active else LOST)
        if presses:
            self.pressed.emit()

    def _set_reason(self, reason: str) -> None:
        if reason != self.reason:
            self.reason = reason
            self.changed.emit()

    def stop(self) -> None:
        """Give the key back (it then works only inside the program)."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._filter is not None:
            application = QCoreApplication.instance()
            if application is not None:
                application.removeNativeEventFilter(self._filter)
            self._filter = None
        if self._key is not None:
            self._key.close()
            self._key = None
            self._set_reason("the program gave it back")
