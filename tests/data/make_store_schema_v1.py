"""Rebuilds tests/data/store-schema-v1: a store exactly as schema version 1 wrote it.

Run from the project root, with the code of a commit whose store still wrote the identity table
(schema version 2 or older): ``python tests/data/make_store_schema_v1.py``. The folder it writes
is committed so the migration test opens a real file from the older version; rebuild it only if
the version 1 schema itself was wrong.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from harmonize_evidence.domain.chain import metadata_digest, sha256_hex
from harmonize_evidence.domain.clock import FixedClock, format_utc
from harmonize_evidence.domain.model import Action, Exhibit, ExhibitKind, Producer, Role
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.signing.identity import create_identity
from harmonize_evidence.vault.database import IdentityRecord, open_database
from harmonize_evidence.vault.keys import KeyFile, new_database_key, new_recovery_key

OUT = Path(__file__).parent / "store-schema-v1"
PASSPHRASE = "schema one passphrase"


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    clock = FixedClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    key = new_database_key()
    key_file = KeyFile.create(key, PASSPHRASE, new_recovery_key(), page_size=16384, keychain=False)
    vault = open_database(OUT / "evidence.db", key, 16384, create=True, schema_version=1)
    producer = Producer("Old Version", "OV", "Oak Hill Academy", Role.STAFF)
    identity = create_identity(producer, clock.now())
    with vault.transaction():
        vault.save_identity(
            IdentityRecord(
                producer,
                identity.ca_cert_pem,
                identity.ca_key_pem,
                identity.signer_cert_pem,
                identity.signer_key_pem,
                clock.now(),
            )
        )
        # Version 1 had no "urgent" column: insert the row as version 1 did.
        vault._db.execute(
            "INSERT INTO incidents (id, year, number, title, category, platforms, people, "
            "reported_by, created_utc, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "INC-2026-0001",
                2026,
                1,
                "Made by schema version 1",
                "cyberbullying-of-staff",
                json.dumps([]),
                "",
                "Old Version",
                format_utc(clock.now()),
                "open",
            ),
        )
    store = EvidenceStore(vault, clock, key=key, location_directory=OUT)
    with vault.transaction():
        store._append(
            "INC-2026-0001", Action.INCIDENT_CREATED, {"title": "Made by schema version 1"}
        )
    data = b"saved by version 1\n"
    metadata = store.describe_source(url=None, note="", posted_at=None, now=clock.now())
    metadata.update(os_user="teacher", machine="LAPTOP-01", source_file_name="old.txt")
    exhibit = Exhibit(
        ref="OV/1",
        incident_id="INC-2026-0001",
        kind=ExhibitKind.DOCUMENT,
        media_type="text/plain",
        size=len(data),
        sha256=sha256_hex(data),
        created_utc=clock.now(),
        metadata=metadata,
    )
    with vault.transaction():
        vault.insert_exhibit(exhibit, [data])
        store._append(
            "INC-2026-0001",
            Action.EVIDENCE_IMPORTED,
            {
                "exhibit": "OV/1",
                "kind": "document",
                "media_type": "text/plain",
                "size": len(data),
                "metadata_sha256": metadata_digest(metadata),
            },
            evidence_sha256=exhibit.sha256,
        )
    store.close()
    key_file.save(OUT / "key.json")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
