"""An officer who searches or copies the report gets back exactly what the member of staff typed.

A real export of a real store, read back with poppler's ``pdftotext``, as an officer's PDF reader
would: no ligature glyphs in place of letters ("Inﬆagram"), no Arabic presentation forms in
place of the letters typed, no emoji lost, whether the text is a written account, an exhibit's
note in its metadata table or the incident's title.

What poppler does on its own, and is normalised away before comparing (measured with poppler
22.12): it writes each right-to-left section of a line in logical order between U+202B and
U+202C, and such a section runs on over the spaces and punctuation that follow it up to the next
left-to-right letter or digit, so the space or bracket after an Arabic run comes out at the start
of the run instead, in reverse order; and it ends each printed line with a line break where the
report wrapped the text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.vault.keys import PassphraseCost
from tests.conftest import PASSPHRASE

LATIN = "Saw the Instagram post first; staff asked the artist to stop posting it."
POLISH = "Łukasz Żółć napisał: zażółć gęślą jaźń, źdźbło świerszcza."
ARABIC = "قال محمد الأحمد لا بأس عليك يا صديقي"
MIXED = "Spoke to محمد الأحمد after the Instagram post at 09:10."
EMOJI = "Zoë posted 😀 first😀then 👍🏽 and 🇬🇧 flags near the post"
HARAKAT = "Named مُحَمَّد in the post"
BRACKETS = "Spoke to (محمد) and [سارة] about {الأحمد} at 09:10"
SAMPLES = (LATIN, POLISH, ARABIC, MIXED, EMOJI, HARAKAT, BRACKETS)

_RTL_SECTION = re.compile("\u202b([^\u202c]*)\u202c")
# What a section swept up after its last right-to-left letter: spaces and punctuation, which
# poppler writes reversed at the section's start.
_SWEPT = re.compile(r"[^\w\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+")
# Ligatures and Arabic presentation forms: glyphs that stand for other characters.
_STAND_INS = re.compile("[\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufeff]")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (.ci/run installs poppler-utils)")
    return path


def poppler_normalised(text: str) -> str:
    """``pdftotext`` output with only poppler's own conventions undone (module docstring)."""

    def section(match: re.Match[str]) -> str:
        run = match.group(1)
        swept = _SWEPT.match(run)
        taken = swept.group(0) if swept else ""
        return run[len(taken) :] + taken[::-1]

    return " ".join(_RTL_SECTION.sub(section, text).split())


def typed(text: str) -> str:
    """What was typed, with the same whitespace rule (a wrapped line is still one line)."""
    return " ".join(text.split())


@dataclass
class Report:
    pdf: Path
    text: str
    ok: bool


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """One incident: each sample as a written account, as an exhibit's note, and in a title."""
    directory = tmp_path_factory.mktemp("report-text")
    clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(
        StoreLocation(directory / "store"),
        producer,
        PASSPHRASE,
        clock,
        passphrase_cost=PassphraseCost(memory_kib=8, iterations=1, lanes=1),
    )
    with store:
        incident = store.new_incident(f"Instagram post about {ARABIC[:15]} and Łukasz")
        for number, sample in enumerate(SAMPLES):
            store.add_note(incident.id, sample)
            document = directory / f"statement-{number}.txt"
            document.write_text(f"statement {number}\n", encoding="utf-8")
            store.add_file(incident.id, document, note=sample)
        result = export_bundle(store, incident.id, directory)
    pdf = directory / "report.pdf"
    with zipfile.ZipFile(result.bundle) as archive:
        pdf.write_bytes(archive.read("report.pdf"))
    extracted = subprocess.run(
        [_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    )
    yield Report(pdf, extracted.stdout, verify_bundle(result.bundle).ok)


def test_searching_the_report_finds_the_words_as_typed(report: Report) -> None:
    assert report.ok
    assert "Inﬆagram" not in report.text and "poﬆ" not in report.text
    assert "Instagram" in report.text
    assert "post" in report.text
    assert "first" in report.text
    assert "محمد" in report.text
    assert "Żółć" in report.text
    assert _STAND_INS.findall(report.text) == []


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=["latin", "polish", "arabic", "mixed", "emoji", "harakat", "brackets"]
)
def test_written_account_and_exhibit_note_extract_exactly_as_typed(
    report: Report, sample: str
) -> None:
    text = poppler_normalised(report.text)
    # Once under "Written accounts and notes", once in the exhibit's metadata table.
    assert text.count(typed(sample)) >= 2, (sample, text)


def test_incident_title_extracts_exactly_as_typed(report: Report) -> None:
    title = f"Instagram post about {ARABIC[:15]} and Łukasz"
    assert typed(title) in poppler_normalised(report.text)


def test_nothing_typed_is_replaced_by_a_different_character(report: Report) -> None:
    text = poppler_normalised(report.text)
    for sample in SAMPLES:
        for word in sample.split():
            assert word in text, word
