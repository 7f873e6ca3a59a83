"""Benchmark: exporting a bundle, against img2pdf, and verify-bundle, against sha256sum.

Run from the repository root: ``python tests/benchmarks/export.py`` (needs img2pdf from the test
extra, and sha256sum).

It makes realistic 1080p screenshots (a social-media page: bars, columns of text, photo-like
pictures with noise, a different page each time) and encodes them with the capture encoder,
exactly as a capture stores them. Then, for incidents of 10, 50 and 200 screenshots, it runs in
the same session, alternately and each in a fresh child process:

- ours: ``export_bundle``, the service the ``export`` command and the desktop application call,
  with a progress callback as the command line passes one (every exhibit read from the
  encrypted store and checked, the PDF report laid out with the images spliced in, the PAdES
  signature, the bundle zip written and flushed to disk, the manifest and its signature, the
  custody entry);
- img2pdf: ``img2pdf.convert`` of the same PNG files into one PDF, written to a file (not
  flushed to disk).

Times are of the work only, imports excluded on both sides alike: a dry run of each side, in a
process of its own, lists every module its work imports, and each timed child imports that list
before its clock starts (the import times are printed too). Fonts are registered inside ours'
timing, as the first export of a process does. Ours has unlocked the store before its clock
starts. Each child starts once the disk has written out what earlier runs left in memory.

Peak memory is each child's own high-water mark of resident memory (``VmHWM``), imports
included on both sides; ours is reset just after the store is unlocked, so the passphrase KDF's
memory (Argon2id, 256 MiB) is not counted. Targets: ours at most 0.5x img2pdf's time, and no
more memory. The median of the runs' times and the largest of their peaks are printed.

For reference, one whole ``harmonize-evidence export`` command (process start, imports, unlocking
with the passphrase, export) is timed against one ``img2pdf`` command on the 50 screenshots.

Where the fixed cost goes: one more run of ours on the 10 screenshots, with a clock around the
fixed steps (the chain check, registering the fonts, laying out the report, the PAdES signature);
and the memory floor, which is the peak of a child that only imports the libraries an export must
use (SQLCipher, cryptography, Pillow, reportlab and pyHanko) and does nothing else. This floor is
compared with img2pdf's peak at 10 screenshots.

Finally ``verify-bundle`` on the 200-screenshot bundle (a new process, as a recipient runs it)
against ``sha256sum`` of the same files unpacked (target at most 3x).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from harmonize_evidence.capture.png import encode_png  # noqa: E402
from harmonize_evidence.domain.clock import FixedClock  # noqa: E402
from harmonize_evidence.domain.model import Producer, Role  # noqa: E402
from harmonize_evidence.services.store import StoreLocation, create_store  # noqa: E402

PASSPHRASE = "benchmark passphrase"
SIZES = (10, 50, 200)
WIDTH, HEIGHT = 1920, 1080

# Every child first imports the modules its work will import (listed by a dry run in another
# process), so that the timed part is the work alone for both sides.
_PRELOAD = """
import importlib, time
started = time.perf_counter()
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception:
        pass
imports = time.perf_counter() - started
"""

_OURS = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from harmonize_evidence.domain.clock import FixedClock
from datetime import UTC, datetime
from harmonize_evidence.services.store import StoreLocation, open_store
store = open_store(StoreLocation(Path({store!r})), lambda: {passphrase!r},
                   FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)))
Path("/proc/self/clear_refs").write_text("5")
{preload}
from harmonize_evidence.services.exporting import export_bundle
def progress(done, total):  # what the command line does when stderr is not a terminal
    pass
started = time.perf_counter()
result = export_bundle(store, {incident!r}, Path({out!r}), progress=progress)
seconds = time.perf_counter() - started
store.close()
peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(json.dumps({{"seconds": seconds, "peak_kb": int(peak[0].split()[1]), "imports": imports,
                  "bundle": str(result.bundle), "size": result.size,
                  "modules": sorted(sys.modules)}}))
"""

_IMG2PDF = """
import json, sys, time
from pathlib import Path
{preload}
import img2pdf
files = {files!r}
started = time.perf_counter()
with open({out!r}, "wb") as handle:
    img2pdf.convert(files, outputstream=handle)
seconds = time.perf_counter() - started
peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(json.dumps({{"seconds": seconds, "peak_kb": int(peak[0].split()[1]), "imports": imports,
                  "modules": sorted(sys.modules)}}))
"""


# Ours once more, with a clock around each fixed step (set up before the export starts, so the
# steps are timed where the export calls them).
_OURS_SPLIT = _OURS.replace(
    "started = time.perf_counter()\nresult =",
    """import functools, importlib
steps = {{}}
def clocked(module, name, label):
    target = importlib.import_module(module)
    inner = getattr(target, name)
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - begun
    setattr(target, name, wrapper)
clocked("harmonize_evidence.services.exporting", "_checked_chain", "custody chain check")
clocked("harmonize_evidence.export.fonts", "register_fonts", "fonts (three TrueType files)")
clocked("harmonize_evidence.export.report", "lay_out", "report layout, fonts included")
clocked("harmonize_evidence.export.pades", "sign_pdf", "PAdES signature (pyHanko)")
started = time.perf_counter()
result =""",
).replace('"imports": imports,', '"imports": imports, "steps": steps,')
assert "steps = {{}}" in _OURS_SPLIT and '"steps": steps' in _OURS_SPLIT, "_OURS changed shape"

# Only the libraries an export must use: the floor of any export's memory in Python.
_LIBRARY_FLOOR = """
import json
from pathlib import Path
import sqlcipher3
import cryptography.x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import aead
import PIL.Image
import reportlab.pdfgen.canvas
import reportlab.platypus
import pyhanko.pdf_utils.incremental_writer
import pyhanko.sign
peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(json.dumps({"peak_kb": int(peak[0].split()[1])}))
"""


def realistic_screenshot(seed: int) -> bytes:
    """A 1080p social-media page as the capture encoder stores it."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), (240, 242, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 56), fill=(24, 119, 242))
    draw.text((24, 18), f"social page {seed}", fill="white")
    draw.rectangle((0, 56, 300, HEIGHT), fill=(255, 255, 255))
    for row in range(30):
        draw.text((20, 80 + row * 30), f"Menu item {rng.randint(1, 999)}", fill=(50, 50, 50))
    y = 80
    while y < HEIGHT - 60:
        height = rng.randint(180, 420)
        draw.rectangle((340, y, 1240, y + height), fill="white", outline=(220, 220, 220))
        draw.ellipse((360, y + 16, 404, y + 60), fill=(rng.randint(0, 255), 90, 160))
        for line in range(rng.randint(2, 6)):
            words = " ".join(
                rng.choice(
                    [
                        "you",
                        "are",
                        "such",
                        "a",
                        "loser",
                        "lol",
                        "everyone",
                        "knows",
                        "what",
                        "did",
                        "school",
                        "tomorrow",
                        "@teacher",
                        "#fail",
                    ]
                )
                for _ in range(rng.randint(6, 18))
            )
            draw.text((420, y + 20 + line * 22), words, fill=(28, 30, 33))
        if height > 260:
            photo = Image.effect_noise((860, height - 170), rng.randint(60, 100)).convert("RGB")
            tint = Image.new("RGB", photo.size, (rng.randint(0, 255), rng.randint(0, 255), 120))
            photo = Image.blend(photo, tint, 0.4).filter(ImageFilter.GaussianBlur(0.6))
            image.paste(photo, (360, y + 150))
        y += height + 16
    draw.rectangle((1280, 80, 1880, 600), fill="white", outline=(220, 220, 220))
    for line in range(20):
        draw.text((1300, 100 + line * 24), f"Trending #{rng.randint(1, 10**6)}", fill=(80, 80, 80))
    pixels = image.tobytes("raw", "BGRX")
    return encode_png(pixels, WIDTH, HEIGHT)


def run_child(code: str) -> dict[str, Any]:
    # Neither side inherits the other's unwritten data: the disk is quiet when a child starts.
    os.sync()
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=1800
    )
    if completed.returncode != 0:
        raise SystemExit(f"child failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def timed_command(command: list[str], environment: dict[str, str]) -> float:
    """Seconds one command takes, from process start to exit (it must succeed)."""
    os.sync()
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=REPO, env=environment
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command[2]} failed:\n{completed.stdout}{completed.stderr}")
    return seconds


def preload(modules: list[str]) -> str:
    """Code that imports ``modules`` and sets ``imports`` to the seconds it took."""
    wanted = [name for name in modules if name != "__main__" and not name.startswith("_")]
    return _PRELOAD.format(modules=wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each, median reported")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    try:
        import img2pdf  # noqa: F401
    except ImportError:
        raise SystemExit("img2pdf is not installed: python -m pip install -e '.[test]'") from None
    if shutil.which("sha256sum") is None:
        raise SystemExit("sha256sum is not installed")

    work = Path(tempfile.mkdtemp(prefix="export-bench-"))
    try:
        print(f"Making {max(SIZES)} realistic {WIDTH}x{HEIGHT} screenshots ...", flush=True)
        shots = work / "shots"
        shots.mkdir()
        paths = []
        for index in range(max(SIZES)):
            path = shots / f"shot-{index:03d}.png"
            path.write_bytes(realistic_screenshot(index))
            paths.append(path)
        sizes = [path.stat().st_size for path in paths]
        print(
            f"  PNG size: mean {statistics.mean(sizes) / 1024:.0f} KiB, "
            f"min {min(sizes) / 1024:.0f} KiB, max {max(sizes) / 1024:.0f} KiB"
        )
        clock = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
        location = StoreLocation(work / "store")
        store, _ = create_store(
            location, Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF), PASSPHRASE, clock
        )
        incidents = {}
        with store:
            for count in (1, *SIZES):
                incident = store.new_incident(f"Benchmark incident of {count} screenshots")
                for path in paths[:count]:
                    store.add_file(incident.id, path, url="https://www.facebook.com/some.page/1")
                incidents[count] = incident.id

        # Dry runs, in processes of their own, list the modules each side's work imports.
        dry = work / "dry"
        dry.mkdir()
        no_preload = preload([])
        ours_modules = run_child(
            _OURS.format(
                repo=str(REPO),
                store=str(location.directory),
                passphrase=PASSPHRASE,
                incident=incidents[1],
                out=str(dry),
                preload=no_preload,
            )
        )["modules"]
        theirs_modules = run_child(
            _IMG2PDF.format(files=[str(paths[0])], out=str(dry / "img2pdf.pdf"), preload=no_preload)
        )["modules"]
        ours_preload, theirs_preload = preload(ours_modules), preload(theirs_modules)

        print()
        header = (
            f"{'exhibits':>8} {'ours s':>8} {'img2pdf s':>10} {'time ratio':>11} "
            f"{'ours MB':>8} {'img2pdf MB':>11} {'memory ratio':>13} {'ours ms/page':>13}"
        )
        print("Export (PDF, signature, bundle) against img2pdf embedding the same PNGs")
        print(header)
        biggest_bundle = None
        small_img2pdf = small_img2pdf_mb = 0.0
        imports: dict[str, list[float]] = {"ours": [], "img2pdf": []}
        for count in SIZES:
            ours_runs, theirs_runs = [], []
            for repeat in range(args.repeats):
                out = work / f"out-{count}-{repeat}"
                out.mkdir()
                ours_runs.append(
                    run_child(
                        _OURS.format(
                            repo=str(REPO),
                            store=str(location.directory),
                            passphrase=PASSPHRASE,
                            incident=incidents[count],
                            out=str(out),
                            preload=ours_preload,
                        )
                    )
                )
                theirs_runs.append(
                    run_child(
                        _IMG2PDF.format(
                            files=[str(p) for p in paths[:count]],
                            out=str(out / "img2pdf.pdf"),
                            preload=theirs_preload,
                        )
                    )
                )
                imports["ours"].append(ours_runs[-1]["imports"])
                imports["img2pdf"].append(theirs_runs[-1]["imports"])
            ours = statistics.median(run["seconds"] for run in ours_runs)
            theirs = statistics.median(run["seconds"] for run in theirs_runs)
            ours_mb = max(run["peak_kb"] for run in ours_runs) / 1024
            theirs_mb = max(run["peak_kb"] for run in theirs_runs) / 1024
            print(
                f"{count:>8} {ours:>8.2f} {theirs:>10.2f} {ours / theirs:>10.2f}x "
                f"{ours_mb:>8.0f} {theirs_mb:>11.0f} {ours_mb / theirs_mb:>12.2f}x "
                f"{ours / count * 1000:>13.1f}",
                flush=True,
            )
            biggest_bundle = Path(str(ours_runs[-1]["bundle"]))
            if count == SIZES[0]:
                small_img2pdf, small_img2pdf_mb = theirs, theirs_mb
        print("  targets: time ratio <= 0.5x, memory ratio <= 1.0x at each size")
        print(
            f"  imports, done before timing on both sides (median): ours "
            f"{statistics.median(imports['ours']):.2f} s ({len(ours_modules)} modules), img2pdf "
            f"{statistics.median(imports['img2pdf']):.2f} s ({len(theirs_modules)} modules)"
        )

        # Where the fixed cost of a small export goes, and the memory no export can go below.
        split_out = work / "split"
        split_out.mkdir()
        split = run_child(
            _OURS_SPLIT.format(
                repo=str(REPO),
                store=str(location.directory),
                passphrase=PASSPHRASE,
                incident=incidents[SIZES[0]],
                out=str(split_out),
                preload=ours_preload,
            )
        )
        print(
            f"  where ours' time goes at {SIZES[0]} screenshots (one more run, "
            f"{split['seconds'] * 1000:.0f} ms in all; img2pdf's median "
            f"{small_img2pdf * 1000:.0f} ms, so the 0.5x budget is {small_img2pdf * 500:.0f} ms):"
        )
        for label, seconds in split["steps"].items():
            print(f"    {label:<34} {seconds * 1000:>6.1f} ms")
        steps_ms = sum(split["steps"].values()) * 1000
        fonts_ms = split["steps"].get("fonts (three TrueType files)", 0.0) * 1000
        print(
            f"    {'the rest (exhibits, zip, manifest)':<34} "
            f"{split['seconds'] * 1000 - steps_ms + fonts_ms:>6.1f} ms"
        )
        floor = run_child(_LIBRARY_FLOOR)["peak_kb"] / 1024
        print(
            f"  memory floor: importing only SQLCipher, cryptography, Pillow, reportlab and "
            f"pyHanko peaks at {floor:.0f} MB; img2pdf's whole run at {SIZES[0]} screenshots "
            f"peaks at "
            f"{small_img2pdf_mb:.0f} MB ({floor / small_img2pdf_mb:.2f}x)"
        )

        whole = work / "whole"
        whole.mkdir()
        size = SIZES[1]
        environment = {**os.environ, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE}
        ours_command = [
            sys.executable,
            "-m",
            "harmonize_evidence",
            "--store",
            str(location.directory),
            "export",
            incidents[size],
            "--out",
            str(whole),
        ]
        theirs_command = [
            sys.executable,
            "-m",
            "img2pdf",
            *(str(p) for p in paths[:size]),
            "-o",
            str(whole / "img2pdf.pdf"),
        ]
        ours_whole = timed_command(ours_command, environment)
        theirs_whole = timed_command(theirs_command, dict(os.environ))
        print(
            f"  whole commands on {size} screenshots, from process start (imports, and for ours "
            f"unlocking with the passphrase): harmonize-evidence export {ours_whole:.2f} s, "
            f"img2pdf {theirs_whole:.2f} s"
        )

        assert biggest_bundle is not None
        unpacked = work / "unpacked"
        with zipfile.ZipFile(biggest_bundle) as archive:
            archive.extractall(unpacked)
        files = [
            str(unpacked / "report.pdf"),
            *sorted(str(p) for p in (unpacked / "exhibits").iterdir()),
        ]
        verify_times, sums_times = [], []
        for _ in range(args.repeats):
            started = time.perf_counter()
            checked = subprocess.run(
                [sys.executable, "-m", "harmonize_evidence", "verify-bundle", str(biggest_bundle)],
                capture_output=True,
                text=True,
                check=False,
                cwd=REPO,
            )
            verify_times.append(time.perf_counter() - started)
            if checked.returncode != 0:
                raise SystemExit(f"verify-bundle failed:\n{checked.stdout}{checked.stderr}")
            started = time.perf_counter()
            subprocess.run(["sha256sum", *files], capture_output=True, check=True)
            sums_times.append(time.perf_counter() - started)
        total_mb = sum(Path(f).stat().st_size for f in files) / 1024 / 1024
        verify_s, sums_s = statistics.median(verify_times), statistics.median(sums_times)
        print()
        bundle_mb = biggest_bundle.stat().st_size / 1024 / 1024
        print(
            f"verify-bundle of the {max(SIZES)}-exhibit bundle ({bundle_mb:.0f} MB; "
            f"{total_mb:.0f} MB of report and exhibits): {verify_s:.2f} s; sha256sum of the same "
            f"files: {sums_s:.2f} s; ratio {verify_s / sums_s:.2f}x (target <= 3x)"
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
