"""The suite's warm command line (tests/warm_cli.py) behaves as a fresh start of the program.

The command-line tests run their commands in forks of a process that has imported the program;
these compare the two ways of starting on what the tests look at: exit codes, standard output
and error, the environment (the passphrase variable, the time zone), arguments that are not
UTF-8, and a command that outlives its time limit.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from harmonize_evidence.services.clock import SystemClock
from harmonize_evidence.services.store import StoreLocation, open_store
from tests.conftest import PASSPHRASE, Cli

CASES = (
    ("--version",),
    ("incident", "list"),
    ("--json", "log", "INC-2026-0001"),
    ("--json", "incident", "new"),  # no title: exit 2 from the parser
    ("--json", "incident", "new", "--title", os.fsdecode(b"caf\xe9 in Latin-1")),
)


@pytest.fixture
def both(initialised_cli: Cli) -> tuple[Cli, Cli]:
    warm = initialised_cli
    assert warm.warm
    fresh = Cli(warm.store_dir, warm.env)
    assert fresh("--json", "incident", "new", "--title", "Comments on a photo").code == 0
    return warm, fresh


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args)[:40])
def test_a_warm_command_answers_as_a_fresh_start_does(both: tuple[Cli, Cli], args: tuple) -> None:
    warm, fresh = both
    assert warm(*args) == fresh(*args)


def test_a_wrong_passphrase_in_the_environment_is_refused_warm_as_fresh(
    both: tuple[Cli, Cli],
) -> None:
    warm, fresh = both
    refused = warm("--json", "verify", passphrase="not the passphrase")
    assert refused.code == 3
    assert refused == fresh("--json", "verify", passphrase="not the passphrase")


def test_the_time_zone_of_each_command_is_its_own(both: tuple[Cli, Cli]) -> None:
    warm, fresh = both
    for zone in ("Asia/Tokyo", "America/New_York"):
        shown = warm("incident", "show", "INC-2026-0001", env={"TZ": zone})
        assert shown.code == 0, shown.stderr
        assert shown == fresh("incident", "show", "INC-2026-0001", env={"TZ": zone})


def test_a_command_past_its_time_limit_is_killed(both: tuple[Cli, Cli]) -> None:
    warm, _ = both
    location = StoreLocation(warm.store_dir)
    with (
        open_store(location, lambda: PASSPHRASE, SystemClock()) as store,
        store.atomic(),  # the store is being written here: the command waits 5 s for it
        pytest.raises(subprocess.TimeoutExpired),
    ):
        warm("--json", "note", "INC-2026-0001", "Called the parent.", timeout=1)
    assert warm("--json", "verify").code == 0  # the next command is served
