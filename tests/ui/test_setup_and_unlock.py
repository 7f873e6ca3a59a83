"""First run, unlocking, recovery, locking (on demand and when idle), and a damaged store."""

from __future__ import annotations

import gc
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QWizard

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import StoreLocked
from harmonize_evidence.domain.model import Producer
from harmonize_evidence.services.job_title import job_title
from harmonize_evidence.services.store import (
    StoreLocation,
    create_store,
    recover_store,
    unlock_key,
)
from harmonize_evidence.ui.heap import (
    collection_paused,
    pause_collection_for_start,
    resume_collection,
)
from harmonize_evidence.ui.passphrase_strength import passphrase_strength
from harmonize_evidence.ui.setup import suggested_initials
from harmonize_evidence.ui.strength_meter import SCORE_COLOURS, SEGMENTS, StrengthMeter
from harmonize_evidence.ui.unlock import RecoveryDialog
from harmonize_evidence.vault import keychain
from tests.conftest import (
    PASSPHRASE,
    TEST_COST,
    MadeStore,
    private_env,
    running_secret_service,
)
from tests.ui.helpers import (
    seed_store,
    type_text,
    unlock_through_window,
    unlock_window_shown,
    wait_for_message,
)

RECOVERY_KEY_RE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")
WRONG_PASSPHRASE = (
    "That passphrase is not right; try again, or use the recovery key if you have forgotten it."
)


@pytest.fixture
def keychain_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, producer: Producer, clock: FixedClock
) -> Iterator[MadeStore]:
    """A store set up to unlock with the computer login, as the setup wizard does by default.

    Its key is kept in a real Secret Service (gnome-keyring in a private D-Bus session) that this
    test process uses: keyring chooses its backend afresh, from this session, at its first use.
    """
    import keyring
    import keyring.backend
    import keyring.core
    from keyring.backends import SecretService

    with running_secret_service(private_env(tmp_path / "keyring-home"), "keyring-password") as env:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", env["DBUS_SESSION_BUS_ADDRESS"])
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
        # keyring keeps the backend it chose at its first use in this process, and the list of
        # backends it found usable then (a Secret Service counts only if a session bus
        # answered): let it look and choose again here. What it held comes back after the test.
        usable = keyring.backend.get_all_keyring
        monkeypatch.setattr(keyring.core, "_keyring_backend", None)
        monkeypatch.delattr(usable, "saved_result", raising=False)
        try:
            assert isinstance(keyring.get_keyring(), SecretService.Keyring)
            location = StoreLocation(tmp_path / "keychain-store")
            store, recovery_key = create_store(
                location,
                producer,
                PASSPHRASE,
                clock,
                keychain_cache=True,
                passphrase_cost=TEST_COST,
            )
            store.close()
            yield MadeStore(location, recovery_key)
        finally:
            # This session's bus is going: no later test may find its Secret Service usable.
            vars(usable).pop("saved_result", None)


def store_id(made: MadeStore) -> str:
    """The store's keychain entry name, as the key file records it."""
    return str(json.loads(made.location.key_file.read_text(encoding="utf-8"))["store_id"])


def test_the_strength_meter_fills_and_colours_as_the_passphrase_grows(qtbot) -> None:  # type: ignore[no-untyped-def]
    meter = StrengthMeter()
    qtbot.addWidget(meter)
    meter.show()
    shown = []
    for typed in ("", "short", "password123", "tulip kettle orbit saxophone"):
        meter.show_for(typed)
        image = meter.segments.grab().toImage()
        middle = image.height() // 2
        filled = [
            image.pixelColor(int(image.width() * (i + 0.5) / SEGMENTS), middle).name()
            for i in range(SEGMENTS)
        ]
        shown.append((meter.segments.score, filled, meter.hint.text()))
    empty = shown[0][1][0]
    assert shown[0] == (0, [empty] * SEGMENTS, "")  # nothing typed: nothing said
    assert shown[1][0] == 0 and shown[1][2].startswith("Too short")
    weak, strong = shown[2], shown[3]
    assert weak[0] == 1 and weak[1][0] == SCORE_COLOURS[1].name() and weak[1][1:] == [empty] * 3
    assert strong[0] >= 3
    assert strong[1][: strong[0]] == [SCORE_COLOURS[strong[0]].name()] * strong[0]
    assert SCORE_COLOURS[1] != SCORE_COLOURS[strong[0]]


def test_passphrase_hint_grows_with_strength() -> None:
    assert passphrase_strength("short").score == 0
    assert passphrase_strength("password123").score == 1
    assert passphrase_strength("tulip kettle orbit saxophone").score >= 3
    assert passphrase_strength("").hint.startswith("Too short")


def test_initials_are_suggested_from_the_name() -> None:
    assert suggested_initials("Zoë Lane") == "ZL"
    assert suggested_initials("Łukasz  Nowak") == "LN"  # transliterated, not dropped
    assert suggested_initials("Siobhán Ní Bhriain") == "SNB"
    assert suggested_initials("Ødegaard Æsir") == "OA"
    assert suggested_initials("") == ""


def test_first_run_shows_the_recovery_key_which_must_be_kept_before_the_main_window(
    qtbot, desktop_factory, tmp_path: Path
) -> None:
    location = StoreLocation(tmp_path / "new-store")
    desktop = desktop_factory(location)
    desktop.start()
    wizard = desktop.wizard
    assert wizard is not None and wizard.isVisible()

    about = wizard.about
    type_text(about.name, "Zoë Lane")
    assert about.initials.text() == "ZL"
    qtbot.keyClicks(about.school, "Oak Hill Academy")
    about.job_title.setText("\u202eHead of Year 9")  # a hidden direction change is refused
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is about and "job title" in about.error.text()
    about.job_title.setText("Head of  Year 9")
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is wizard.unlocking

    page = wizard.unlocking
    qtbot.keyClicks(page.passphrase, "abc")
    assert page.strength.hint.text().startswith("Too short")
    assert page.strength.segments.score == 0
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    page.passphrase.setText(PASSPHRASE)
    page.again.setText(PASSPHRASE + "x")
    page.type_it.setChecked(True)  # no keychain on the test machine
    wizard.button(QWizard.WizardButton.CommitButton).click()
    assert page.error.text() == "The two passphrases are different; type them again."
    assert not location.exists()
    page.again.setText(PASSPHRASE)
    wizard.button(QWizard.WizardButton.CommitButton).click()
    # While the store is made: it says so, and Back and Cancel do nothing (the store is half made).
    assert page.busy_label.isVisible() and "Creating your encrypted store" in page.busy_label.text()
    for button in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
        assert not wizard.button(button).isEnabled()
    wizard.back()
    wizard.reject()
    assert wizard.isVisible() and wizard.currentPage() is page
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=20_000)

    recovery = wizard.recovery
    first, second = recovery.key.text().split("\n")  # four groups a line, never cut in a group
    assert first.count("-") == 4 and first.endswith("-") and second.count("-") == 3
    assert not recovery.key.wordWrap()
    shown_key = first + second
    assert RECOVERY_KEY_RE.match(shown_key)
    assert recovery.key.font().pointSizeF() > wizard.font().pointSizeF() * 2
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    wizard.reject()  # closing the wizard now is refused: the key is shown only once
    assert wizard.isVisible()

    pdf = tmp_path / "recovery.pdf"
    recovery.save_pdf(pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "-".join(shown_key.split("-")[:4]) in text
    assert "-".join(shown_key.split("-")[4:]) in text
    assert "Oak Hill Academy" in text
    assert str(pdf) in recovery.saved_to.text()

    recovery.kept.setChecked(True)
    assert next_button.isEnabled()
    next_button.click()
    assert wizard.currentPage() is wizard.join  # a member of staff may join the school now
    wizard.button(QWizard.WizardButton.FinishButton).click()  # or later
    qtbot.waitUntil(lambda: desktop.main_window is not None and desktop.main_window.isVisible())
    assert desktop.session.store.producer.initials == "ZL"
    assert job_title(desktop.session.store) == "Head of Year 9"  # for the report's statement
    assert desktop.main_window.incidents.rowCount() == 0
    # The key shown is the one that opens the store.
    recover_store(location, shown_key, "a brand new passphrase")


def test_wrong_passphrase_says_so_and_leaves_the_store_untouched(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    key_file = made_store.location.key_file.read_bytes()
    database = made_store.location.database.read_bytes()
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop)
    window = desktop.unlock_window
    qtbot.keyClicks(window.passphrase, "not the passphrase")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.message.isVisible() and window.unlock_button.isEnabled())
    assert window.message.text() == WRONG_PASSPHRASE
    assert desktop.main_window is None
    assert not desktop.session.is_unlocked
    assert made_store.location.key_file.read_bytes() == key_file
    assert made_store.location.database.read_bytes() == database
    unlock_through_window(qtbot, desktop)
    assert desktop.session.is_unlocked


def test_at_start_a_typed_passphrase_is_checked_even_when_the_keychain_holds_the_key(
    keychain_store: MadeStore, qtbot, desktop_factory
) -> None:
    entry = store_id(keychain_store)
    key = keychain.cached_key(entry)
    assert key is not None
    keychain.forget_key(entry)  # the keychain cannot open the store as the program starts...
    desktop = desktop_factory(keychain_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop, timeout=10_000)
    keychain.store_key(entry, key)  # ...and holds the key again by the time a passphrase is typed
    window = desktop.unlock_window
    qtbot.keyClicks(window.passphrase, "not the passphrase")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.message.isVisible() and window.unlock_button.isEnabled())
    assert window.message.text() == WRONG_PASSPHRASE
    assert desktop.main_window is None
    assert not desktop.session.is_unlocked

    # At start, an empty box still means "unlock with my computer login".
    window.passphrase.clear()
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        timeout=10_000,
    )
    assert desktop.session.is_unlocked


def test_a_store_without_the_keychain_is_not_said_to_open_with_the_computer_login(
    qtbot, desktop_factory, made_store: MadeStore, keychain_store: MadeStore
) -> None:
    # It said "If the store was set up to unlock with your computer login, leave the box
    # empty", for a store that was not.
    from harmonize_evidence.ui.unlock import AT_START, NO_KEYCHAIN

    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop)
    window = desktop.unlock_window
    assert window.explanation.text() == NO_KEYCHAIN == "Type your passphrase to open it."
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)  # empty: asked to type it
    qtbot.waitUntil(lambda: window.message.isVisible() and window.unlock_button.isEnabled())
    assert window.message.text() == "Type your passphrase, then choose Unlock."
    unlock_through_window(qtbot, desktop)
    desktop.lock()
    qtbot.waitUntil(window.isVisible)
    assert window.explanation.text() == NO_KEYCHAIN  # after a lock too
    # A store set up with it is still told how, at start.
    other = desktop_factory(keychain_store.location)
    other.show_unlock()  # as when the keychain did not answer at start
    assert other.unlock_window is not None
    assert other.unlock_window.explanation.text() == AT_START


def test_forgotten_passphrase_is_replaced_using_the_recovery_key(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop)
    desktop.unlock_window.forgot_button.click()
    dialog = desktop.unlock_window.recovery
    assert dialog is not None and dialog.isVisible()
    dialog.recovery_key.setText("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    dialog.new_passphrase.setText("tulip kettle orbit saxophone")
    dialog.again.setText("tulip kettle orbit saxophone")
    dialog.submit()
    qtbot.waitUntil(dialog.message.isVisible, timeout=10_000)
    assert dialog.message.text() == (
        "That recovery key does not open this store; check it against the printed copy."
    )
    dialog.recovery_key.setText(made_store.recovery_key.lower())
    dialog.submit()
    qtbot.waitUntil(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        timeout=20_000,
    )
    assert unlock_key(made_store.location, lambda: "tulip kettle orbit saxophone")
    with pytest.raises(StoreLocked):
        unlock_key(made_store.location, lambda: PASSPHRASE)


def test_ctrl_l_locks_and_drops_every_decrypted_picture_and_record(
    qtbot, desktop_factory, made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    seed_store(made_store.location, clock, tmp_path, [("Comments under a photo", 3)])
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = desktop.main_window
    view = window.incident_view
    qtbot.waitUntil(lambda: view.exhibits.rowCount() == 3)
    qtbot.waitUntil(lambda: window.thumbnails.held >= 3, timeout=10_000)
    viewer = view.open_exhibit(view.exhibits.index(0))
    assert viewer is not None
    qtbot.waitUntil(lambda: not viewer.item.pixmap().isNull(), timeout=10_000)

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(desktop.unlock_window.isVisible)
    assert not window.isVisible()
    assert not desktop.session.is_unlocked
    assert window.incidents.rowCount() == 0
    assert window.proxy.rowCount() == 0
    assert view.exhibits.rowCount() == 0
    assert view.custody.rowCount() == 0
    assert view.accounts.count() == 0
    assert view.metadata.rowCount() == 0
    assert window.thumbnails.held == 0
    assert view.viewers == []
    assert desktop.unlock_window.message.text() == "Locked. Type your passphrase to carry on."

    unlock_through_window(qtbot, desktop)
    qtbot.waitUntil(lambda: view.exhibits.rowCount() == 3)
    assert window.current_incident() is not None


def test_the_store_locks_itself_after_the_idle_time(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    desktop = desktop_factory(made_store.location, idle_ms=400)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    qtbot.waitUntil(lambda: not desktop.session.is_unlocked, timeout=5_000)
    assert desktop.unlock_window.isVisible()
    assert desktop.unlock_window.message.text() == "Locked after a spell without use."
    assert desktop.main_window.incidents.rowCount() == 0


def test_the_idle_time_defaults_to_five_minutes_and_is_remembered(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    desktop = desktop_factory(made_store.location)
    assert desktop.idle.idle_ms == 5 * 60_000
    desktop.set_idle_minutes(15)
    assert desktop.idle.idle_ms == 15 * 60_000
    assert desktop.preferences.idle_minutes == 15


def test_a_damaged_database_on_start_gives_a_clear_dialog_not_a_crash(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    database = made_store.location.database
    data = bytearray(database.read_bytes())
    page = 16384
    for offset in range(page + 100, len(data), page):
        data[offset : offset + 64] = bytes(64)
    database.write_bytes(bytes(data))
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop)
    desktop.unlock_window.passphrase.setText(PASSPHRASE)
    desktop.unlock_window.unlock_button.click()
    box = wait_for_message(qtbot, timeout=15_000)
    assert box.text().startswith("The evidence store is damaged and cannot be read;")
    assert desktop.main_window is None
    box.close()
    qtbot.waitUntil(lambda: desktop.exit_code == 4)


def test_a_damaged_key_file_on_start_gives_a_clear_dialog(
    qtbot, desktop_factory, made_store: MadeStore
) -> None:
    made_store.location.key_file.write_text("{ not json", encoding="utf-8")
    desktop = desktop_factory(made_store.location)
    desktop.start()
    box = wait_for_message(qtbot)
    assert box.text() == (
        "The store's key file is damaged (it is not readable JSON); restore key.json from a "
        "backup of the store folder."
    )
    box.close()
    qtbot.waitUntil(lambda: desktop.exit_code == 4)


def test_the_forgot_passphrase_window_shows_the_whole_recovery_key(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = RecoveryDialog(StoreLocation(tmp_path / "store"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.recovery_key
    shown = field.width() - field.textMargins().left() - field.textMargins().right()
    whole_key = field.fontMetrics().horizontalAdvance("ABCD-" * 7 + "ABCD")
    assert shown > whole_key, "the recovery key does not fit its field"
    assert QFontInfo(field.font()).fixedPitch(), "the recovery key is not in a fixed-width font"


@pytest.fixture
def paused_collector() -> Iterator[None]:
    """The garbage collector off, as the command line leaves it before the desktop program
    starts; on again after the test, whatever happened."""
    pause_collection_for_start()
    assert not gc.isenabled()
    try:
        yield
    finally:
        resume_collection()


def test_the_collector_paused_for_the_start_is_on_again_once_the_list_shows(
    keychain_store: MadeStore, qtbot, desktop_factory, paused_collector: None
) -> None:
    desktop = desktop_factory(keychain_store.location)
    desktop.start()
    qtbot.waitUntil(
        lambda: desktop.main_window is not None and desktop.main_window.isVisible(),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: not desktop.main_window.loading, timeout=10_000)
    assert gc.isenabled()
    assert not collection_paused()


def test_the_collector_paused_for_the_start_is_on_again_when_the_unlock_window_asks(
    qtbot, desktop_factory, made_store: MadeStore, paused_collector: None
) -> None:
    desktop = desktop_factory(made_store.location)
    desktop.start()
    unlock_window_shown(qtbot, desktop)
    assert gc.isenabled()
    assert not collection_paused()


def test_the_collector_paused_for_the_start_is_on_again_when_the_setup_wizard_shows(
    qtbot, desktop_factory, tmp_path: Path, paused_collector: None
) -> None:
    desktop = desktop_factory(StoreLocation(tmp_path / "new-store"))
    desktop.start()
    assert desktop.wizard is not None and desktop.wizard.isVisible()
    assert gc.isenabled()


def test_the_collector_paused_for_the_start_is_on_again_when_the_program_cannot_go_on(
    qtbot, desktop_factory, made_store: MadeStore, paused_collector: None
) -> None:
    made_store.location.key_file.write_text("{ not json", encoding="utf-8")
    desktop = desktop_factory(made_store.location)
    desktop.start()
    box = wait_for_message(qtbot)
    assert gc.isenabled()
    box.close()
    qtbot.waitUntil(lambda: desktop.exit_code == 4)
