"""Reading the cached key at start: straight from the Secret Service, as keyring saved it.

On Linux the program reads the key with ``secretstorage`` alone (keyring's import is slow);
saving and removing it still go through keyring. These tests hold the two to each other on a
real Secret Service (gnome-keyring on a private D-Bus session), each side in a process of its
own, as the program runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.vault import keychain
from tests.conftest import SecretService, lock_keychain, secret_tool

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Secret Service is Linux's keychain"
)

KEY = bytes(range(32))

_SAVE = """
import sys
from harmonize_evidence.vault import keychain
keychain.store_key(sys.argv[1], bytes.fromhex(sys.argv[2]))
"""

_READ = """
import json, sys
from harmonize_evidence.vault import keychain
key = keychain.cached_key(sys.argv[1])
print(json.dumps({"key": key.hex() if key else None, "keyring": "keyring" in sys.modules}))
"""


def _run(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _read(env: dict[str, str], store_id: str) -> dict[str, object]:
    done = _run(_READ, env, store_id)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture
def user_env(secret_service: SecretService) -> dict[str, str]:
    """A user's session: a Secret Service, and no keyring backend chosen."""
    return {k: v for k, v in secret_service.env.items() if k != "PYTHON_KEYRING_BACKEND"}


def test_the_key_keyring_saved_is_read_without_keyring(user_env: dict[str, str]) -> None:
    saved = _run(_SAVE, user_env, "store-1", KEY.hex())
    assert saved.returncode == 0, saved.stderr
    assert _read(user_env, "store-1") == {"key": KEY.hex(), "keyring": False}
    assert _read(user_env, "another-store") == {"key": None, "keyring": False}
    # What keyring itself reads is the same entry.
    chosen = {**user_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    assert _read(chosen, "store-1") == {"key": KEY.hex(), "keyring": True}


def test_a_locked_keychain_gives_no_key(user_env: dict[str, str]) -> None:
    assert _run(_SAVE, user_env, "store-1", KEY.hex()).returncode == 0
    locked = lock_keychain(user_env)
    assert locked.returncode == 0, locked.stderr
    assert _read(user_env, "store-1")["key"] is None


def test_an_entry_that_is_not_a_key_gives_no_key(user_env: dict[str, str]) -> None:
    put = secret_tool(
        user_env,
        *("store", "--label=odd", "service", "Harmonize Evidence", "username", "s"),
        text="not hex at all",
    )
    assert put.returncode == 0, put.stderr
    assert _read(user_env, "s")["key"] is None


def test_no_secret_service_on_the_bus_leaves_it_to_keyring(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    """A session bus where no Secret Service answers (a desktop with only its own wallet):
    keyring detects a backend as before; here it finds none, so there is no key."""
    config = tmp_path / "bus.conf"  # a session bus that can start no service at all
    config.write_text(
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
        "<busconfig><type>session</type>"
        f"<listen>unix:dir={tmp_path}</listen><auth>EXTERNAL</auth>"
        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
        '<allow eavesdrop="true"/><allow own="*"/><allow receive_sender="*"/></policy>'
        "</busconfig>\n"
    )
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
        env=user_env,
    )
    try:
        assert bus.stdout is not None
        env = {**user_env, "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip()}
        assert _read(env, "store-1") == {"key": None, "keyring": True}
    finally:
        bus.terminate()
        bus.wait(timeout=10)


def test_no_session_bus_gives_no_key(user_env: dict[str, str]) -> None:
    env = {k: v for k, v in user_env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["XDG_RUNTIME_DIR"] = "/nonexistent"
    assert _read(env, "store-1")["key"] is None


@given(
    config_home=st.none() | st.just("") | st.text(st.characters(codec="utf-8"), min_size=1),
)
def test_keyrings_configuration_file_is_found_where_keyring_looks(
    config_home: str | None,
) -> None:
    from keyring.util import platform_

    saved = os.environ.get("XDG_CONFIG_HOME")
    try:
        if config_home is None:
            os.environ.pop("XDG_CONFIG_HOME", None)
        else:
            os.environ["XDG_CONFIG_HOME"] = config_home.replace("\0", "")
        assert keychain.keyring_config_file() == platform_.config_root() / "keyringrc.cfg"
    finally:
        if saved is None:
            os.environ.pop("XDG_CONFIG_HOME", None)
        else:
            os.environ["XDG_CONFIG_HOME"] = saved


def test_without_secretstorage_keyring_decides(user_env: dict[str, str]) -> None:
    """Where secretstorage is not installed (it is a dependency on Linux only), the key is
    asked of keyring, which detects what this computer has."""
    blocked = (
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'secretstorage':\n"
        "            raise ImportError('no secretstorage here')\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    done = _run(blocked + _READ, user_env, "store-1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"key": None, "keyring": True}
