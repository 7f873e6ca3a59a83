"""Many producers in one store: each chain verified against its own signer, and ids that stay
unique when incidents and exhibits from many laptops meet in one store."""

from __future__ import annotations

import io
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.domain.chain import (
    GENESIS_HASH,
    StoredEntry,
    entry_body,
    metadata_digest,
    sha256_hex,
)
from harmonize_evidence.domain.clock import FixedClock, format_utc
from harmonize_evidence.domain.errors import BadInput, VerificationFailed
from harmonize_evidence.domain.model import (
    Category,
    Exhibit,
    ExhibitKind,
    Incident,
    Producer,
    Role,
    Status,
    exhibit_prefix,
    normalise_exhibit_ref,
    parse_exhibit_ref,
)
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.producers import ReceivedExhibit
from harmonize_evidence.services.store import open_store
from harmonize_evidence.signing.identity import EntrySigner, NewIdentity, create_identity
from harmonize_evidence.vault.database import ProducerRecord
from tests.conftest import PASSPHRASE, MadeStore, StoreTemplates
from tests.test_store import _drop_triggers, raw_connection

COLLEAGUE = Producer("Zara Lee", "ZL", "Oak Hill Academy", Role.STAFF)
"""A colleague with the same initials as the store's own producer, Zoë Lane (ZL)."""


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def colleague(
    tmp_path: Path, clock: FixedClock, store_templates: StoreTemplates
) -> Iterator[EvidenceStore]:
    """Zara Lee's own store, on her own laptop: one incident with a screenshot and a note."""
    made = store_templates.copy(tmp_path / "colleague", COLLEAGUE, clock)
    with open_store(made.location, lambda: PASSPHRASE, clock) as store:
        incident = store.new_incident("Messages sent to Ms Lee", platforms=["WhatsApp"])
        (tmp_path / "chat.png").write_bytes(_png((10, 120, 60)))
        store.add_file(incident.id, tmp_path / "chat.png", url="https://x.com/a/status/7")
        store.add_note(incident.id, "Received on my phone at 19:05.")
        yield store


def _handed_over(
    sender: EvidenceStore, incident_id: str
) -> tuple[Incident, list[StoredEntry], list[ReceivedExhibit]]:
    """What a handover carries: the incident, its signed entries, its exhibits and bytes."""
    entries = [StoredEntry(e.seq, e.hash, e.body, e.signature) for e in sender.log(incident_id)]
    exhibits = [  # each exhibit's bytes can be read once, as from a package
        ReceivedExhibit(e, iter(list(sender.read_listed_exhibit(e)) if e.has_bytes else []))
        for e in sender.exhibits(incident_id)
    ]
    return sender.incident(incident_id), entries, exhibits


def _receive_colleagues_incident(
    store: EvidenceStore, colleague: EvidenceStore
) -> tuple[ProducerRecord, Incident]:
    sender = store.add_producer(
        colleague.producer, colleague.identity.ca_cert_pem, colleague.identity.signer_cert_pem
    )
    incident, entries, exhibits = _handed_over(colleague, "INC-2026-0001")
    return sender, store.receive_chain(sender, incident, entries, exhibits)


def _own_incident(store: EvidenceStore, tmp_path: Path) -> Incident:
    incident = store.new_incident("Comments about Ms Lane")
    (tmp_path / "own.png").write_bytes(_png((200, 30, 40)))
    store.add_file(incident.id, tmp_path / "own.png")
    return incident


def test_a_store_keeps_a_colleagues_chain_and_verifies_each_against_its_own_signer(
    store: EvidenceStore,
    colleague: EvidenceStore,
    made_store: MadeStore,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    own = _own_incident(store, tmp_path)
    sender, case = _receive_colleagues_incident(store, colleague)

    assert sender.producer == COLLEAGUE and not sender.own
    assert [p.exhibit_prefix for p in store.producers()] == ["ZL", "ZL2"]
    assert own.id == "INC-2026-0001" and case.id == "INC-2026-0002"
    assert (case.sender_id, case.sender_producer_id) == ("INC-2026-0001", sender.id)
    assert case.title == "Messages sent to Ms Lee"
    (received,) = store.exhibits(case.id)
    assert (received.ref, received.sender_ref) == ("ZL2/1", "ZL/1")
    assert [e.ref for e in store.exhibits(own.id)] == ["ZL/1"]
    assert store.exhibit_bytes(case.id, "ZL2/1") == b"".join(
        colleague.read_exhibit("INC-2026-0001", "ZL/1")
    )
    assert store.received_log(case.id) == colleague.log("INC-2026-0001")
    assert {e.actor for e in store.received_log(case.id)} == {"Zara Lee (ZL)"}
    assert {e.actor for e in store.log(own.id)} == {"Zoë Lane (ZL)"}
    report = store.verify()
    assert report.ok, report.problems
    assert report.entries_checked == 2 + 3 and report.exhibits_checked == 2

    store.close()
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as reopened:
        assert reopened.verify().ok
        assert [p.exhibit_prefix for p in reopened.producers()] == ["ZL", "ZL2"]
        assert [e.ref for e in reopened.exhibits(case.id)] == ["ZL2/1"]
        assert reopened.exhibit(case.id, "zl2-1").sender_ref == "ZL/1"


def test_an_entry_signed_by_one_producer_but_recorded_as_anothers_is_named_by_verify(
    store: EvidenceStore,
    colleague: EvidenceStore,
    made_store: MadeStore,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    own = _own_incident(store, tmp_path)
    sender, case = _receive_colleagues_incident(store, colleague)
    store.close()
    db = raw_connection(made_store.location)
    _drop_triggers(db)
    db.execute(
        "UPDATE custody SET producer_id = 1 WHERE incident_id = ? AND received = 1 AND seq = 2",
        (case.id,),
    )
    db.execute(
        "UPDATE custody SET producer_id = ? WHERE incident_id = ? AND received = 0 AND seq = 1",
        (sender.id, own.id),
    )
    db.close()
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as reopened:
        problems = [str(p) for p in reopened.verify().problems]
    assert problems == [
        f"{own.id} custody entry 1: Zoë Lane (ZL) signed it, not Zara Lee (ZL) as this store "
        "records",
        f"{own.id} custody entry 1: it is on this store's own chain but recorded as signed by "
        "Zara Lee (ZL)",
        f"{case.id} (received as INC-2026-0001) custody entry 2: Zara Lee (ZL) signed it, not "
        "Zoë Lane (ZL) as this store records",
    ]


def _chain(
    identity: NewIdentity, actor: str, incident_id: str, exhibits: list[Exhibit]
) -> list[StoredEntry]:
    """A chain signed with ``identity``'s key: the incident opened, then each exhibit added."""
    signer = EntrySigner(identity.signer_key_pem)
    steps = [("incident_created", {"title": "Made elsewhere"}, None)] + [
        (
            "evidence_imported",
            {
                "exhibit": e.ref,
                "kind": e.kind.value,
                "media_type": e.media_type,
                "size": e.size,
                "metadata_sha256": metadata_digest(e.metadata),
            },
            e.sha256,
        )
        for e in exhibits
    ]
    rows: list[StoredEntry] = []
    prev = GENESIS_HASH
    for seq, (action, details, evidence) in enumerate(steps, start=1):
        body = entry_body(
            incident_id=incident_id,
            seq=seq,
            utc=format_utc(datetime(2026, 11, 20, 8, seq, tzinfo=UTC)),
            actor=actor,
            action=action,
            details=details,
            evidence_sha256=evidence,
            prev_hash=prev,
        )
        prev = sha256_hex(body)
        rows.append(StoredEntry(seq, prev, body, signer.sign(body)))
    return rows


def _sent_incident(incident_id: str = "INC-2026-0001") -> Incident:
    return Incident(
        id=incident_id,
        title="Made elsewhere",
        category=Category.OTHER,
        platforms=(),
        people="",
        reported_by="Someone else",
        created_utc=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        status=Status.HANDED_OVER,
    )


def _sent_exhibit(ref: str, data: bytes) -> Exhibit:
    return Exhibit(
        ref=ref,
        incident_id="INC-2026-0001",
        kind=ExhibitKind.DOCUMENT,
        media_type="text/plain",
        size=len(data),
        sha256=sha256_hex(data),
        created_utc=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        metadata={"note": f"exhibit {ref}"},
    )


def _nothing_kept(store: EvidenceStore, before: int) -> None:
    assert len(store.incidents()) == before
    assert store.verify().ok


def test_an_entry_signed_in_another_producers_name_is_refused_and_nothing_is_kept(
    store: EvidenceStore, colleague: EvidenceStore, clock: FixedClock
) -> None:
    sender = store.add_producer(
        colleague.producer, colleague.identity.ca_cert_pem, colleague.identity.signer_cert_pem
    )
    forged = NewIdentity(
        colleague.identity.ca_cert_pem,
        colleague.identity.ca_key_pem,
        colleague.identity.signer_cert_pem,
        colleague.identity.signer_key_pem,
    )
    entries = _chain(forged, store.producer.actor, "INC-2026-0001", [])
    with pytest.raises(VerificationFailed) as refused:
        store.receive_chain(sender, _sent_incident(), entries)
    assert str(refused.value) == (
        "INC-2026-0001 from Zara Lee (ZL) was not kept, as it does not verify: custody entry 1: "
        "it names Zoë Lane (ZL) as its actor but Zara Lee (ZL) signed it."
    )
    _nothing_kept(store, 0)


def test_a_chain_signed_by_someone_other_than_its_sender_is_refused(
    store: EvidenceStore, colleague: EvidenceStore, clock: FixedClock
) -> None:
    third = Producer("Cat Able", "CA", "Oak Hill Academy", Role.STAFF)
    made = create_identity(third, clock.now())
    held = store.add_producer(third, made.ca_cert_pem, made.signer_cert_pem)
    store.add_producer(
        colleague.producer, colleague.identity.ca_cert_pem, colleague.identity.signer_cert_pem
    )
    incident, entries, exhibits = _handed_over(colleague, "INC-2026-0001")
    with pytest.raises(VerificationFailed, match=r"Zara Lee \(ZL\) signed it, not Cat Able"):
        store.receive_chain(held, incident, entries, exhibits)
    _nothing_kept(store, 0)


def test_an_exhibit_whose_bytes_differ_from_its_chain_is_refused_and_nothing_is_kept(
    store: EvidenceStore, colleague: EvidenceStore
) -> None:
    sender = store.add_producer(
        colleague.producer, colleague.identity.ca_cert_pem, colleague.identity.signer_cert_pem
    )
    incident, entries, (exhibit,) = _handed_over(colleague, "INC-2026-0001")
    swapped = ReceivedExhibit(exhibit.exhibit, [_png((0, 0, 0))])
    with pytest.raises(VerificationFailed, match="bytes of exhibit ZL/1 do not match"):
        store.receive_chain(sender, incident, entries, [swapped])
    with pytest.raises(VerificationFailed, match="exhibit ZL/1, which is missing"):
        store.receive_chain(sender, incident, entries, [])
    _nothing_kept(store, 0)
    assert store.exhibits  # the store still answers after the rolled-back attempts


def test_the_same_incident_of_a_sender_is_kept_as_one_case(
    store: EvidenceStore, colleague: EvidenceStore
) -> None:
    sender, case = _receive_colleagues_incident(store, colleague)
    again = store.add_producer(
        colleague.producer, colleague.identity.ca_cert_pem, colleague.identity.signer_cert_pem
    )
    assert again == sender
    incident, entries, _exhibits = _handed_over(colleague, "INC-2026-0001")
    again_case = store.receive_chain(sender, incident, entries, [])
    assert again_case.id == case.id  # the same chain again adds nothing
    assert [i.id for i in store.incidents()] == [case.id]


def test_a_signing_certificate_from_another_evidence_ca_is_not_held(
    store: EvidenceStore, colleague: EvidenceStore
) -> None:
    with pytest.raises(BadInput, match="not issued by this Evidence CA"):
        store.add_producer(
            COLLEAGUE, store.identity.ca_cert_pem, colleague.identity.signer_cert_pem
        )
    assert len(store.producers()) == 1


# -- the id rules ----------------------------------------------------------------------------------

initials = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=4)


@given(st.lists(st.one_of(initials, st.sampled_from(["ZL", "Z", "ZLA"])), max_size=40))
def test_every_producer_of_a_store_gets_an_exhibit_prefix_no_other_has(
    arrivals: list[str],
) -> None:
    prefixes: list[str] = []
    for arriving in arrivals:
        prefixes.append(exhibit_prefix(arriving, prefixes))
    assert len(set(prefixes)) == len(prefixes)
    for arriving, prefix in zip(arrivals, prefixes, strict=True):
        assert prefix.startswith(arriving) and (prefix == arriving or prefix[len(arriving) :] > "1")
        # The first producer with these initials keeps them, as on their own laptop.
        assert (prefix == arriving) == (arrivals.index(arriving) == prefixes.index(prefix))
    refs = [f"{prefix}/{number}" for prefix in prefixes for number in (1, 2, 10)]
    assert len(set(refs)) == len(refs)
    for ref in refs:
        assert normalise_exhibit_ref(ref.lower().replace("/", "-")) == ref
        assert "/".join(map(str, parse_exhibit_ref(ref))) == ref


@settings(max_examples=8)
@given(senders=st.lists(st.sampled_from(["ZL", "Z", "AB"]), min_size=1, max_size=4))
def test_references_stay_distinct_and_stable_when_incidents_from_many_laptops_meet(
    senders: list[str],
    tmp_path_factory: pytest.TempPathFactory,
    clock: FixedClock,
    store_templates: StoreTemplates,
) -> None:
    home = tmp_path_factory.mktemp("lead")
    made = store_templates.copy(
        home / "store", Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.LEAD), clock
    )
    with open_store(made.location, lambda: PASSPHRASE, clock) as store:
        (home / "own.txt").write_text("the lead's own evidence\n")
        own = store.new_incident("The lead's own case")
        store.add_file(own.id, home / "own.txt")
        for index, sent_initials in enumerate(senders):
            person = Producer(f"Teacher {index}", sent_initials, "Oak Hill Academy", Role.STAFF)
            identity = create_identity(person, clock.now())
            sender = store.add_producer(person, identity.ca_cert_pem, identity.signer_cert_pem)
            exhibits = [
                _sent_exhibit(f"{sent_initials}/{n}", f"{index} {n}\n".encode()) for n in (1, 2)
            ]
            # Every laptop's first incident of the year is INC-2026-0001.
            store.receive_chain(
                sender,
                _sent_incident(),
                _chain(identity, person.actor, "INC-2026-0001", exhibits),
                [ReceivedExhibit(e, [f"{index} {e.number}\n".encode()]) for e in exhibits],
            )
        seen = {i.id: [e.ref for e in store.exhibits(i.id)] for i in store.incidents()}
        prefixes = [p.exhibit_prefix for p in store.producers()]
        report = store.verify()
        assert report.ok, report.problems
    refs = [ref for refs in seen.values() for ref in refs]
    assert len(set(refs)) == len(refs) == 1 + 2 * len(senders)
    assert len(seen) == 1 + len(senders)
    with open_store(made.location, lambda: PASSPHRASE, clock) as reopened:
        assert {i.id: [e.ref for e in reopened.exhibits(i.id)] for i in reopened.incidents()} == (
            seen
        )
        assert [p.exhibit_prefix for p in reopened.producers()] == prefixes
        assert {i.sender_id for i in reopened.incidents()} == {None, "INC-2026-0001"}
