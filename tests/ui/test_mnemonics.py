"""No Alt+letter key is claimed twice by what one window shows at once.

Two things with one mnemonic make Alt+letter cycle between them instead of acting, which a
keyboard user reads as a broken key (issue: Alt+N was both "Full name" and "Next", Alt+C both the
Check menu and a tab). Every state of each window that shows different controls is checked.
"""

from __future__ import annotations

from harmonize_evidence.ui.app import DesktopApp
from tests.ui.helpers import main, menu_clashes, mnemonic_clashes
from tests.ui.test_case_work import _lead_template, cases, clock, lead_window  # noqa: F401


def test_the_staff_window_claims_each_alt_key_once_on_every_tab(qtbot, desktop: DesktopApp) -> None:
    window = main(desktop)
    for tab in range(window.incident_view.tabs.count()):
        window.incident_view.tabs.setCurrentIndex(tab)
        assert mnemonic_clashes(window) == {}, window.incident_view.tabs.tabText(tab)
    assert menu_clashes(window) == {}


def test_the_leads_window_claims_each_alt_key_once_on_both_tabs(
    qtbot,
    lead_window,  # noqa: F811
) -> None:
    window = main(lead_window)
    tabs = window.casework.tabs
    for tab in range(tabs.count()):
        tabs.setCurrentIndex(tab)
        assert mnemonic_clashes(window) == {}, tabs.tabText(tab)
    assert menu_clashes(window) == {}  # each menu's items: Receive and Write a receipt


def test_every_page_of_the_setup_wizard_claims_each_alt_key_once(qtbot, tmp_path) -> None:
    from datetime import UTC, datetime

    from harmonize_evidence.domain.clock import FixedClock
    from harmonize_evidence.services.store import StoreLocation
    from harmonize_evidence.ui.setup import SetupWizard

    wizard = SetupWizard(
        StoreLocation(tmp_path / "store"), FixedClock(datetime(2026, 11, 21, tzinfo=UTC))
    )
    qtbot.addWidget(wizard)
    wizard.show()
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        for other in wizard.pageIds():
            wizard.page(other).setVisible(other == page_id)
        assert mnemonic_clashes(wizard) == {}, page.title()
