"""Schema of the evidence database and its ordered migrations.

``schema_version`` holds one row. Each migration moves the schema from version N-1 to N inside
one transaction; opening a store runs whatever is missing. Never edit a released migration: add
a new one, and save a database made by the old code under ``tests/data/`` for the migration test.

Append-only rules are enforced by triggers, not only by Python: custody entries, exhibits and the
signing identity can never be updated or deleted, and an exhibit's bytes can be deleted only when
the incident's chain already holds a ``purged`` entry for that exhibit's hash (the purge path).
"""

from __future__ import annotations

from collections.abc import Sequence

SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);

CREATE TABLE identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    initials TEXT NOT NULL,
    school TEXT NOT NULL,
    role TEXT NOT NULL,
    ca_cert BLOB NOT NULL,
    ca_key BLOB NOT NULL,
    signer_cert BLOB NOT NULL,
    signer_key BLOB NOT NULL,
    created_utc TEXT NOT NULL
);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    platforms TEXT NOT NULL,
    people TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (year, number)
);

CREATE TABLE exhibits (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    initials TEXT NOT NULL,
    number INTEGER NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT,
    metadata TEXT NOT NULL,
    parent_sha256 TEXT,
    created_utc TEXT NOT NULL,
    UNIQUE (initials, number)
);
CREATE INDEX exhibits_by_incident ON exhibits (incident_id);

CREATE TABLE exhibit_chunks (
    exhibit_id INTEGER NOT NULL REFERENCES exhibits (id),
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (exhibit_id, idx)
);

CREATE TABLE custody (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq INTEGER NOT NULL,
    utc TEXT NOT NULL,
    action TEXT NOT NULL,
    evidence_sha256 TEXT,
    hash TEXT NOT NULL,
    body BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;

CREATE TRIGGER exhibits_no_update BEFORE UPDATE ON exhibits
BEGIN SELECT RAISE(ABORT, 'exhibits are immutable'); END;
CREATE TRIGGER exhibits_no_delete BEFORE DELETE ON exhibits
BEGIN SELECT RAISE(ABORT, 'exhibits are immutable'); END;

CREATE TRIGGER chunks_no_update BEFORE UPDATE ON exhibit_chunks
BEGIN SELECT RAISE(ABORT, 'exhibit bytes are immutable'); END;
CREATE TRIGGER chunks_delete_only_when_purged BEFORE DELETE ON exhibit_chunks
WHEN NOT EXISTS (
    SELECT 1 FROM exhibits e JOIN custody c
      ON c.incident_id = e.incident_id AND c.action = 'purged' AND c.evidence_sha256 = e.sha256
    WHERE e.id = OLD.exhibit_id
)
BEGIN SELECT RAISE(ABORT, 'exhibit bytes can only be removed by a recorded purge'); END;

CREATE TRIGGER identity_no_update BEFORE UPDATE ON identity
BEGIN SELECT RAISE(ABORT, 'the signing identity is immutable'); END;
CREATE TRIGGER identity_no_delete BEFORE DELETE ON identity
BEGIN SELECT RAISE(ABORT, 'the signing identity is immutable'); END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents cannot be deleted'); END;
"""

SCHEMA_V2 = """
ALTER TABLE incidents ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX custody_by_action ON custody (action, evidence_sha256);
"""

# MIGRATIONS[i] takes the schema from version i to version i + 1.
MIGRATIONS: Sequence[str] = (SCHEMA_V1, SCHEMA_V2)
CURRENT_VERSION = len(MIGRATIONS)
