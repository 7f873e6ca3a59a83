"""The application shell: work off the GUI thread, callbacks on it, and how failures are shown."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import NotFound
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.ui.errors import start_logging
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled, run_task
from tests.conftest import PASSPHRASE, MadeStore
from tests.ui.helpers import message_boxes, wait_for_message


def test_work_runs_off_the_gui_thread_and_its_result_arrives_on_it(qtbot) -> None:
    gui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work(task: Task[int]) -> int:
        seen["work"] = threading.get_ident()
        return 42

    results: list[int] = []

    def on_result(value: int) -> None:
        seen["result"] = threading.get_ident()
        results.append(value)

    run_task(work, on_result)
    qtbot.waitUntil(lambda: results == [42])
    assert seen["work"] != gui_thread
    assert seen["result"] == gui_thread


def test_progress_arrives_in_order_on_the_gui_thread(qtbot) -> None:
    gui_thread = threading.get_ident()
    progress: list[tuple[int, int, bool]] = []
    finished: list[bool] = []

    def work(task: Task[None]) -> None:
        for done in range(1, 6):
            task.report(done, 5)

    run_task(
        work,
        lambda _v: finished.append(True),
        on_progress=lambda done, total: progress.append(
            (done, total, threading.get_ident() == gui_thread)
        ),
    )
    qtbot.waitUntil(lambda: finished == [True])
    assert progress == [(n, 5, True) for n in range(1, 6)]


def test_a_cancelled_task_never_delivers_its_result(qtbot) -> None:
    release = threading.Event()
    results: list[str] = []
    errors: list[BaseException] = []

    def work(task: Task[str]) -> str:
        release.wait(5)
        return "late"

    task = run_task(work, results.append, errors.append)
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: task.done)
    assert results == []
    assert len(errors) == 1 and isinstance(errors[0], TaskCancelled)


def test_expected_failure_shows_the_same_sentence_as_the_command_line(qtbot) -> None:
    sentence = "There is no incident INC-2026-0099 in this store."

    def work(task: Task[None]) -> None:
        raise NotFound(sentence)

    run_task(work)
    box = wait_for_message(qtbot)
    assert box.text() == sentence
    box.close()


def test_unexpected_failure_is_logged_and_the_dialog_says_where_the_log_is(qtbot) -> None:
    path = start_logging()
    assert path is not None
    try:

        def work(task: Task[None]) -> None:
            raise RuntimeError("internal detail 7f3a")

        run_task(work)
        box = wait_for_message(qtbot)
        text = box.text()
        box.close()
        assert (
            text == f"Something went wrong that the program did not expect; details are in {path}."
        )
        assert "7f3a" not in text
        logged = path.read_text(encoding="utf-8")
        assert "Traceback" in logged and "RuntimeError: internal detail 7f3a" in logged
    finally:
        for handler in list(logging.getLogger().handlers):
            if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_user_text_in_an_error_is_shown_as_text_not_markup(qtbot) -> None:
    def work(task: Task[None]) -> None:
        raise NotFound("There is no file <b>x</b><img src='/etc/passwd'>.")

    run_task(work)
    box = wait_for_message(qtbot)
    from PySide6.QtCore import Qt

    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == "There is no file <b>x</b><img src='/etc/passwd'>."
    box.close()
    qtbot.waitUntil(lambda: not message_boxes())


def test_each_worker_opens_its_own_store_handle(
    qtbot, made_store: MadeStore, clock: FixedClock
) -> None:
    from harmonize_evidence.services.store import unlock_key

    session = Session(made_store.location, clock)
    session.open(unlock_key(made_store.location, lambda: PASSPHRASE))
    session.store.new_incident("Comments on a photo")
    gui_store = session.store
    outcome: list[tuple[bool, list[str]]] = []

    def work(store: EvidenceStore, task: Task[tuple[bool, list[str]]]) -> tuple[bool, list[str]]:
        return store is not gui_store, [i.title for i in store.incidents()]

    session.run(work, outcome.append)
    qtbot.waitUntil(lambda: bool(outcome))
    assert outcome == [(True, ["Comments on a photo"])]
    session.lock()


def test_work_finishing_after_a_lock_delivers_nothing(
    qtbot, made_store: MadeStore, clock: FixedClock
) -> None:
    from harmonize_evidence.services.store import unlock_key

    session = Session(made_store.location, clock)
    session.open(unlock_key(made_store.location, lambda: PASSPHRASE))
    started, release = threading.Event(), threading.Event()
    results: list[object] = []
    errors: list[BaseException] = []

    def work(store: EvidenceStore, task: Task[list[str]]) -> list[str]:
        started.set()
        release.wait(5)
        return [i.title for i in store.incidents()]

    task = session.run(work, results.append, errors.append)
    assert started.wait(5)
    session.lock()
    release.set()
    qtbot.waitUntil(lambda: task.done)
    qtbot.wait(50)
    assert results == [] and errors == []
    assert not session.is_unlocked
    with pytest.raises(Exception, match="locked"):
        session.store  # noqa: B018 - the property raises


def test_qt_calls_keep_their_reference_to_none(qapp) -> None:
    # PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that returns None,
    # and the program aborts with "deallocating None" after a few thousand (see pyproject.toml).
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        if sys.getrefcount(None) < before - 100:
            break  # stop before None itself is freed and the test run aborts
    lost = before - sys.getrefcount(None)
    assert lost < 100, f"this PySide6 lost {lost} references to None in at most 2000 calls"
