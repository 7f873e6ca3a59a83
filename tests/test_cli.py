"""The command line as users and scripts meet it: exit codes, sentences, JSON, keychain, crashes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import (
    CLI_PRODUCER,
    PASSPHRASE,
    Cli,
    CliResult,
    SecretService,
    StoreTemplates,
    lock_keychain,
    private_env,
    secret_tool,
)


def _new_incident(cli: Cli, title: str = "Posts about Ms Lane") -> str:
    result = cli("--json", "incident", "new", "--title", title, "--platform", "Instagram")
    assert result.code == 0, result.stderr
    return str(result.json["id"])


def test_init_prints_fingerprint_and_recovery_key_once(cli: Cli) -> None:
    result = cli(
        "--json",
        "init",
        "--name",
        "Zoë Lane",
        "--initials",
        "zl",
        "--school",
        "Oak Hill",
        "--role",
        "lead",
    )
    assert result.code == 0, result.stderr
    document = result.json
    assert document["role"] == "lead"
    assert len(document["fingerprint"].split(":")) == 32
    assert len(document["recovery_key"].replace("-", "")) == 32
    again = cli("--json", "init", "--name", "Z", "--initials", "ZL", "--school", "Oak Hill")
    assert again.code == 2
    assert "already exists" in again.json["error"]


def test_a_full_case_from_the_command_line(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    incident = _new_incident(cli)
    evidence = tmp_path / "post.txt"
    evidence.write_text("You should be sacked, Ms Lane\n", encoding="utf-8")
    added = cli(
        "--json",
        "add",
        incident,
        str(evidence),
        "--url",
        "https://www.instagram.com/p/abc/",
        "--note",
        "<b>seen</b> at <img src=x> 9pm",
        "--posted-at",
        "2026-11-21T20:55+00:00",
    )
    assert added.code == 0, added.stderr
    assert added.json["exhibit"] == "ZL/1"
    assert cli("--json", "note", incident, "Told the head at 9.30pm").json["entry"] == 3
    shown = cli("--json", "incident", "show", incident).json
    assert shown["incident"]["items"] == 1
    (item,) = shown["items"]
    assert item["metadata"]["note"] == "<b>seen</b> at <img src=x> 9pm"
    assert item["metadata"]["platform"] == "Instagram"
    listed = cli("--json", "incident", "list").json["incidents"]
    assert [(i["id"], i["items"]) for i in listed] == [(incident, 1)]
    out = tmp_path / "copy.txt"
    extracted = cli("--json", "extract", incident, "zl/1", "--out", str(out))
    assert extracted.code == 0, extracted.stderr
    assert out.read_bytes() == evidence.read_bytes()
    assert extracted.json["sha256"] == added.json["sha256"]
    again = cli("--json", "extract", incident, "ZL/1", "--out", str(out))
    assert again.code == 2 and "already exists" in again.json["error"]
    entries = cli("--json", "log", incident).json["entries"]
    assert [e["action"] for e in entries] == [
        "incident_created",
        "evidence_imported",
        "note_added",
        "evidence_extracted",
    ]
    assert entries[1]["evidence_sha256"] == added.json["sha256"]
    verified = cli("--json", "verify", incident)
    assert verified.code == 0 and verified.json == {
        **verified.json,
        "ok": True,
        "problems": [],
    }
    text = cli("log", incident)
    assert "File added" in text.stdout and text.code == 0
    # Every time in the JSON is UTC written one way, the custody log's (and the manifest's).
    utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
    times = [shown["incident"]["created_utc"], item["created_utc"], listed[0]["created_utc"]]
    assert all(utc.fullmatch(when) for when in [*times, *(e["utc"] for e in entries)]), times


@pytest.fixture(scope="module")
def shared_cli(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> Cli:
    """One initialised store with one empty incident, shared by the bad-input cases."""
    from harmonize_evidence.services.clock import SystemClock

    base = tmp_path_factory.mktemp("shared")
    cli = Cli(base / "store", private_env(base / "home"), warm=True)
    store_templates.copy(cli.store_dir, CLI_PRODUCER, SystemClock())
    _new_incident(cli)
    return cli


@pytest.mark.parametrize(
    ("args", "code", "phrase"),
    [
        (("add", "INC-2026-0001", "{empty}"), 2, "empty"),
        (("add", "INC-2026-0001", "{truncated}"), 2, "damaged or incomplete"),
        (("add", "INC-2026-0001", "{huge}"), 2, "the limit is 512 MiB"),
        (("add", "INC-2026-0001", "{missing}"), 2, "There is no file"),
        (("add", "INC-2026-0001", "{ok}", "--url", "javascript:alert(1)"), 2, "http"),
        (("add", "INC-2026-0001", "{ok}", "--url", "https://x.com/" + "a" * 100_000), 2, "limit"),
        (("add", "INC-2026-0001", "{ok}", "--note", "bell\x07"), 2, "control"),
        (("add", "INC-2026-0001", "{ok}", "--posted-at", "yesterday"), 2, "no time of day"),
        (("add", "INC-2026-0099", "{ok}"), 2, "no incident INC-2026-0099"),
        (("add", "not-an-id", "{ok}"), 2, "not an incident id"),
        (("incident", "new", "--title", "a\x1b[31mred"), 2, "control"),
        (("incident", "new", "--title", "x", "--category", "nonsense"), 2, "invalid choice"),
        (("extract", "INC-2026-0001", "ZL/7", "--out", "{out}"), 2, "no exhibit ZL/7"),
        (("frobnicate",), 2, "invalid choice"),
        (("verify-bundle", "{folder}"), 2, "is a folder; give the bundle's .zip file inside it"),
        (("verify-bundle", "{missing}"), 2, "There is no file"),
    ],
)
def test_bad_input_gets_its_exit_code_and_one_clear_sentence(
    shared_cli: Cli, tmp_path: Path, args: tuple[str, ...], code: int, phrase: str
) -> None:
    from PIL import Image

    ok = tmp_path / "ok.png"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(ok)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(ok.read_bytes()[:-30])
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:  # sparse: 513 MiB on paper, no real disk used
        handle.truncate(513 * 1024 * 1024)
    names = {
        "ok": ok,
        "truncated": truncated,
        "empty": empty,
        "huge": huge,
        "missing": tmp_path / "nope.png",
        "out": tmp_path / "out.bin",
        "folder": tmp_path,
    }
    filled = [a.format(**{k: str(v) for k, v in names.items()}) if "{" in a else a for a in args]
    result = shared_cli(*filled)
    assert result.code == code, (result.stdout, result.stderr)
    assert phrase in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("\n") == 1  # one sentence on one line
    as_json = shared_cli("--json", *filled)
    assert as_json.code == code
    assert as_json.json["code"] == code and phrase in as_json.json["error"]
    shown = shared_cli("--json", "incident", "show", "INC-2026-0001").json
    assert shown["items"] == []


def test_wrong_passphrase_exits_3_and_the_right_one_still_opens(initialised_cli: Cli) -> None:
    wrong = initialised_cli("--json", "incident", "list", passphrase="not my passphrase")
    assert wrong.code == 3
    assert "passphrase is not right" in wrong.json["error"]
    assert "hmac" not in (wrong.stdout + wrong.stderr).lower()
    assert initialised_cli("incident", "list").code == 0


def test_no_passphrase_and_no_terminal_means_locked(initialised_cli: Cli) -> None:
    result = initialised_cli("incident", "list", passphrase=None)
    assert result.code == 3
    assert "locked" in result.stderr


def test_missing_store_exits_4(cli: Cli) -> None:
    result = cli("incident", "list")
    assert result.code == 4
    assert "There is no evidence store" in result.stderr


def test_a_store_without_its_key_file_says_so_not_that_there_is_no_store(
    initialised_cli: Cli,
) -> None:
    # It said "There is no evidence store ... set one up first", and init then said one exists:
    # a teacher told there is no store might delete the folder, and the evidence with it.
    cli = initialised_cli
    key_file = cli.store_dir / "key.json"
    key_file.rename(cli.store_dir.parent / "key-elsewhere.json")
    for command in (("incident", "list"), ("verify",), ("log", "INC-2026-0001")):
        result = cli(*command)
        assert result.code == 4, (command, result.stderr)
        assert result.stderr == (
            f"harmonize-evidence: The store folder {cli.store_dir} holds an evidence database "
            "but not its key file (key.json); restore key.json from a backup of the store "
            "folder.\n"
        )
    assert cli("init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak").code == 2
    (cli.store_dir.parent / "key-elsewhere.json").rename(key_file)  # restored from a backup
    assert cli("incident", "list").code == 0


def test_flipped_byte_on_disk_exits_4_without_a_traceback(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    incident = _new_incident(initialised_cli)
    for index in range(3):
        path = tmp_path / f"f{index}.bin"
        path.write_bytes(os.urandom(200_000))
        assert initialised_cli("add", incident, str(path)).code == 0
    database = initialised_cli.store_dir / "evidence.db"
    data = bytearray(database.read_bytes())
    data[len(data) // 3] ^= 0x40
    database.write_bytes(bytes(data))
    result = initialised_cli("verify")
    assert result.code == 4, result.stdout + result.stderr
    assert "damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_recovery_key_flow_from_the_command_line(initialised_cli: Cli) -> None:
    key = initialised_cli.recovery_key  # type: ignore[attr-defined]
    wrong = initialised_cli(
        "recover",
        "--recovery-key",
        "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
        passphrase="new passphrase please",
    )
    assert wrong.code == 3
    done = initialised_cli("recover", "--recovery-key", key, passphrase="new passphrase please")
    assert done.code == 0, done.stderr
    assert initialised_cli("incident", "list", passphrase="new passphrase please").code == 0
    assert initialised_cli("incident", "list", passphrase=PASSPHRASE).code == 3


def _init_with_keychain(cli: Cli, env: dict[str, str]) -> CliResult:
    return cli(
        "--json",
        "init",
        "--name",
        "Zoë Lane",
        "--initials",
        "ZL",
        "--school",
        "Oak",
        "--keychain",
        env=env,
    )


def test_keychain_unlocks_without_typing(cli: Cli, secret_service: SecretService) -> None:
    env = secret_service.env
    made = _init_with_keychain(cli, env)
    assert made.code == 0, made.stdout + made.stderr
    assert cli("--json", "incident", "new", "--title", "t", passphrase=None, env=env).code == 0
    assert len(cli("--json", "incident", "list", passphrase=None, env=env).json["incidents"]) == 1
    key_file = (cli.store_dir / "key.json").read_text()
    assert json.loads(key_file)["keychain"] is True


def test_keychain_is_keyrings_configured_one_else_the_platforms_own(
    cli: Cli, secret_service: SecretService
) -> None:
    # As on a user's computer: no PYTHON_KEYRING_BACKEND.
    env = {k: v for k, v in secret_service.env.items() if k != "PYTHON_KEYRING_BACKEND"}
    cli.env = env  # the base environment, without the variable
    # An administrator who turned the keychain off for keyring (its "null" backend, in keyring's
    # own configuration file) is obeyed, though a Secret Service answers on the session.
    config = Path(env["XDG_CONFIG_HOME"]) / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    refused = _init_with_keychain(cli, env)
    assert refused.code == 5, refused.stdout + refused.stderr
    assert "without the keychain option" in refused.json["error"]
    assert not cli.store_dir.exists()
    # Without that file the program takes the Secret Service directly, and finds the key there.
    config.unlink()
    made = _init_with_keychain(cli, env)
    assert made.code == 0, made.stdout + made.stderr
    assert cli("--json", "incident", "list", passphrase=None, env=env).code == 0
    store_id = json.loads((cli.store_dir / "key.json").read_text())["store_id"]
    found = secret_tool(env, "lookup", "service", "Harmonize Evidence", "username", store_id)
    assert found.returncode == 0, found.stderr
    assert len(bytes.fromhex(found.stdout.strip())) == 32


def test_keychain_entry_gone_falls_back_to_the_passphrase(
    cli: Cli, secret_service: SecretService
) -> None:
    env = secret_service.env
    made = _init_with_keychain(cli, env)
    assert made.code == 0, made.stderr
    store_id = json.loads((cli.store_dir / "key.json").read_text())["store_id"]
    cleared = secret_tool(env, "clear", "service", "Harmonize Evidence", "username", store_id)
    assert cleared.returncode == 0, cleared.stderr
    assert cli("incident", "list", passphrase=None, env=env).code == 3
    assert cli("incident", "list", env=env).code == 0


def test_locked_keychain_falls_back_to_the_passphrase(
    cli: Cli, secret_service: SecretService
) -> None:
    env = secret_service.env
    assert _init_with_keychain(cli, env).code == 0
    locked = lock_keychain(env)
    assert locked.returncode == 0, locked.stderr
    assert cli("incident", "list", passphrase=None, env=env).code == 3
    assert cli("incident", "list", env=env).code == 0


def test_keychain_missing_falls_back_to_the_passphrase(
    cli: Cli, secret_service: SecretService
) -> None:
    assert _init_with_keychain(cli, secret_service.env).code == 0
    # The same store on a session with no keychain at all (keyring's own "fail" backend).
    assert cli("incident", "list", passphrase=None).code == 3
    assert cli("incident", "list").code == 0


def test_init_with_keychain_but_none_usable_exits_5_and_creates_nothing(cli: Cli) -> None:
    result = cli("init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak", "--keychain")
    assert result.code == 5
    assert "without the keychain option" in result.stderr
    assert not cli.store_dir.exists()


CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from harmonize_evidence.services.clock import SystemClock
    from harmonize_evidence.services.store import StoreLocation, open_store
    store = open_store(StoreLocation(Path(sys.argv[1])), lambda: sys.argv[2], SystemClock())
    incident = store.new_incident("Crash test")
    work = Path(sys.argv[3])
    for n in range(100000):
        path = work / f"f{n}.bin"
        path.write_bytes(os.urandom(50_000 + n))
        exhibit = store.add_file(incident.id, path)
        print(exhibit.ref, exhibit.sha256, flush=True)
    """
)


def test_every_acknowledged_add_survives_a_kill(initialised_cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "files"
    work.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(initialised_cli.store_dir), PASSPHRASE, str(work)],
        stdout=subprocess.PIPE,
        text=True,
        env=initialised_cli.env,
    )
    assert child.stdout is not None
    acknowledged = [child.stdout.readline().split() for _ in range(25)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    shown = initialised_cli("--json", "incident", "show", "INC-2026-0001")
    assert shown.code == 0, shown.stderr
    stored = {item["exhibit"]: item["sha256"] for item in shown.json["items"]}
    for ref, sha256 in acknowledged:
        assert stored.get(ref) == sha256
    verified = initialised_cli("--json", "verify")
    assert verified.code == 0, verified.stdout
    assert verified.json["ok"] is True


def test_human_output_shows_local_times_with_their_zone_and_log_what_a_note_says(
    initialised_cli: Cli,
) -> None:
    incident = initialised_cli("--json", "incident", "new", "--title", "Posts").json["id"]
    account = "He posted at 21:40.\nThree accounts replied."
    assert initialised_cli("note", incident, account).code == 0
    shown = initialised_cli("log", incident, env={"TZ": "Europe/London"})
    assert shown.code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert re.match(r"\s+1  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT|BST) Incident opened", lines[0])
    assert "      He posted at 21:40." in lines and "      Three accounts replied." in lines
    as_json = initialised_cli("--json", "log", incident, env={"TZ": "Europe/London"}).json
    assert as_json["entries"][1]["utc"].endswith("Z")  # JSON keeps UTC
    listed = initialised_cli("incident", "list", env={"TZ": "Europe/London"}).stdout
    assert re.search(rf"{incident} +Open +0 .* \d\d:\d\d (GMT|BST) +Posts", listed), listed
    shown = initialised_cli("incident", "show", incident, env={"TZ": "Europe/London"})
    assert re.search(r"created: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT|BST)", shown.stdout)
    # Words, not the codes that JSON keeps.
    assert "category:    Cyberbullying of a member of staff" in shown.stdout
    assert "status:      Open" in shown.stdout


def test_recover_reads_the_recovery_key_from_standard_input_not_only_the_arguments(
    initialised_cli: Cli,
) -> None:
    key = initialised_cli.recovery_key  # type: ignore[attr-defined]
    env = {**initialised_cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": "new passphrase please"}
    command = [sys.executable, "-m", "harmonize_evidence", "--store"]
    command += [str(initialised_cli.store_dir), "recover"]
    nothing = subprocess.run(
        command, input="", env=env, capture_output=True, text=True, check=False
    )
    assert nothing.returncode == 2
    assert "No recovery key was given" in nothing.stderr
    piped = subprocess.run(
        command, input=key + "\n", env=env, capture_output=True, text=True, check=False
    )
    assert piped.returncode == 0, piped.stderr
    assert key not in " ".join(command)  # never in the command line
    assert initialised_cli("incident", "list", passphrase="new passphrase please").code == 0


def test_every_option_and_argument_has_help_and_the_top_help_names_what_a_user_needs() -> None:
    import argparse

    from harmonize_evidence.cli.parser import build_parser

    parser = build_parser()
    missing = []

    def walk(current: argparse.ArgumentParser, path: list[str]) -> None:
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not action.help:
                missing.append(" ".join([*path, *(action.option_strings or [action.dest])]))

    walk(parser, [])
    assert missing == []
    top = parser.format_help()
    for words in ("desktop program opens", "HARMONIZE_EVIDENCE_PASSPHRASE", "exit codes", "70"):
        assert words in top, words
    bundle_help = subprocess.run(
        [sys.executable, "-m", "harmonize_evidence", "verify-bundle", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--store" not in bundle_help and "--expect-fingerprint" in bundle_help


def test_the_time_on_the_post_is_kept_as_typed_and_as_understood(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    from datetime import datetime, timedelta

    cli = initialised_cli
    incident = _new_incident(cli)
    shot = tmp_path / "what she was sent.txt"
    shot.write_text("The message, as it was sent to her phone.\n", encoding="utf-8")
    london = {"TZ": "Europe/London"}
    done = cli("add", incident, str(shot), "--posted-at", "3h", env=london)
    assert done.code == 0, done.stderr
    assert "Time on the post: 3h, understood as about " in done.stdout
    assert "(3 hours before it was recorded, as the platform counts)." in done.stdout
    kept = cli("--json", "incident", "show", incident).json["items"][0]["metadata"]
    assert kept["posted_at"] == "3h" and kept["posted_at_approximate"] is True
    recorded = datetime.fromisoformat(kept["utc"])
    understood = datetime.fromisoformat(kept["posted_at_understood"])
    assert abs(recorded - understood - timedelta(hours=3)) < timedelta(seconds=1)

    later = cli("add", incident, str(shot), "--posted-at", "31/12/2099 10:00", env=london)
    assert later.code == 2
    assert "after the capture" in later.stderr and later.stderr.count("\n") == 1
