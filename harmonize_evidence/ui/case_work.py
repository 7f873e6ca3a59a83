"""The safeguarding lead's case work in the main window: a Cases tab, and news of overdue cases.

On a lead's store the main window gets two tabs: **Cases** (the case list beside the chosen case,
:class:`CaseDesk`) first, and the incidents with their evidence as before. A member of staff's
window stays as it was. While the store is open the list is read again every minute (off the GUI
thread: :func:`~harmonize_evidence.services.case_list.case_rows`, a few queries for every case,
then :func:`~harmonize_evidence.ui.listed_cases.list_cases`, the list's texts and orders), so a
case turns red when its deadline passes, and :attr:`CaseWork.overdue` says so once per case (the
tray shows it). Cases already overdue at the first reading are shown first in the list, not
announced.

The case list and view are imported when a lead's store is first opened: a member of staff's
program never loads them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget, QWidget

from harmonize_evidence.domain.model import Role
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task, TaskCancelled

if TYPE_CHECKING:
    from collections.abc import Callable

    from harmonize_evidence.services.case_list import CaseRow
    from harmonize_evidence.services.casework import StepRecorded
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.ui.case_list import CaseListPane
    from harmonize_evidence.ui.case_view import CaseView
    from harmonize_evidence.ui.listed_cases import ListedCases

log = logging.getLogger(__name__)

CHECK_MS = 60_000
"""How often the list is read again (and overdue cases looked for) while the store is open."""


class CaseDesk(QSplitter):
    """The case list on the left, the chosen case on the right."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        from harmonize_evidence.ui.case_list import CaseListPane
        from harmonize_evidence.ui.case_view import CaseView

        self.list: CaseListPane = CaseListPane()
        self.view: CaseView = CaseView(session)
        self.addWidget(self.list)
        self.addWidget(self.view)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([6000, 4000])
        self.setChildrenCollapsible(False)
        self.list.case_chosen.connect(self._chosen)

    def _chosen(self, row: CaseRow | None) -> None:
        view = self.view
        if row is None:
            view.clear()
        elif view.case_id != row.incident.id or (
            view.case is not None and view.case.incident != row.incident
        ):
            view.show_case(row.incident.id)  # another case, or this one changed


class CaseWork(QObject):
    """The lead's Cases tab in one main window, and the minute-by-minute check of what is due."""

    overdue = Signal(str)
    """A sentence naming the cases that have just become overdue (each case once)."""
    incident_changed = Signal(object)
    """An incident whose status or category a step changed (for the incidents list)."""

    def __init__(
        self,
        window: QMainWindow,
        session: Session,
        *,
        select_incident: Callable[[str], object],
        check_ms: int = CHECK_MS,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._select_incident = select_incident
        self.desk: CaseDesk | None = None
        self.tabs: QTabWidget | None = None
        self._task: Task[tuple[ListedCases, bool]] | None = None
        self._select: str | None = None
        self._seen_overdue: set[str] = set()
        self._first_reading = True
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.load)
        session.unlocked.connect(self._unlocked)
        session.locked.connect(self._locked)
        if session.is_unlocked:
            # The window was built after the store opened (it is built while the user types
            # the passphrase, but a quick unlock can come first): the signal has gone by.
            QTimer.singleShot(0, self, self._unlocked)

    # -- the tab ---------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether this window shows the lead's cases."""
        return self.desk is not None

    def _unlocked(self) -> None:
        if not self._session.is_unlocked or self._session.store.producer.role is not Role.LEAD:
            return
        if self.desk is None:
            self._install()
        self.load()
        self.timer.start()

    def _install(self) -> None:
        window = self._window
        evidence = window.takeCentralWidget()
        assert evidence is not None
        desk = CaseDesk(self._session)
        tabs = QTabWidget()
        tabs.setDocumentMode(True)
        tabs.setAccessibleName("Cases and evidence")
        tabs.addTab(desk, "Cases")
        tabs.addTab(evidence, "Incidents and evidence")
        window.setCentralWidget(tabs)
        desk.view.step_recorded.connect(self._step_recorded)
        desk.view.evidence_requested.connect(self.show_evidence)
        self.desk = desk
        self.tabs = tabs

    def show_evidence(self, incident_id: str) -> None:
        """Show the incident's exhibits and custody log (the incidents tab)."""
        if self.tabs is not None:
            self.tabs.setCurrentIndex(1)
        self._select_incident(incident_id)

    def show_cases(self, case_id: str | None = None) -> None:
        """Show the Cases tab, choosing ``case_id`` once the list has it."""
        if self.tabs is None:
            return
        self.tabs.setCurrentIndex(0)
        if case_id is not None and (self.desk is None or not self.desk.list.select_case(case_id)):
            self.load(case_id)

    # -- reading ---------------------------------------------------------------------------------

    def load(self, select_id: str | None = None) -> Task[tuple[ListedCases, bool]] | None:
        """Read every case again and prepare the list's texts and orders (off the GUI thread);
        choose ``select_id`` when it comes."""
        if self.desk is None or not self._session.is_unlocked:
            return None
        if select_id is not None:
            self._select = select_id
        if self._task is not None:
            self._task.cancel()
        from harmonize_evidence.services.case_list import case_rows
        from harmonize_evidence.ui.listed_cases import list_cases

        clock = self._session.clock
        shown = self.desk.list.cases.listed.cases

        def read(store: EvidenceStore, _task: object) -> tuple[ListedCases, bool]:
            cases = list_cases(case_rows(store), clock.zone, clock.now())
            return cases, cases.cases != shown  # compared here, not on the GUI thread

        def failed(error: BaseException) -> None:
            self._task = None
            if not isinstance(error, TaskCancelled):
                log.error("could not read the case list", exc_info=error)
                self._window.statusBar().showMessage(
                    "The case list could not be read; it is tried again in a minute.", 10_000
                )

        self._task = self._session.run(read, self._read, failed)
        return self._task

    def _read(self, result: tuple[ListedCases, bool]) -> None:
        self._task = None
        desk = self.desk
        if desk is None:
            return
        cases, changed = result
        select, self._select = self._select, None
        if changed or select is not None:
            desk.list.set_rows(cases, select)
        self._announce([case.row for case in cases.cases if case.row.overdue])

    def _announce(self, overdue: list[CaseRow]) -> None:
        new = [row for row in overdue if row.incident.id not in self._seen_overdue]
        self._seen_overdue.update(row.incident.id for row in overdue)
        if self._first_reading:
            self._first_reading = False
            return
        if not new:
            return
        from harmonize_evidence.domain.wording import next_step_name

        if len(new) == 1:
            row = new[0]
            step = next_step_name(row.due.next_step) if row.due else ""
            text = f"Case {row.incident.id} is now overdue: {step[:1].lower() + step[1:]}."
        else:
            ids = ", ".join(row.incident.id for row in new)
            text = f"{len(new)} cases are now overdue: {ids}."
        log.info("cases now overdue: %s", ", ".join(row.incident.id for row in new))
        self._window.statusBar().showMessage(text, 0)
        self.overdue.emit(text)

    def _step_recorded(self, result: StepRecorded) -> None:
        self._window.statusBar().showMessage(
            f"Recorded as custody entry {result.entry.seq} of {result.case}.", 8000
        )
        self.load(result.case)
        self._session.run(
            lambda store, _task: store.incident(result.case), self.incident_changed.emit
        )

    def _locked(self) -> None:
        self.timer.stop()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.desk is not None:
            self.desk.view.clear()
            self.desk.list.clear()
