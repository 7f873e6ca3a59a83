"""Journeys: one person's whole path through the real program.

Each test here crosses every layer it names with the real part: real command-line processes,
each a fresh interpreter started as a user starts the program (never the other tests' warm
forks, tests/warm_cli.py), a real Xvfb screen, a real SQLCipher store, the real report builder
and the real verifiers (``verify-bundle``, pyHanko, ``pdfsig``, ``sha256sum``, ``openssl``).
Nothing they cross is faked.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harmonize_evidence.capture import Rect
from tests.conftest import Cli, CliResult, start_xvfb, stop_xvfb
from tests.painted import PaintedScreen, paint_known_content

# The desktop journeys drive the real application with the GUI tests' fixtures.
from tests.ui.conftest import (  # noqa: F401
    _template_store,
    desktop_factory,
    painted,
    private_user_folders,
    qapp,
    seeded,
)


@pytest.fixture
def cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """The command line against a fresh store folder, each command a fresh interpreter."""
    return Cli(tmp_path / "cli-store", cli_env)


@pytest.fixture(scope="module")
def screen() -> Iterator[PaintedScreen]:
    """A 1920x1080 screen showing the post (the known pattern, in a titled window), one per
    journey file."""
    display = start_xvfb(((1920, 1080),))
    virtual = Rect(0, 0, 1920, 1080)
    painter = paint_known_content(display, virtual)
    yield PaintedScreen(display, painter, virtual)
    painter.communicate(timeout=10)
    stop_xvfb(display)


def ok(result: CliResult) -> Any:
    """The JSON of a command that must have succeeded (else the test fails with its output)."""
    assert result.code == 0, result.stderr + result.stdout
    return result.json
