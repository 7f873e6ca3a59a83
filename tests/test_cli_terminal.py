"""The command line at a real terminal (a pseudo-terminal): passphrases asked, asked again, refused.

Nothing is mocked: the program runs in a child process whose standard input and output are a
pty, so ``getpass`` reads from it exactly as it reads from a person's terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import PASSPHRASE, Cli

WRONG = "not the passphrase"


def at_terminal(cli: Cli, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    """The real program on a pty, with no passphrase in its environment unless ``env`` has one."""
    child_env = {
        key: value for key, value in cli.env.items() if not key.startswith("HARMONIZE_EVIDENCE")
    }
    child_env.update(env or {})
    return pexpect.spawn(
        sys.executable,
        ["-m", "harmonize_evidence", "--store", str(cli.store_dir), *args],
        env=child_env,
        encoding="utf-8",
        timeout=60,
    )


def finished(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, child.signalstatus
    return int(child.exitstatus)


def test_a_wrong_passphrase_is_asked_again_and_the_right_one_then_opens(
    initialised_cli: Cli,
) -> None:
    child = at_terminal(initialised_cli, "incident", "list")
    child.expect_exact("Passphrase: ")
    child.sendline(WRONG)
    child.expect_exact("That passphrase is not right; type it again (try 2 of 3).")
    child.expect_exact("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect_exact("No incidents yet")
    assert finished(child) == 0


def test_three_wrong_passphrases_end_with_exit_3(initialised_cli: Cli) -> None:
    child = at_terminal(initialised_cli, "incident", "list")
    for attempt in (1, 2, 3):
        if attempt > 1:
            child.expect_exact(f"type it again (try {attempt} of 3)")
        child.expect_exact("Passphrase: ")
        child.sendline(WRONG)
    child.expect_exact("use the recovery key")
    before_end = child.read() if child.isalive() else ""
    assert "Passphrase:" not in before_end
    assert finished(child) == 3


def test_a_wrong_passphrase_from_the_environment_is_not_asked_again(initialised_cli: Cli) -> None:
    child = at_terminal(
        initialised_cli, "incident", "list", env={"HARMONIZE_EVIDENCE_PASSPHRASE": WRONG}
    )
    index = child.expect_exact(["Passphrase: ", "use the recovery key"])
    assert index == 1, "a passphrase from the environment is refused, not asked for"
    assert finished(child) == 3


def test_init_refuses_a_short_passphrase_before_asking_for_it_again(
    cli: Cli, tmp_path: Path
) -> None:
    child = at_terminal(
        cli, "init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill"
    )
    child.expect_exact("Choose a passphrase (at least 8 characters): ")
    child.sendline("short")
    # Refused at once: the next question is the first one again, not "type it again".
    index = child.expect_exact(["at least 8 characters;", "Type the passphrase again"])
    assert index == 0
    child.expect_exact("Choose another.")
    child.expect_exact("Choose a passphrase (at least 8 characters): ")
    child.sendline("a long enough passphrase")
    child.expect_exact("Type the passphrase again: ")
    child.sendline("a long enough passphrase")
    child.expect_exact("RECOVERY KEY:")
    assert finished(child) == 0
    opened = cli("incident", "list", passphrase="a long enough passphrase")
    assert opened.code == 0, opened.stderr


def test_three_short_passphrases_at_recover_change_nothing(initialised_cli: Cli) -> None:
    key = initialised_cli.recovery_key  # type: ignore[attr-defined]
    child = at_terminal(initialised_cli, "recover")
    child.expect_exact("Recovery key: ")
    child.sendline(key)
    for _ in range(3):
        child.expect_exact("Choose a passphrase (at least 8 characters): ")
        child.sendline("short")
    child.expect_exact("nothing was changed")
    assert finished(child) == 2
    assert initialised_cli("incident", "list").code == 0  # the old passphrase still opens it


def test_recover_at_a_terminal_sets_the_new_passphrase_once_it_is_long_enough(
    initialised_cli: Cli,
) -> None:
    key = initialised_cli.recovery_key  # type: ignore[attr-defined]
    child = at_terminal(initialised_cli, "recover")
    child.expect_exact("Recovery key: ")
    child.sendline(key)
    child.expect_exact("Choose a passphrase (at least 8 characters): ")
    child.sendline("tiny")
    child.expect_exact("Choose another.")
    child.expect_exact("Choose a passphrase (at least 8 characters): ")
    child.sendline("a new passphrase")
    child.expect_exact("Type the passphrase again: ")
    child.sendline("a new passphrase")
    child.expect_exact("A new passphrase is set")
    assert finished(child) == 0
    assert initialised_cli("incident", "list", passphrase="a new passphrase").code == 0


@pytest.mark.parametrize("typed_again", ["a different one", ""])
def test_a_new_passphrase_typed_differently_the_second_time_changes_nothing(
    initialised_cli: Cli, typed_again: str
) -> None:
    key = initialised_cli.recovery_key  # type: ignore[attr-defined]
    child = at_terminal(initialised_cli, "recover")
    child.expect_exact("Recovery key: ")
    child.sendline(key)
    child.expect_exact("Choose a passphrase (at least 8 characters): ")
    child.sendline("a new passphrase")
    child.expect_exact("Type the passphrase again: ")
    child.sendline(typed_again)
    child.expect_exact("The two passphrases were different")
    assert finished(child) == 2
    assert initialised_cli("incident", "list").code == 0
