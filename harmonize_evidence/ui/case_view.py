"""One case as the safeguarding lead works on it: where it stands, its chronology, and the steps.

The chronology merges the member of staff's evidence (their chain, as received) with the lead's
own entries, in time order (:func:`harmonize_evidence.services.chronology.read_case`, read off the
GUI thread). The action bar has a button per step of the school's process; each opens a short
dialog (:mod:`.step_dialogs`). A step of the lead's chosen in the chronology can be corrected: the
correction is a new entry.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.casework import STEPS, Step
from harmonize_evidence.domain.model import Status
from harmonize_evidence.domain.wording import next_step_name
from harmonize_evidence.ui.case_list import OVERDUE_COLOUR
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.models import plain_tooltip
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.step_dialogs import StepDialog
from harmonize_evidence.ui.tasks import Task, TaskCancelled
from harmonize_evidence.ui.wording import CATEGORY_NAMES, STATUS_NAMES, local_text

if TYPE_CHECKING:
    from harmonize_evidence.services.casework import StepRecorded
    from harmonize_evidence.services.chronology import CaseFile, ChronologyLine

STEP_ROWS: tuple[tuple[Step, ...], ...] = (
    (Step.TRIAGE, Step.TAKEDOWN_REQUESTED, Step.REMOVAL_CHECKED),
    (Step.ISP_CONTACTED, Step.CONSENT, Step.POLICE_REFERRED),
    (Step.SUPPORT_OFFERED, Step.PUPIL_ACTION, Step.STATUS),
    (Step.CLOSE, Step.REOPEN),
)
"""The action bar: the steps in the order the policy takes them, three to a row (the last
place is for correcting a step)."""

BUTTON_TEXT: dict[Step, str] = {
    Step.TRIAGE: "&Triage…",
    Step.TAKEDOWN_REQUESTED: "Takedo&wn asked…",
    Step.REMOVAL_CHECKED: "Removal chec&ked…",
    Step.ISP_CONTACTED: "&ISP contacted…",
    Step.CONSENT: "Co&nsent…",
    Step.POLICE_REFERRED: "Po&lice referral…",
    Step.SUPPORT_OFFERED: "Su&pport offered…",
    Step.PUPIL_ACTION: "Pupil &behaviour…",
    Step.STATUS: "Stat&us…",
    Step.CLOSE: "Close the c&ase…",
    Step.REOPEN: "&Reopen…",
}
"""Short, so that the bar fits beside the list on a small or scaled screen; each button's tooltip
and accessible name give the step's full title."""


class CaseView(QWidget):
    """The chosen case. Emits :attr:`step_recorded` after a step is on its chain."""

    step_recorded = Signal(object)  # the StepRecorded
    evidence_requested = Signal(str)
    """Show the case's exhibits (in the incidents view)."""

    COLUMN_WHEN, COLUMN_WHO, COLUMN_WHAT, COLUMN_DETAILS = range(4)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.case: CaseFile | None = None
        self._case_id: str | None = None
        self._task: Task[CaseFile] | None = None
        self.dialog: StepDialog | None = None

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Case title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Case summary")
        self.next_step = QLabel()
        self.next_step.setTextFormat(Qt.TextFormat.PlainText)
        self.next_step.setWordWrap(True)
        self.next_step.setAccessibleName("Next step")
        self.hint = QLabel()
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("What the policy suggests")
        self.evidence_button = QPushButton("Show the &evidence")
        self.evidence_button.setToolTip("The case's exhibits, their details and the custody log")
        self.evidence_button.clicked.connect(
            lambda: self._case_id and self.evidence_requested.emit(self._case_id)
        )
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.evidence_button, 0, Qt.AlignmentFlag.AlignTop)

        self.chronology = QTableWidget(0, 4)
        self.chronology.setAccessibleName("Chronology")
        self.chronology.setHorizontalHeaderLabels(["When", "Who", "What", "Details"])
        self.chronology.verticalHeader().hide()
        self.chronology.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.chronology.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.chronology.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.chronology.setWordWrap(False)
        self.chronology.setTabKeyNavigation(False)
        self.chronology.setAlternatingRowColors(True)
        header = self.chronology.horizontalHeader()
        metrics = self.fontMetrics()
        char = metrics.averageCharWidth()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, sample in (
            (self.COLUMN_WHEN, "21 Nov 2026, 21:40"),
            (self.COLUMN_WHO, "Łukasz Nowak (LN)"),
            (self.COLUMN_WHAT, "Received from a member of staff"),
        ):
            self.chronology.setColumnWidth(column, metrics.horizontalAdvance(sample) + 3 * char)
        self.chronology.itemSelectionChanged.connect(self._update_buttons)

        self.buttons: dict[Step, QPushButton] = {}
        box = QGroupBox("Record a step")
        grid = QGridLayout(box)
        for row_number, row in enumerate(STEP_ROWS):
            for column, step in enumerate(row):
                button = QPushButton(BUTTON_TEXT[step])
                button.setAccessibleName(STEPS[step].title)
                button.setToolTip(STEPS[step].title)
                button.clicked.connect(functools.partial(self.open_step, step))
                grid.addWidget(button, row_number, column)
                self.buttons[step] = button
        self.correct_button = QPushButton("Correct an entr&y…")
        self.correct_button.setAccessibleName("Correct the step chosen in the chronology")
        self.correct_button.setToolTip(
            "Choose one of your steps in the chronology: its correction is a new entry"
        )
        self.correct_button.clicked.connect(self.correct_chosen)
        grid.addWidget(self.correct_button, len(STEP_ROWS) - 1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.next_step)
        layout.addWidget(self.hint)
        layout.addWidget(self.chronology, 1)
        layout.addWidget(box)
        self._update_buttons()

    # -- showing ---------------------------------------------------------------------------------

    @property
    def case_id(self) -> str | None:
        """The case shown, or being read."""
        return self._case_id

    def show_case(self, case_id: str | None) -> Task[CaseFile] | None:
        """Read the case (off the GUI thread) and show it; None shows nothing."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._case_id = case_id
        if case_id is None:
            self.clear()
            return None
        from harmonize_evidence.services.chronology import read_case

        def failed(error: BaseException) -> None:
            self._task = None
            if not isinstance(error, TaskCancelled):
                show_error(self, error)

        self._task = self._session.run(
            lambda store, _task: read_case(store, case_id), self._read, failed
        )
        return self._task

    def reload(self) -> Task[CaseFile] | None:
        """Read the shown case again."""
        return self.show_case(self._case_id)

    def _read(self, case: CaseFile) -> None:
        self._task = None
        if case.incident.id != self._case_id:
            return
        self.case = case
        zone = self._session.clock.zone
        incident = case.incident
        self.title.setText(f"{incident.id}: {incident.title}")
        parts = [
            STATUS_NAMES[incident.status] + (" \u2014 URGENT" if incident.urgent else ""),
            CATEGORY_NAMES[incident.category],
            f"opened {local_text(incident.created_utc, zone)}",
        ]
        received = [line for line in case.lines if line.staff]
        if received:
            parts.append(f"from {received[0].who}")
        self.summary.setText(" \u00b7 ".join(parts))
        self._show_next(case)
        self._fill_chronology(case.lines)
        self._update_buttons()

    def _show_next(self, case: CaseFile) -> None:
        zone = self._session.clock.zone
        due = case.due
        if due is None:
            text, colour = "This case is closed. Reopen it to record more steps.", ""
        else:
            text = f"Next step: {next_step_name(due.next_step)}"
            if due.due is not None:
                when = local_text(due.due, zone)
                text += f" \u2014 OVERDUE since {when}" if case.overdue else f", due {when}"
            colour = OVERDUE_COLOUR if case.overdue else ""
        self.next_step.setText(text)
        self.next_step.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")
        self.hint.setText("" if due is None else due.hint)
        self.hint.setVisible(due is not None and bool(due.hint))

    def _fill_chronology(self, lines: tuple[ChronologyLine, ...]) -> None:
        zone = self._session.clock.zone
        table = self.chronology
        table.setRowCount(0)
        table.setRowCount(len(lines))
        grey = QBrush(QColor("#5f6368"))
        for row, line in enumerate(lines):
            when = local_text(line.when, zone)
            tip = f"Recorded {local_text(line.recorded, zone)}"
            if line.staff:
                tip += " on the member of staff's computer (their custody log, as received)"
            else:
                tip += f" as entry {line.seq} of this case's custody log"
            if line.corrected_by is not None:
                tip += f"; corrected by entry {line.corrected_by}"
            what = line.what + (" (corrected)" if line.corrected_by is not None else "")
            cells = (when, line.who, what, line.details.replace("\n", " "))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row)
                full = line.details if column == self.COLUMN_DETAILS else text
                item.setToolTip(plain_tooltip(f"{full}\n\n{tip}" if full else tip))
                if line.corrected_by is not None:
                    item.setForeground(grey)
                table.setItem(row, column, item)
        if lines:
            table.scrollToBottom()

    def clear(self) -> None:
        """Show nothing (no case chosen, or the store was locked)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.case = None
        self._case_id = None
        self.title.setText("")
        self.summary.setText("")
        self.next_step.setText("")
        self.next_step.setStyleSheet("")
        self.hint.setText("")
        self.chronology.setRowCount(0)
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
        self._update_buttons()

    def chosen_line(self) -> ChronologyLine | None:
        """The chronology line chosen, if any."""
        if self.case is None:
            return None
        rows = self.chronology.selectionModel().selectedRows()
        if not rows:
            return None
        return self.case.lines[rows[0].row()]

    def _update_buttons(self) -> None:
        case = self.case
        closed = case is not None and case.incident.status is Status.CLOSED
        for step, button in self.buttons.items():
            if case is None:
                button.setEnabled(False)
            elif step is Step.REOPEN:
                button.setEnabled(closed)
            else:
                button.setEnabled(not closed)
                title = STEPS[step].title
                button.setToolTip(f"{title} (reopen the case first)" if closed else title)
        line = self.chosen_line()
        self.correct_button.setEnabled(
            line is not None and line.step is not None and line.corrected_by is None
        )
        self.evidence_button.setEnabled(case is not None)

    # -- steps -----------------------------------------------------------------------------------

    def open_step(self, step: Step) -> StepDialog | None:
        """Open the dialog of ``step`` for the shown case."""
        if self._case_id is None:
            return None
        return self._open(StepDialog(self._session, self._case_id, step, self))

    def correct_chosen(self) -> StepDialog | None:
        """Open the dialog that corrects the step chosen in the chronology, filled with it."""
        line = self.chosen_line()
        if self._case_id is None or line is None or line.step is None:
            return None
        dialog = StepDialog(
            self._session,
            self._case_id,
            line.step,
            self,
            corrects=line.seq,
            values=line.fields,
        )
        return self._open(dialog)

    def _open(self, dialog: StepDialog) -> StepDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recorded.connect(self._recorded)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: StepDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _recorded(self, result: StepRecorded) -> None:
        self.reload()
        self.step_recorded.emit(result)
