"""A teacher keeps a record from the command line; a police officer checks the bundle.

The school's policy: keep "screen prints of messages or web pages" with "the time, date and
address of site", and hand them on. Here a teacher sets up the program, captures a region of a real
screen with the post's address, adds a screenshot taken on her phone, writes her account, and
exports the bundle. The officer, without the program's store, checks it with ``verify-bundle``,
``pdfsig``, ``sha256sum -c SHA256SUMS`` and the ``openssl`` lines in VERIFY.txt, and finds the
teacher's words by searching the report.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from harmonize_evidence.capture import Rect
from tests.conftest import Cli
from tests.journeys.conftest import ok
from tests.journeys.officer import check_as_an_officer
from tests.painted import TITLE, PaintedScreen
from tests.screen_painter import pattern_colour

POST_URL = "https://www.instagram.com/p/Cx1Post/"
ACCOUNT = (
    "At 21:40 I was shown a post on Instagram about me by a parent. The comments under it were "
    "posted by three accounts; one, signed Łukasz, names my classroom. Another is written as "
    "محمد. I took the screenshots myself."
)


def test_a_teachers_capture_reaches_the_officer_intact_and_checkable(
    cli: Cli, screen: PaintedScreen, tmp_path: Path
) -> None:
    # The teacher sets the program up (the real key derivation, the real identity).
    made = ok(
        cli(
            "--json", "init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill",
            "--job-title", "Teacher of English",
        )
    )  # fmt: skip
    fingerprint = made["fingerprint"]
    incident = ok(
        cli(
            "--json", "incident", "new", "--title", "Posts about Ms Lane on Instagram",
            "--platform", "Instagram", "--people", "Pupil A; Pupil B",
        )
    )["id"]  # fmt: skip

    # A region of the real screen, with the post's address.
    region = Rect(200, 150, 640, 360)
    captured = ok(
        cli(
            "--json", "capture", incident,
            "--region", f"{region.left},{region.top},{region.width},{region.height}",
            "--url", POST_URL, "--note", "The post and the first comments",
            env={"DISPLAY": screen.name},
        )
    )  # fmt: skip
    assert (captured["width"], captured["height"]) == (region.width, region.height)

    # A screenshot taken on her phone and emailed to herself.
    phone = tmp_path / "IMG_2041.PNG"
    Image.new("RGB", (390, 844), (240, 240, 245)).save(phone)
    added = ok(
        cli(
            "--json", "add", incident, str(phone), "--url", POST_URL,
            "--came-from", "Screenshot on my phone, emailed to my school address",
            "--posted-at", "21/11/26 9.30pm",
            env={"TZ": "Europe/London"},  # her laptop's clock, in the UK
        )
    )  # fmt: skip
    # As she typed it, and what it was read as (on the laptop's clock, in London).
    assert added["posted_at"] == "21/11/26 9.30pm"
    assert added["posted_at_understood"] == "2026-11-21T21:30:00+00:00"
    ok(cli("--json", "note", incident, ACCOUNT))

    out = tmp_path / "for the police"
    out.mkdir()
    exported = ok(cli("--json", "export", incident, "--out", str(out), "--for", "police"))
    bundle = Path(exported["bundle"])
    assert bundle.parent == out and bundle.suffix == ".zip"
    assert exported["sha256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    log = ok(cli("--json", "log", incident))["entries"]
    assert log[-1]["action"] == "exported"
    assert exported["sha256"] in json.dumps(log[-1])

    # The officer has only the bundle, and no store.
    officer_env = {**cli.env, "HOME": str(tmp_path / "officer")}
    found = check_as_an_officer(bundle, fingerprint, tmp_path / "officer-work", officer_env)

    # The screenshot in the bundle is exactly what was on the screen, byte for byte as stored.
    manifest = json.loads((found.folder / "manifest.json").read_text(encoding="utf-8"))
    files = {item["exhibit"]: item for item in manifest["items"]}
    screenshot = files[captured["exhibit"]]
    assert screenshot["sha256"] == captured["sha256"]
    data = (found.folder / screenshot["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == captured["sha256"]
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (region.width, region.height)
    for x, y in ((0, 0), (639, 0), (0, 359), (639, 359), (321, 177)):
        assert image.getpixel((x, y)) == pattern_colour(region.left + x, region.top + y)
    phone_item = files[added["exhibit"]]
    assert (found.folder / phone_item["file"]).read_bytes() == phone.read_bytes()

    # What the officer searches the report for is there, as the teacher typed it.
    text = found.report_text
    for words in (incident, POST_URL, "Instagram", "posted by three accounts", "Łukasz", TITLE):
        assert words in text, words
    # The time on the phone screenshot's post: as she typed it, and as it was understood.
    flowing = " ".join(text.split())
    for words in (
        "21/11/26 9.30pm",
        "Time on the post, understood as",
        "Sat 21 Nov 2026 21:30 GMT",
    ):
        assert words in flowing, words
    assert fingerprint in text.replace("\n", " ") or fingerprint[:47] in text
    # Her statement: who she is, and how the phone's screenshot reached the laptop.
    assert "I, Zoë Lane, Teacher of English at Oak Hill, produce the exhibits" in flowing
    assert (
        f"{added['exhibit']} (the file IMG_2041.PNG; how it reached this computer: Screenshot on "
        "my phone, emailed to my school address)" in flowing
    )
    pages = flowing.split("This report, this statement included, has ")[1].split(" pages")[0]
    assert int(pages) == text.count("\f") + (0 if text.endswith("\f") else 1)
