"""Two set-ups of one store folder at once: one wins, the others refuse and touch nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PASSPHRASE, Cli, private_env

STARTS_AT_ONCE = 4
RACE_SECONDS = 4.0  # and at least two rounds of STARTS_AT_ONCE set-ups


def _start_init(store: Path, env: dict[str, str], name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harmonize_evidence",
            "--store",
            str(store),
            "--json",
            "init",
            "--name",
            name,
            "--initials",
            "ZL",
            "--school",
            "Oak Hill",
        ],
        env={**env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_inits_started_at_once_on_one_folder_leave_one_working_store(tmp_path: Path) -> None:
    env = private_env(tmp_path / "home")
    deadline = time.monotonic() + RACE_SECONDS
    rounds = 0
    while rounds < 2 or time.monotonic() < deadline:
        rounds += 1
        store = tmp_path / f"store-{rounds}"
        children = [_start_init(store, env, f"Teacher {n}") for n in range(STARTS_AT_ONCE)]
        finished = [(child.wait(timeout=120), *child.communicate()) for child in children]
        codes = sorted(code for code, _, _ in finished)
        assert codes == [0] + [2] * (STARTS_AT_ONCE - 1), (rounds, finished)
        for code, stdout, _ in finished:
            if code == 2:
                error = json.loads(stdout)["error"]
                assert "already" in error and str(store) in error, error
        cli = Cli(store, env, warm=True)
        verified = cli("--json", "verify")
        assert verified.code == 0, (rounds, verified.stdout, verified.stderr)
        assert verified.json["ok"] is True
        assert sorted(p.name for p in store.iterdir()) == ["evidence.db", "key.json"]


def test_init_after_a_set_up_killed_half_way_still_works(tmp_path: Path) -> None:
    env = private_env(tmp_path / "home")
    store = tmp_path / "store"
    child = _start_init(store, env, "Teacher killed")
    while not store.exists() and child.poll() is None:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    # Killed while the passphrase was being stretched: no database yet, only the set-up's traces.
    assert not (store / "evidence.db").exists()
    again = _start_init(store, env, "Teacher again")
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stdout + stderr
    assert Cli(store, env, warm=True)("--json", "verify").json["ok"] is True
    assert sorted(p.name for p in store.iterdir()) == ["evidence.db", "key.json"]
