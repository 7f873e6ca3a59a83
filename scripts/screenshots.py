"""Screenshots of every window and dialog of the desktop program, at 100% and at 200%.

    python scripts/screenshots.py [--out test-artifacts/screens]

For a reviewer to look at each screen as a user meets it (issue 13). Starts its own Xvfb display,
then runs itself twice in a child process, once with ``QT_SCALE_FACTOR=1`` and once with
``QT_SCALE_FACTOR=2``. Each child builds real temporary stores through the services (a lead's
store with its school card; a member of staff's store that has joined the school, with incidents,
pictures, an email, a text file, a PDF and a written account, one incident handed over to the lead)
and drives the real program over them, saving a PNG of each window as ``NAME-100.png`` and
``NAME-200.png``. Only the system's file choosers are answered by the script.

A screen that could not be taken is named at the end and the exit code is 1; the rest are still
saved. Exit 0 when every screen was saved. This is not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "test-artifacts" / "screens"
SCREEN = (3840, 2160)  # room for the largest window at 200%
SCALES = (1, 2)
SETTLE_MS = 200
"""How long to let layouts, thumbnails and reading off the GUI thread settle before a grab."""

CHILD_TIMEOUT_S = 600

SCREENS = (
    "setup-1-about",
    "setup-2-passphrase",
    "setup-3-creating",
    "setup-4-recovery-key",
    "setup-5-join-school",
    "unlock-1-window",
    "unlock-2-forgot-passphrase",
    "main-1-incident",
    "main-2-written-accounts",
    "main-3-custody-log",
    "new-incident",
    "add-files",
    "change-incident",
    "written-account",
    "read-1-email",
    "read-2-text",
    "read-3-pdf",
    "read-4-picture",
    "save-copy-result",
    "capture-1-before-you-capture",
    "capture-2-record-without-image",
    "capture-3-details",
    "export-1-dialog",
    "export-2-result",
    "key-sheet-saved",
    "bundle-check-result",
    "join-school",
    "lead-1-confirm-staff",
    "lead-2-received",
    "lead-3-cases",
    "lead-4-case",
    "lead-5-share-card",
)
"""Every screen taken, in the order taken; each is saved as NAME-100.png and NAME-200.png."""

STAFF_NAME = "Zoë Lane"
LEAD_NAME = "Priya Shah"
SCHOOL = "Oak Hill Academy"
CONTACT = "01234 567890, dsl@oakhill.example"


# -- the parent: a display, and one child per scale ------------------------------------------------


def run_all(out: Path) -> int:
    """Start Xvfb, run one child per scale, and say what was saved and what was not."""
    from tests.conftest import private_env, start_xvfb, stop_xvfb

    out.mkdir(parents=True, exist_ok=True)
    display = start_xvfb(screens=(SCREEN,))
    failed: list[str] = []
    try:
        for scale in SCALES:
            for name in SCREENS:  # an earlier run's file must not pass for this run's
                (out / f"{name}-{scale * 100}.png").unlink(missing_ok=True)
            with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
                env = private_env(Path(folder) / "home")
                env.update(DISPLAY=display.name, QT_QPA_PLATFORM="xcb")
                env["QT_SCALE_FACTOR"] = str(scale)
                report = Path(folder) / "report.json"
                command = [sys.executable, __file__, "--out", str(out)]
                command += ["--child", str(scale), "--report", str(report)]
                try:
                    subprocess.run(command, env=env, check=False, timeout=CHILD_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    print(f"The run at {scale * 100}% was stopped after {CHILD_TIMEOUT_S} s.")
                reasons = json.loads(report.read_text("utf-8")) if report.is_file() else {}
            for name in SCREENS:
                file_name = f"{name}-{scale * 100}.png"
                if not (out / file_name).is_file():
                    failed.append(f"{file_name} ({reasons.get(name, 'not reached')})")
    finally:
        stop_xvfb(display)
    saved = sorted(out.glob("*.png"))
    print(f"\nScreenshots are in {out} ({len(saved)} files).")
    if failed:
        print("Not taken:")
        for name in failed:
            print(f"  {name}")
        return 1
    return 0


# -- the child: the program at one scale -----------------------------------------------------------


class Shots:
    """Saves named grabs at this process's scale and remembers the ones that failed."""

    def __init__(self, out: Path, scale: int) -> None:
        self.out = out
        self.suffix = f"{scale * 100}"
        self.failed: dict[str, str] = {}
        """The screens not taken, each with why."""

    @contextlib.contextmanager
    def step(self, *names: str) -> Iterator[None]:
        """A part of the run that takes ``names``; a failure in it is reported, not raised."""
        self._saved: set[str] = set()
        try:
            yield
        except Exception as exc:  # every failure is reported by name at the end
            traceback.print_exc()
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            for name in names:
                if name not in self._saved:
                    self.failed[name] = reason
        finally:
            close_dialogs()

    def take(self, name: str, widget: Any, settle_ms: int = SETTLE_MS) -> None:
        """Show ``widget``, let it settle, and save its grab as NAME-<scale>.png."""
        widget.show()
        widget.raise_()
        wait(settle_ms)
        path = self.out / f"{name}-{self.suffix}.png"
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        self._saved.add(name)
        print(f"saved {path.name}")


def wait(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = 30) -> None:
    """Run the event loop until ``condition`` holds; TimeoutError naming ``what`` if it does not."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {what}")
        wait(20)


def close_dialogs() -> None:
    """Close every dialog and message box left open, so the next step starts clean."""
    from PySide6.QtWidgets import QApplication, QDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    wait(20)


def answer_file_choosers(save_to: Path, folder: Path) -> None:
    """The system's file choosers, answered: a save goes to ``save_to``'s folder, with the
    name offered; a folder is ``folder``."""
    from PySide6.QtWidgets import QFileDialog

    def save(_parent: object, _caption: str, suggested: str = "", *_a: object, **_k: object):  # type: ignore[no-untyped-def]
        return str(save_to / Path(suggested).name), ""

    QFileDialog.getSaveFileName = staticmethod(save)  # type: ignore[method-assign]
    QFileDialog.getExistingDirectory = staticmethod(lambda *_a, **_k: str(folder))  # type: ignore[method-assign]


# -- the stores ------------------------------------------------------------------------------------


def email_file(folder: Path) -> Path:
    message = EmailMessage()
    message["From"] = "A parent <angry.parent@example.com>"
    message["To"] = f"{STAFF_NAME} <z.lane@oakhill.sch.uk>"
    message["Date"] = "Fri, 20 Nov 2026 21:40:00 +0000"
    message["Subject"] = "About my son and what happened in form time"
    message.set_content(
        "Dear Ms Lane,\n\nEveryone knows what you did, Miss. I have shared the video with the "
        "other parents and I will keep sharing it until you are gone.\n\nA parent\n"
    )
    message.add_attachment(b"GIF89a", maintype="image", subtype="gif", filename="laugh.gif")
    path = folder / "message from a parent.eml"
    path.write_bytes(message.as_bytes())
    return path


def text_file(folder: Path) -> Path:
    path = folder / "notes from the phone.txt"
    path.write_text(
        "21:05 first comment under the class photo\n"
        "21:12 a second account joins in, calls me a name\n"
        "21:40 he wrote “you’re finished” — I stopped reading\n",
        encoding="utf-8",
    )
    return path


def pdf_file(folder: Path) -> Path:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 700, "Screenshot of the group chat, printed by the parent")
    page.drawString(72, 680, "20 Nov 2026, 21:40 — 14 messages about Ms Lane")
    page.showPage()
    page.showPage()  # a scanned page: no text
    page.save()
    path = folder / "group chat printed.pdf"
    path.write_bytes(out.getvalue())
    return path


class Stores:
    """A lead's store with its school card and a few cases, and a member of staff's store that
    has joined the school, with evidence of every kind and an incident handed to the lead."""

    def __init__(self, folder: Path) -> None:
        from harmonize_evidence.domain.clock import FixedClock
        from harmonize_evidence.domain.model import Category, Producer, Role, Status
        from harmonize_evidence.services.handing_over import hand_over
        from harmonize_evidence.services.school import join_school, make_school_card
        from harmonize_evidence.services.store import StoreLocation, create_store
        from tests.conftest import PASSPHRASE, TEST_COST
        from tests.ui.helpers import png_file

        self.folder = folder
        moments = [datetime(2026, 11, day, 20, 0, tzinfo=UTC) for day in (17, 18, 19, 20, 21)]
        self.clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
        files = folder / "files"
        files.mkdir()

        self.lead = StoreLocation(folder / "lead")
        lead, _ = create_store(
            self.lead,
            Producer(LEAD_NAME, "PS", SCHOOL, Role.LEAD),
            PASSPHRASE,
            FixedClock(moments[0]),
            passphrase_cost=TEST_COST,
        )
        with lead:
            lead.new_incident(
                "Year 10 group chat sharing a photo of a pupil",
                category=Category.SAFEGUARDING,
                platforms=["Snapchat"],
                people="Pupil D; Pupil E",
            )
            lead.new_incident(
                "Parent's Facebook post naming a teacher", platforms=["Facebook"], people="a parent"
            )
            data, self.lead_fingerprint = make_school_card(lead, CONTACT)
        self.card = files / "Oak Hill Academy school card.json"
        self.card.write_bytes(data)

        self.staff = StoreLocation(folder / "staff")
        staff, self.recovery_key = create_store(
            self.staff,
            Producer(STAFF_NAME, "ZL", SCHOOL, Role.STAFF),
            PASSPHRASE,
            FixedClock(moments[0]),
            passphrase_cost=TEST_COST,
        )
        with staff:
            join_school(staff, data, self.lead_fingerprint, "in person")
            staff.clock = FixedClock(moments[1])
            closed = staff.new_incident(
                "Group chat about a supply teacher", platforms=["Instagram"], people="Pupil C"
            )
            staff.set_status(closed.id, Status.CLOSED, "resolved with the parents")
            handed = staff.new_incident(
                "Messages about Ms Lane on Instagram",
                platforms=["Instagram"],
                people="A pupil in 9B",
            )
            staff.add_file(
                handed.id,
                png_file(files / "phone.png", (300, 500), (60, 90, 160)),
                url="https://www.instagram.com/p/1",
                came_from="screenshot on my phone, emailed to my school address",
            )
            staff.clock = FixedClock(moments[2])
            fake = staff.new_incident(
                "Fake account in my name", category=Category.OTHER, people="unknown"
            )
            staff.add_note(fake.id, "The account first appeared on Monday; a parent told me.")
            staff.clock = FixedClock(moments[3])
            photo = staff.new_incident(
                "Comments under a class photo posted by the school's TikTok account",
                platforms=["TikTok"],
                people="Pupil A; Pupil B",
            )
            for number in range(3):
                staff.add_file(
                    photo.id,
                    png_file(files / f"comment-{number}.png", colour=(200, 40 * number, 60)),
                    url="https://www.tiktok.com/@someone/video/1",
                    note=f"comment {number + 1} under the photo",
                    posted_at="20/11/2026 19:40",
                )
            for path in (email_file(files), text_file(files), pdf_file(files)):
                staff.add_file(photo.id, path, came_from="forwarded to my school address")
            staff.add_note(
                photo.id,
                "At 21:05 on Thursday I saw the first comment under the class photo. Within an "
                "hour there were fourteen. I recognised two of the accounts as pupils in 9B.",
            )
            staff.clock = FixedClock(moments[4])
            self.package = hand_over(staff, handed.id, folder / "usb").package
        self.photo = photo.id
        self.pictures = [files / "new-1.png", files / "new-2.png"]
        for number, path in enumerate(self.pictures):
            png_file(path, (400, 700), (90, 140 + 40 * number, 90))


# -- the screens -----------------------------------------------------------------------------------


def desktop_for(location: Any, clock: Any, settings: Path) -> Any:
    from harmonize_evidence.ui.app import DesktopApp
    from harmonize_evidence.ui.locking import Preferences

    return DesktopApp(location, clock, Preferences(settings))


def end(desktop: Any) -> None:
    """Shut the program down and close every window it left."""
    from PySide6.QtWidgets import QApplication

    desktop.shutdown()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    wait(50)


def unlock(desktop: Any) -> Any:
    from tests.conftest import PASSPHRASE

    wait_until(
        lambda: desktop.unlock_window is not None and desktop.unlock_window.isVisible(),
        "the unlock window",
    )
    window = desktop.unlock_window
    window.passphrase.setText(PASSPHRASE)
    window.unlock_button.click()
    wait_until(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        "the main window",
    )
    return desktop.main_window


def setup_wizard(shots: Shots, stores: Stores) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QWizard

    from harmonize_evidence.services.store import StoreLocation
    from tests.conftest import PASSPHRASE
    from tests.ui.helpers import type_text

    names = ("setup-1-about", "setup-2-passphrase", "setup-3-creating")
    names += ("setup-4-recovery-key", "setup-5-join-school")
    desktop = desktop_for(
        StoreLocation(stores.folder / "new"), stores.clock, stores.folder / "a.ini"
    )
    try:
        with shots.step(*names):
            desktop.start()
            wizard = desktop.wizard
            wait_until(lambda: wizard is not None and wizard.isVisible(), "the setup wizard")
            type_text(wizard.about.name, STAFF_NAME)
            wizard.about.school.setText(SCHOOL)
            wizard.about.job_title.setText("Head of Year 9")
            shots.take("setup-1-about", wizard)
            wizard.button(QWizard.WizardButton.NextButton).click()
            page = wizard.unlocking
            page.passphrase.setText(PASSPHRASE)
            page.again.setText(PASSPHRASE)
            page.type_it.setChecked(True)
            shots.take("setup-2-passphrase", wizard)
            wizard.button(QWizard.WizardButton.CommitButton).click()
            # The store is being made on a worker thread: lay the page out, but let no queued
            # signal through (the end of the work would move the wizard on before the grab).
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            if not page.working:
                raise RuntimeError("the store was made before the creating state could be seen")
            shots.take("setup-3-creating", wizard, settle_ms=0)
            wait_until(lambda: wizard.currentPage() is wizard.recovery, "the recovery key page")
            shots.take("setup-4-recovery-key", wizard)
            wizard.recovery.kept.setChecked(True)
            wizard.button(QWizard.WizardButton.NextButton).click()
            wizard.join.panel.load_card(stores.card)
            shots.take("setup-5-join-school", wizard)
    finally:
        end(desktop)


def staff_screens(shots: Shots, stores: Stores) -> None:
    """The unlock window, the main window and everything opened from it."""
    desktop = desktop_for(stores.staff, stores.clock, stores.folder / "staff.ini")
    out = stores.folder / "saved"
    out.mkdir()
    answer_file_choosers(out, out)
    try:
        with shots.step("unlock-1-window", "unlock-2-forgot-passphrase"):
            desktop.start()
            wait_until(
                lambda: desktop.unlock_window is not None and desktop.unlock_window.isVisible(),
                "the unlock window",
            )
            shots.take("unlock-1-window", desktop.unlock_window)
            desktop.unlock_window.forgot_button.click()
            shots.take("unlock-2-forgot-passphrase", desktop.unlock_window.recovery)
        with shots.step("main-1-incident"):
            window = unlock(desktop)
            view = window.incident_view
            wait_until(lambda: window.incidents.rowCount() == 4, "the incident list")
            window.select_incident(stores.photo)
            wait_until(
                lambda: view.incident is not None and view.incident.id == stores.photo,
                "the incident with exhibits",
            )
            wait_until(lambda: view.exhibits.rowCount() == 6, "the exhibits")
            view.grid.setCurrentIndex(view.exhibits.index(0))
            shots.take("main-1-incident", window, settle_ms=1500)  # thumbnails: off the GUI thread
        with shots.step("main-2-written-accounts", "main-3-custody-log"):
            view.tabs.setCurrentIndex(1)
            shots.take("main-2-written-accounts", window)
            view.tabs.setCurrentIndex(2)
            shots.take("main-3-custody-log", window)
            view.tabs.setCurrentIndex(0)
        with shots.step("new-incident"):
            shots.take("new-incident", window.new_incident())
        with shots.step("add-files"):
            incident = window.current_incident()
            shots.take("add-files", window.describe_files(incident, stores.pictures))
        with shots.step("change-incident"):
            shots.take("change-incident", window.change_incident())
        with shots.step("written-account"):
            shots.take("written-account", window.write_account())
        reading(shots, window, stores)
        capturing(shots, window)
        exporting(shots, window, stores)
        with shots.step("join-school"):
            dialog = window.handover.open_join()
            dialog.panel.load_card(stores.card)
            shots.take("join-school", dialog)
    finally:
        end(desktop)


def reading(shots: Shots, window: Any, stores: Stores) -> None:
    """The reading windows (email, text, PDF), the picture viewer and Save a copy's result."""
    view = window.incident_view
    for name, row in (("read-1-email", 3), ("read-2-text", 4), ("read-3-pdf", 5)):
        with shots.step(name):
            reader = view.open_exhibit(view.exhibits.index(row))
            wait_until(lambda r=reader: r.reading is not None, f"the {name} reading")
            shots.take(name, reader)
            reader.close()
    with shots.step("read-4-picture"):
        viewer = view.open_exhibit(view.exhibits.index(0))
        wait_until(lambda: not viewer.item.pixmap().isNull(), "the picture")
        shots.take("read-4-picture", viewer)
        viewer.close()
    with shots.step("save-copy-result"):
        view.grid.setCurrentIndex(view.exhibits.index(3))
        job = view.save_copy()
        if job is None:
            raise RuntimeError("Save a copy did not start")
        wait_until(lambda: job.box is not None, "Save a copy's result")
        shots.take("save-copy-result", job.box)


def capturing(shots: Shots, window: Any) -> None:
    """Before you capture, Record without an image, and the details after a real grab of this
    display (a painted pattern, as the capture tests use: the empty display is refused as
    black)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from harmonize_evidence.capture.geometry import Rect
    from tests.ui.helpers import paint

    with shots.step("capture-1-before-you-capture", "capture-2-record-without-image"):
        flow = window.start_capture()
        shots.take("capture-1-before-you-capture", flow.question)
        flow.yes_button.click()
        wait_until(lambda: flow.record_dialog is not None, "Record without an image")
        shots.take("capture-2-record-without-image", flow.record_dialog)
        flow.record_dialog.reject()
        wait(100)
    with shots.step("capture-3-details"):
        painter = paint(os.environ["DISPLAY"], Rect(0, 0, 1200, 800))
        try:
            QGuiApplication.clipboard().setText("https://www.tiktok.com/@someone/video/7")
            flow = window.start_capture()
            flow.no_button.click()
            wait_until(lambda: bool(flow.overlays), "the frozen screen")
            overlay = flow.overlays[0]
            left = Qt.MouseButton.LeftButton
            none = Qt.KeyboardModifier.NoModifier
            QTest.mousePress(overlay, left, none, QPoint(100, 120))
            QTest.mouseMove(overlay, QPoint(300, 300))
            QTest.mouseRelease(overlay, left, none, QPoint(420, 380))
            wait_until(lambda: flow.details_dialog is not None, "the capture's details")
            shots.take("capture-3-details", flow.details_dialog, settle_ms=400)
            flow.details_dialog.reject()
        finally:
            painter.communicate(timeout=10)


def exporting(shots: Shots, window: Any, stores: Stores) -> None:
    """The export dialog and result, the key sheet saved, and a bundle's check."""
    from harmonize_evidence.domain.model import Recipient
    from harmonize_evidence.services.exporting import ExportOptions

    out = stores.folder / "exports"
    out.mkdir()
    window.select_incident(stores.photo)
    wait(100)
    with shots.step("export-1-dialog"):
        shots.take("export-1-dialog", window.export_current())
    bundle = None
    with shots.step("export-2-result"):
        options = ExportOptions(recipient=Recipient.POLICE, recipient_name="PC Jo Hart")
        job = window.start_export(stores.photo, out, options)
        wait_until(lambda: job.done_box is not None, "the export", timeout_s=180)
        bundle = job.result.bundle
        shots.take("export-2-result", job.done_box)
    with shots.step("key-sheet-saved"):
        sheet = window.write_key_sheet(out / "our evidence key.pdf")
        wait_until(lambda: sheet.box is not None, "the key sheet")
        shots.take("key-sheet-saved", sheet.box)
    with shots.step("bundle-check-result"):
        if bundle is None:
            raise RuntimeError("no bundle to check (the export failed)")
        check = window.check_bundle(bundle)
        wait_until(lambda: check.box is not None, "the bundle's check", timeout_s=120)
        shots.take("bundle-check-result", check.box)


def lead_screens(shots: Shots, stores: Stores) -> None:
    """The lead confirms the member of staff and receives the handover; the cases; the card."""
    from harmonize_evidence.domain.model import Role

    desktop = desktop_for(stores.lead, stores.clock, stores.folder / "lead.ini")
    try:
        lead_names = ("lead-1-confirm-staff", "lead-2-received", "lead-3-cases", "lead-4-case")
        with shots.step(*lead_names):
            desktop.start()
            window = unlock(desktop)
            if desktop.session.store.producer.role is not Role.LEAD:
                raise RuntimeError("the lead's store is not a lead's")
            window.handover.receive(stores.package)
            wait_until(lambda: window.handover.confirm_dialog is not None, "the confirmation")
            dialog = window.handover.confirm_dialog
            shots.take("lead-1-confirm-staff", dialog)
            # In the same step: the end of a step closes the dialogs left open.
            dialog.by_phone.setChecked(True)
            dialog.receive_button.click()
            wait_until(lambda: window.handover.receive_job is not None, "the receiving")
            job = window.handover.receive_job
            wait_until(lambda: job.done_box is not None, "the received package")
            shots.take("lead-2-received", job.done_box)
            job.done_box.close()
            wait_until(lambda: window.casework.desk is not None, "the Cases tab")
            desk = window.casework.desk
            window.casework.show_cases()
            wait_until(lambda: desk.list.cases.rowCount() >= 3, "the case list")
            shots.take("lead-3-cases", window)
            desk.list.select_case(job.result.case)
            wait_until(
                lambda: (
                    desk.view.case is not None and desk.view.case.incident.id == job.result.case
                ),
                "the received case",
            )
            shots.take("lead-4-case", window)
        with shots.step("lead-5-share-card"):
            shots.take("lead-5-share-card", window.handover.open_share_card())
    finally:
        end(desktop)


def run_child(out: Path, scale: int, report: Path) -> int:
    """Take every screen at this scale; write the names not taken to ``report``."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["harmonize-evidence-screenshots"])
    shots = Shots(out, scale)
    with tempfile.TemporaryDirectory(prefix="screenshot-stores-") as folder:
        try:
            stores = Stores(Path(folder))
        except Exception:  # said, then every screen is reported as not taken
            traceback.print_exc()
            shots.failed.update(dict.fromkeys(SCREENS, "the stores could not be made"))
        else:
            for part in (setup_wizard, staff_screens, lead_screens):
                try:
                    part(shots, stores)
                except Exception:  # the screens it did not reach are named
                    traceback.print_exc()
    report.write_text(json.dumps(shots.failed), encoding="utf-8")
    app.processEvents()
    return 1 if shots.failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG files")
    parser.add_argument("--child", type=int, choices=SCALES, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out.resolve()
    if args.child is None:
        if shutil.which("Xvfb") is None:
            print("Xvfb is not installed (Debian package xvfb).", file=sys.stderr)
            return 2
        return run_all(out)
    return run_child(out, args.child, args.report)


if __name__ == "__main__":
    sys.exit(main())
