"""The continuity statement says how the store was protected and whether the export is on the log.

The statement is signed by the member of staff in court: it must stay true for every way the
program can be set up (a passphrase only, or also the computer's keychain at start) and for an
export from a store that could only be read.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import open_store
from tests.conftest import PASSPHRASE, MadeStore


def _statement(bundle: Path) -> str:
    with zipfile.ZipFile(bundle) as archive:
        pdf = archive.read("report.pdf")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    start = flat.index("Statement of production and continuity")
    return flat[start : flat.index("This statement is true", start)]


def _export(made: MadeStore, clock: FixedClock, out: Path) -> Path:
    with open_store(made.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Posts about Ms Lane")
        store.add_note(incident.id, "Seen at 21:40.")
        return export_bundle(store, incident.id, out).bundle


def test_a_passphrase_store_says_a_passphrase_protected_it(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    statement = _statement(_export(made_store, clock, tmp_path))
    assert "protected by a passphrase known to me. Every action" in statement
    assert "keychain" not in statement
    assert "not recorded in the custody log" not in statement


def test_a_store_that_opens_with_the_computer_login_says_so(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    key_file = made_store.location.key_file
    document = json.loads(key_file.read_bytes())
    document["keychain"] = True  # as init --keychain writes it
    key_file.write_text(json.dumps(document))
    statement = _statement(_export(made_store, clock, tmp_path))
    assert "protected by a passphrase known to me; it also opened with my login" in statement
    assert "only with the passphrase after the program had locked" in statement
