"""A teacher's capture reaches the safeguarding lead, and the lead's bundle reaches the police.

The school's policy: a member of staff who keeps a record of abuse reports it at once to the
safeguarding lead, who investigates and, with the member of staff's consent, refers it to the
police. Here, each on their own laptop (their own home folder and store): the lead sets the
program up and shares the school card; the teacher joins after checking its fingerprint by phone,
captures a region of a real screen with the post's address, adds a phone screenshot and her
account, and hands the incident over in an encrypted file; the lead confirms the teacher's
fingerprint, receives it, sends back a receipt, and exports the bundle. The officer checks it
with ``verify-bundle``, ``pdfsig``, ``sha256sum -c`` and ``openssl`` against one fingerprint, the
school's, and finds the teacher's exhibits byte for byte as she captured them.

Both set the program up as its setup wizard does by default, with the key kept in the laptop's
keychain (each laptop its own Secret Service), so that later commands open the store as on a
laptop the user is logged in to, without deriving the key from the passphrase again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from harmonize_evidence.capture import Rect
from tests.conftest import Cli, private_env, running_secret_service
from tests.journeys.conftest import ok
from tests.journeys.officer import check_as_an_officer
from tests.painted import PaintedScreen

POST_URL = "https://www.instagram.com/p/Cx1Post/"
ACCOUNT = "A parent showed me the post at 21:40. The account signed Łukasz names my classroom."


@contextmanager
def laptop(folder: Path) -> Iterator[Cli]:
    """One person's laptop: their home folder, their keychain, their store."""
    with running_secret_service(private_env(folder), "login-password") as env:
        yield Cli(folder / "store", env)


def test_a_teachers_capture_goes_through_the_lead_to_the_officer(
    screen: PaintedScreen, tmp_path: Path
) -> None:
    with laptop(tmp_path / "lead-laptop") as lead, laptop(tmp_path / "teacher-laptop") as teacher:
        journey(lead, teacher, screen, tmp_path)


def journey(lead: Cli, teacher: Cli, screen: PaintedScreen, tmp_path: Path) -> None:
    # The lead sets up the school's store and shares the card (by email: it is public).
    school = ok(
        lead(
            "--json", "init", "--name", "Priya Shah", "--initials", "PS", "--school",
            "Oak Hill Academy", "--role", "lead", "--keychain",
        )
    )  # fmt: skip
    card = ok(lead("--json", "school-card", "--out", str(tmp_path / "email" / ""), "--contact",
                   "Priya Shah, 01234 567890"))  # fmt: skip
    assert card["fingerprint"] == school["fingerprint"]

    # The teacher sets up her laptop and joins, with the fingerprint the lead read out by phone.
    teacher_id = ok(
        teacher("--json", "init", "--name", "Zoë Lane", "--initials", "ZL", "--school",
                "Oak Hill Academy", "--keychain")
    )  # fmt: skip
    said_by_phone = card["short_fingerprint"]
    joined = ok(teacher("--json", "join", card["card"], "--fingerprint", said_by_phone))
    assert joined["lead"] == "Priya Shah"

    # She captures the post, adds her phone's screenshot and writes her account.
    incident = ok(
        teacher("--json", "incident", "new", "--title", "Posts about Ms Lane on Instagram",
                "--platform", "Instagram")
    )["id"]  # fmt: skip
    region = Rect(200, 150, 640, 360)
    captured = ok(
        teacher(
            "--json", "capture", incident,
            "--region", f"{region.left},{region.top},{region.width},{region.height}",
            "--url", POST_URL, "--note", "The post and the first comments",
            env={"DISPLAY": screen.name},
        )
    )  # fmt: skip
    phone = tmp_path / "IMG_2041.PNG"
    Image.new("RGB", (390, 844), (240, 240, 245)).save(phone)
    added = ok(teacher("--json", "add", incident, str(phone), "--url", POST_URL))
    ok(teacher("--json", "note", incident, ACCOUNT))

    # She hands it over on a USB stick: one encrypted file.
    handed = ok(teacher("--json", "handover", incident, "--out", str(tmp_path / "usb" / "")))
    package = Path(handed["package"])
    assert handed["exhibits"] == 2
    assert b"Lane" not in package.read_bytes() and b"Instagram" not in package.read_bytes()

    # The lead receives it: first refused until the teacher's fingerprint is confirmed.
    refused = lead("receive", str(package))
    assert refused.code == 1 and teacher_id["fingerprint"] in refused.stderr
    received = ok(
        lead("--json", "receive", str(package), "--accept-staff", teacher_id["fingerprint"])
    )
    case = received["case"]
    assert received["staff_reference"] == incident and received["exhibits"] == 2
    assert ok(lead("--json", "verify"))["ok"] is True

    # The lead's receipt reaches the teacher's store.
    receipt = ok(lead("--json", "receipt", case, "--out", str(tmp_path / "reply" / "")))
    taken = ok(teacher("--json", "receive", receipt["receipt"]))
    assert taken["incident"] == incident and taken["received_by"].startswith("Priya Shah")
    shown = ok(teacher("--json", "incident", "show", incident))
    assert any("Received by the lead" in line for line in shown["incident"]["handovers"])

    # The lead exports the bundle for the police.
    out = tmp_path / "for the police"
    exported = ok(lead("--json", "export", case, "--out", str(out / "")))
    bundle = Path(exported["bundle"])

    # The officer checks it against one fingerprint: the school's.
    officer_env = private_env(tmp_path / "officer")
    found = check_as_an_officer(bundle, school["fingerprint"], tmp_path / "officer-work",
                                officer_env)  # fmt: skip
    manifest = json.loads((found.folder / "manifest.json").read_text(encoding="utf-8"))
    by_hash = {item["sha256"]: item for item in manifest["items"]}
    screenshot = by_hash[captured["sha256"]]
    data = (found.folder / screenshot["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == captured["sha256"]
    phone_item = by_hash[added["sha256"]]
    assert (found.folder / phone_item["file"]).read_bytes() == phone.read_bytes()
    text = " ".join(found.report_text.split())
    for words in (case, incident, POST_URL, "Łukasz", "Zoë Lane", "Priya Shah",
                  handed["sha256"][:16]):  # fmt: skip
        assert words in text, words
