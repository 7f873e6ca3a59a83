"""The note index: searching incidents also finds what staff wrote about them (a real store)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from harmonize_evidence.domain.errors import Cancelled
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.search import add_notes, note_index


def _png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_search_index_holds_written_accounts_and_what_each_exhibit_says(
    store: EvidenceStore, tmp_path: Path
) -> None:
    accounts = store.new_incident("Comments under the staff photo")
    store.add_note(accounts.id, "On MONDAY a parent rang about the comments.")
    store.add_file(
        accounts.id,
        _png(tmp_path / "post.png"),
        url="https://www.instagram.com/p/C0ffee/",
        note="Posted by Pupil B",
    )
    described = store.new_incident("A post that must not be copied")
    record_without_image(store, described.id, description="A picture of a Year 9 pupil.", url=None)
    quiet = store.new_incident("Nothing written yet")

    index = note_index(store)

    assert set(index) == {accounts.id, described.id, quiet.id}
    assert "on monday a parent rang" in index[accounts.id]
    assert "posted by pupil b" in index[accounts.id]
    assert "https://www.instagram.com/p/c0ffee/" in index[accounts.id]
    assert "a picture of a year 9 pupil." in index[described.id]
    assert index[quiet.id] == ""
    assert "comments under" not in index[accounts.id]  # the title is matched from the list


def test_a_written_account_recorded_later_joins_the_index(store: EvidenceStore) -> None:
    incident = store.new_incident("Messages to Ms Lane")
    index = note_index(store)
    entry = store.add_note(incident.id, "The Head of Year was told on Tuesday.")

    add_notes(index, incident.id, [entry])

    assert index[incident.id].strip() == note_index(store)[incident.id]
    assert "the head of year was told on tuesday." in index[incident.id]


def test_building_the_index_reports_progress_and_can_be_stopped(store: EvidenceStore) -> None:
    for number in range(3):
        store.new_incident(f"Incident {number}")
    seen: list[tuple[int, int]] = []
    note_index(store, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3), (1, 3), (2, 3)]

    def stop(done: int, _total: int) -> None:
        if done == 1:
            raise Cancelled

    with pytest.raises(Cancelled):
        note_index(store, progress=stop)
