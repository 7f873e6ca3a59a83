"""The encrypted store: round trips, keys, append-only rules, tampering and plaintext."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlcipher3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.domain.clock import FixedClock, parse_utc
from harmonize_evidence.domain.errors import (
    BadInput,
    DiskFull,
    EnvironmentProblem,
    FileRejected,
    HarmonizeError,
    InvalidUrl,
    NotFound,
    StoreDamaged,
    StoreLocked,
    StoreReadOnly,
)
from harmonize_evidence.domain.model import Producer, Role, Status, parse_incident_id
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.store import (
    StoreLocation,
    create_store,
    open_store,
    recover_store,
)
from harmonize_evidence.vault.database import Vault
from harmonize_evidence.vault.keys import KeyFile
from harmonize_evidence.vault.schema import CURRENT_VERSION
from tests.conftest import PASSPHRASE, TEST_COST, MadeStore, StoreTemplates
from tests.faults import fill_disk, read_only_folder, small_tmpfs


def _png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def raw_connection(location: StoreLocation) -> sqlcipher3.Connection:
    """What an attacker holding the key could do: open the database directly, no triggers."""
    key_file = KeyFile.load(location.key_file)
    key = key_file.unwrap_with_passphrase(PASSPHRASE)
    connection = sqlcipher3.connect(str(location.database), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute(f"PRAGMA cipher_page_size = {key_file.cipher_page_size}")
    return connection


def test_evidence_round_trips_byte_identical_after_reopening(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    original = os.urandom(3 * 1024 * 1024 + 17)
    source = tmp_path / "voicemail.bin"
    source.write_bytes(original)
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Voicemail left for Ms Lane")
        exhibit = store.add_file(incident.id, source)
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        assert store.exhibit_bytes(incident.id, exhibit.ref) == original
        assert store.exhibits(incident.id)[0].sha256 == exhibit.sha256
        assert store.verify().ok


def test_large_file_streams_in_chunks_and_round_trips(store: EvidenceStore, tmp_path: Path) -> None:
    big = tmp_path / "video.mp4"
    with big.open("wb") as handle:
        handle.write(b"\x00\x00\x00\x18ftypmp42")
        for _ in range(70):
            handle.write(os.urandom(1024 * 1024))
    incident = store.new_incident("Video")
    exhibit = store.add_file(incident.id, big)
    assert exhibit.media_type == "video/mp4"
    assert store.exhibit_bytes(incident.id, exhibit.ref) == big.read_bytes()


def test_exhibits_are_numbered_per_producer_across_incidents(
    store: EvidenceStore, tmp_path: Path
) -> None:
    png = tmp_path / "shot.png"
    png.write_bytes(_png())
    first = store.new_incident("First")
    second = store.new_incident("Second")
    refs = [
        store.add_file(first.id, png).ref,
        store.add_file(second.id, png).ref,
        store.add_file(first.id, png).ref,
    ]
    assert refs == ["ZL/1", "ZL/2", "ZL/3"]
    assert [i.id for i in store.incidents()] == ["INC-2026-0002", "INC-2026-0001"]


def test_an_incident_says_when_it_last_had_a_custody_entry(made_store: MadeStore) -> None:
    opened_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    noted_at = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)
    with open_store(made_store.location, lambda: PASSPHRASE, FixedClock(opened_at)) as store:
        incident = store.new_incident("Fake account in my name")
        assert store.incident(incident.id).last_activity_utc == opened_at
        store.clock = FixedClock(noted_at)
        store.add_note(incident.id, "A parent sent another screenshot.")
        assert store.incident(incident.id).last_activity_utc == noted_at
        (listed,) = [i for i in store.incidents() if i.id == incident.id]
        assert listed.last_activity_utc == noted_at
    # The list reads it, and the exhibit count, from the incidents table alone (kept there
    # since schema version 6), not from the chain or the exhibits.
    plan = raw_connection(made_store.location).execute(
        f"EXPLAIN QUERY PLAN SELECT {Vault._INCIDENT_COLUMNS} FROM incidents i"
    )
    steps = " ".join(str(step) for step in plan.fetchall())
    assert "SCAN i" in steps
    assert "custody" not in steps and "exhibits" not in steps


def test_media_type_comes_from_the_content_not_the_name(
    store: EvidenceStore, tmp_path: Path
) -> None:
    disguised = tmp_path / "notes.txt"
    disguised.write_bytes(_png())
    email = tmp_path / "message"
    email.write_bytes(
        b"From: a@example.org\nTo: zl@school.example\nSubject: you\nDate: Sat, 21 Nov 2026\n\nhi\n"
    )
    incident = store.new_incident("Mixed files")
    assert store.add_file(incident.id, disguised).media_type == "image/png"
    assert store.add_file(incident.id, email).media_type == "message/rfc822"


def test_wrong_passphrase_leaves_store_untouched(made_store: MadeStore, clock: FixedClock) -> None:
    before = {p.name: p.read_bytes() for p in made_store.location.directory.iterdir()}
    with pytest.raises(StoreLocked, match="passphrase is not right"):
        open_store(made_store.location, lambda: "not the passphrase", clock)
    after = {p.name: p.read_bytes() for p in made_store.location.directory.iterdir()}
    assert before == after
    open_store(made_store.location, lambda: PASSPHRASE, clock).close()


def test_passphrase_is_normalised_so_either_accent_form_opens_the_store(
    tmp_path: Path, producer: Producer, clock: FixedClock
) -> None:
    composed = 'Zoë\'s "café" 🔐 naïve'
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    location = StoreLocation(tmp_path / "accents")
    # Normalising comes before the key derivation, whatever its cost: the cheap one will do.
    store, _ = create_store(location, producer, composed, clock, passphrase_cost=TEST_COST)
    store.close()
    open_store(location, lambda: decomposed, clock).close()
    with pytest.raises(StoreLocked):
        open_store(location, lambda: composed.replace("🔐", ""), clock)


def test_recovery_key_sets_a_new_passphrase(made_store: MadeStore, clock: FixedClock) -> None:
    messy = made_store.recovery_key.lower().replace("-", " ")
    recover_store(made_store.location, messy, "a brand new passphrase")
    open_store(made_store.location, lambda: "a brand new passphrase", clock).close()
    with pytest.raises(StoreLocked):
        open_store(made_store.location, lambda: PASSPHRASE, clock)


def test_wrong_recovery_key_changes_nothing(made_store: MadeStore, clock: FixedClock) -> None:
    key_file = made_store.location.key_file.read_bytes()
    wrong = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"
    with pytest.raises(StoreLocked, match="recovery key"):
        recover_store(made_store.location, wrong, "a brand new passphrase")
    with pytest.raises(StoreLocked, match="not valid"):
        recover_store(made_store.location, "not-a-key", "a brand new passphrase")
    assert made_store.location.key_file.read_bytes() == key_file


def test_short_passphrase_is_refused_at_setup(
    tmp_path: Path, producer: Producer, clock: FixedClock
) -> None:
    location = StoreLocation(tmp_path / "short")
    with pytest.raises(BadInput, match="at least 8"):
        create_store(location, producer, "short", clock)
    assert not location.directory.exists()


def test_damaged_key_file_is_reported_as_damage(made_store: MadeStore, clock: FixedClock) -> None:
    made_store.location.key_file.write_text("{not json")
    with pytest.raises(StoreDamaged, match="key file"):
        open_store(made_store.location, lambda: PASSPHRASE, clock)


def test_custody_entries_and_exhibits_cannot_be_changed_in_the_database(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(_png())
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Triggers")
        store.add_file(incident.id, tmp_path / "a.png")
    db = raw_connection(made_store.location)
    for statement in (
        "UPDATE custody SET action = 'x'",
        "DELETE FROM custody",
        "UPDATE exhibits SET sha256 = 'x'",
        "DELETE FROM exhibits",
        "UPDATE exhibit_chunks SET data = x'00'",
        "DELETE FROM exhibit_chunks",
        "UPDATE producers SET name = 'x'",
        "DELETE FROM producers",
        "UPDATE own_keys SET signer_key = x'00'",
        "DELETE FROM own_keys",
        "UPDATE incidents SET sender_id = 'INC-2026-0009'",
        "DELETE FROM incidents",
    ):
        with pytest.raises(sqlcipher3.DatabaseError):
            db.execute(statement)
    db.close()


def test_purge_removes_bytes_but_the_chain_still_verifies(
    store: EvidenceStore, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(_png())
    incident = store.new_incident("Retention")
    exhibit = store.add_file(incident.id, tmp_path / "a.png")
    entry = store.purge(incident.id, exhibit.ref, "Retention period ended")
    assert entry.evidence_sha256 == exhibit.sha256
    purged = store.exhibit(incident.id, exhibit.ref)
    assert purged.purged and purged.sha256 == exhibit.sha256
    with pytest.raises(BadInput, match="purged"):
        store.exhibit_bytes(incident.id, exhibit.ref)
    assert store.verify().ok


def _tampered_store(made_store: MadeStore, clock: FixedClock, tmp_path: Path) -> str:
    (tmp_path / "a.png").write_bytes(_png(colour=(1, 2, 3)))
    (tmp_path / "b.png").write_bytes(_png(colour=(4, 5, 6)))
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Tamper target")
        store.add_file(incident.id, tmp_path / "a.png", url="https://x.com/a/status/1")
        store.add_file(incident.id, tmp_path / "b.png")
        store.add_note(incident.id, "first note")
        store.add_note(incident.id, "second note")
        assert store.verify().ok
    return incident.id


def _drop_triggers(db: sqlcipher3.Connection) -> None:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        db.execute(f"DROP TRIGGER {name}")


def _problems(made_store: MadeStore, clock: FixedClock) -> list[str]:
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        report = store.verify()
    assert not report.ok
    return [str(p) for p in report.problems]


def test_changed_evidence_bytes_are_named_by_verify(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    db.execute(
        "UPDATE exhibit_chunks SET data = ? WHERE exhibit_id = "
        "(SELECT id FROM exhibits WHERE ref = 'ZL/1')",
        (_png(colour=(9, 9, 9)),),
    )
    db.close()
    problems = _problems(made_store, clock)
    assert problems == ["exhibit ZL/1: its stored bytes do not match its recorded SHA-256"]


def test_changed_entry_details_are_named_by_verify(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id = _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    body = db.execute("SELECT body FROM custody WHERE seq = 4").fetchone()[0]
    db.execute(
        "UPDATE custody SET body = ? WHERE seq = 4", (bytes(body).replace(b"first", b"faked"),)
    )
    db.close()
    problems = _problems(made_store, clock)
    assert f"{incident_id} custody entry 4: its contents do not match its recorded hash" in problems
    assert f"{incident_id} custody entry 4: its signature is not valid" in problems


def test_deleted_entry_is_named_by_verify(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id = _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    db.execute("DELETE FROM custody WHERE seq = 4")
    db.close()
    problems = _problems(made_store, clock)
    assert any(p.startswith(f"{incident_id} custody entry 5:") for p in problems)
    assert any("entry 4 is missing" in p for p in problems)


def test_swapped_entries_are_named_by_verify(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id = _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    db.execute("UPDATE custody SET seq = -1 WHERE seq = 4")
    db.execute("UPDATE custody SET seq = 4 WHERE seq = 5")
    db.execute("UPDATE custody SET seq = 5 WHERE seq = -1")
    db.close()
    problems = _problems(made_store, clock)
    assert f"{incident_id} custody entry 4: it says it is entry 5" in problems
    assert f"{incident_id} custody entry 5: it says it is entry 4" in problems


def test_changed_url_in_exhibit_metadata_is_named_by_verify(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    db.execute("UPDATE exhibits SET metadata = replace(metadata, 'x.com/a', 'x.com/b')")
    db.close()
    assert _problems(made_store, clock) == [
        "exhibit ZL/1: its metadata differs from what the custody chain recorded"
    ]


def test_exhibit_slipped_in_without_a_custody_entry_is_named(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    _tampered_store(made_store, clock, tmp_path)
    db = raw_connection(made_store.location)
    db.execute(
        "INSERT INTO exhibits (ref, prefix, number, incident_id, kind, media_type, size, sha256, "
        "metadata, created_utc) SELECT 'ZL/9', 'ZL', 9, incident_id, kind, media_type, size, "
        "sha256, metadata, created_utc FROM exhibits WHERE ref = 'ZL/1'"
    )
    db.close()
    problems = _problems(made_store, clock)
    assert "exhibit ZL/9: it is not recorded on the custody chain" in problems


def test_flipped_byte_on_disk_is_reported_as_damage(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    _tampered_store(made_store, clock, tmp_path)
    data = bytearray(made_store.location.database.read_bytes())
    data[len(data) // 2] ^= 0x01
    made_store.location.database.write_bytes(bytes(data))
    with (
        pytest.raises(StoreDamaged, match="damaged"),
        open_store(made_store.location, lambda: PASSPHRASE, clock) as store,
    ):
        store.verify()


def test_flipped_byte_in_the_first_page_is_damage_not_a_wrong_key(
    made_store: MadeStore, clock: FixedClock
) -> None:
    data = bytearray(made_store.location.database.read_bytes())
    data[100] ^= 0x01
    made_store.location.database.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged):
        open_store(made_store.location, lambda: PASSPHRASE, clock)


def test_nothing_is_written_in_the_clear(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = b"MARKER-7f3a9c-evidence-content"
    title_marker = "TITLE-MARKER-4b1e"
    source = tmp_path / "outside" / "evidence.txt"
    source.parent.mkdir()
    source.write_bytes(b"abuse text " + marker + b" more text\n" * 50)
    # A temporary folder of this test's own, for Python's and SQLite's temporary files alike, so
    # that every file they make is seen and no other test's files are.
    private_temp = tmp_path / "temp"
    private_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_temp))
    monkeypatch.setenv("SQLITE_TMPDIR", str(private_temp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_temp))
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident(f"Case {title_marker}", people=title_marker)
        store.add_file(incident.id, source, note=title_marker)
        store.add_note(incident.id, title_marker)
        store.verify()
    source.unlink()
    candidates = [p for p in made_store.location.directory.rglob("*") if p.is_file()]
    candidates += [p for p in private_temp.rglob("*") if p.is_file()]
    assert candidates, "expected at least the store files to be checked"
    for path in candidates:
        content = path.read_bytes()
        assert marker not in content, path
        assert title_marker.encode() not in content, path
        assert title_marker.encode("utf-16-le") not in content, path


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"", FileRejected, "empty"),
        (_png()[:-40], FileRejected, "damaged or incomplete"),
    ],
)
def test_bad_files_are_refused_with_a_clear_sentence(
    store: EvidenceStore, tmp_path: Path, content: bytes, error: type[Exception], message: str
) -> None:
    incident = store.new_incident("Bad files")
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        store.add_file(incident.id, path)
    assert store.exhibits(incident.id) == []
    assert store.verify().ok


def test_file_over_the_limit_is_refused(store: EvidenceStore, tmp_path: Path) -> None:
    incident = store.new_incident("Too big")
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(FileRejected, match="limit is"):
        store.add_file(incident.id, path, max_bytes=1024)


def test_decompression_bomb_is_refused(store: EvidenceStore, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    assert bomb.stat().st_size < 200_000
    incident = store.new_incident("Bomb")
    with pytest.raises(FileRejected, match="decompression bomb"):
        store.add_file(incident.id, bomb)


def test_bad_urls_and_text_are_refused_before_anything_is_stored(
    store: EvidenceStore, tmp_path: Path
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(_png())
    incident = store.new_incident("<b>Markup</b> is just text & stays")
    assert incident.title == "<b>Markup</b> is just text & stays"
    with pytest.raises(InvalidUrl):
        store.add_file(incident.id, path, url="javascript:alert(document.cookie)")
    with pytest.raises(BadInput, match="control"):
        store.add_file(incident.id, path, note="ring\x07ring")
    with pytest.raises(BadInput, match="control"):
        store.new_incident("tab\tin title")
    with pytest.raises(NotFound, match="INC-2026-0099"):
        store.add_file("INC-2026-0099", path)
    assert store.exhibits(incident.id) == []


def test_every_refusal_is_a_harmonize_error_with_an_exit_code() -> None:
    for error in (BadInput, InvalidUrl, FileRejected, NotFound, StoreLocked, StoreDamaged):
        assert issubclass(error, HarmonizeError)
        assert error("x").exit_code in (1, 2, 3, 4, 5)


def test_store_made_by_schema_version_1_is_migrated(tmp_path: Path, clock: FixedClock) -> None:
    import shutil

    saved = Path(__file__).parent / "data" / "store-schema-v1"
    copy = tmp_path / "old"
    shutil.copytree(saved, copy)
    location = StoreLocation(copy)
    with open_store(location, lambda: "schema one passphrase", clock) as store:
        assert store.schema_version == CURRENT_VERSION
        (incident,) = store.incidents()
        assert incident.title == "Made by schema version 1"
        assert not incident.urgent
        # The counts the list shows, kept on the incident since version 6, were filled in.
        assert incident.item_count == 1
        assert incident.last_activity_utc == parse_utc(store.log(incident.id)[-1].utc)
        (exhibit,) = store.exhibits(incident.id)
        assert store.exhibit_bytes(incident.id, exhibit.ref) == b"saved by version 1\n"
        assert store.verify().ok
        store.new_incident("Made after the migration")
        assert store.verify().ok


def test_store_made_by_schema_version_2_is_migrated_with_every_chain_and_exhibit_intact(
    tmp_path: Path, clock: FixedClock
) -> None:
    import shutil

    saved = Path(__file__).parent / "data" / "store-schema-v2"
    copy = tmp_path / "old"
    shutil.copytree(saved, copy)
    location = StoreLocation(copy)
    with open_store(location, lambda: "schema two passphrase", clock) as store:
        assert store.schema_version == CURRENT_VERSION
        report = store.verify()
        assert report.ok, report.problems
        assert (report.entries_checked, report.exhibits_checked) == (12, 4)
        (own,) = store.producers()
        assert own.own and own.exhibit_prefix == "VT"
        assert own.producer == Producer("Version Two", "VT", "Oak Hill Academy", Role.STAFF)
        first, second = store.incident("INC-2026-0001"), store.incident("INC-2026-0002")
        assert first.status is Status.HANDED_OVER and second.urgent
        assert first.sender_id is None and second.sender_id is None
        assert [e.ref for e in store.exhibits(first.id)] == ["VT/1", "VT/2"]
        assert [e.ref for e in store.exhibits(second.id)] == ["VT/3", "VT/4"]
        screenshot, email = store.exhibits(first.id)
        assert store.exhibit_bytes(first.id, screenshot.ref).startswith(b"\x89PNG")
        assert store.exhibit_bytes(first.id, email.ref) == (
            b"From the parent group, forwarded to me.\n"
        )
        record_only, purged = store.exhibits(second.id)
        assert not record_only.has_bytes and purged.purged
        assert [e.action for e in store.log(first.id)][-2:] == ["status_changed", "exported"]
        assert [e.action for e in store.log(second.id)][-1] == "purged"
        assert {e.actor for e in store.log(first.id)} == {"Version Two (VT)"}
        assert first.last_activity_utc == parse_utc(store.log(first.id)[-1].utc)
        assert second.last_activity_utc == parse_utc(store.log(second.id)[-1].utc)
        assert (first.item_count, second.item_count) == (2, 2)
        source = tmp_path / "after.png"
        source.write_bytes(_png())
        added = store.add_file(first.id, source)
        store.add_note(second.id, "Added after the migration")
        third = store.new_incident("Made after the migration")
        assert added.ref == "VT/5" and third.id == "INC-2026-0003"
        assert store.verify().ok
    with open_store(location, lambda: "schema two passphrase", clock) as store:
        report = store.verify()
        assert report.ok and (report.entries_checked, report.exhibits_checked) == (15, 5)


def test_a_use_case_made_of_two_steps_is_kept_whole_or_not_at_all(store: EvidenceStore) -> None:
    incident = store.new_incident("Atomic")
    with pytest.raises(BadInput), store.atomic():
        store.add_note(incident.id, "kept only if the whole step succeeds")
        store.add_note(incident.id, "")  # refused: empty
    assert [e.action for e in store.log(incident.id)] == ["incident_created"]
    with store.atomic():
        store.add_note(incident.id, "one")
        store.add_note(incident.id, "two")
    assert [e.seq for e in store.log(incident.id)] == [1, 2, 3]
    assert store.verify().ok


# -- a full disk and a read-only folder are not damage ---------------------------------------------

MIB = 1024 * 1024


def _raised(action: Callable[[], object]) -> sqlcipher3.DatabaseError:
    with pytest.raises(sqlcipher3.DatabaseError) as caught:
        action()
    return caught.value


def _real_sqlite_errors(folder: Path) -> dict[str, sqlcipher3.DatabaseError]:
    """One real error of each kind the store can meet, raised by SQLite itself."""
    path = folder / "plain.db"
    db = sqlcipher3.connect(str(path), isolation_level=None)
    db.executescript(
        "CREATE TABLE kept (value); INSERT INTO kept VALUES (1);"
        "CREATE TRIGGER kept_no_delete BEFORE DELETE ON kept "
        "BEGIN SELECT RAISE(ABORT, 'rows here stay'); END;"
    )
    errors = {"constraint": _raised(lambda: db.execute("DELETE FROM kept"))}
    db.execute("PRAGMA max_page_count = 3")
    errors["full"] = _raised(lambda: db.execute("INSERT INTO kept VALUES (?)", (bytes(65536),)))
    read_only = sqlcipher3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    errors["read-only"] = _raised(lambda: read_only.execute("INSERT INTO kept VALUES (2)"))
    read_only.close()
    db.execute("BEGIN IMMEDIATE")
    second = sqlcipher3.connect(str(path), isolation_level=None, timeout=0)
    errors["busy"] = _raised(lambda: second.execute("BEGIN IMMEDIATE"))
    second.close()
    db.execute("ROLLBACK")
    db.close()
    (folder / "not-a-database.db").write_bytes(os.urandom(8192))
    garbage = sqlcipher3.connect(str(folder / "not-a-database.db"))
    errors["not a database"] = _raised(lambda: garbage.execute("SELECT * FROM sqlite_master"))
    garbage.close()
    return errors


def test_each_database_error_is_told_apart_by_its_code_not_its_wording(tmp_path: Path) -> None:
    from harmonize_evidence.vault.sql_errors import translate_errors

    expected: dict[str, tuple[type[HarmonizeError], int]] = {
        "full": (DiskFull, 5),
        "read-only": (StoreReadOnly, 5),
        "busy": (EnvironmentProblem, 5),
        "constraint": (HarmonizeError, 2),
        "not a database": (StoreDamaged, 4),
    }
    for name, error in _real_sqlite_errors(tmp_path).items():
        with pytest.raises(HarmonizeError) as caught, translate_errors():
            raise error
        kind, code = expected[name]
        assert type(caught.value) is kind, (name, caught.value)
        assert caught.value.exit_code == code, name
        assert caught.value.__cause__ is error
        assert str(error) not in caught.value.message  # SQLite's words are for the log only
    # Words that read like a full disk, without SQLite's code for one, are not a full disk.
    lookalike = sqlcipher3.OperationalError("database or disk is full")
    with pytest.raises(StoreDamaged), translate_errors():
        raise lookalike


def test_refused_writes_are_told_apart_by_errno() -> None:
    from harmonize_evidence.vault.disk import write_refusal

    for number in (errno.ENOSPC, errno.EDQUOT):
        refusal = write_refusal(OSError(number, os.strerror(number)))
        assert isinstance(refusal, DiskFull) and refusal.exit_code == 5
        assert "nothing saved before was lost" in refusal.message
    for number in (errno.EROFS, errno.EACCES, errno.EPERM):
        refusal = write_refusal(OSError(number, os.strerror(number)))
        assert isinstance(refusal, StoreReadOnly) and refusal.exit_code == 5
        assert "read-only" in refusal.message
    assert write_refusal(OSError(errno.EIO, os.strerror(errno.EIO))) is None


def test_every_write_on_a_full_disk_says_so_and_keeps_what_was_saved(
    tmp_path: Path, producer: Producer, clock: FixedClock, store_templates: StoreTemplates
) -> None:
    (tmp_path / "post.png").write_bytes(_png())
    (tmp_path / "video.bin").write_bytes(os.urandom(MIB))
    with small_tmpfs(tmp_path / "disk", 3 * MIB) as disk:
        made = store_templates.copy(disk / "store", producer, clock)
        with open_store(made.location, lambda: PASSPHRASE, clock) as store:
            incident = store.new_incident("Before the disk filled")
            exhibit = store.add_file(incident.id, tmp_path / "post.png")
            filler = fill_disk(disk)
            writes: dict[str, Callable[[], object]] = {
                "incident new": lambda: store.new_incident("After the disk filled"),
                "note": lambda: store.add_note(incident.id, "Reported to the head."),
                "add": lambda: store.add_file(incident.id, tmp_path / "video.bin"),
                "record": lambda: record_without_image(
                    store, incident.id, description="An image.", url="https://example.com/p/1"
                ),
                "purge": lambda: store.purge(incident.id, exhibit.ref, "Retention period ended"),
            }
            for name, write in writes.items():
                with pytest.raises(DiskFull, match="nothing saved before was lost"):
                    write()
                assert store.exhibits(incident.id) == [exhibit], name
            filler.unlink()
            assert store.verify().ok
            assert [e.action for e in store.log(incident.id)] == [
                "incident_created",
                "evidence_imported",
            ]
            store.add_note(incident.id, "Reported to the head.")
            assert store.verify().ok


def test_every_write_on_a_read_only_store_says_so_and_changes_nothing(
    made_store: MadeStore, clock: FixedClock, tmp_path: Path
) -> None:
    (tmp_path / "post.png").write_bytes(_png())
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Kept on a read-only share")
        exhibit = store.add_file(incident.id, tmp_path / "post.png")
    folder = made_store.location.directory
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    with read_only_folder(folder):
        with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
            assert store.verify().ok
            assert store.exhibit_bytes(incident.id, exhibit.ref) == _png()
            writes: dict[str, Callable[[], object]] = {
                "incident new": lambda: store.new_incident("Another"),
                "note": lambda: store.add_note(incident.id, "Reported to the head."),
                "add": lambda: store.add_file(incident.id, tmp_path / "post.png"),
                "record": lambda: record_without_image(
                    store, incident.id, description="An image.", url="https://example.com/p/1"
                ),
                "purge": lambda: store.purge(incident.id, exhibit.ref, "Retention period ended"),
                "extract": lambda: store.extract(incident.id, exhibit.ref, tmp_path / "copy.png"),
            }
            for name, write in writes.items():
                with pytest.raises(StoreReadOnly, match="read-only"):
                    write()
                assert store.exhibits(incident.id) == [exhibit], name
            # A copy whose extraction cannot be logged on the chain is not kept.
            assert not (tmp_path / "copy.png").exists()
        with pytest.raises(StoreReadOnly, match="read-only"):
            recover_store(made_store.location, made_store.recovery_key, "a brand new passphrase")
        assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        assert store.verify().ok


def test_setting_up_with_no_usable_keychain_says_so_before_the_passphrase_kdf(
    tmp_path: Path, producer: Producer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A computer without a usable keychain (keyring's own "fail" backend): the user who asked
    # for the keychain is told at once, not after the passphrase's KDF (about half a second).
    from keyring.backends import fail

    from harmonize_evidence.vault import keychain, keys

    monkeypatch.setattr(keychain, "backend", fail.Keyring)
    derived: list[object] = []
    real_kdf = keys._argon2
    monkeypatch.setattr(keys, "_argon2", lambda *args: derived.append(args) or real_kdf(*args))
    location = StoreLocation(tmp_path / "store")
    with pytest.raises(EnvironmentProblem, match="No usable system keychain"):
        create_store(
            location, producer, PASSPHRASE, clock, keychain_cache=True, passphrase_cost=TEST_COST
        )
    assert derived == []
    assert not location.directory.exists()


def test_setting_up_a_store_in_a_read_only_folder_says_so(
    tmp_path: Path, producer: Producer, clock: FixedClock
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    with read_only_folder(shared):
        for location in (StoreLocation(shared), StoreLocation(shared / "evidence")):
            with pytest.raises(StoreReadOnly, match="read-only"):
                create_store(location, producer, PASSPHRASE, clock, passphrase_cost=TEST_COST)
    assert list(shared.iterdir()) == []


def test_setting_up_a_store_on_a_full_disk_says_so_and_leaves_nothing(
    tmp_path: Path, producer: Producer, clock: FixedClock
) -> None:
    with small_tmpfs(tmp_path / "disk", MIB) as disk:
        filler = fill_disk(disk)
        with pytest.raises(DiskFull, match="full"):
            create_store(
                StoreLocation(disk / "store"),
                producer,
                PASSPHRASE,
                clock,
                passphrase_cost=TEST_COST,
            )
        assert list(disk.iterdir()) == [filler]


def test_read_only_store_left_open_shows_its_latest_commits_or_refuses(
    made_store: MadeStore, clock: FixedClock
) -> None:
    # A program that stopped without closing the store leaves its latest commits in the WAL.
    left_open = (
        "import os, sys\nfrom pathlib import Path\n"
        "from harmonize_evidence.domain.clock import FixedClock\n"
        "from harmonize_evidence.services.store import StoreLocation, open_store\n"
        "from datetime import UTC, datetime\n"
        "clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))\n"
        "store = open_store(StoreLocation(Path(sys.argv[1])), lambda: sys.argv[2], clock)\n"
        "store.add_note(store.new_incident('Left open').id, 'Only in the WAL.')\n"
        "os._exit(0)\n"
    )
    folder = made_store.location.directory
    subprocess.run([sys.executable, "-c", left_open, str(folder), PASSPHRASE], check=True)
    wal = folder / "evidence.db-wal"
    assert wal.stat().st_size > 0
    with read_only_folder(folder), open_store(made_store.location, lambda: PASSPHRASE, clock) as s:
        (incident,) = s.incidents()
        assert [e.action for e in s.log(incident.id)] == ["incident_created", "note_added"]
        assert s.verify().ok
    # Without its index the WAL cannot be read in a read-only folder: refused, never skipped over.
    (folder / "evidence.db-shm").unlink()
    with read_only_folder(folder), pytest.raises(StoreReadOnly, match=r"evidence\.db-wal"):
        open_store(made_store.location, lambda: PASSPHRASE, clock)
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as store:
        (incident,) = store.incidents()
        assert len(store.log(incident.id)) == 2


def test_people_involved_may_be_a_list_one_a_line_but_not_hidden_text(
    store: EvidenceStore,
) -> None:
    names = "Pupil A (9B)\nPupil B (9C)\tparent of Pupil A"
    incident = store.new_incident("Posts about Ms Lane", people=names)
    assert store.incident(incident.id).people == names
    with pytest.raises(BadInput, match="text-direction"):
        store.new_incident("Posts", people="Pupil A\u202eB")


def test_an_address_from_an_unknown_host_adds_no_platform_nobody_chose(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Posts", platforms=["Instagram"])
    (tmp_path / "page.txt").write_bytes(b"a saved page")
    exhibit = store.add_file(incident.id, tmp_path / "page.txt", url="https://forum.example/t/1")
    assert exhibit.metadata["platform"] == "other"  # what was detected, kept with the exhibit
    assert store.incident(incident.id).platforms == ("Instagram",)
    store.add_file(incident.id, tmp_path / "page.txt", url="https://www.tiktok.com/@a/video/1")
    assert store.incident(incident.id).platforms == ("Instagram", "TikTok")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(("incident", "file", "note", "status", "purge")),
            st.integers(0, 5),  # which incident (of those made so far)
            st.integers(-3, 3),  # how far the clock moves, in hours (it may go back)
        ),
        max_size=14,
    )
)
def test_the_list_counts_kept_on_each_incident_match_its_exhibits_and_chain(
    made_store: MadeStore, tmp_path: Path, steps: list[tuple[str, int, int]]
) -> None:
    # The list reads each incident's exhibit count and latest entry from the incident (kept by
    # triggers); they must be what its exhibits and its chain say, whatever was done, in any
    # order, with a clock that can go back (a corrected system clock).
    moment = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)
    copy = tmp_path / f"store-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(made_store.location.directory, copy)
    with open_store(StoreLocation(copy), lambda: PASSPHRASE, FixedClock(moment)) as store:
        made: list[str] = []
        for what, which, hours in steps:
            moment += timedelta(hours=hours, seconds=1)
            store.clock = FixedClock(moment)
            if what == "incident" or not made:
                made.append(store.new_incident(f"Incident {len(made) + 1}").id)
                continue
            incident = made[which % len(made)]
            if what == "file":
                picture = tmp_path / f"shot-{len(made)}-{moment.timestamp():.0f}.png"
                picture.write_bytes(_png(colour=(len(made), int(moment.timestamp()) % 256, 40)))
                store.add_file(incident, picture)
            elif what == "note":
                store.add_note(incident, "Seen again this morning.")
            elif what == "status":
                store.set_status(incident, Status.UNDER_REVIEW, "Looking into it")
            else:
                kept = [e for e in store.exhibits(incident) if e.has_bytes and not e.purged]
                if kept:
                    store.purge(incident, kept[0].ref, "A duplicate")
        for listed in store.incidents():
            log = store.log(listed.id)
            assert listed.item_count == len(store.exhibits(listed.id))
            assert listed.last_activity_utc == max(parse_utc(entry.utc) for entry in log)
        # The order the desktop program's list opens in: latest entry first, ties by id.
        by_activity = store.incidents(by_activity=True)
        assert by_activity == sorted(
            by_activity,
            key=lambda i: (i.last_activity_utc or i.created_utc, parse_incident_id(i.id)),
            reverse=True,
        )
        assert {i.id for i in by_activity} == {i.id for i in store.incidents()}
