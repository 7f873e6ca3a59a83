"""Benchmark of the evidence store (issue: foundation). Prints ratios against baselines run here.

Run from the project root: ``python tests/benchmarks/store.py [--files 1000]``.

1. ``add`` of 1 MB files: median per add through EvidenceStore.add_file, against a bare sqlcipher3
   insert of the same bytes with the same raw key, page size and pragmas, plus a SHA-256 (target:
   at most 1.3x), and against plain sqlite3 (the cost of encryption itself). Also the bare insert
   at several SQLCipher page sizes, which is how the store's page size was chosen.
2. Unlocking: opening with a key in hand (what the keychain path does once keyring answers) and
   with the passphrase (Argon2id; meant to be slow, aim 0.3-1 s).
3. ``verify`` of an incident with 10,000 custody entries, against bare SHA-256 + ECDSA verification
   of the same entries with ``cryptography`` (target: at most 1.5x).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import load_pem_x509_certificate

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harmonize_evidence.domain.model import Action, Producer, Role
from harmonize_evidence.services.clock import SystemClock
from harmonize_evidence.services.store import (
    CIPHER_PAGE_SIZE,
    StoreLocation,
    create_store,
    open_store,
)
from harmonize_evidence.vault.database import open_database
from harmonize_evidence.vault.keys import KeyFile

PASSPHRASE = "benchmark passphrase"
MB = 1024 * 1024


class BareInserter:
    """The baseline: one table, one blob column, the same key type, page size and pragmas."""

    def __init__(self, connection: Any, key: bytes | None, page_size: int) -> None:
        self.db = connection
        if key is not None:
            self.db.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            self.db.execute(f"PRAGMA cipher_page_size = {page_size}")
        else:
            self.db.execute(f"PRAGMA page_size = {page_size}")
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "temp_store = MEMORY"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, sha256 TEXT, data BLOB)")

    def add(self, file: Path) -> float:
        start = time.perf_counter()
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO blobs (sha256, data) VALUES (?, ?)", (digest, data))
        self.db.execute("COMMIT")
        return time.perf_counter() - start

    def close(self) -> None:
        self.db.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_adds(work: Path, count: int) -> None:
    print(f"\n1. add of {count} files of 1 MB (median per add)")
    sources = work / "files"
    sources.mkdir()
    files = []
    for n in range(count):
        path = sources / f"f{n:05d}.bin"
        path.write_bytes(os.urandom(MB))
        files.append(path)
    key = os.urandom(32)
    location = StoreLocation(work / "store")
    store, _ = create_store(
        location, Producer("Bench Mark", "BM", "School", Role.STAFF), PASSPHRASE, SystemClock()
    )
    incident = store.new_incident("Benchmark")
    bare = BareInserter(
        sqlcipher3.connect(str(work / "bare.db"), isolation_level=None), key, CIPHER_PAGE_SIZE
    )
    plain = BareInserter(sqlite3.connect(str(work / "plain.db"), isolation_level=None), None, 4096)
    ours: list[float] = []
    bare_times: list[float] = []
    plain_times: list[float] = []
    for file in files:  # interleaved, so load and disk state affect all three alike
        start = time.perf_counter()
        store.add_file(incident.id, file)
        ours.append(time.perf_counter() - start)
        bare_times.append(bare.add(file))
        plain_times.append(plain.add(file))
    store.close()
    bare.close()
    plain.close()
    m_ours, m_bare, m_plain = (statistics.median(t) for t in (ours, bare_times, plain_times))
    print(f"   ours (EvidenceStore.add_file)          {ms(m_ours)}")
    print(
        f"   bare sqlcipher3 insert + SHA-256       {ms(m_bare)}   (page size {CIPHER_PAGE_SIZE})"
    )
    print(f"   plain sqlite3 insert + SHA-256         {ms(m_plain)}")
    print(f"   ratio ours / bare sqlcipher3:          {m_ours / m_bare:.2f}x   (target <= 1.3x)")
    print(f"   ratio bare sqlcipher3 / plain sqlite3: {m_bare / m_plain:.2f}x   (encryption)")
    print(f"   ratio ours / plain sqlite3:            {m_ours / m_plain:.2f}x")
    subset = files[: min(200, count)]
    print(f"   page size choice (bare sqlcipher3 insert, {len(subset)} files, interleaved):")
    sizes = (4096, 16384, 65536)
    inserters = [
        BareInserter(sqlcipher3.connect(str(work / f"page{p}.db"), isolation_level=None), key, p)
        for p in sizes
    ]
    results: dict[int, list[float]] = {p: [] for p in sizes}
    for file in subset:
        for page_size, inserter in zip(sizes, inserters, strict=True):
            results[page_size].append(inserter.add(file))
    for page_size, inserter in zip(sizes, inserters, strict=True):
        inserter.close()
        print(f"     {page_size:>6} bytes: {ms(statistics.median(results[page_size]))}")


def bench_unlock(work: Path) -> None:
    print("\n2. unlocking (median of 5)")
    location = StoreLocation(work / "unlock")
    store, _ = create_store(
        location, Producer("Bench Mark", "BM", "School", Role.STAFF), PASSPHRASE, SystemClock()
    )
    store.close()
    key_file = KeyFile.load(location.key_file)
    key = key_file.unwrap_with_passphrase(PASSPHRASE)
    with_key, with_passphrase = [], []
    for _ in range(5):
        start = time.perf_counter()
        loaded = KeyFile.load(location.key_file)
        assert loaded.matches(key)
        open_database(location.database, key, loaded.cipher_page_size).close()
        with_key.append(time.perf_counter() - start)
        start = time.perf_counter()
        open_store(location, lambda: PASSPHRASE, SystemClock()).close()
        with_passphrase.append(time.perf_counter() - start)
    print(
        f"   key in hand (keychain path, after keyring answers): {ms(statistics.median(with_key))}"
    )
    print(
        "   passphrase (Argon2id 256 MiB, t=2, p=4 + open):      "
        f"{ms(statistics.median(with_passphrase))}   (aim 300-1000 ms)"
    )


def bench_verify(work: Path, count: int) -> None:
    print(f"\n3. verify of one incident with {count:,} custody entries (median of 3)")
    location = StoreLocation(work / "verify")
    store, _ = create_store(
        location, Producer("Bench Mark", "BM", "School", Role.STAFF), PASSPHRASE, SystemClock()
    )
    incident = store.new_incident("Long chain")
    with store._vault.transaction():  # bulk set-up only; the code under test is verify()
        for n in range(count - 1):
            store._append(incident.id, Action.NOTE_ADDED, {"text": f"Contemporaneous note {n}"})
    rows = list(store._vault.stored_entries(incident.id))
    assert len(rows) == count
    public_key = load_pem_x509_certificate(store.identity.signer_cert_pem).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)

    def baseline() -> None:
        for row in rows:
            assert hashlib.sha256(row.body).hexdigest() == row.hash
            try:
                public_key.verify(row.signature, row.body, ec.ECDSA(hashes.SHA256()))
            except InvalidSignature as exc:
                raise AssertionError from exc

    ours, base = [], []
    for _ in range(3):
        start = time.perf_counter()
        report = store.verify(incident.id)
        ours.append(time.perf_counter() - start)
        assert report.ok and report.entries_checked == count
        start = time.perf_counter()
        baseline()
        base.append(time.perf_counter() - start)
    store.close()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print(f"   ours (EvidenceStore.verify, incl. integrity check): {ms(m_ours)}")
    print(f"   bare SHA-256 + ECDSA verify (cryptography):         {ms(m_base)}")
    print(f"   ratio: {m_ours / m_base:.2f}x   (target <= 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    print(
        f"Store benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"SQLCipher page size {CIPHER_PAGE_SIZE}"
    )
    with tempfile.TemporaryDirectory(prefix="he-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        work = Path(tmp)
        bench_adds(work, args.files)
        bench_unlock(work)
        bench_verify(work, args.entries)


if __name__ == "__main__":
    main()
