"""The unlocked store as the GUI holds it, and locking it again.

A :class:`Session` owns the GUI thread's store handle. Work for other threads goes through
:meth:`Session.run`, which opens a handle of its own on the worker thread and drops the outcome if
the store was locked in the meantime, so nothing decrypted arrives after a lock. It also remembers
whether the store has been locked since the program started: from then on only the passphrase
opens it, never the keychain.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QThreadPool, Signal

from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import StoreLocked
from harmonize_evidence.services.store import StoreLocation, open_with_key
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.tasks import ErrorCallback, ProgressCallback, Task, run_task

if TYPE_CHECKING:
    # The store's code is imported when the store is opened, after the first window shows.
    from harmonize_evidence.services.evidence import EvidenceStore

log = logging.getLogger(__name__)

T = TypeVar("T")


class Session(QObject):
    """The store while it is unlocked; emits :attr:`locked` and :attr:`unlocked`."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, location: StoreLocation, clock: Clock) -> None:
        super().__init__()
        self.location = location
        self.clock = clock
        self._store: EvidenceStore | None = None
        self._generation = 0
        self._has_been_locked = False
        self._tasks: weakref.WeakSet[Task[Any]] = weakref.WeakSet()

    @property
    def is_unlocked(self) -> bool:
        """Whether the store is open."""
        return self._store is not None

    @property
    def store(self) -> EvidenceStore:
        """The GUI thread's handle; :class:`StoreLocked` when locked."""
        if self._store is None:
            raise StoreLocked("The evidence store is locked; unlock it to continue.")
        return self._store

    @property
    def keychain_may_unlock(self) -> bool:
        """Whether the keychain may open the store: only until the first lock.

        A lock (Ctrl+L, the tray, the idle timer, closing to the tray) keeps out whoever sits at
        the computer while it is logged in, so after one only the passphrase opens the store.
        """
        return not self._has_been_locked

    @property
    def generation(self) -> int:
        """Changes on every lock and unlock: outcomes from an older generation are dropped."""
        return self._generation

    def open(self, key: bytes) -> None:
        """Open the GUI thread's handle with a key unlocked on a worker thread."""
        store = open_with_key(self.location, key, self.clock)
        if self._store is not None:
            self._store.close()
        self._store = store
        self._generation += 1
        self.unlocked.emit()

    def adopt(self, store: EvidenceStore) -> None:
        """Take an already open GUI-thread handle (used right after setup)."""
        self._store = store
        self._generation += 1
        self.unlocked.emit()

    def lock(self) -> None:
        """Close the store and forget its key; listeners drop everything decrypted."""
        if self._store is None:
            return
        self._has_been_locked = True
        store, self._store = self._store, None
        self._generation += 1
        for task in list(self._tasks):
            task.cancel()
        try:
            store.close()
        finally:
            self.locked.emit()

    def run(
        self,
        fn: Callable[[EvidenceStore, Task[T]], T],
        on_result: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
        on_progress: ProgressCallback | None = None,
        *,
        pool: QThreadPool | None = None,
    ) -> Task[T]:
        """Run ``fn(store, task)`` on a worker thread with that thread's own store handle.

        The callbacks run on the GUI thread, and only if the session has not been locked (or
        unlocked anew) since: after a lock the task is cancelled and its outcome dropped.
        """
        source = self.store
        generation = self._generation

        def work(task: Task[T]) -> T:
            task.check_cancelled()
            with source.open_for_this_thread() as own:
                return fn(own, task)

        def current() -> bool:
            return self._generation == generation

        def result(value: T) -> None:
            if current() and on_result is not None:
                on_result(value)

        def error(exc: BaseException) -> None:
            if not current():
                log.info("dropped the outcome of a task from before a lock: %r", exc)
                return
            if on_error is not None:
                on_error(exc)
            else:
                show_error(None, exc)

        def progress(*values: object) -> None:
            if current() and on_progress is not None:
                on_progress(*values)

        task = run_task(work, result, error, progress if on_progress else None, pool=pool)
        self._tasks.add(task)
        return task
