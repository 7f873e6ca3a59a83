"""Locking the store after a spell of inactivity, and the user's preference for how long."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer, Signal

from harmonize_evidence.ui.session import Session

DEFAULT_IDLE_MINUTES = 5
IDLE_CHOICES = (1, 2, 5, 10, 15, 30)
"""Minutes of inactivity the user can choose from before the store locks itself."""
WATCH_AFTER_MS = 1000
"""How long after an unlock the idle lock starts watching input (see :class:`IdleLock`)."""

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class Preferences:
    """The few settings the application keeps outside the store (no evidence, no names)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            path = Path(platformdirs.user_config_dir("Harmonize Evidence", appauthor=False))
            path = path / "settings.ini"
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def idle_minutes(self) -> int:
        """Minutes without input before the store locks itself."""
        value = self._settings.value("lock/idle_minutes", DEFAULT_IDLE_MINUTES)
        try:
            minutes = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return DEFAULT_IDLE_MINUTES
        return minutes if minutes in IDLE_CHOICES else DEFAULT_IDLE_MINUTES

    @idle_minutes.setter
    def idle_minutes(self, minutes: int) -> None:
        self._settings.setValue("lock/idle_minutes", int(minutes))
        self._settings.sync()


class IdleLock(QObject):
    """Locks the session when no key or mouse input reached the application for a while.

    It watches the application's events only while the session is unlocked, from
    :data:`WATCH_AFTER_MS` after the unlock: a Python event filter on the whole application sees
    every event of every object, and made building and first painting the windows several times
    slower. The timer itself runs from the unlock, so input in that first second is not counted,
    which at most brings the lock a second earlier. Emits :attr:`expired` just before locking.
    """

    expired = Signal()

    def __init__(self, session: Session, idle_ms: int) -> None:
        super().__init__()
        self._session = session
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(idle_ms)
        self._timer.timeout.connect(self._expired)
        session.unlocked.connect(self._watch)
        session.locked.connect(self.stop_watching)

    @property
    def idle_ms(self) -> int:
        """The idle time before locking, in milliseconds."""
        return self._timer.interval()

    def set_idle_ms(self, idle_ms: int) -> None:
        """Change the idle time; counts from now."""
        self._timer.setInterval(idle_ms)
        if self._session.is_unlocked:
            self._timer.start()

    def _watch(self) -> None:
        self._timer.start()
        QTimer.singleShot(WATCH_AFTER_MS, self, self._install)

    def _install(self) -> None:
        application = QCoreApplication.instance()
        if application is not None and self._session.is_unlocked:
            application.installEventFilter(self)

    def stop_watching(self) -> None:
        """Stop the timer and stop watching the application's events."""
        self._timer.stop()
        application = QCoreApplication.instance()
        if application is not None:
            application.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._session.is_unlocked:
            self._timer.start()
        return False

    def _expired(self) -> None:
        if self._session.is_unlocked:
            self.expired.emit()
            self._session.lock()
