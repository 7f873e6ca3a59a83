"""The dialog that records one step of the school's process on a case.

Built from the step's field specs (:data:`harmonize_evidence.domain.casework.STEPS`): a choice is a
drop-down list, free text a box of several lines, a one-line field a single line; and, for a step
that happened earlier (a takedown asked by telephone yesterday), an optional "when it happened".
Saving calls :func:`~harmonize_evidence.services.casework.record_step` off the GUI thread; when the
rules refuse the step (a referral without consent, a closed case) the dialog shows the sentence
and stays open, and nothing is recorded. A correction opens the same dialog filled with the
fields of the entry it corrects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.casework import STEPS, FieldKind, FieldSpec, Step
from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.services.chronology import choice_text
from harmonize_evidence.ui.dialogs import ProblemLabel
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task

if TYPE_CHECKING:
    from harmonize_evidence.services.casework import StepRecorded
    from harmonize_evidence.services.evidence import EvidenceStore

_ERROR_COLOUR = "#b3261e"
_CHOOSE = "-- choose --"

_STEP_HELP: dict[Step, str] = {
    Step.TRIAGE: "How serious it is, and who takes it on.",
    Step.TAKEDOWN_REQUESTED: "Asked the website to remove or amend the material.",
    Step.REMOVAL_CHECKED: "Looked again: is the material still there?",
    Step.ISP_CONTACTED: "Asked the internet service provider, after the host did not act.",
    Step.CONSENT: "The member of staff's decision on a report to the police.",
    Step.POLICE_REFERRED: "Reported to the police.",
    Step.SUPPORT_OFFERED: "What support was offered, and by whom.",
    Step.PUPIL_ACTION: "What was done under the behaviour policy.",
    Step.STATUS: "Open, or under review; closing has its own step.",
    Step.CLOSE: "A case is closed with its outcome and the reason for closing it.",
    Step.REOPEN: "Why the case is open again.",
}


class StepDialog(QDialog):
    """One step's fields; Save records it, a refusal is shown in the dialog.

    Emits :attr:`recorded` with the :class:`StepRecorded` once the step is on the case's chain.
    """

    recorded = Signal(object)

    def __init__(
        self,
        session: Session,
        case_id: str,
        step: Step,
        parent: QWidget | None = None,
        *,
        corrects: int | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.case_id = case_id
        self.step = step
        self.corrects = corrects
        self.recorded_step: StepRecorded | None = None
        self._task: Task[StepRecorded] | None = None
        spec = STEPS[step]
        # "Record: Case closed", not "Case closed": nothing is closed until it is saved.
        title = f"Record: {spec.title} \u2014 {case_id}"
        if corrects is not None:
            title = f"Correct entry {corrects}: {spec.title} \u2014 {case_id}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)

        intro = QLabel(
            _STEP_HELP[step]
            if corrects is None
            else f"The correction is a new entry that names entry {corrects}; nothing is "
            "edited. Change what was wrong and save."
        )
        intro.setWordWrap(True)
        self.fields: dict[str, QComboBox | QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        given = values or {}
        for field in spec.fields:
            widget = self._field_widget(field, given.get(field.key))
            self.fields[field.key] = widget
            label = QLabel(field.label + ("" if field.required else " (optional)") + ":")
            label.setBuddy(widget)
            form.addRow(label, widget)

        # When it happened: now, unless the lead says it was earlier.
        self.earlier = QCheckBox("It happened &earlier:")
        self.when = QDateTimeEdit()
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName("When it happened")
        now = session.clock.now().astimezone(session.clock.zone)
        self.when.setDateTime(QDateTime(now.year, now.month, now.day, now.hour, now.minute, 0))
        self.when.setEnabled(False)
        self.earlier.toggled.connect(self.when.setEnabled)
        when_row = QHBoxLayout()
        when_row.addWidget(self.earlier)
        when_row.addWidget(self.when)
        when_row.addStretch(1)

        self.problem = ProblemLabel()  # the dialog grows to show it whole
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet(f"color: {_ERROR_COLOUR}; font-weight: bold;")
        self.problem.setAccessibleName("Why the step was not recorded")
        self.problem.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(
            "&Record the step" if corrects is None else "&Record the correction"
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(when_row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.averageCharWidth() * 70)

    def _field_widget(
        self, field: FieldSpec, value: str | None
    ) -> QComboBox | QLineEdit | QPlainTextEdit:
        if field.kind is FieldKind.CHOICE:
            combo = QComboBox()
            combo.addItem(_CHOOSE, "")
            for choice in field.choices:
                combo.addItem(choice_text(self.step.value, field.key, choice), choice)
            if value is not None:
                combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.setAccessibleName(field.label)
            return combo
        if field.kind is FieldKind.TEXT:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setPlainText(value or "")
            text.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
            text.setAccessibleName(field.label)
            return text
        line = QLineEdit(value or "")
        line.setAccessibleName(field.label)
        return line

    # -- values ----------------------------------------------------------------------------------

    def values(self) -> dict[str, str | None]:
        """The fields as typed or chosen (by key); None for an empty one."""
        values: dict[str, str | None] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                text = str(widget.currentData())
            elif isinstance(widget, QPlainTextEdit):
                text = widget.toPlainText()
            else:
                text = widget.text()
            values[key] = text if text.strip() else None
        return values

    def happened_at(self) -> str | None:
        """When it happened, as local time (``2026-11-20T09:15``), or None for now."""
        if not self.earlier.isChecked():
            return None
        moment = self.when.dateTime()
        date, time = moment.date(), moment.time()
        local = datetime(date.year(), date.month(), date.day(), time.hour(), time.minute())
        return local.strftime("%Y-%m-%dT%H:%M")

    def missing(self) -> str | None:
        """A sentence naming the required fields left empty, or None."""
        values = self.values()
        fields = STEPS[self.step].fields
        empty = [f.label.lower() for f in fields if f.required and not values[f.key]]
        if not empty:
            return None
        names = empty[0] if len(empty) == 1 else ", ".join(empty[:-1]) + " and " + empty[-1]
        return f"Fill in the {names}; nothing was recorded."

    def show_problem(self, text: str) -> None:
        """Say in the dialog why the step was not recorded."""
        self.problem.setText(text)
        self.problem.setAccessibleDescription(text)
        self.problem.show()

    # -- saving ----------------------------------------------------------------------------------

    def save(self) -> None:
        """Record the step (off the GUI thread); the dialog closes once it is on the chain."""
        if self._task is not None:
            return
        missing = self.missing()
        if missing is not None:
            self.show_problem(missing)
            return
        from harmonize_evidence.services.casework import record_step

        fields = self.values()
        at = self.happened_at()
        case_id, step, corrects = self.case_id, self.step, self.corrects

        def work(store: EvidenceStore, _task: Task[StepRecorded]) -> StepRecorded:
            return record_step(store, case_id, step, fields, at=at, corrects=corrects)

        self.save_button.setEnabled(False)
        self.problem.hide()
        self._task = self._session.run(work, self._saved, self._refused)

    def _saved(self, result: StepRecorded) -> None:
        self._task = None
        self.recorded_step = result
        self.recorded.emit(result)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self._task = None
        self.save_button.setEnabled(True)
        if isinstance(error, HarmonizeError):
            self.show_problem(error.message)
        else:
            show_error(self, error)
