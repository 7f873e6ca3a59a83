"""Journeys: one person's whole path through the real program.

Each test here crosses every layer it names with the real part: real command-line processes, a
real Xvfb screen, a real SQLCipher store, the real report builder and the real verifiers
(``verify-bundle``, pyHanko, ``pdfsig``, ``sha256sum``, ``openssl``). Nothing they cross is faked.
"""

# The desktop journeys drive the real application with the GUI tests' fixtures.
from tests.ui.conftest import (  # noqa: F401
    _template_store,
    desktop_factory,
    painted,
    private_user_folders,
    qapp,
    seeded,
)
