"""Who produced the exhibits and how each reached the computer, as the report's statement says.

The statement of production and continuity names the producer's job title (asked at setup), says
how many pages the report has, and for each imported file how it reached the computer, in the
words of whoever added it (``came_from``, asked by Add files and ``add --came-from``).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.clock import SystemClock
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.job_title import checked_job_title, job_title, set_job_title
from harmonize_evidence.services.store import StoreLocation, create_store, open_store
from tests.conftest import PASSPHRASE, TEST_COST, Cli, StoreTemplates

LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)


def _png(path: Path) -> Path:
    Image.new("RGB", (120, 200), (200, 30, 30)).save(path, format="PNG")
    return path


def _statement(store: EvidenceStore, incident: str, folder: Path) -> tuple[str, int]:
    """The statement's text (one line per paragraph line, spaces tidied) and the page count."""
    bundle = export_bundle(store, incident, folder).bundle
    pdf = folder / "report.pdf"
    with zipfile.ZipFile(bundle) as archive:
        pdf.write_bytes(archive.read("report.pdf"))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    start = text.index("Statement of production and continuity")
    return " ".join(text[start : text.index("This statement is true", start)].split()), pages


def test_the_statement_names_the_job_title_the_page_count_and_how_each_file_came(
    tmp_path: Path, clock: FixedClock
) -> None:
    producer = Producer("Łukasz Nowak", "LN", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(
        StoreLocation(tmp_path / "store"),
        producer,
        PASSPHRASE,
        clock,
        passphrase_cost=TEST_COST,
        job_title="  Head of   Year 9 ",
    )
    with store:
        assert job_title(store) == "Head of Year 9"
        incident = store.new_incident("Posts about Mr Nowak").id
        store.add_file(
            incident,
            _png(tmp_path / "phone.png"),
            came_from="screenshot on my phone,\nemailed to my school address",
        )
        (tmp_path / "chat.txt").write_text("the chat, exported", encoding="utf-8")
        store.add_file(incident, tmp_path / "chat.txt", came_from="   ")
        said, pages = _statement(store, incident, tmp_path)
    assert said.startswith(
        "Statement of production and continuity I, Łukasz Nowak, Head of Year 9 at Oak Hill "
        "Academy, produce the exhibits"
    )
    assert f"This report, this statement included, has {pages} pages, each numbered" in said
    assert (
        "Exhibits that I imported from files, unchanged: LN/1 (the file phone.png; how it reached "
        "this computer: screenshot on my phone, emailed to my school address); LN/2 (the file "
        "chat.txt; how it reached this computer was not recorded)." in said
    ), said


def test_without_a_job_title_the_statement_says_the_role_in_words(
    tmp_path: Path, clock: FixedClock, store_templates: StoreTemplates
) -> None:
    made = store_templates.copy(tmp_path / "lead", LEAD, clock)
    with open_store(made.location, lambda: PASSPHRASE, clock) as lead:
        assert job_title(lead) is None
        incident = lead.new_incident("Posts").id
        said, _ = _statement(lead, incident, tmp_path)
        assert "I, Priya Shah, the designated safeguarding lead at Oak Hill Academy" in said
        assert set_job_title(lead, "Deputy Head (Pastoral)") == "Deputy Head (Pastoral)"
        (tmp_path / "again").mkdir()
        said, _ = _statement(lead, incident, tmp_path / "again")
        assert "I, Priya Shah, Deputy Head (Pastoral) at Oak Hill Academy" in said


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=80))
def test_any_text_is_a_job_title_as_tidied_or_one_sentence_why_not(typed: str) -> None:
    try:
        kept = checked_job_title(typed)
    except BadInput as exc:
        assert exc.message.endswith(".") and "\n" not in exc.message
        return
    assert kept == " ".join(typed.split()) and kept


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=300))
def test_how_a_file_came_is_kept_as_typed_or_refused_with_nothing_stored(
    store: EvidenceStore, tmp_path: Path, typed: str
) -> None:
    incident = store.new_incident("Files from a phone").id
    path = tmp_path / "phone.png"
    if not path.exists():
        _png(path)
    try:
        exhibit = store.add_file(incident, path, came_from=typed)
    except BadInput as exc:
        assert exc.message.endswith(".")
        assert store.exhibits(incident) == []
        return
    assert exhibit.metadata.get("came_from") == (typed.strip() or None)
    assert store.verify(incident).ok


def test_the_command_line_asks_for_both(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli = Cli(tmp_path / "store", cli_env, warm=True)
    made = cli(
        "init",
        "--name",
        "Zoë Lane",
        "--initials",
        "ZL",
        "--school",
        "Oak Hill Academy",
        "--job-title",
        "Teacher of English",
    )
    assert made.code == 0, made.stderr
    refused = Cli(tmp_path / "other", cli_env, warm=True)(
        "init",
        "--name",
        "Zoë Lane",
        "--initials",
        "ZL",
        "--school",
        "Oak Hill Academy",
        "--job-title",
        "\u202eTeacher",
    )
    assert refused.code == 2 and "job title" in refused.stderr
    assert not (tmp_path / "other" / "evidence.db").exists()
    incident = cli("--json", "incident", "new", "--title", "Posts").json["id"]
    added = cli(
        "--json",
        "add",
        incident,
        str(_png(tmp_path / "p.png")),
        "--came-from",
        "AirDropped from my phone",
    )
    assert added.code == 0, added.stderr
    with open_store(StoreLocation(tmp_path / "store"), lambda: PASSPHRASE, SystemClock()) as store:
        assert job_title(store) == "Teacher of English"
        [exhibit] = store.exhibits(incident)
        assert exhibit.metadata["came_from"] == "AirDropped from my phone"
