"""Handing evidence to the safeguarding lead from the desktop program: joining the school (at the
end of setup, and later), handing an incident over from the incident view, the lead receiving a
package dropped on the window once they have confirmed the member of staff's fingerprint, and the
lead's receipt recorded back on the staff store.

Real stores for the lead and the member of staff, real age packages and signatures. Only the
system's file and folder pickers are answered by the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QWizard

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Action, Producer, Role, Status
from harmonize_evidence.domain.school_card import SchoolCard
from harmonize_evidence.services.handing_over import hand_over
from harmonize_evidence.services.school import join_school, joined_card, make_school_card
from harmonize_evidence.services.store import StoreLocation, open_store, unlock_key
from harmonize_evidence.ui.app import DesktopApp
from harmonize_evidence.ui.capture_question import DO_NOT_COPY, RecordOnlyDialog, tell_the_lead
from harmonize_evidence.ui.handover_flow import JOIN_FIRST
from harmonize_evidence.ui.main_window import MainWindow
from harmonize_evidence.ui.school_dialogs import ConfirmStaffDialog
from tests.conftest import PASSPHRASE, StoreTemplates
from tests.ui.helpers import main, png_file, type_text, unlock_through_window, wait_for_message

LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
NEW_LEAD = Producer("Tom Reid", "TR", "Oak Hill Academy", Role.LEAD)
STAFF = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
CONTACT = "01234 567890, dsl@oakhill.example"
TITLE = "Messages about Ms Lane on Instagram"


@dataclass(frozen=True)
class School:
    lead: StoreLocation
    staff: StoreLocation
    card: Path
    lead_fingerprint: str
    staff_fingerprint: str
    incident: str
    folder: Path


def _card(location: StoreLocation, clock: FixedClock, path: Path) -> tuple[Path, str]:
    with open_store(location, lambda: PASSPHRASE, clock) as store:
        data, fingerprint = make_school_card(store, CONTACT)
    path.write_bytes(data)
    return path, fingerprint


@pytest.fixture
def school(tmp_path: Path, clock: FixedClock, store_templates: StoreTemplates) -> School:
    """A lead's store with its school card, and a member of staff's with one incident."""
    lead = store_templates.copy(tmp_path / "lead", LEAD, clock).location
    staff = store_templates.copy(tmp_path / "staff", STAFF, clock).location
    card, lead_fingerprint = _card(lead, clock, tmp_path / "school-card.json")
    with open_store(staff, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident(TITLE, platforms=["Instagram"], people="A pupil in 9B")
        store.add_file(
            incident.id,
            png_file(tmp_path / "phone.png", (300, 500)),
            url="https://www.instagram.com/p/1",
        )
        store.add_note(incident.id, "I saw it on my phone at 21:40.")
        staff_fingerprint = store.fingerprint
    return School(lead, staff, card, lead_fingerprint, staff_fingerprint, incident.id, tmp_path)


def _join(school: School, clock: FixedClock) -> None:
    with open_store(school.staff, lambda: PASSPHRASE, clock) as store:
        join_school(store, school.card.read_bytes(), school.lead_fingerprint, "in person")


def _package(school: School, clock: FixedClock) -> Path:
    with open_store(school.staff, lambda: PASSPHRASE, clock) as store:
        return hand_over(store, school.incident, school.folder / "usb" / "").package


def _open(qtbot, desktop_factory, location: StoreLocation) -> DesktopApp:  # type: ignore[no-untyped-def]
    desktop = desktop_factory(location)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = main(desktop)
    qtbot.waitUntil(lambda: window._load_task is None, timeout=10_000)
    return desktop


def _drop(window: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = window.rect().center()
    enter = QDragEnterEvent(
        QPoint(centre),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(centre),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)


def _confirm_dialog(qtbot, window: MainWindow) -> ConfirmStaffDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.handover.confirm_dialog is not None, timeout=15_000)
    dialog = window.handover.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


# -- joining ---------------------------------------------------------------------------------------


def test_a_member_of_staff_joins_their_school_at_the_end_of_setup(
    qtbot, desktop_factory, school: School, tmp_path: Path
) -> None:
    location = StoreLocation(tmp_path / "new-store")
    desktop = desktop_factory(location)
    desktop.start()
    wizard = desktop.wizard
    type_text(wizard.about.name, "Sam Patel")
    qtbot.keyClicks(wizard.about.school, "Oak Hill Academy")
    wizard.button(QWizard.WizardButton.NextButton).click()
    wizard.unlocking.passphrase.setText(PASSPHRASE)
    wizard.unlocking.again.setText(PASSPHRASE)
    wizard.unlocking.type_it.setChecked(True)
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=20_000)
    wizard.recovery.kept.setChecked(True)
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is wizard.join
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled() and finish.text() == "&Skip and open Harmonize Evidence"

    panel = wizard.join.panel
    assert not panel.join_button.isEnabled()
    assert panel.load_card(school.card)
    assert panel.school.text() == "Oak Hill Academy"
    assert panel.lead.text() == "Priya Shah"
    assert panel.contact.text() == CONTACT
    assert not panel.join_button.isEnabled()  # nothing confirmed yet

    # A fingerprint that is not the card's installs nothing.
    panel.typed.setText("0000-1111-2222-3333-4444")
    panel.in_person.setChecked(True)
    panel.join_button.click()
    qtbot.waitUntil(panel.problem.isVisible, timeout=10_000)
    assert panel.problem.text().startswith("The fingerprint you gave is not this school card's")

    panel.typed.setText(short_fingerprint(school.lead_fingerprint).lower())
    panel.join_button.click()
    qtbot.waitUntil(panel.outcome.isVisible, timeout=10_000)
    assert panel.outcome.text() == (
        f"Joined Oak Hill Academy: handovers go to Priya Shah. Contact: {CONTACT}"
    )
    assert finish.text() == "&Open Harmonize Evidence"
    finish.click()
    qtbot.waitUntil(lambda: desktop.main_window is not None and desktop.main_window.isVisible())
    joined = joined_card(desktop.session.store)
    assert joined is not None
    assert (joined.card.lead, joined.fingerprint, joined.confirmed_how) == (
        "Priya Shah",
        school.lead_fingerprint,
        "in person",
    )


def test_a_lead_s_setup_ends_on_the_recovery_key_without_joining(
    qtbot, desktop_factory, tmp_path: Path
) -> None:
    desktop = desktop_factory(StoreLocation(tmp_path / "lead-store"))
    desktop.start()
    wizard = desktop.wizard
    type_text(wizard.about.name, "Priya Shah")
    qtbot.keyClicks(wizard.about.school, "Oak Hill Academy")
    wizard.about.lead.setChecked(True)
    wizard.button(QWizard.WizardButton.NextButton).click()
    wizard.unlocking.passphrase.setText(PASSPHRASE)
    wizard.unlocking.again.setText(PASSPHRASE)
    wizard.unlocking.type_it.setChecked(True)
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=20_000)
    wizard.recovery.kept.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isVisible()


def test_before_joining_hand_over_explains_that_the_school_must_be_joined_first(
    qtbot, desktop_factory, school: School
) -> None:
    desktop = _open(qtbot, desktop_factory, school.staff)
    window = main(desktop)
    view = window.incident_view
    qtbot.waitUntil(lambda: view.incident is not None, timeout=10_000)
    assert view.handover_button.isVisible() and not view.receipt_button.isVisible()
    assert window.handover.join_action.isVisible()
    assert not window.handover.receive_action.isVisible()
    view.handover_button.click()
    box = wait_for_message(qtbot)
    assert box.text() == JOIN_FIRST
    join = next(b for b in box.buttons() if b.text() == "&Join your school…")
    join.click()
    qtbot.waitUntil(lambda: window.handover.join_dialog is not None, timeout=5_000)
    panel = window.handover.join_dialog.panel
    assert not panel.current.isVisible()
    assert panel.load_card(school.card)
    # Compared rather than typed: the card's fingerprint is shown large, and ticked as the same.
    panel.compare_button.click()
    assert panel.card_fingerprint.isVisible() and not panel.typed.isEnabled()
    assert panel.card_fingerprint.short.text() == short_fingerprint(school.lead_fingerprint)
    panel.by_phone.setChecked(True)
    assert not panel.join_button.isEnabled()
    panel.same.setChecked(True)
    panel.join_button.click()
    qtbot.waitUntil(panel.outcome.isVisible, timeout=10_000)
    assert joined_card(desktop.session.store).confirmed_how == "by phone"


def test_a_card_from_a_new_lead_replaces_the_old_one_and_says_so(
    qtbot, desktop_factory, school: School, clock: FixedClock, store_templates: StoreTemplates
) -> None:
    _join(school, clock)
    new_lead = store_templates.copy(school.folder / "new-lead", NEW_LEAD, clock).location
    card, fingerprint = _card(new_lead, clock, school.folder / "new-card.json")
    desktop = _open(qtbot, desktop_factory, school.staff)
    window = main(desktop)
    dialog = window.handover.open_join()
    panel = dialog.panel
    assert "This program has joined Oak Hill Academy: handovers go to Priya Shah." in (
        panel.current.text()
    )
    assert panel.load_card(card)
    assert panel.replacing.isVisible()
    assert panel.replacing.text() == (
        "Joining with this card replaces Oak Hill Academy (lead Priya Shah): later handovers "
        "go to Tom Reid."
    )
    panel.typed.setText(fingerprint)
    panel.in_person.setChecked(True)
    panel.join_button.click()
    qtbot.waitUntil(panel.outcome.isVisible, timeout=10_000)
    assert panel.outcome.text().startswith(
        "Joined Oak Hill Academy: handovers now go to Tom Reid (before: Priya Shah)."
    )
    assert joined_card(desktop.session.store).card.lead == "Tom Reid"


def test_a_file_that_is_not_a_school_card_is_refused_with_a_sentence(
    qtbot, desktop_factory, school: School
) -> None:
    desktop = _open(qtbot, desktop_factory, school.staff)
    dialog = main(desktop).handover.open_join()
    not_a_card = school.folder / "phone.png"
    assert not dialog.panel.load_card(not_a_card)
    assert dialog.panel.problem.isVisible() and dialog.panel.problem.text()
    assert not dialog.panel.confirming.isVisible()


# -- handing over ----------------------------------------------------------------------------------


def test_hand_over_from_the_incident_view_writes_the_package_and_shows_the_handover(
    qtbot, desktop_factory, school: School, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _join(school, clock)
    usb = school.folder / "usb-stick"
    usb.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *_args, **_kw: str(usb))
    )
    desktop = _open(qtbot, desktop_factory, school.staff)
    window = main(desktop)
    view = window.incident_view
    qtbot.waitUntil(lambda: view.incident is not None, timeout=10_000)
    assert not view.handover_state.isVisible()
    view.handover_button.click()
    job = window.handover.handover_job
    assert job is not None
    qtbot.waitUntil(lambda: job.done_box is not None, timeout=20_000)
    package = usb / f"{school.incident}_handover-1.age"
    assert package.is_file()
    assert job.done_box.text().startswith(
        f"{school.incident} is handed over to Priya Shah (Oak Hill Academy) in {package}: "
        "1 exhibit and "
    )
    assert desktop.session.store.incident(school.incident).status is Status.HANDED_OVER
    qtbot.waitUntil(view.handover_state.isVisible, timeout=10_000)
    assert (
        view.handover_state.text()
        == "Handed over to Priya Shah on 21 Nov 2026, 21:40 (handover 1)."
    )
    assert view.incident.status is Status.HANDED_OVER


# -- receiving -------------------------------------------------------------------------------------


def test_the_lead_receives_a_dropped_package_once_the_staff_fingerprint_is_confirmed(
    qtbot, desktop_factory, school: School, clock: FixedClock
) -> None:
    _join(school, clock)
    package = _package(school, clock)
    desktop = _open(qtbot, desktop_factory, school.lead)
    window = main(desktop)
    assert window.incidents.rowCount() == 0
    assert window.handover.receive_action.isVisible()
    assert not window.handover.join_action.isVisible()
    _drop(window, package)

    dialog = _confirm_dialog(qtbot, window)
    assert desktop.session.store.incidents() == []  # nothing stored before the confirmation
    assert dialog.intro.text().startswith(
        "This handover is from Zoë Lane (ZL), Oak Hill Academy, whose identity"
    )
    assert dialog.fingerprint.short.text() == short_fingerprint(school.staff_fingerprint)
    assert school.staff_fingerprint.split(":")[0] in dialog.fingerprint.full.text()
    big = dialog.fingerprint.short.font().pointSizeF()
    assert big > dialog.font().pointSizeF() * 2
    assert dialog.fingerprint.full.font().pointSizeF() < big
    assert not dialog.warning.isVisible()
    assert not dialog.receive_button.isEnabled()  # how it was checked comes first
    dialog.by_phone.setChecked(True)
    dialog.receive_button.click()

    qtbot.waitUntil(lambda: window.handover.receive_job is not None, timeout=5_000)
    job = window.handover.receive_job
    qtbot.waitUntil(lambda: job.done_box is not None, timeout=20_000)
    assert job.done_box.text().startswith(f"Received {school.incident} from Zoë Lane (ZL) as case ")
    case = job.result.case
    qtbot.waitUntil(lambda: window.incidents.rowCount() == 1, timeout=10_000)
    view = window.incident_view
    qtbot.waitUntil(lambda: view.incident is not None and view.incident.id == case, timeout=10_000)
    qtbot.waitUntil(view.handover_state.isVisible, timeout=10_000)
    assert view.handover_state.text().startswith(
        f"Received from Zoë Lane (ZL) as {school.incident} on "
    )
    assert view.receipt_button.isVisible() and not view.handover_button.isVisible()
    confirmed = desktop.session.store.log(case)[0]
    assert confirmed.action == Action.STAFF_CONFIRMED and confirmed.details["how"] == "by phone"
    # The member of staff's log and written account show here too, before the lead's own: the
    # custody log tab showed the lead's two entries, and "No written accounts yet".
    theirs = desktop.session.store.received_log(case)
    custody = view.custody
    seq_column = custody.COLUMN_SEQ
    numbers = [custody.index(row, seq_column).data() for row in range(custody.rowCount())]
    assert numbers == [f"staff {e.seq}" for e in theirs] + ["1", "2"]
    accounts = [view.accounts.item(row).text() for row in range(view.accounts.count())]
    assert len(accounts) == 1 and "Zoë Lane (ZL) (entry 3 of their log):" in accounts[0]
    assert accounts[0].endswith("I saw it on my phone at 21:40.")


def test_the_lead_s_receipt_dropped_on_the_staff_window_is_recorded(
    qtbot, desktop_factory, school: School, clock: FixedClock
) -> None:
    _join(school, clock)
    package = _package(school, clock)
    desktop = _open(qtbot, desktop_factory, school.lead)
    window = main(desktop)
    window.handover.receive(package, school.staff_fingerprint, "in person")
    job = window.handover.receive_job
    qtbot.waitUntil(lambda: job.done_box is not None, timeout=20_000)
    job.done_box.close()
    receipts = school.folder / "receipts"
    receipts.mkdir()
    task = window.handover.write_receipt(job.result.case, receipts)
    box = wait_for_message(qtbot)
    assert task.done
    receipt = receipts / f"{school.incident}_receipt-1.json"
    assert receipt.is_file()
    assert box.text().startswith(f"The receipt is in {receipt}.")
    desktop.shutdown()

    staff = _open(qtbot, desktop_factory, school.staff)
    staff_window = main(staff)
    view = staff_window.incident_view
    qtbot.waitUntil(view.handover_state.isVisible, timeout=10_000)
    _drop(staff_window, receipt)
    qtbot.waitUntil(lambda: staff_window.handover.receive_job is not None, timeout=5_000)
    staff_job = staff_window.handover.receive_job
    qtbot.waitUntil(lambda: staff_job.done_box is not None, timeout=20_000)
    assert staff_job.done_box.text().startswith(
        f"{school.incident}: the receipt from Priya Shah (Oak Hill Academy) for its latest handover"
    )
    qtbot.waitUntil(lambda: "Received by the lead" in view.handover_state.text(), timeout=10_000)
    assert staff.session.store.incidents()[0].id == school.incident  # not added as evidence
    assert len(staff.session.store.exhibits(school.incident)) == 1


def test_cancelling_the_confirmation_stores_nothing_and_other_needs_words(
    qtbot, desktop_factory, school: School, clock: FixedClock
) -> None:
    _join(school, clock)
    package = _package(school, clock)
    desktop = _open(qtbot, desktop_factory, school.lead)
    window = main(desktop)
    window.handover.receive(package)
    dialog = _confirm_dialog(qtbot, window)
    dialog.other.setChecked(True)
    assert dialog.other_how.isEnabled() and not dialog.receive_button.isEnabled()
    dialog.other_how.setText("video call with the school's camera on")
    assert dialog.receive_button.isEnabled()
    dialog.reject()
    qtbot.waitUntil(lambda: window.handover.confirm_dialog is None, timeout=5_000)
    assert window.handover.receive_job is None
    assert desktop.session.store.incidents() == []
    assert "nothing was stored" in window.statusBar().currentMessage()


# -- the school card -------------------------------------------------------------------------------


def test_the_lead_saves_the_school_card_and_sees_the_fingerprint_to_read_to_staff(
    qtbot, desktop_factory, school: School
) -> None:
    from harmonize_evidence.services.school import read_card

    desktop = _open(qtbot, desktop_factory, school.lead)
    window = main(desktop)
    assert window.handover.share_card_action.isVisible()
    dialog = window.handover.open_share_card()
    assert dialog.contact.toPlainText() == CONTACT  # from the lead's settings
    short = dialog.fingerprint.short
    assert short.text() == short_fingerprint(school.lead_fingerprint)
    assert short.font().pointSizeF() > dialog.font().pointSizeF() * 2
    assert dialog.fingerprint.full.font().pointSizeF() < short.font().pointSizeF()
    dialog.contact.setPlainText("Room 12, or 01234 567899")
    target = school.folder / "for staff" / "oak-hill-card"
    target.parent.mkdir()
    dialog.save(target)
    qtbot.waitUntil(dialog.saved_to.isVisible, timeout=10_000)
    saved = target.with_name("oak-hill-card.json")
    assert dialog.path == saved
    assert str(saved) in dialog.saved_to.text()
    card, fingerprint = read_card(saved.read_bytes())
    assert (card.contact, fingerprint) == ("Room 12, or 01234 567899", school.lead_fingerprint)
    # Saving again never overwrites a card: it says so in the dialog.
    dialog.save(target)
    qtbot.waitUntil(dialog.problem.isVisible, timeout=10_000)
    assert dialog.problem.text() == f"{saved} already exists; choose a new file name."


def _guidance_text(dialog: RecordOnlyDialog) -> str:
    return "\n".join(label.text() for label in dialog.guidance.findChildren(QLabel))


def test_the_record_without_an_image_names_the_lead_to_tell_once_joined(
    qtbot, desktop_factory, school: School, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    desktop = _open(qtbot, desktop_factory, school.staff)
    before = RecordOnlyDialog(desktop.session, [], school.incident, None)
    qtbot.addWidget(before)
    assert "Tell your school's safeguarding lead now" in _guidance_text(before)
    desktop.session.lock()
    _join(school, clock)
    desktop.session.open(unlock_key(school.staff, lambda: PASSPHRASE))
    dialog = RecordOnlyDialog(desktop.session, [], school.incident, None)
    qtbot.addWidget(dialog)
    text = _guidance_text(dialog)
    assert f"Tell {LEAD.name}, the safeguarding lead at {LEAD.school}, now" in text
    assert f"({CONTACT})" in text
    # The rule stands alone in bold; the rest is plain, in numbered steps.
    bold = [label.text() for label in dialog.guidance.findChildren(QLabel) if label.font().bold()]
    assert bold == [DO_NOT_COPY]
    assert [
        label.text()
        for label in dialog.guidance.findChildren(QLabel)
        if label.text() in ("1.", "2.")
    ] == ["1.", "2."]


def test_a_contact_over_several_lines_is_told_on_one() -> None:
    card = SchoolCard(
        "Oak Hill Academy", "Priya Shah", "PS", " 01234 567890 \n\n dsl@x.example\n", "", b"", b""
    )
    assert tell_the_lead(card) == (
        "Tell Priya Shah, the safeguarding lead at Oak Hill Academy, now, in person or by phone "
        "(01234 567890; dsl@x.example)."
    )
