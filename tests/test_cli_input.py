"""Text that is not UTF-8 on the command line, and output that nobody reads any more.

On POSIX a program receives arguments, environment variables and file names as bytes; Python
hands the bytes that are not UTF-8 over as lone surrogates (U+DC80..U+DCFF). Such a value is not
text: it cannot be stored, signed or printed as it is, so the program refuses it (exit 2, 3 for
the passphrase) with one sentence that names the argument. A file's folders may have any name,
as only the file is opened; the file's own name is recorded with the evidence, so it must be text.

A command whose result cannot be printed because its output was closed is still done: it says so
on stderr and keeps its own exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence import cli as command_line
from harmonize_evidence.domain.errors import BadInput
from tests.conftest import PASSPHRASE, Cli

NOT_UTF8 = os.fsdecode(b"Posts about Ms Lane \xff\xfe")


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _new_incident(cli: Cli) -> str:
    result = cli("--json", "incident", "new", "--title", "Posts about Ms Lane")
    assert result.code == 0, result.stderr
    return str(result.json["id"])


def _run(
    cli: Cli, *args: str, stdout: int, passphrase: str = PASSPHRASE
) -> subprocess.CompletedProcess[str]:
    """The real program with its stdout on ``stdout`` (a file descriptor)."""
    return subprocess.run(
        [sys.executable, "-m", "harmonize_evidence", "--store", str(cli.store_dir), *args],
        env={**cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": passphrase},
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def _with_stdout_closed(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """The real program started with no stdout at all (``>&-`` in a shell)."""
    command = [sys.executable, "-m", "harmonize_evidence", "--store", str(cli.store_dir), *args]
    return subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command],
        env={**cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE},
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


# -- the check of every argument, in-process ----------------------------------------------------


@functools.cache
def _parser() -> argparse.ArgumentParser:
    return command_line.build_parser()


@settings(max_examples=400)
@given(st.one_of(st.text(min_size=1), st.binary(min_size=1).map(os.fsdecode)))
def test_an_argument_is_accepted_exactly_when_it_is_text(value: str) -> None:
    parser = _parser()
    args = parser.parse_args(["incident", "new", f"--title={value}"])
    if _is_text(value):
        command_line.check_arguments(parser, args)
    else:
        with pytest.raises(BadInput) as refused:
            command_line.check_arguments(parser, args)
        assert "--title" in refused.value.message
        assert "not valid text" in refused.value.message
        assert _is_text(refused.value.message)


@pytest.mark.parametrize(
    "arguments",
    [
        ["note", "INC-2026-0001", NOT_UTF8],
        ["incident", "new", "--title", "T", "--platform", "Instagram", "--platform", NOT_UTF8],
        ["add", "INC-2026-0001", "post.png", "--url", "https://example.org/" + NOT_UTF8],
        ["extract", "INC-2026-0001", "E1", "--out", "copy of " + NOT_UTF8],
    ],
)
def test_undecodable_bytes_are_refused_in_any_argument(arguments: list[str]) -> None:
    parser = command_line.build_parser()
    with pytest.raises(BadInput, match="not valid text"):
        command_line.check_arguments(parser, parser.parse_args(arguments))


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--store", "evidence"],
        ["--store=evidence"],
        ["--store", ""],
        ["--store="],
        ["--store=-odd name"],
        ["--store", "-odd name"],
        ["--store", NOT_UTF8],
        ["--stor", "evidence"],
        ["--json"],
        ["--store", "a", "--store", "b"],
        ["--store", "evidence", "incident", "list"],
        ["--version"],
    ],
)
def test_the_desktop_program_starts_on_the_arguments_that_the_parser_reads_as_no_command(
    arguments: list[str],
) -> None:
    # A plain start skips the parser; it must mean what the parser would have made of it.
    plain, store = command_line._plain_start(arguments)
    if not plain:
        return
    parser = _parser()
    args = parser.parse_args(arguments)
    command_line.check_arguments(parser, args)
    assert args.command is None
    assert getattr(args, "store", None) == store


def test_the_usual_starts_of_the_desktop_program_skip_the_parser() -> None:
    assert command_line._plain_start([]) == (True, None)
    assert command_line._plain_start(["--store", "evidence"]) == (True, "evidence")
    assert command_line._plain_start(["--store=evidence"]) == (True, "evidence")


# -- the real program -----------------------------------------------------------------------------


@settings(max_examples=15)
@given(st.binary(min_size=1, max_size=40).filter(lambda raw: b"\0" not in raw))
def test_a_title_of_any_bytes_is_stored_as_typed_or_refused_with_exit_2(
    initialised_cli: Cli, raw: bytes
) -> None:
    # "--title=VALUE": a title that starts with "-" is a value, not an option (argparse's rule).
    result = initialised_cli("--json", "incident", "new", f"--title={os.fsdecode(raw)}")
    assert result.code in (0, 2), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    try:
        typed = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert result.code == 2
        assert "--title" in result.json["error"]
        assert "not valid text" in result.json["error"]
        return
    if result.code == 0:
        assert result.json["incident"]["title"] == typed
    else:
        assert result.json["code"] == 2


@pytest.mark.parametrize(
    "arguments",
    [
        ["incident", "new", "--title", NOT_UTF8],
        ["note", "{incident}", NOT_UTF8],
        ["add", "{incident}", "{file}", "--note", NOT_UTF8],
        ["add", "{incident}", "{file}", "--url", "https://example.org/" + NOT_UTF8],
        ["record", "{incident}", "--url", "https://example.org/p", "--description", NOT_UTF8],
    ],
    ids=["title", "note", "add-note", "add-url", "record-description"],
)
def test_text_that_is_not_utf8_exits_2_with_one_sentence_and_stores_nothing(
    initialised_cli: Cli, tmp_path: Path, arguments: list[str]
) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    evidence = tmp_path / "post.txt"
    evidence.write_text("You should be sacked\n", encoding="utf-8")
    before = cli("--json", "log", incident).json["entries"]
    args = [a.format(incident=incident, file=evidence) for a in arguments]
    result = cli(*args)
    assert result.code == 2, result.stdout + result.stderr
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert "is not valid text (it holds bytes that are not UTF-8)" in message
    assert cli("--json", "log", incident).json["entries"] == before
    assert len(cli("--json", "incident", "list").json["incidents"]) == 1


def test_a_store_folder_name_that_is_not_utf8_is_refused_before_anything_is_made(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / os.fsdecode(b"store-\xff")
    result = Cli(folder, cli.env, warm=True)(
        "--json", "init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill"
    )
    assert result.code == 2, result.stdout + result.stderr
    assert "--store" in result.json["error"]
    assert not os.path.lexists(folder)


def test_a_passphrase_that_is_not_utf8_cannot_unlock_exit_3(initialised_cli: Cli) -> None:
    result = initialised_cli("incident", "list", passphrase=os.fsdecode(b"pass\xffword"))
    assert result.code == 3, result.stdout + result.stderr
    assert "HARMONIZE_EVIDENCE_PASSPHRASE" in result.stderr
    assert "not valid text" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal is POSIX")
def test_a_typed_passphrase_that_is_not_utf8_cannot_unlock_exit_3(initialised_cli: Cli) -> None:
    import pty
    import time

    env = {k: v for k, v in initialised_cli.env.items() if k != "HARMONIZE_EVIDENCE_PASSPHRASE"}
    command = ["-m", "harmonize_evidence", "--store", str(initialised_cli.store_dir), "log", "X"]
    pid, terminal = pty.fork()  # the child's controlling terminal, where getpass asks
    if pid == 0:
        try:
            os.execve(sys.executable, [sys.executable, *command], env)
        finally:
            os._exit(127)
    shown = b""
    deadline = time.monotonic() + 60
    while b"Passphrase:" not in shown and time.monotonic() < deadline:
        shown += os.read(terminal, 1024)
    os.write(terminal, b"correct horse \xff battery staple\n")  # typed on a Latin-1 terminal
    with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
        while chunk := os.read(terminal, 1024):
            shown += chunk
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3, shown
    assert b"The passphrase as typed is not valid text" in shown
    assert b"Traceback" not in shown


def test_a_new_passphrase_that_is_not_utf8_is_refused_and_makes_no_store(cli: Cli) -> None:
    result = cli(
        "init",
        "--name",
        "Zoë Lane",
        "--initials",
        "ZL",
        "--school",
        "Oak Hill",
        passphrase=os.fsdecode(b"correct horse \xff battery"),
    )
    assert result.code == 2, result.stdout + result.stderr
    assert "HARMONIZE_EVIDENCE_PASSPHRASE" in result.stderr
    assert "not valid text" in result.stderr
    assert not cli.store_dir.exists()


def test_a_file_in_a_folder_whose_name_is_not_utf8_is_added(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    folder = tmp_path / os.fsdecode(b"Bilder von caf\xe9")  # a Latin-1 name from an old stick
    folder.mkdir()
    evidence = folder / "post.txt"
    evidence.write_bytes(b"You should be sacked\n")
    result = cli("--json", "add", incident, str(evidence))
    assert result.code == 0, result.stdout + result.stderr
    shown = cli("--json", "incident", "show", incident).json["items"]
    assert [item["metadata"]["source_file_name"] for item in shown] == ["post.txt"]


def test_a_file_whose_own_name_is_not_utf8_is_refused_with_its_name_shown(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    evidence = tmp_path / os.fsdecode(b"caf\xe9 post.txt")
    evidence.write_bytes(b"You should be sacked\n")
    result = cli("--json", "add", incident, str(evidence))
    assert result.code == 2, result.stdout + result.stderr
    error = result.json["error"]
    assert "caf\\xe9 post.txt" in error
    assert "not valid text" in error
    assert cli("--json", "incident", "show", incident).json["items"] == []


def test_a_message_quoting_a_path_that_is_not_utf8_prints_on_a_strict_terminal(
    cli: Cli, tmp_path: Path
) -> None:
    missing = tmp_path / os.fsdecode(b"caf\xe9") / "bundle.zip"
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    as_json = cli("--json", "verify-bundle", str(missing), env=strict)
    assert as_json.code == 2, as_json.stdout + as_json.stderr
    assert "caf\\xe9" in as_json.json["error"]
    as_text = cli("verify-bundle", str(missing), env=strict)
    assert as_text.code == 2, as_text.stdout + as_text.stderr
    assert "caf\\xe9" in as_text.stderr
    assert "Traceback" not in as_text.stderr


# -- output that nobody reads --------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_an_add_whose_result_cannot_be_printed_is_still_done_and_exits_0(
    initialised_cli: Cli, tmp_path: Path, as_json: bool
) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    evidence = tmp_path / "post.txt"
    evidence.write_text("You should be sacked\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -0`: the reader has gone before anything is written
    try:
        result = _run(
            cli, *(["--json"] if as_json else []), "add", incident, str(evidence), stdout=write_end
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "could not be printed" in result.stderr
    items = cli("--json", "incident", "show", incident).json["items"]
    assert [item["metadata"]["source_file_name"] for item in items] == ["post.txt"]


def test_a_command_run_with_stdout_closed_is_done_and_says_so(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    result = _with_stdout_closed(cli, "note", incident, "Seen on the staff room screen at 9:10")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "could not be printed" in result.stderr
    entries = cli("--json", "log", incident).json["entries"]
    assert entries[-1]["details"]["text"] == "Seen on the staff room screen at 9:10"


def test_init_with_stdout_closed_refuses_before_making_a_store(cli: Cli) -> None:
    result = _with_stdout_closed(
        cli, "init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill"
    )
    assert result.returncode == 2, result.stderr
    assert "recovery key" in result.stderr
    assert "Traceback" not in result.stderr
    assert not cli.store_dir.exists()


def test_an_error_that_cannot_be_printed_keeps_its_exit_code(cli: Cli) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = _run(cli, "--json", "incident", "list", stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "There is no evidence store" in result.stderr
