"""Schema of the evidence database and its ordered migrations.

``schema_version`` holds one row. Each migration moves the schema from version N-1 to N inside
one transaction; opening a store runs whatever is missing. Never edit a released migration: add
a new one, and save a database made by the old code under ``tests/data/`` for the migration test.

Append-only rules are enforced by triggers, not only by Python: custody entries, exhibits,
producers and the store's own keys can never be updated or deleted, and an exhibit's bytes can be
deleted only when the incident's chain already holds a ``purged`` entry for that exhibit's hash
(the purge path).

Many producers (version 3). ``producers`` holds everyone whose signed entries or exhibits the
store keeps: name, initials, school, role, certificate chain and the exhibit prefix this store
gives them. Producer 1 is this installation's own, made when the store was set up, and the only
one whose private keys the store holds (``own_keys``). Each custody row names the producer whose
key signed it (``custody.producer_id``). An incident received from another store keeps its own
case number here and the sender's id as a reference (``incidents.sender_producer_id`` and
``sender_id``); the sender's chain is kept beside the case's own chain, exactly as received
(``custody.received`` = 1: its entries name the sender's id and number on from the sender's 1),
so a later handover can be checked to extend it. Exhibits are unique per prefix and number
(``exhibits.prefix`` is the producer's exhibit prefix); a received exhibit keeps the reference its
sender's chain gives it (``exhibits.sender_ref``).

Handover (version 4). A safeguarding lead's store holds its age X25519 identity
(``school_key``, one row, made when the school card is first written and never changed: packages
already sent to it must stay readable). A member of staff's store keeps every school card it
joined (``school_cards``), each with how its fingerprint was confirmed; the newest is the one
handovers go to, and the older ones stay as the record of who the lead was.

Last activity (version 5). An index of custody entries by incident and time, so that the
incidents list reads when each incident last had an entry (``MAX(utc)``) from the index alone:
reading each incident's latest entry from the table took longer than the rest of the list.

The list's counts on the incident (version 6). Each incident keeps how many exhibits it has
(``exhibit_count``) and the time of its latest custody entry (``last_activity_utc``), kept by
triggers as exhibits and entries are added (neither is ever changed or removed), so that the
incidents list reads the incidents table alone. Counting through the indexes of 50,000
exhibits and entries took about 55 ms of a start of the desktop program, most of it decrypting
index pages read for the first time.
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

SCHEMA_V3 = """
CREATE TABLE producers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    initials TEXT NOT NULL,
    school TEXT NOT NULL,
    role TEXT NOT NULL,
    exhibit_prefix TEXT NOT NULL UNIQUE,
    ca_cert BLOB NOT NULL,
    signer_cert BLOB NOT NULL UNIQUE,
    created_utc TEXT NOT NULL
);
CREATE TABLE own_keys (
    producer_id INTEGER PRIMARY KEY CHECK (producer_id = 1) REFERENCES producers (id),
    ca_key BLOB NOT NULL,
    signer_key BLOB NOT NULL
);
INSERT INTO producers (id, name, initials, school, role, exhibit_prefix, ca_cert, signer_cert,
                       created_utc)
    SELECT 1, name, initials, school, role, initials, ca_cert, signer_cert, created_utc
    FROM identity;
INSERT INTO own_keys (producer_id, ca_key, signer_key) SELECT 1, ca_key, signer_key FROM identity;
DROP TABLE identity;

CREATE TRIGGER producers_no_update BEFORE UPDATE ON producers
BEGIN SELECT RAISE(ABORT, 'producers are kept as they were first stored'); END;
CREATE TRIGGER producers_no_delete BEFORE DELETE ON producers
BEGIN SELECT RAISE(ABORT, 'producers are kept as they were first stored'); END;
CREATE TRIGGER own_keys_no_update BEFORE UPDATE ON own_keys
BEGIN SELECT RAISE(ABORT, 'the signing identity is immutable'); END;
CREATE TRIGGER own_keys_no_delete BEFORE DELETE ON own_keys
BEGIN SELECT RAISE(ABORT, 'the signing identity is immutable'); END;

ALTER TABLE incidents ADD COLUMN sender_producer_id INTEGER REFERENCES producers (id);
ALTER TABLE incidents ADD COLUMN sender_id TEXT;
CREATE UNIQUE INDEX incidents_by_sender ON incidents (sender_producer_id, sender_id)
    WHERE sender_id IS NOT NULL;
CREATE TRIGGER incidents_sender_fixed BEFORE UPDATE OF sender_producer_id, sender_id ON incidents
BEGIN SELECT RAISE(ABORT, 'where an incident came from never changes'); END;

-- UNIQUE (initials, number) becomes UNIQUE (prefix, number): the column is renamed, its
-- constraint stays. Every exhibit so far is the own producer's, whose prefix is its initials.
ALTER TABLE exhibits RENAME COLUMN initials TO prefix;
ALTER TABLE exhibits ADD COLUMN sender_ref TEXT;

-- custody gets the producer who signed each row and which chain of the incident it is on, in
-- its primary key: the table is rebuilt (the triggers that name it are dropped first and made
-- again after). Every entry so far is on the store's own chain, signed by its own producer.
DROP TRIGGER chunks_delete_only_when_purged;
DROP TRIGGER custody_no_update;
DROP TRIGGER custody_no_delete;
DROP INDEX custody_by_action;
ALTER TABLE custody RENAME TO custody_v2;
CREATE TABLE custody (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    received INTEGER NOT NULL CHECK (received IN (0, 1)),
    seq INTEGER NOT NULL,
    producer_id INTEGER NOT NULL REFERENCES producers (id),
    utc TEXT NOT NULL,
    action TEXT NOT NULL,
    evidence_sha256 TEXT,
    hash TEXT NOT NULL,
    body BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (incident_id, received, seq)
);
INSERT INTO custody (incident_id, received, seq, producer_id, utc, action, evidence_sha256, hash,
                     body, signature)
    SELECT incident_id, 0, seq, 1, utc, action, evidence_sha256, hash, body, signature
    FROM custody_v2 ORDER BY incident_id, seq;
DROP TABLE custody_v2;
CREATE INDEX custody_by_action ON custody (action, evidence_sha256);
CREATE INDEX custody_by_producer ON custody (producer_id);
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;
CREATE TRIGGER chunks_delete_only_when_purged BEFORE DELETE ON exhibit_chunks
WHEN NOT EXISTS (
    SELECT 1 FROM exhibits e JOIN custody c
      ON c.incident_id = e.incident_id AND c.action = 'purged' AND c.evidence_sha256 = e.sha256
    WHERE e.id = OLD.exhibit_id
)
BEGIN SELECT RAISE(ABORT, 'exhibit bytes can only be removed by a recorded purge'); END;
"""

SCHEMA_V4 = """
CREATE TABLE school_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL,
    recipient TEXT NOT NULL,
    created_utc TEXT NOT NULL
);
CREATE TRIGGER school_key_no_update BEFORE UPDATE ON school_key
BEGIN SELECT RAISE(ABORT, 'the school key never changes'); END;
CREATE TRIGGER school_key_no_delete BEFORE DELETE ON school_key
BEGIN SELECT RAISE(ABORT, 'the school key never changes'); END;

CREATE TABLE school_cards (
    id INTEGER PRIMARY KEY,
    card BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    confirmed_how TEXT NOT NULL,
    joined_utc TEXT NOT NULL
);
CREATE TRIGGER school_cards_no_update BEFORE UPDATE ON school_cards
BEGIN SELECT RAISE(ABORT, 'a joined school card is kept as it was'); END;
CREATE TRIGGER school_cards_no_delete BEFORE DELETE ON school_cards
BEGIN SELECT RAISE(ABORT, 'a joined school card is kept as it was'); END;
"""

SCHEMA_V5 = """
CREATE INDEX custody_by_incident_time ON custody (incident_id, utc);
"""

SCHEMA_V6 = """
ALTER TABLE incidents ADD COLUMN exhibit_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN last_activity_utc TEXT;
UPDATE incidents SET
    exhibit_count = (SELECT COUNT(*) FROM exhibits e WHERE e.incident_id = incidents.id),
    last_activity_utc = (SELECT MAX(c.utc) FROM custody c WHERE c.incident_id = incidents.id);
CREATE TRIGGER incidents_count_exhibits AFTER INSERT ON exhibits
BEGIN
    UPDATE incidents SET exhibit_count = exhibit_count + 1 WHERE id = NEW.incident_id;
END;
CREATE TRIGGER incidents_last_activity AFTER INSERT ON custody
BEGIN
    UPDATE incidents SET last_activity_utc = NEW.utc
    WHERE id = NEW.incident_id AND (last_activity_utc IS NULL OR last_activity_utc < NEW.utc);
END;
"""

# MIGRATIONS[i] takes the schema from version i to version i + 1.
MIGRATIONS: Sequence[str] = (SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5, SCHEMA_V6)
CURRENT_VERSION = len(MIGRATIONS)
