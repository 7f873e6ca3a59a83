"""The one way off the GUI thread: :func:`run_task`.

Long work (unlocking, imports, thumbnails, export, verification) runs on a ``QThreadPool``; its
result, error and progress come back as queued signals, so every callback runs on the GUI thread.
A work function that touches the store opens its own handle on its worker thread
(``EvidenceStore.open_for_this_thread()``): SQLCipher connections belong to one thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from harmonize_evidence.domain.errors import Cancelled

log = logging.getLogger(__name__)

T = TypeVar("T")

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]
ProgressCallback = Callable[..., None]


TaskCancelled = Cancelled
"""Raised inside a work function once its task was cancelled; never shown to the user."""


class _Relay(QObject):
    """Lives on the GUI thread; its queued signals carry a worker's news back to it."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(object)

    def __init__(self, task: Task[Any]) -> None:
        super().__init__()
        self._task = task
        queued = Qt.ConnectionType.QueuedConnection
        self.succeeded.connect(self._on_succeeded, queued)
        self.failed.connect(self._on_failed, queued)
        self.progressed.connect(self._on_progressed, queued)

    @Slot(object)
    def _on_succeeded(self, value: object) -> None:
        self._task._finish(value, None)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        assert isinstance(error, BaseException)
        self._task._finish(None, error)

    @Slot(object)
    def _on_progressed(self, values: object) -> None:
        assert isinstance(values, tuple)
        self._task._deliver_progress(values)


class _Runner(QRunnable):
    def __init__(self, task: Task[Any]) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        task = self._task
        try:
            if task.cancelled:
                raise TaskCancelled
            value = task._fn(task)
        except Exception as exc:
            task._relay.failed.emit(exc)
        else:
            task._relay.succeeded.emit(value)


_running: set[Task[Any]] = set()


class Task(Generic[T]):
    """One piece of work running off the GUI thread.

    The work function receives its task: it calls :meth:`report` to send progress and checks
    :attr:`cancelled` (or calls :meth:`check_cancelled`) where stopping is safe.
    """

    def __init__(
        self,
        fn: Callable[[Task[T]], T],
        on_result: Callable[[T], None] | None,
        on_error: ErrorCallback | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        self._fn = fn
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self._done = False
        self._relay = _Relay(self)

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        """Whether the task's result or error has been delivered."""
        return self._done

    def cancel(self) -> None:
        """Ask the work to stop; ``on_result`` is then skipped and ``on_error`` gets a cancel."""
        self._cancel.set()

    def check_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` if the task was cancelled (call from the work function)."""
        if self._cancel.is_set():
            raise TaskCancelled

    def report(self, *values: object) -> None:
        """Send progress to ``on_progress`` on the GUI thread (call from the work function)."""
        if self._on_progress is not None and not self._cancel.is_set():
            self._relay.progressed.emit(values)

    # -- GUI thread ------------------------------------------------------------------------------

    def _deliver_progress(self, values: tuple[object, ...]) -> None:
        if self._on_progress is not None and not self._cancel.is_set() and not self._done:
            self._on_progress(*values)

    def _finish(self, value: object, error: BaseException | None) -> None:
        self._done = True
        _running.discard(self)
        try:
            if error is None and not self._cancel.is_set():
                if self._on_result is not None:
                    self._on_result(value)  # type: ignore[arg-type]
                return
            if error is None:
                error = TaskCancelled()
            if self._on_error is not None:
                self._on_error(error)
            else:
                default_error_handler(error)
        finally:
            self._relay.deleteLater()


def default_error_handler(error: BaseException) -> None:
    """What happens to a task's error when the caller gave no ``on_error``."""
    from harmonize_evidence.ui.errors import show_error

    show_error(None, error)


def run_task(
    fn: Callable[[Task[T]], T],
    on_result: Callable[[T], None] | None = None,
    on_error: ErrorCallback | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    pool: QThreadPool | None = None,
) -> Task[T]:
    """Run ``fn(task)`` on a worker thread; call back on the GUI thread.

    Args:
        fn: the work. It runs on a pool thread and must not touch widgets or the GUI thread's
            store handle; it receives its :class:`Task` for progress and cancellation.
        on_result: called with ``fn``'s return value, unless the task was cancelled.
        on_error: called with the exception ``fn`` raised (a :class:`TaskCancelled` when it was
            cancelled). Without one, errors go to the standard error dialog and cancellations
            are dropped.
        on_progress: called with the values passed to :meth:`Task.report`.
        pool: the thread pool; the global one by default.

    Returns:
        The running task (keep it to cancel it).
    """
    task: Task[T] = Task(fn, on_result, on_error, on_progress)
    _running.add(task)
    (pool or QThreadPool.globalInstance()).start(_Runner(task))
    return task
