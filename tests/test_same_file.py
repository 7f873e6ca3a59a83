"""The same file added to an incident twice is never silent: the earlier exhibit is named.

The matching is by SHA-256 against the incident's own exhibits, in services, for both faces: the
command line adds the file again and says so on stderr (and in its JSON); the desktop program
asks first (tests/ui/test_add_files_again.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.same_file import (
    SameFile,
    add_file,
    added_again,
    earlier_exhibit,
    files_already_kept,
)
from tests.conftest import Cli


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_a_file_added_again_names_the_earlier_exhibit(store: EvidenceStore, tmp_path: Path) -> None:
    incident = store.new_incident("Posts about Ms Lane")
    first = add_file(store, incident.id, _file(tmp_path, "post.txt", b"You should be sacked\n"))
    assert first.earlier is None
    other = add_file(store, incident.id, _file(tmp_path, "other.txt", b"another post\n"))
    assert other.earlier is None
    again = add_file(store, incident.id, _file(tmp_path, "post (1).txt", b"You should be sacked\n"))
    assert again.earlier is not None and again.earlier.ref == first.exhibit.ref
    assert again.exhibit.ref != first.exhibit.ref  # still added: scripts may rely on it
    assert len(store.exhibits(incident.id)) == 3
    assert added_again(again.earlier, again.exhibit, store.clock.zone) == (
        f"This file is already exhibit {first.exhibit.ref} of {incident.id} (added 21 Nov 2026 "
        f"21:40 GMT); it was added again as {again.exhibit.ref}."
    )


def test_the_same_file_in_another_incident_is_not_the_same_exhibit(
    store: EvidenceStore, tmp_path: Path
) -> None:
    one = store.new_incident("One")
    two = store.new_incident("Two")
    path = _file(tmp_path, "shared.txt", b"posted in two places\n")
    add_file(store, one.id, path)
    assert add_file(store, two.id, path).earlier is None
    assert files_already_kept(store, two.id, [path])[0].earlier is not None
    assert files_already_kept(store, store.new_incident("Three").id, [path]) == []


def test_a_purged_exhibit_still_counts_and_says_so(store: EvidenceStore, tmp_path: Path) -> None:
    incident = store.new_incident("Purged")
    path = _file(tmp_path, "old.txt", b"kept too long\n")
    first = add_file(store, incident.id, path).exhibit
    store.purge(incident.id, first.ref, "retention period over")
    again = add_file(store, incident.id, path)
    assert again.earlier is not None and again.earlier.purged
    assert added_again(again.earlier, again.exhibit, store.clock.zone).startswith(
        f"This file was exhibit {first.ref} of {incident.id} (added 21 Nov 2026 21:40 GMT, its "
        "copy since purged); it was added again as "
    )


def test_the_files_chosen_are_checked_before_anything_is_added(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Phone screenshots")
    kept = add_file(store, incident.id, _file(tmp_path, "IMG_1.PNG", b"picture one")).exhibit
    chosen = [
        _file(tmp_path, "IMG_1 copy.PNG", b"picture one"),
        _file(tmp_path, "IMG_2.PNG", b"picture two"),
        _file(tmp_path, "IMG_2 (1).PNG", b"picture two"),
        tmp_path / "gone.PNG",  # unreadable: adding it will say why
    ]
    found = files_already_kept(store, incident.id, chosen)
    assert found == [
        SameFile(chosen[0], kept),
        SameFile(chosen[2], None, chosen[1]),
    ]
    zone = store.clock.zone
    assert found[0].sentence(zone) == (
        f"IMG_1 copy.PNG is already exhibit {kept.ref}, added 21 Nov 2026 21:40 GMT"
    )
    assert found[1].sentence(zone) == "IMG_2 (1).PNG is the same file as IMG_2.PNG, chosen too"
    assert len(store.exhibits(incident.id)) == 1


_EXHIBIT = Exhibit(
    ref="ZL/1",
    incident_id="INC-2026-0001",
    kind=ExhibitKind.IMAGE,
    media_type="image/png",
    size=1,
    sha256=None,
    created_utc=datetime(2026, 11, 21, 21, 40, tzinfo=UTC),
)


@given(
    hashes=st.lists(st.none() | st.sampled_from(["a" * 64, "b" * 64, "c" * 64]), max_size=8),
    wanted=st.none() | st.sampled_from(["a" * 64, "b" * 64, "c" * 64]),
)
def test_the_earlier_exhibit_is_the_first_with_the_same_hash(
    hashes: list[str | None], wanted: str | None
) -> None:
    exhibits = [
        replace(_EXHIBIT, ref=f"ZL/{n}", sha256=h, created_utc=_EXHIBIT.created_utc + timedelta(n))
        for n, h in enumerate(hashes, start=1)
    ]
    found = earlier_exhibit(exhibits, wanted)
    if wanted is None or wanted not in hashes:
        assert found is None  # a record without a file matches nothing
    else:
        assert found is exhibits[hashes.index(wanted)]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kept=st.lists(st.binary(min_size=1, max_size=6), max_size=3),
    chosen=st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=4),
)
def test_exactly_the_files_kept_before_or_chosen_twice_are_found(
    store: EvidenceStore, tmp_path_factory: pytest.TempPathFactory, kept: list[bytes],
    chosen: list[bytes],
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("files")
    incident = store.new_incident("Generated")
    for number, data in enumerate(kept):
        add_file(store, incident.id, _file(folder, f"kept-{number}", data))
    paths = [_file(folder, f"chosen-{number}", data) for number, data in enumerate(chosen)]
    found = {same.path: same for same in files_already_kept(store, incident.id, paths)}
    for number, data in enumerate(chosen):
        same = found.get(paths[number])
        if data in kept:
            assert same is not None and same.earlier is not None
            assert same.earlier.ref == store.exhibits(incident.id)[kept.index(data)].ref
        elif data in chosen[:number]:
            assert same == SameFile(paths[number], None, paths[chosen.index(data)])
        else:
            assert same is None


def test_the_command_line_adds_it_again_and_names_the_earlier_exhibit(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Posts").json["id"]
    path = _file(tmp_path, "post.txt", b"You should be sacked\n")
    first = cli("--json", "add", incident, str(path))
    assert first.code == 0, first.stderr
    assert first.json["already_exhibit"] is None and first.stderr == ""
    again = cli("add", incident, str(path))
    assert again.code == 0, again.stderr
    assert again.stdout.startswith("Stored post.txt as exhibit ZL/2 in ")
    earlier = first.json["exhibit"]
    assert again.stderr.startswith(
        f"harmonize-evidence: This file is already exhibit {earlier} of {incident} (added "
    )
    assert again.stderr.endswith("); it was added again as ZL/2.\n")
    third = cli("--json", "add", incident, str(path))
    assert third.code == 0 and third.json["exhibit"] == "ZL/3"
    assert third.json["already_exhibit"] == earlier  # the first, not the latest copy
    assert "it was added again as ZL/3." in third.stderr
