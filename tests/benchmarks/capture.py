"""Benchmark: screen capture end to end, against a bare grab-and-encode and against scrot.

Run from the repository root: ``python tests/benchmarks/capture.py`` (needs Xvfb and scrot).

For each screen size (1920x1080 and 3840x2160) it starts an Xvfb display showing busy content
(text and photo-like images, drawn by a real Qt client) and measures, interleaved in the same run:

- ours: ``capture_into`` on an open store: grab, describe, PNG encode, SHA-256, and the encrypted
  SQLCipher commit of the bytes with their signed custody entry;
- baseline: a bare ``mss`` grab plus ``mss.tools.to_png(level=1)`` of the same frame (in memory,
  from an mss instance kept open, as ours is);
- scrot: the Debian tool writing the same screen to a PNG file (a new process each time);
- an 800x600 region: ``capture_into`` (which grabs the whole screen once and cuts the region from
  that grab, the one code path the GUI shares) against a bare ``mss`` grab of just that region
  plus ``mss.tools.to_png(level=1)``.

It prints median latencies and ratios (targets: at most 1.0x the baseline and 0.5x scrot), the
stored size against Pillow's PNG at level 6, the share of time in each step, and the encoder
options the default was chosen from.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import mss  # noqa: E402
import mss.tools  # noqa: E402
from PIL import Image  # noqa: E402

from harmonize_evidence.capture import CaptureTarget, Rect  # noqa: E402
from harmonize_evidence.capture.png import EncoderSettings, PngFilter, encode_png  # noqa: E402
from harmonize_evidence.domain.model import Producer, Role  # noqa: E402
from harmonize_evidence.services.capturing import capture_into  # noqa: E402
from harmonize_evidence.services.clock import SystemClock  # noqa: E402
from harmonize_evidence.services.store import StoreLocation, create_store  # noqa: E402
from tests.conftest import start_xvfb, stop_xvfb  # noqa: E402

PAINTER = REPO / "tests" / "screen_painter.py"
SIZES = ((1920, 1080), (3840, 2160))


def median_ms(samples: list[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def timed(action: Callable[[], object]) -> float:
    """Seconds taken by one call."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def show_busy_content(display: str, width: int, height: int) -> subprocess.Popen[str]:
    """Start the painter with busy content; returns once it has painted."""
    painter = subprocess.Popen(
        [
            sys.executable,
            str(PAINTER),
            "--display",
            display,
            "--geometry",
            f"0,0,{width},{height}",
            "--content",
            "busy",
            "--title",
            "A social media page",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert painter.stdout is not None
    if painter.stdout.readline().strip() != "ready":
        raise SystemExit("the painter did not start")
    return painter


def encoder_options(frame: mss.base.ScreenShot) -> None:
    """Time and size of the encoder options the default was chosen from (one frame)."""
    width, height = frame.size
    options = [
        ("mss.tools.to_png, zlib 1, no filter", None),
        ("zlib 1, Up, 1 stripe", EncoderSettings(deflate="zlib", stripes=1)),
        ("zlib 1, Up, 2 stripes", EncoderSettings(deflate="zlib", stripes=2)),
        ("ISA-L 1, none, 2 stripes", EncoderSettings(row_filter=PngFilter.NONE)),
        ("ISA-L 0, Up, 2 stripes", EncoderSettings(level=0)),
        ("ISA-L 1, Up, 1 stripe", EncoderSettings(stripes=1)),
        ("ISA-L 1, Up, 2 stripes  [default]", EncoderSettings()),
        ("ISA-L 2, Up, 2 stripes", EncoderSettings(level=2)),
        ("ISA-L 3, Up, 2 stripes", EncoderSettings(level=3)),
    ]
    print("    encoder options (same frame, median of 7):")
    for label, settings in options:
        samples = []
        size = 0
        for _ in range(7):
            started = time.perf_counter()
            if settings is None:
                data = mss.tools.to_png(frame.rgb, frame.size, level=1)
            else:
                data = encode_png(frame.raw, width, height, settings)
            samples.append(time.perf_counter() - started)
            size = len(data or b"")
        print(f"      {label:<36} {median_ms(samples):8.1f} ms {size / 1e6:8.2f} MB")


def bench_size(width: int, height: int, rounds: int, work: Path, show_options: bool) -> None:
    """Measure one screen size."""
    display = start_xvfb(((width, height),))
    painter = show_busy_content(display.name, width, height)
    os.environ["DISPLAY"] = display.name
    location = StoreLocation(work / f"store-{width}x{height}")
    store, _ = create_store(
        location,
        Producer("Bench Mark", "BM", "Bench School", Role.STAFF),
        "bench-passphrase",
        SystemClock(),
    )
    scrot_file = work / "scrot.png"
    try:
        incident = store.new_incident("Benchmark")
        grabber = mss.MSS(display=display.name)
        full = grabber.monitors[0]

        def baseline() -> bytes:
            shot = grabber.grab(full)
            return mss.tools.to_png(shot.rgb, shot.size, level=1) or b""

        def scrot() -> None:
            subprocess.run(
                ["scrot", "--overwrite", str(scrot_file)],
                env={**os.environ, "DISPLAY": display.name},
                check=True,
            )

        def ours() -> object:
            return capture_into(store, incident.id, CaptureTarget.full(), display=display.name)

        region = Rect(width // 4, height // 4, 800, 600)

        def region_baseline() -> bytes:
            shot = grabber.grab(region.as_dict())
            return mss.tools.to_png(shot.rgb, shot.size, level=1) or b""

        def ours_region() -> object:
            target = CaptureTarget.of_region(region)
            return capture_into(store, incident.id, target, display=display.name)

        # Warm up each path once (connections, worker threads, page cache).
        baseline()
        scrot()
        region_baseline()
        ours_region()
        last = ours()
        ours_s: list[float] = []
        base_s: list[float] = []
        scrot_s: list[float] = []
        region_s: list[float] = []
        region_base_s: list[float] = []
        steps: dict[str, list[float]] = {}
        for _ in range(rounds):
            base_s.append(timed(baseline))
            scrot_s.append(timed(scrot))
            started = time.perf_counter()
            last = ours()
            ours_s.append(time.perf_counter() - started)
            for step, seconds in last.seconds.items():  # type: ignore[attr-defined]
                steps.setdefault(step, []).append(seconds)
            region_base_s.append(timed(region_baseline))
            region_s.append(timed(ours_region))

        frame = grabber.grab(full)
        pil = io.BytesIO()
        Image.frombytes("RGB", frame.size, frame.rgb).save(pil, "PNG", compress_level=6)
        ours_size = last.exhibit.size  # type: ignore[attr-defined]
        base_size = len(baseline())
        scrot_size = scrot_file.stat().st_size

        ours_ms, base_ms, scrot_ms = median_ms(ours_s), median_ms(base_s), median_ms(scrot_s)
        print(f"\n{width}x{height} (busy content), median of {rounds} interleaved runs")
        print(f"  ours end to end (grab, encode, hash, encrypted commit): {ours_ms:8.1f} ms")
        print(f"  baseline mss grab + mss.tools.to_png(level=1):          {base_ms:8.1f} ms")
        print(f"  scrot writing the screen to a file:                     {scrot_ms:8.1f} ms")
        print(f"  ratio ours / baseline: {ours_ms / base_ms:5.2f}x   (target <= 1.0x)")
        print(f"  ratio ours / scrot:    {ours_ms / scrot_ms:5.2f}x   (target <= 0.5x)")
        pil_size = len(pil.getvalue())
        print(
            f"  stored size: {ours_size / 1e6:.2f} MB; Pillow level 6 {pil_size / 1e6:.2f} MB "
            f"(ratio {ours_size / pil_size:.2f}x); mss to_png level 1 {base_size / 1e6:.2f} MB; "
            f"scrot {scrot_size / 1e6:.2f} MB"
        )
        total = sum(statistics.median(v) for v in steps.values())
        shares = ", ".join(
            f"{step} {median_ms(v):.1f} ms ({statistics.median(v) / total:.0%})"
            for step, v in steps.items()
        )
        print(f"  share of time per step (medians): {shares}")
        region_ms, region_base_ms = median_ms(region_s), median_ms(region_base_s)
        print(
            f"  800x600 region: ours {region_ms:.1f} ms (whole-screen grab, crop, encode, hash, "
            f"commit); mss grab of the region + to_png(level=1) {region_base_ms:.1f} ms; "
            f"ratio {region_ms / region_base_ms:.2f}x"
        )
        if show_options:
            encoder_options(frame)
        grabber.close()
    finally:
        store.close()
        painter.communicate(timeout=10)
        stop_xvfb(display)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs per measurement at 1080p")
    parser.add_argument("--no-options", action="store_true", help="skip the encoder options table")
    args = parser.parse_args()
    for tool in ("Xvfb", "scrot"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian packages xvfb and scrot)")
    print(f"Python {sys.version.split()[0]}, mss {mss.__version__}, {os.cpu_count()} processors")
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as folder:
        for index, (width, height) in enumerate(SIZES):
            rounds = args.rounds if index == 0 else max(5, args.rounds // 2)
            bench_size(width, height, rounds, Path(folder), show_options=not args.no_options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
