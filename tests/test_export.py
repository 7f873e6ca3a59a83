"""The signed export bundle: what the police receive, checked with their tools and with ours.

Real parts throughout: a real encrypted store, the real command line, poppler's pdfsig,
pdftotext, pdftoppm and pdfimages, openssl and sha256sum, pyHanko's validator, and a local
RFC 3161 timestamp authority on the loopback interface.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput, DiskFull
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.export import instructions
from harmonize_evidence.export.pades import check_pdf_signature
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import ExportResult, export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store, open_store
from tests.conftest import PASSPHRASE, TEST_COST, Cli, MadeStore
from tests.faults import fill_disk, small_tmpfs

ARABIC_NAME = "محمد الأحمد"
MARKUP_NOTE = 'Said <b>nothing</b> <img src="/etc/passwd"/> <para>x</para> & left'
SCREEN_BLUE = (190, 215, 250)
TALL_GREEN = (170, 235, 170)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (.ci/run installs poppler-utils and openssl)")
    return path


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def screenshot(width: int, height: int, background: tuple[int, int, int], seed: int) -> bytes:
    """A PNG that looks like a screen: a coloured page, bars, and lines of text."""
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 60), fill=(40, 60, 110))
    for row, y in enumerate(range(90, height - 20, 26)):
        words = " ".join(f"word{(seed * 31 + row * 7 + k) % 97}" for k in range(12 + row % 9))
        draw.text((30 + (row * 13) % 50, y), words, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def idat_data(png: bytes) -> bytes:
    """The concatenated IDAT payload of a PNG (read independently of the code under test)."""
    position, parts = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            parts.append(png[position + 8 : position + 8 + length])
        position += 12 + length
    return b"".join(parts)


@dataclass
class Exported:
    directory: Path
    store_location: StoreLocation
    result: ExportResult
    incident_id: str
    wide_png: bytes
    tall_png: bytes
    jpeg: bytes
    hashes: dict[str, str]
    fingerprint: str
    progress: list[tuple[int, int]]

    @property
    def bundle(self) -> Path:
        return self.result.bundle

    def member(self, name: str) -> bytes:
        with zipfile.ZipFile(self.bundle) as archive:
            return archive.read(name)

    def unpacked(self, into: Path) -> Path:
        with zipfile.ZipFile(self.bundle) as archive:
            archive.extractall(into)
        return into


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """One incident with names in three scripts, markup in a note, five kinds of exhibit."""
    directory = tmp_path_factory.mktemp("export")
    clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    location = StoreLocation(directory / "store")
    store, _ = create_store(location, producer, PASSPHRASE, clock, passphrase_cost=TEST_COST)
    with store:
        incident = store.new_incident(
            "Posts about <b>Ms Lane</b> on Instagram",
            people=f"Łukasz Nowak (Year 10), {ARABIC_NAME} (Year 11), Zoë Lane",
            platforms=["Instagram"],
        )
        wide_png = screenshot(1920, 1080, SCREEN_BLUE, 1)
        tall_png = screenshot(1080, 4000, TALL_GREEN, 2)
        jpeg_out = io.BytesIO()
        Image.open(io.BytesIO(wide_png)).convert("RGB").save(jpeg_out, "JPEG", quality=85)
        jpeg = jpeg_out.getvalue()
        files = {"wide.png": wide_png, "tall.png": tall_png, "phone.jpg": jpeg}
        hashes = {}
        for name, data in files.items():
            path = directory / name
            path.write_bytes(data)
            exhibit = store.add_file(
                incident.id,
                path,
                url="https://www.instagram.com/p/C0ffee/?utm_source=ig_web_copy_link&igshid="
                + "a" * 220,
                note=MARKUP_NOTE if name == "wide.png" else "",
                posted_at="2026-11-21T20:15:00+00:00",
            )
            hashes[exhibit.ref] = str(exhibit.sha256)
        purged = directory / "purged.png"
        purged.write_bytes(screenshot(320, 200, SCREEN_BLUE, 9))
        gone = store.add_file(incident.id, purged, note="Emoji 😀 and 张伟 print without error")
        store.purge(incident.id, gone.ref, "Retention period over")
        record_without_image(
            store,
            incident.id,
            description="An indecent image of a pupil was posted; not copied.",
            url="https://www.instagram.com/p/D00d/",
        )
        store.add_note(incident.id, f"Spoke to {ARABIC_NAME} and Łukasz at 09:10.\n{MARKUP_NOTE}")
        progress: list[tuple[int, int]] = []
        result = export_bundle(
            store,
            incident.id,
            directory,
            progress=lambda done, total: progress.append((done, total)),
        )
        yield Exported(
            directory,
            location,
            result,
            incident.id,
            wide_png,
            tall_png,
            jpeg,
            hashes,
            store.fingerprint,
            progress,
        )


@pytest.fixture(scope="module")
def report_pdf(exported: Exported, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    path.write_bytes(exported.member("report.pdf"))
    return path


@pytest.fixture(scope="module")
def report_text(report_pdf: Path) -> str:
    result = _run(_tool("pdftotext"), "-layout", str(report_pdf), "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- the report -----------------------------------------------------------------------------------


def test_pdfsig_and_pyhanko_both_find_the_report_signature_valid_and_whole(
    report_pdf: Path, exported: Exported, tmp_path: Path
) -> None:
    # pdfsig exits 0 whatever it finds, so its words are what count.
    plain = _run(_tool("pdfsig"), str(report_pdf))
    assert "Signature is Valid." in plain.stdout, plain.stdout
    assert "Total document signed" in plain.stdout
    assert "ETSI.CAdES.detached" in plain.stdout
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(exported.member("ca.pem"))
    certutil = _tool("certutil")
    assert _run(certutil, "-N", "-d", f"sql:{nss}", "--empty-password").returncode == 0
    added = _run(
        certutil,
        "-A",
        "-d",
        f"sql:{nss}",
        "-n",
        "evidence-ca",
        "-t",
        "C,C,C",
        "-i",
        str(tmp_path / "ca.pem"),
    )
    assert added.returncode == 0, added.stderr
    trusted = _run(_tool("pdfsig"), "-nssdir", f"sql:{nss}", str(report_pdf))
    assert "Signature is Valid." in trusted.stdout
    assert "Certificate is Trusted." in trusted.stdout, trusted.stdout
    with report_pdf.open("rb") as handle:
        check = check_pdf_signature(handle, exported.member("ca.pem"))
    assert check.ok, check.detail
    assert "Zoë Lane" in check.signer


def test_one_changed_byte_breaks_the_report_signature_for_pdfsig_and_pyhanko(
    report_pdf: Path, exported: Exported, tmp_path: Path
) -> None:
    data = bytearray(report_pdf.read_bytes())
    position = data.index(b"/Type /Page") + 3  # inside the signed content, not the signature
    data[position] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    result = _run(_tool("pdfsig"), str(changed))
    assert "Signature is Valid." not in result.stdout, result.stdout
    with changed.open("rb") as handle:
        check = check_pdf_signature(handle, exported.member("ca.pem"))
    assert not check.ok


def test_content_appended_after_signing_is_not_accepted(
    report_pdf: Path, exported: Exported, tmp_path: Path
) -> None:
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(report_pdf.read_bytes() + b"\n% a late addition\n")
    with appended.open("rb") as handle:
        check = check_pdf_signature(handle, exported.member("ca.pem"))
    assert not check.whole_file
    assert not check.ok


def test_report_prints_every_hash_names_in_three_scripts_and_markup_literally(
    report_text: str, exported: Exported
) -> None:
    for sha256 in exported.hashes.values():
        assert sha256 in report_text
    assert "Zoë" in report_text
    assert "Łukasz" in report_text
    # The Arabic is shaped (joined letter forms); compatibility normalisation gives the letters.
    assert ARABIC_NAME in unicodedata.normalize("NFKC", report_text)
    assert "<b>nothing</b>" in report_text
    assert '<img src="/etc/passwd"/>' in report_text
    assert "<para>x</para>" in report_text
    assert "<b>Ms Lane</b>" in report_text
    assert "OFFICIAL-SENSITIVE" in report_text
    assert exported.fingerprint[:47] in report_text


def test_every_page_is_marked_and_numbered(report_pdf: Path) -> None:
    pages = _run(_tool("pdfinfo"), str(report_pdf)).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1))  # type: ignore[union-attr]
    for number in (1, count // 2, count):
        text = _run(
            _tool("pdftotext"), "-f", str(number), "-l", str(number), str(report_pdf), "-"
        ).stdout
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {count}" in text
        assert "INC-2026-" in text


def test_long_urls_wrap_inside_the_page_and_no_local_file_was_embedded(
    report_pdf: Path, report_text: str
) -> None:
    assert "utm_source=ig_web_copy_link" in report_text
    boxes = _run(_tool("pdftotext"), "-bbox", str(report_pdf), "-").stdout
    for page in re.findall(r'<page width="([\d.]+)".*?</page>', boxes, flags=re.S):
        assert float(page) > 500
    overflow = [
        float(x_max)
        for width, body in re.findall(
            r'<page width="([\d.]+)"[^>]*>(.*?)</page>', boxes, flags=re.S
        )
        for x_max in re.findall(r'xMax="([\d.]+)"', body)
        if float(x_max) > float(width) - 30
    ]
    assert overflow == []
    listing = _run(_tool("pdfimages"), "-list", str(report_pdf)).stdout
    # Three exhibit images and nothing else: the <img> in the note stayed text.
    objects = {line.split()[10] for line in listing.splitlines()[2:] if line.strip()}
    assert len(objects) == 3


def test_png_and_jpeg_data_go_into_the_pdf_unchanged(report_pdf: Path, exported: Exported) -> None:
    import pypdf

    reader = pypdf.PdfReader(report_pdf)
    streams: list[bytes] = []
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                streams.append(obj._data)
    assert idat_data(exported.wide_png) in streams
    assert idat_data(exported.tall_png) in streams
    assert exported.jpeg in streams


def test_a_screenshot_beside_its_details_is_drawn_at_a_legible_scale(
    report_pdf: Path, tmp_path: Path
) -> None:
    from harmonize_evidence.export.report_tiles import LEGIBLE_SCALE

    pages = _render(report_pdf, tmp_path)
    shares = [_share(page, SCREEN_BLUE) for page in pages]
    page = pages[shares.index(max(shares))]
    assert max(shares) > 0.25, shares
    # Its key details share the page, but it is not shrunk below a legible scale: at 20 dpi a
    # point is 20/72 pixels, so 1920 pixels at LEGIBLE_SCALE span 1920 * 0.3 * 20/72 of them.
    with Image.open(page) as image:
        row = _pixels(
            image.convert("RGB").crop(
                (0, image.height * 3 // 4, image.width, image.height * 3 // 4 + 1)
            )
        )
    blue = [x for x, pixel in enumerate(row) if _close(pixel, SCREEN_BLUE)]
    assert blue[-1] - blue[0] >= 1920 * LEGIBLE_SCALE * 20 / 72 - 2


def test_tall_capture_spans_several_pages_at_a_legible_scale(
    report_pdf: Path, report_text: str, tmp_path: Path
) -> None:
    pages = _render(report_pdf, tmp_path)
    tall_pages = [page for page in pages if _share(page, TALL_GREEN) > 0.3]
    assert len(tall_pages) >= 3, [_share(page, TALL_GREEN) for page in pages]
    assert "part 1 of" in report_text
    # Not shrunk: each part is drawn across the full width of its page.
    with Image.open(tall_pages[0]) as image:
        width = image.width
        row = _pixels(
            image.convert("RGB").crop((0, image.height // 2, width, image.height // 2 + 1))
        )
    green = [x for x, pixel in enumerate(row) if _close(pixel, TALL_GREEN)]
    assert green[-1] - green[0] > 0.8 * width


def test_a_note_longer_than_a_page_runs_on_to_the_next_pages(tmp_path: Path) -> None:
    from harmonize_evidence.domain.text import NOTE_MAX

    clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(
        StoreLocation(tmp_path / "store"), producer, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    with store:
        incident = store.new_incident("A long account")
        shot = tmp_path / "shot.png"
        shot.write_bytes(screenshot(640, 400, SCREEN_BLUE, 3))
        words = [f"w{index}" for index in range(NOTE_MAX // 6)]
        note = " ".join(words)[: NOTE_MAX - 4] + " END"
        store.add_file(incident.id, shot, note=note)
        result = export_bundle(store, incident.id, tmp_path)
    with zipfile.ZipFile(result.bundle) as archive:
        (tmp_path / "report.pdf").write_bytes(archive.read("report.pdf"))
    text = _run(_tool("pdftotext"), str(tmp_path / "report.pdf"), "-").stdout
    assert "(continued)" in text
    assert " END" in text
    assert words[1500] in text


def test_a_plain_text_exhibit_prints_its_words_after_its_table(tmp_path: Path) -> None:
    # It said "a text/plain file, which a PDF cannot show": the officer had to open the file.
    clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    producer = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(
        StoreLocation(tmp_path / "store"), producer, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    message = (
        "From: someone@example.com\r\nSubject: you\r\n\r\n"
        "You are a disgrace <b>and</b> everyone knows \u202eevil\u202c.\r\n"
    )
    with store:
        incident = store.new_incident("Emails")
        saved = tmp_path / "email.txt"
        saved.write_text(message, encoding="utf-8", newline="")
        exhibit = store.add_file(incident.id, saved)
        assert exhibit.media_type == "text/plain"
        result = export_bundle(store, incident.id, tmp_path)
    with zipfile.ZipFile(result.bundle) as archive:
        (tmp_path / "report.pdf").write_bytes(archive.read("report.pdf"))
        assert archive.read("exhibits/ZL-1.txt") == message.encode()  # the file, unchanged
    flat = " ".join(_run(_tool("pdftotext"), str(tmp_path / "report.pdf"), "-").stdout.split())
    assert "cannot show" not in flat
    assert "its text follows the table" in flat
    assert "The whole of the text in exhibits/ZL-1.txt, read as UTF-8" in flat
    assert "From: someone@example.com Subject: you" in flat
    assert "You are a disgrace <b>and</b> everyone knows <U+202E>evil<U+202C>." in flat


def test_record_only_and_purged_exhibits_say_why_there_is_no_image(report_text: str) -> None:
    flat = " ".join(report_text.split())
    assert "An indecent image of a pupil was posted; not copied." in flat
    assert "written record only" in flat
    assert "was purged from the evidence store" in flat


def _pages(pdf: Path) -> list[str]:
    """Each page's text, in page order (pdftotext ends each page with a form feed)."""
    result = _run(_tool("pdftotext"), "-layout", str(pdf), "-")
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\f")[:-1]


def _image_pages(pdf: Path, width: int, height: int) -> list[int]:
    """The pages (from 1) that draw an image of ``width`` x ``height`` pixels."""
    listing = _run(_tool("pdfimages"), "-list", str(pdf)).stdout.splitlines()[2:]
    return sorted(
        {
            int(columns[0])
            for columns in (line.split() for line in listing)
            if columns[3:5] == [str(width), str(height)]
        }
    )


def test_the_written_account_comes_before_the_first_exhibit(report_pdf: Path) -> None:
    pages = _pages(report_pdf)
    account = next(n for n, text in enumerate(pages) if "Spoke to" in text and "Łukasz" in text)
    first_exhibit = next(n for n, text in enumerate(pages) if "Exhibit ZL/1: " in text)
    assert "Written accounts and notes" in pages[account]
    assert account < first_exhibit
    # The exhibits come before the custody log, the statement and how to verify.
    assert first_exhibit < next(n for n, text in enumerate(pages) if "Custody log" in text)


def test_a_screenshot_shares_its_page_with_its_key_details_and_sha256(
    report_pdf: Path, exported: Exported
) -> None:
    (page,) = _image_pages(report_pdf, 1920, 1080)[:1]
    flat = " ".join(_pages(report_pdf)[page - 1].split())
    assert "Exhibit ZL/1: Image" in flat
    for label in ("Recorded at", "Address (URL)", "Platform", "Time shown on the post"):
        assert label in flat, label
    assert "Recorded by Zoë Lane" in flat
    assert "Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)" in flat
    assert exported.hashes["ZL/1"] in flat
    # The full table follows, on the exhibit's next page.
    following = " ".join(_pages(report_pdf)[page].split())
    assert "Everything recorded about exhibit ZL/1" in following
    assert "Area captured" not in flat and "Size " in following


def test_every_page_of_a_tall_capture_prints_its_sha256(
    report_pdf: Path, exported: Exported
) -> None:
    pages = _pages(report_pdf)
    tall = _image_pages(report_pdf, 1080, 4000)
    assert len(tall) >= 3
    sha = exported.hashes["ZL/2"]
    for page in tall:
        assert sha in pages[page - 1], page
    # Its first part is on the page of its key details; its table after its last part.
    assert "Exhibit ZL/2: Image" in pages[tall[0] - 1]
    assert "Recorded at" in pages[tall[0] - 1]
    table = next(
        n for n, text in enumerate(pages) if "Everything recorded about exhibit ZL/2" in text
    )
    assert table + 1 >= tall[-1]
    assert sha in pages[table]


def test_kinds_and_statuses_print_in_words_and_times_to_the_second(report_pdf: Path) -> None:
    text = "\n".join(_pages(report_pdf))
    # The statement is another section's; everything before it is checked here.
    checked = " ".join(text[: text.index("Statement of production and continuity")].split())
    assert "record-only" not in checked
    assert re.search(r"ZL/\d+ (image|screenshot|record-only)\b", checked) is None
    assert re.search(r"Type (image|screenshot|record-only),", checked) is None
    assert "Type Image, image/png" in checked
    assert "Record only (no image)" in checked
    assert "Status Open" in checked and re.search(r"\bopen\b", checked) is None
    assert re.search(r"\d\d:\d\d:\d\d\.\d", text) is None  # no fractions of a second
    # Every time the report records is local with its zone, with UTC beside it, to the second;
    # only a time read from a post, which was typed to the minute, has none.
    for match in re.finditer(r"\d\d:\d\d(:\d\d)? (GMT|BST|UTC)\)?", checked):
        before = checked[max(0, match.start() - 60) : match.start()]
        if (
            "before the capture" in checked[match.end() : match.end() + 40]
            or "on the post" in before
        ):
            continue
        assert match.group(1), (before, match.group(0))
    assert "Time (UTC)" not in checked and "Recorded (UTC)" not in checked


_rendered: dict[Path, list[Path]] = {}


def _render(pdf: Path, tmp_path: Path) -> list[Path]:
    if pdf not in _rendered:
        prefix = tmp_path / "page"
        result = _run(_tool("pdftoppm"), "-r", "20", "-png", str(pdf), str(prefix))
        assert result.returncode == 0, result.stderr
        _rendered[pdf] = sorted(tmp_path.glob("page-*.png"))
    return _rendered[pdf]


def _close(pixel: Any, colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def _pixels(image: Image.Image) -> list[bytes]:
    data = image.tobytes()
    return [data[i : i + 3] for i in range(0, len(data), 3)]


def _share(page: Path, colour: tuple[int, int, int]) -> float:
    with Image.open(page) as image:
        pixels = _pixels(image.convert("RGB"))
    return sum(1 for pixel in pixels if _close(pixel, colour)) / len(pixels)


# -- the bundle -----------------------------------------------------------------------------------


def test_bundle_holds_originals_manifest_signature_certificates_and_instructions(
    exported: Exported,
) -> None:
    with zipfile.ZipFile(exported.bundle) as archive:
        names = set(archive.namelist())
    assert {
        "report.pdf",
        "manifest.json",
        "manifest.sig",
        "signer.pem",
        "ca.pem",
        "VERIFY.txt",
        "SHA256SUMS",
    } <= names
    assert exported.member("exhibits/ZL-1.png") == exported.wide_png
    assert exported.member("exhibits/ZL-2.png") == exported.tall_png
    assert exported.member("exhibits/ZL-3.jpg") == exported.jpeg
    manifest = json.loads(exported.member("manifest.json"))
    assert manifest["format"] == "harmonize-evidence/bundle-manifest"
    assert manifest["version"] == 4
    items = {item["exhibit"]: item for item in manifest["items"]}
    for ref, sha256 in exported.hashes.items():
        assert items[ref]["sha256"] == sha256
    assert items["ZL/4"]["purged"] is True and items["ZL/4"]["file"] is None
    assert items["ZL/4"]["sha256"] is not None  # the hash outlives the purged bytes
    assert items["ZL/5"]["file"] is None and items["ZL/5"]["kind"] == "record-only"


def test_manifest_custody_entries_carry_the_exact_signed_bodies(exported: Exported) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    manifest = json.loads(exported.member("manifest.json"))
    key = x509.load_pem_x509_certificate(exported.member("signer.pem")).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    entries = manifest["custody"]["entries"]
    for entry in entries:
        body = entry["body"].encode("utf-8")
        assert hashlib.sha256(body).hexdigest() == entry["hash"]
        key.verify(base64.b64decode(entry["signature"]), body, ec.ECDSA(hashes.SHA256()))
    assert manifest["custody"]["head"] == {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}


def test_export_is_a_custody_entry_with_the_bundles_sha256(exported: Exported) -> None:
    from harmonize_evidence.services.store import open_store

    actual = hashlib.sha256(exported.bundle.read_bytes()).hexdigest()
    assert exported.result.sha256 == actual
    clock = FixedClock(datetime(2026, 11, 21, 21, 41, tzinfo=UTC))
    with open_store(exported.store_location, lambda: PASSPHRASE, clock) as store:
        last = store.log(exported.incident_id)[-1]
        assert last.action == "exported"
        assert last.evidence_sha256 == actual
        assert last.details["bundle"] == exported.bundle.name
        assert store.verify(exported.incident_id).ok


def test_progress_is_reported_to_the_end(exported: Exported) -> None:
    done = [step for step, _ in exported.progress]
    assert done == sorted(done)
    assert exported.progress[-1][0] == exported.progress[-1][1]


def test_the_commands_in_verify_txt_work_as_written(exported: Exported, tmp_path: Path) -> None:
    folder = exported.unpacked(tmp_path / "bundle")
    verify_txt = (folder / "VERIFY.txt").read_text(encoding="utf-8")
    commands = [
        instructions.FINGERPRINT_COMMAND,
        instructions.CHAIN_COMMAND,
        instructions.PUBLIC_KEY_COMMAND,
        instructions.MANIFEST_COMMAND,
        instructions.SUMS_COMMAND,
    ]
    outputs = []
    for command in commands:
        assert command in verify_txt
        result = subprocess.run(
            command, shell=True, cwd=folder, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        outputs.append(result.stdout)
    assert exported.fingerprint in outputs[0]
    assert "signer.pem: OK" in outputs[1]
    assert "Verified OK" in outputs[3]
    assert outputs[4].count(": OK") == 5  # the report, three exhibit files and VERIFY.txt
    assert exported.fingerprint in verify_txt
    assert f"verify-bundle {exported.bundle.name}" in verify_txt


def test_manifest_signature_check_fails_on_a_changed_manifest(
    exported: Exported, tmp_path: Path
) -> None:
    folder = exported.unpacked(tmp_path / "bundle")
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"urgent": true', b'"urgent": false'))
    subprocess.run(instructions.PUBLIC_KEY_COMMAND, shell=True, cwd=folder, check=True)
    result = subprocess.run(
        instructions.MANIFEST_COMMAND,
        shell=True,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Verification failure" in result.stdout + result.stderr


# -- verify-bundle --------------------------------------------------------------------------------


def _rewrite(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None] = lambda _n, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy a bundle, changing or dropping members (a careful forger keeps the zip valid)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def _flip(data: bytes, at: float = 0.5) -> bytes:
    changed = bytearray(data)
    changed[int(len(changed) * at)] ^= 0x20
    return bytes(changed)


def _drop_custody_entry(data: bytes) -> bytes:
    manifest = json.loads(data)
    del manifest["custody"]["entries"][2]
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")


def _bump_byte_in_pdf(data: bytes) -> bytes:
    position = data.index(b"/Type /Page") + 3
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


@pytest.fixture
def bundle_cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """The command line with no store at all (verify-bundle needs none)."""
    return Cli(tmp_path / "no-store-here", cli_env, warm=True)


def test_untouched_bundle_verifies(exported: Exported, bundle_cli: Cli) -> None:
    result = bundle_cli("--json", "verify-bundle", str(exported.bundle), passphrase=None)
    assert result.code == 0, result.stdout + result.stderr
    document = result.json
    assert document["ok"] is True
    assert document["problems"] == []
    assert document["signer_fingerprint"] == exported.fingerprint
    assert document["exhibits_checked"] == 3
    assert not (bundle_cli.store_dir).exists()


TAMPERING: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "one byte changed in an exhibit": (
        lambda src, dst: _rewrite(
            src, dst, lambda n, d: _flip(d) if n == "exhibits/ZL-1.png" else d
        ),
        "exhibits/ZL-1.png",
    ),
    "one byte changed in the manifest": (
        lambda src, dst: _rewrite(
            src,
            dst,
            lambda n, d: d.replace(b"Oak Hill", b"Oak Hall", 1) if n == "manifest.json" else d,
        ),
        "manifest.json",
    ),
    "one byte changed in the report": (
        lambda src, dst: _rewrite(
            src, dst, lambda n, d: _bump_byte_in_pdf(d) if n == "report.pdf" else d
        ),
        "report.pdf",
    ),
    "an exhibit removed": (
        lambda src, dst: _rewrite(src, dst, lambda n, d: None if n == "exhibits/ZL-2.png" else d),
        "exhibits/ZL-2.png",
    ),
    "an exhibit added": (
        lambda src, dst: _rewrite(src, dst, extra={"exhibits/ZL-9.png": b"\x89PNG planted"}),
        "exhibits/ZL-9.png",
    ),
    "a custody entry removed from the manifest": (
        lambda src, dst: _rewrite(
            src, dst, lambda n, d: _drop_custody_entry(d) if n == "manifest.json" else d
        ),
        "manifest.json",
    ),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERING))
def test_tampered_bundle_fails_naming_the_file(
    tampering: str, exported: Exported, bundle_cli: Cli, tmp_path: Path
) -> None:
    make, named = TAMPERING[tampering]
    tampered = make(exported.bundle, tmp_path / "tampered.zip")
    result = bundle_cli("--json", "verify-bundle", str(tampered), passphrase=None)
    assert result.code == 1, result.stdout + result.stderr
    problems = result.json["problems"]
    assert any(problem.startswith(named) for problem in problems), problems


def test_removed_custody_entry_is_named_by_the_chain_check(
    exported: Exported, tmp_path: Path
) -> None:
    tampered = _rewrite(
        exported.bundle,
        tmp_path / "t.zip",
        lambda n, d: _drop_custody_entry(d) if n == "manifest.json" else d,
    )
    problems = [str(p) for p in verify_bundle(tampered).problems]
    assert any("custody entry 4" in p and "missing" in p for p in problems), problems


def test_a_raw_byte_flipped_inside_the_zip_is_caught(exported: Exported, tmp_path: Path) -> None:
    data = bytearray(exported.bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    check = verify_bundle(damaged)
    assert not check.ok
    assert check.problems


# -- unsafe archives ------------------------------------------------------------------------------


def _crafted(path: Path, entries: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _info(name: str, *, mode: int = 0o100644, deflate: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # set directly, so nothing tidies the name on the way in
    info.orig_filename = name
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    return info


UNSAFE = {
    "zip slip": lambda marker: [(_info(f"../{marker}.txt"), b"escaped")],
    "absolute path": lambda marker: [(_info(f"/tmp/{marker}.txt"), b"absolute")],
    "symlink": lambda marker: [(_info(f"exhibits/{marker}", mode=0o120777), b"/etc/passwd")],
    "zip bomb": lambda marker: [
        (_info("exhibits/ZL-1.png", deflate=True), bytes(48 * 1024 * 1024)),
    ],
}


@pytest.mark.parametrize("kind", sorted(UNSAFE))
def test_unsafe_archive_is_refused_before_anything_is_unpacked(
    kind: str, bundle_cli: Cli, tmp_path: Path
) -> None:
    marker = f"evil-{uuid.uuid4().hex}"
    work = tmp_path / "work"
    work.mkdir()
    archive = _crafted(tmp_path / "crafted.zip", UNSAFE[kind](marker))
    home = tmp_path / "home"  # the program's own log file lives under HOME

    def files() -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if home not in p.parents)

    before = files()
    result = bundle_cli("--json", "verify-bundle", str(archive), passphrase=None)
    assert result.code == 1, result.stdout + result.stderr
    assert any("refused without unpacking" in p for p in result.json["problems"])
    assert files() == before
    assert not Path(f"/tmp/{marker}.txt").exists()
    assert not (tmp_path.parent / f"{marker}.txt").exists()
    assert not (Path.cwd().parent / f"{marker}.txt").exists()


def test_an_archive_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as crafted:
        for number in range(20_001):
            crafted.writestr(f"exhibits/ZL-{number}.png", b"")
    check = verify_bundle(archive)
    assert check.refused
    assert "more than a bundle ever has" in str(check.problems[0])


def test_overlapping_entries_are_refused(bundle_cli: Cli, tmp_path: Path) -> None:
    archive = _crafted(
        tmp_path / "overlap.zip",
        [
            (_info("exhibits/ZL-1.png", deflate=True), bytes(100_000)),
            (_info("exhibits/ZL-2.png", deflate=True), bytes(100_000)),
        ],
    )
    data = bytearray(archive.read_bytes())
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # both entries now start at the first's data
    archive.write_bytes(bytes(data))
    result = bundle_cli("--json", "verify-bundle", str(archive), passphrase=None)
    assert result.code == 1
    assert any("overlap" in problem for problem in result.json["problems"])


def test_a_file_that_is_not_a_zip_is_refused(bundle_cli: Cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    result = bundle_cli("verify-bundle", str(junk), passphrase=None)
    assert result.code == 1
    assert "not a zip archive" in result.stdout
    assert "Traceback" not in result.stderr


# -- the command line, with a timestamp authority -----------------------------------------------


def _tsa_identity() -> tuple[Any, Any]:
    """An RSA timestamping certificate (critical EKU timeStamping), as pyHanko's test TSA needs."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Timestamp Authority")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
    )


@pytest.fixture
def timestamp_authority() -> Iterator[str]:
    """pyHanko's test timestamper behind a real HTTP server on 127.0.0.1."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import DummyTimeStamper

    cert, key = _tsa_identity()
    stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = tsp.TimeStampReq.load(self.rfile.read(length))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_export_with_a_timestamp_authority_signs_pades_b_t(
    initialised_cli: Cli, timestamp_authority: str, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Comments on a video").json["id"]
    shot = tmp_path / "shot.png"
    shot.write_bytes(screenshot(800, 600, SCREEN_BLUE, 5))
    assert cli("add", incident, str(shot), "--url", "https://www.tiktok.com/@x/video/1").code == 0
    out = tmp_path / "out"
    out.mkdir()
    result = cli(
        "--json", "export", incident, "--out", str(out), "--timestamp-url", timestamp_authority
    )
    assert result.code == 0, result.stdout + result.stderr
    document = result.json
    bundle = Path(document["bundle"])
    assert bundle.parent == out
    assert document["signature"] == "PAdES B-T"
    assert document["sha256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    checked = cli("--json", "verify-bundle", str(bundle), passphrase=None)
    assert checked.code == 0, checked.stdout
    assert checked.json["timestamp"] is not None
    with zipfile.ZipFile(bundle) as archive:
        pdf = archive.read("report.pdf")
        ca = archive.read("ca.pem")
    check = check_pdf_signature(io.BytesIO(pdf), ca)
    assert check.ok and check.timestamp_valid is True
    again = cli("--json", "export", incident, "--out", str(bundle))
    assert again.code == 2
    assert "already exists" in again.json["error"]
    second = cli("--json", "export", incident, "--out", str(out))
    assert second.code == 0, second.stdout
    assert Path(second.json["bundle"]).name == bundle.name.replace(".zip", "_2.zip")
    log = cli("--json", "log", incident).json["entries"]
    exports = [entry for entry in log if entry["action"] == "exported"]
    assert [entry["evidence_sha256"] for entry in exports] == [
        document["sha256"],
        second.json["sha256"],
    ]
    # The later bundle carries the earlier export's entry: the first is a prefix of the second.
    with zipfile.ZipFile(second.json["bundle"]) as archive:
        later = json.loads(archive.read("manifest.json"))
    bodies = [json.loads(entry["body"]) for entry in later["custody"]["entries"]]
    assert bodies[-1]["action"] == "exported"
    assert bodies[-1]["evidence_sha256"] == document["sha256"]


def test_cli_export_of_an_unknown_incident_is_bad_input(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    result = initialised_cli("export", "INC-2026-0999", "--out", str(tmp_path))
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert list(tmp_path.glob("*.zip")) == []


# -- where the bundle goes ------------------------------------------------------------------------


@pytest.fixture
def small_incident(store: EvidenceStore, tmp_path: Path) -> str:
    """An incident with one small screenshot, in the open ``store``."""
    incident = store.new_incident("Comments under a school post")
    shot = tmp_path / "shot.png"
    shot.write_bytes(screenshot(400, 300, SCREEN_BLUE, 3))
    store.add_file(incident.id, shot, url="https://www.instagram.com/p/C0ffee/")
    return incident.id


BUNDLE_NAME = "INC-2026-0001_2026-11-21.zip"  # the incident's id and the fixed clock's date
PATH_NAMES = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters=" -_.'"),
    min_size=1,
    max_size=12,
).filter(lambda name: name not in (".", "..") and not name.startswith(".harmonize-export-"))


def _one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and "Traceback" not in message


@settings(max_examples=30)
@given(
    name=PATH_NAMES,
    suffix=st.sampled_from(["", ".zip", ".ZIP", ".Zip", ".zip.d", ".pdf", ".zipx"]),
    separator=st.booleans(),
    already=st.sampled_from(["nothing", "folder", "file", "no parent"]),
)
def test_out_is_a_folder_unless_it_names_a_zip_file(
    store: EvidenceStore,
    small_incident: str,
    tmp_path: Path,
    *,
    name: str,
    suffix: str,
    separator: bool,
    already: str,
) -> None:
    # A path ending in a separator, or not ending in .zip, is a folder: made when its parent
    # exists, refused in one sentence when not. Only a name ending in .zip is the bundle's own.
    base = tmp_path / "shapes" / uuid.uuid4().hex
    base.mkdir(parents=True)
    leaf = name + suffix
    path = (base / "absent" if already == "no parent" else base) / leaf
    if already == "folder":
        path.mkdir()
    elif already == "file":
        path.write_bytes(b"someone else's file")
    text = str(path) + (os.sep if separator else "")
    before = store.log(small_incident)
    names_a_zip = not separator and leaf.lower().endswith(".zip")
    if already == "folder":
        expected: Path | None = path / BUNDLE_NAME
    elif already in ("file", "no parent"):
        expected = None
    else:
        expected = path if names_a_zip else path / BUNDLE_NAME

    if expected is None:
        with pytest.raises(BadInput) as refused:
            export_bundle(store, small_incident, text)
        assert _one_sentence(refused.value.message), refused.value.message
        assert store.log(small_incident) == before
        if already == "file":
            assert path.read_bytes() == b"someone else's file"
            assert sorted(p.name for p in base.iterdir()) == [leaf]
        else:
            assert list(base.iterdir()) == []
        return
    result = export_bundle(store, small_incident, text)
    assert result.bundle == expected
    assert result.bundle.suffix.lower() == ".zip"
    assert zipfile.is_zipfile(result.bundle)
    assert [p.name for p in result.bundle.parent.iterdir()] == [result.bundle.name]
    entry = store.log(small_incident)[-1]
    assert entry.action == "exported"
    assert entry.evidence_sha256 == hashlib.sha256(result.bundle.read_bytes()).hexdigest()


def test_cli_export_into_a_folder_not_made_yet_puts_the_bundle_inside_it(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Comments on a video").json["id"]
    shot = tmp_path / "shot.png"
    shot.write_bytes(screenshot(400, 300, SCREEN_BLUE, 4))
    assert cli("add", incident, str(shot)).code == 0
    folder = tmp_path / "missing-folder"
    result = cli("--json", "export", incident, "--out", f"{folder}{os.sep}")
    assert result.code == 0, result.stdout + result.stderr
    bundle = Path(result.json["bundle"])
    assert bundle.parent == folder and bundle.suffix == ".zip"
    assert [p.name for p in folder.iterdir()] == [bundle.name]
    assert cli("--json", "verify-bundle", str(bundle), passphrase=None).json["ok"] is True

    nowhere = tmp_path / "no-such-parent" / "bundles"
    refused = cli("export", incident, "--out", f"{nowhere}{os.sep}")
    assert refused.code == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert str(nowhere.parent) in refused.stderr
    assert not nowhere.parent.exists()


# -- a full disk ----------------------------------------------------------------------------------


def _noise_png(path: Path, width: int, height: int, seed: int) -> Path:
    """A PNG that does not compress: the bundle and the report are as big as the pixels."""
    Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3)).save(
        path, "PNG", compress_level=0
    )
    return path


def test_an_export_onto_a_full_disk_stops_cleanly_at_whatever_point_the_disk_fills(
    store: EvidenceStore, made_store: MadeStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Messages sent to a pupil")
    for number in range(2):
        store.add_file(incident.id, _noise_png(tmp_path / f"n{number}.png", 400, 300, number))
    before = store.log(incident.id)
    database = hashlib.sha256(made_store.location.database.read_bytes()).hexdigest()
    failures = 0
    with small_tmpfs(tmp_path / "usb", 8 * 1024 * 1024) as usb:
        for free in range(0, 8 * 1024 * 1024, 96 * 1024):
            filler = fill_disk(usb, leave_free=free)
            try:
                result = export_bundle(store, incident.id, usb)
            except DiskFull as full:
                failures += 1
                assert full.exit_code == 5
                assert _one_sentence(full.message) and "full" in full.message, full.message
                assert [p.name for p in usb.iterdir()] == [filler.name]
                assert store.log(incident.id) == before
                assert (
                    hashlib.sha256(made_store.location.database.read_bytes()).hexdigest()
                    == database
                )
            else:
                assert result.bundle.parent == usb
                break
            finally:
                filler.unlink()
        else:
            pytest.fail("the export never fitted on the disk")
    assert failures >= 5  # it failed at several points before there was room


def test_cli_export_onto_a_full_disk_exits_5_in_one_sentence_and_leaves_nothing(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Messages sent to a pupil").json["id"]
    shot = _noise_png(tmp_path / "noise.png", 900, 800, 7)  # about 2 MiB
    assert cli("add", incident, str(shot)).code == 0
    before = cli("--json", "log", incident).json["entries"]
    with small_tmpfs(tmp_path / "usb", 2 * 1024 * 1024) as usb:
        result = cli("export", incident, "--out", f"{usb}{os.sep}")
        left = list(usb.iterdir())
    assert result.code == 5, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    assert "disk is full" in result.stderr
    assert left == []
    assert cli("--json", "log", incident).json["entries"] == before
    assert cli("--json", "verify").json["ok"] is True


# -- an export that cannot finish leaves no bundle the chain does not record -----------------------


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".") and p.suffix == ".partial"]


def test_the_bundle_gets_its_name_only_after_its_exported_entry_is_committed(
    store: EvidenceStore, small_incident: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    seen: list[tuple[list[str], str]] = []
    record_export = store.record_export

    def recording(incident_id: str, bundle_sha256: str, details: Any) -> Any:
        # At the moment of the commit: only the hidden, complete, flushed temporary file.
        partial = _partials(out)
        assert len(partial) == 1 and not partial[0].name.endswith(".zip")
        assert hashlib.sha256(partial[0].read_bytes()).hexdigest() == bundle_sha256
        seen.append((sorted(p.name for p in out.iterdir()), bundle_sha256))
        return record_export(incident_id, bundle_sha256, details)

    monkeypatch.setattr(store, "record_export", recording)
    result = export_bundle(store, small_incident, out)
    assert len(seen) == 1 and BUNDLE_NAME not in seen[0][0]
    assert seen[0][1] == result.sha256
    assert [p.name for p in out.iterdir()] == [BUNDLE_NAME]


def test_a_termination_while_the_bundle_writer_starts_closes_everything_it_made_quietly(
    store: EvidenceStore, small_incident: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGTERM reaches the command line's export at each step, in turn, of making and entering the
    # bundle writer, before the export's ``with`` holds it. A zip left open there was finished
    # later by its finaliser, into the closed file, printing a traceback; a helper thread left
    # waiting kept the zip open for as long as the process lived.
    from harmonize_evidence.cli import Terminated, _unwinding_on_termination
    from harmonize_evidence.export import bundle

    out = tmp_path / "out"
    out.mkdir()
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    making = {bundle.BundleWriter.__init__.__code__, bundle.BundleWriter.__enter__.__code__}
    entered = bundle.BundleWriter.__enter__.__code__

    def helpers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("bundle-")]

    class TerminateAt:
        """A profiler that sends SIGTERM at one step of making and entering the bundle writer.

        A step: a function called by the writer's __init__ or __enter__ returns, or its
        __init__ does. The signal's handler raises as that returns: where a signal that came
        during the call is acted on. (Nothing is acted on as __enter__ returns.)
        """

        def __init__(self, moment: int) -> None:
            self.moment = moment
            self.steps = 0
            self.sent = False

        def __call__(self, frame: Any, event: str, _arg: object) -> None:
            if event == "return" and frame.f_code is entered:
                sys.setprofile(None)
                return
            if event not in ("return", "c_return"):
                return
            caller = frame.f_back if event == "return" else frame
            if frame.f_code not in making and (caller is None or caller.f_code not in making):
                return
            if self.steps == self.moment:
                self.sent = True
                sys.setprofile(None)
                os.kill(os.getpid(), signal.SIGTERM)
            self.steps += 1

    moment = 0
    while True:
        profile = TerminateAt(moment)
        try:
            with _unwinding_on_termination():
                sys.setprofile(profile)
                try:
                    export_bundle(store, small_incident, out)
                finally:
                    sys.setprofile(None)
        except Terminated:
            assert profile.sent
        else:
            assert not profile.sent
            break
        gc.collect()
        assert unraisable == [], (moment, unraisable)
        assert list(out.iterdir()) == [], moment
        deadline = time.monotonic() + 10
        while helpers() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert helpers() == [], moment
        moment += 1
    assert moment >= 5  # the steps were all reached, and then an export ran undisturbed
    assert [p.name for p in out.iterdir()] == [BUNDLE_NAME]


KILLED_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from harmonize_evidence.domain.clock import FixedClock
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.exporting import export_bundle
    from harmonize_evidence.services.store import StoreLocation, open_store

    store_dir, passphrase, incident, out, when = sys.argv[1:]
    clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))

    def die(*_args):
        os.kill(os.getpid(), signal.SIGKILL)

    if when == "committed":  # the exported entry is committed; the bundle is not yet named
        record_export = EvidenceStore.record_export

        def record_then_die(self, *args):
            record_export(self, *args)
            die()

        EvidenceStore.record_export = record_then_die
    progress = (lambda done, total: die() if done == 1 else None) if when == "writing" else None
    store = open_store(StoreLocation(Path(store_dir)), lambda: passphrase, clock)
    export_bundle(store, incident, Path(out), progress=progress)
    """
)


def _export_killed(made_store: MadeStore, incident: str, out: Path, when: str) -> None:
    """An export in a child process, killed (SIGKILL) at ``when``; returns once it is dead."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_CHILD,
            str(made_store.location.directory),
            PASSPHRASE,
            incident,
            str(out),
            when,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr


def test_a_bundle_killed_after_its_entry_was_committed_gets_its_name_at_the_next_start(
    store: EvidenceStore,
    small_incident: str,
    made_store: MadeStore,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    store.close()
    _export_killed(made_store, small_incident, out, "committed")
    left = _partials(out)
    assert len(left) == 1 and [p for p in out.iterdir()] == left  # recorded, not yet named
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as reopened:
        entry = reopened.log(small_incident)[-1]
        assert entry.action == "exported"
        assert [p.name for p in out.iterdir()] == [entry.details["bundle"]]
        bundle = out / entry.details["bundle"]
        assert hashlib.sha256(bundle.read_bytes()).hexdigest() == entry.evidence_sha256
        assert verify_bundle(bundle).ok


def test_a_bundle_killed_while_being_written_is_removed_at_the_next_start(
    store: EvidenceStore,
    small_incident: str,
    made_store: MadeStore,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    store.close()
    _export_killed(made_store, small_incident, out, "writing")
    assert len(_partials(out)) == 1
    with open_store(made_store.location, lambda: PASSPHRASE, clock) as reopened:
        assert list(out.iterdir()) == []
        assert all(entry.action != "exported" for entry in reopened.log(small_incident))


def test_the_next_export_removes_what_a_killed_export_left(
    store: EvidenceStore, small_incident: str, made_store: MadeStore, tmp_path: Path
) -> None:
    # The store was already open (the desktop program) when another export was killed.
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _export_killed(made_store, small_incident, out, "writing")
    assert len(_partials(out)) == 1
    result = export_bundle(store, small_incident, elsewhere)
    assert list(out.iterdir()) == []
    assert [p.name for p in elsewhere.iterdir()] == [result.bundle.name]


def test_exports_on_other_threads_are_abandoned_at_once_when_the_program_is_stopped(
    store: EvidenceStore, small_incident: str, tmp_path: Path
) -> None:
    # A signal handler runs on the main thread; the desktop program exports on a worker thread.
    from harmonize_evidence.services.unfinished_exports import abandon_unfinished_exports

    out = tmp_path / "out"
    out.mkdir()
    reached, release = threading.Event(), threading.Event()
    outcome: list[BaseException | ExportResult] = []

    def progress(done: int, total: int) -> None:
        if done == 1:
            reached.set()
            release.wait(30)

    def work() -> None:
        with store.open_for_this_thread() as own:
            try:
                outcome.append(export_bundle(own, small_incident, out, progress=progress))
            except BaseException as exc:  # the outcome is what is checked
                outcome.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    assert reached.wait(30)
    assert len(_partials(out)) == 1
    abandon_unfinished_exports()
    assert list(out.iterdir()) == []
    release.set()
    worker.join(30)
    assert len(outcome) == 1 and not isinstance(outcome[0], ExportResult)
    assert list(out.iterdir()) == []
    assert all(entry.action != "exported" for entry in store.log(small_incident))


def test_the_exhibit_list_says_that_numbers_run_on_across_incidents(
    store: EvidenceStore, tmp_path: Path
) -> None:
    first = store.new_incident("Earlier posts")
    later = store.new_incident("Later posts")
    shot = tmp_path / "shot.png"
    shot.write_bytes(screenshot(64, 40, SCREEN_BLUE, 1))
    store.add_file(first.id, shot)
    assert store.add_file(later.id, shot).ref == "ZL/2"  # the later incident has no ZL/1
    result = export_bundle(store, later.id, tmp_path)
    with zipfile.ZipFile(result.bundle) as archive:
        (tmp_path / "report.pdf").write_bytes(archive.read("report.pdf"))
    text = " ".join(_run(_tool("pdftotext"), str(tmp_path / "report.pdf"), "-").stdout.split())
    assert "own series across all of their incidents" in text
    assert "a number missing here belongs to another incident" in text


def test_an_export_gives_the_collector_back_only_what_it_left_out_itself(
    store: EvidenceStore, tmp_path: Path
) -> None:
    # The desktop program leaves its long lists out of the collector's walks for good
    # (harmonize_evidence.ui.heap); an export, which leaves everything out while it runs, must
    # not give those back when it ends. With nothing left out before, it leaves nothing out.
    incident = store.new_incident("Messages sent to a pupil")
    store.add_file(incident.id, _noise_png(tmp_path / "shot.png", 200, 100, 1))
    frozen_before_the_test = gc.get_freeze_count() > 0
    try:
        gc.unfreeze()
        export_bundle(store, incident.id, tmp_path / "first" / "")
        assert gc.get_freeze_count() == 0
        listed = [[f"INC-2026-{number:04d}"] for number in range(100)]  # a long list's rows
        gc.freeze()  # as the main window does once it lists its incidents
        export_bundle(store, incident.id, tmp_path / "second" / "")
        walked = {id(item) for item in gc.get_objects()}  # what the collector still walks
        assert id(listed) not in walked and id(listed[50]) not in walked
    finally:
        gc.unfreeze()
        if frozen_before_the_test:
            gc.freeze()
