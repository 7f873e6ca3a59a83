"""The main window's actions, and the toolbar and menus that offer them.

Each action has its shortcut in its tooltip; capturing the screen (Ctrl+Shift+S) works from any
window of the program, and from any other program where the desktop lets the program take the key
(:mod:`~harmonize_evidence.ui.capture_key`). The Help menu's two messages are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSizePolicy, QWidget

from harmonize_evidence import __version__
from harmonize_evidence.services.capture_key import CAPTURE_KEYS
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.logfile import log_file_path
from harmonize_evidence.ui.errors import message_box
from harmonize_evidence.ui.icons import drawn_icon
from harmonize_evidence.ui.locking import IDLE_CHOICES


@dataclass(frozen=True)
class MainCommands:
    """What the main window's actions do (its own methods and signals)."""

    new_incident: Callable[[], object]
    add_files: Callable[[], object]
    write_account: Callable[[], object]
    verify: Callable[[], object]
    """Verify the chosen incident."""
    verify_all: Callable[[], object]
    capture: Callable[[], object]
    export: Callable[[], object]
    """Export the chosen incident."""
    check_bundle: Callable[[], object]
    save_key_sheet: Callable[[], object]
    """Save the one-page "our evidence key" sheet, to give to recipients."""
    lock: Callable[[], object]
    quit: Callable[[], object]
    find: Callable[[], object]
    """Go to the search box."""
    choose_idle_minutes: Callable[[int], object]
    """Lock automatically after this many minutes without use."""
    show_log_location: Callable[[], object]
    about: Callable[[], object]


class MainActions:
    """The main window's actions, its toolbar and its menus (File, Check, Security, Help)."""

    def __init__(self, window: QMainWindow, commands: MainCommands, idle_minutes: int) -> None:
        def action(
            text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
            slot: object,
            tip: str,
        ) -> QAction:
            item = QAction(text, window)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            item.setToolTip(tip + (f" ({item.shortcut().toString()})" if shortcut else ""))
            item.setStatusTip(tip)
            item.triggered.connect(slot)
            return item

        self.new_incident = action(
            "&New incident…",
            QKeySequence.StandardKey.New,
            commands.new_incident,
            "Open a new incident",
        )
        self.add_files = action(
            "&Add files…",
            QKeySequence.StandardKey.Open,
            commands.add_files,
            "Add phone screenshots, emails, recordings or documents to the incident",
        )
        self.account = action(
            "&Written account…",
            "Ctrl+Shift+W",
            commands.write_account,
            "Write an account of what happened",
        )
        self.verify = action(
            "&Verify incident",
            "Ctrl+Shift+V",
            commands.verify,
            "Re-check every hash, signature and stored file of the incident",
        )
        self.verify_all = action(
            "Verify &everything", None, commands.verify_all, "Re-check every incident in the store"
        )
        self.capture = action(
            "&Capture the screen…",
            CAPTURE_KEYS,
            commands.capture,
            "Capture the screen into an incident",
        )
        self.capture.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.export = action(
            "&Export incident…",
            "Ctrl+E",
            commands.export,
            "Write a signed bundle of the incident for a senior manager or the police",
        )
        self.check_bundle = action(
            "Check a &bundle…", None, commands.check_bundle, "Check a bundle that was exported"
        )
        self.lock = action("&Lock", "Ctrl+L", commands.lock, "Lock the evidence store now")
        self.quit = action("&Quit", QKeySequence.StandardKey.Quit, commands.quit, "Quit")
        self.find = action(
            "&Find", QKeySequence.StandardKey.Find, commands.find, "Search the incidents"
        )
        window.addAction(self.find)

        toolbar = window.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for item, name in (
            (self.new_incident, "new-incident"),
            (self.add_files, "add-files"),
            (self.account, "account"),
            (self.verify, "verify"),
            (self.capture, "capture"),
            (self.export, "export"),
            (self.lock, "lock"),
        ):
            item.setIcon(drawn_icon(name))
        self.toolbar = toolbar
        for item in (
            self.capture,
            self.new_incident,
            self.add_files,
            self.account,
            self.export,
            self.verify,
        ):
            toolbar.addAction(item)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.lock)

        menus = window.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.capture)
        file_menu.addAction(self.new_incident)
        file_menu.addAction(self.add_files)
        file_menu.addAction(self.account)
        file_menu.addSeparator()
        file_menu.addAction(self.export)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        self.file_menu = file_menu
        check_menu = menus.addMenu("&Check")
        check_menu.addAction(self.verify)
        check_menu.addAction(self.verify_all)
        check_menu.addSeparator()
        check_menu.addAction(self.check_bundle)
        self.check_menu = check_menu
        security = menus.addMenu("&Security")
        security.addAction(self.lock)
        idle_menu = security.addMenu("Lock &automatically after")
        group = QActionGroup(window)
        self.idle: dict[int, QAction] = {}
        for minutes in IDLE_CHOICES:
            item = QAction(f"{minutes} minute{'s' if minutes > 1 else ''} without use", window)
            item.setCheckable(True)
            item.setChecked(minutes == idle_minutes)
            item.triggered.connect(
                lambda _checked=False, m=minutes: commands.choose_idle_minutes(m)
            )
            group.addAction(item)
            idle_menu.addAction(item)
            self.idle[minutes] = item
        help_menu = menus.addMenu("&Help")
        self.key_sheet = help_menu.addAction(
            "Save our evidence &key sheet…", commands.save_key_sheet
        )
        self.key_sheet.setStatusTip(
            "A one-page PDF with your evidence key's fingerprint, safe to give to recipients"
        )
        help_menu.addSeparator()
        help_menu.addAction("&Where is the log?", commands.show_log_location)
        help_menu.addAction("&About Harmonize Evidence", commands.about)
        self._tips = {item: item.toolTip() for item in self.for_an_incident}
        self.set_incident_chosen(False)

    @property
    def for_an_incident(self) -> tuple[QAction, ...]:
        """The actions that work on the incident chosen in the list."""
        return (self.add_files, self.account, self.verify, self.export)

    def set_incident_chosen(self, chosen: bool) -> None:
        """Offer the incident's actions only while one is chosen; without one their tooltips
        say what to do first (instead of a warning after the click)."""
        for item in self.for_an_incident:
            item.setEnabled(chosen)
            tip = self._tips[item]
            item.setToolTip(tip if chosen else f"{tip}: choose an incident first")


def show_log_location(parent: QWidget) -> None:
    """Say where the program's log is, and that it holds no evidence."""
    message_box(
        parent,
        QMessageBox.Icon.Information,
        "Where is the log?",
        f"The program's log is at {log_file_path()}. It holds no evidence, only what the "
        "program did and any errors.",
    )


def show_about(parent: QWidget, store: EvidenceStore) -> None:
    """The program's version, the store, who keeps it and its Evidence CA fingerprint."""
    from harmonize_evidence.domain.handover import short_fingerprint  # not needed at start

    message_box(
        parent,
        QMessageBox.Icon.Information,
        "About Harmonize Evidence",
        f"Harmonize Evidence {__version__}\n\nStore: {store.directory}\n"
        f"Kept by {store.producer.actor}, {store.producer.school}\n"
        f"Evidence CA fingerprint (SHA-256): {store.fingerprint}\n"
        f"Read aloud as: {short_fingerprint(store.fingerprint)} (the safeguarding lead checks it "
        "with you on your first handover)",
    )
