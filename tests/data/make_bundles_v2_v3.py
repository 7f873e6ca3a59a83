"""Rebuilds tests/data/bundle-v2.zip and tests/data/bundle-v3.zip: bundles as manifest versions 2
and 3 wrote them.

Run from the project root, with the code of the commit before manifest version 4 (custody entries
readable as objects): ``python tests/data/make_bundles_v2_v3.py``. The bundles are committed so
the test of ``verify-bundle`` reads real bundles of the older versions, as a recipient who kept
one would; rebuild them only if those versions themselves were wrong. Later code writes version
4, and the script refuses to run with it.

Version 2 is a member of staff's bundle (two screenshots, a written account); version 3 is the
safeguarding lead's bundle of the same incident, received from the staff laptop, with a note and
a status change of the lead's own. The stores use the lowest passphrase cost (they are thrown
away); the bundles are what any store writes.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from harmonize_evidence.domain.model import Producer, Role, Status
from harmonize_evidence.export.bundle import MANIFEST_VERSION
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.handing_over import hand_over
from harmonize_evidence.services.receiving import receive_package
from harmonize_evidence.services.school import join_school, make_school_card
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.vault.keys import PassphraseCost

DATA = Path(__file__).parent
STAFF = Producer("Łukasz Nowak", "LN", "Oak Hill Academy", Role.STAFF)
LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
COST = PassphraseCost(memory_kib=8, iterations=1, lanes=1)
PASSPHRASE = "old bundles passphrase"


class SteppingClock:
    """A clock moved on by hand, so the entries read in time order."""

    zone_name = "Europe/London"

    def __init__(self, start: datetime) -> None:
        self.instant = start

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.zone_name)

    def now(self) -> datetime:
        return self.instant

    def advance(self, minutes: int) -> None:
        self.instant += timedelta(minutes=minutes)


def main() -> None:
    if MANIFEST_VERSION != 2:
        raise SystemExit("This code writes manifest version 4; run this with the older code.")
    clock = SteppingClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    root = Path(tempfile.mkdtemp(prefix="old-bundles-"))
    try:
        staff, _ = create_store(
            StoreLocation(root / "staff"), STAFF, PASSPHRASE, clock, passphrase_cost=COST
        )
        lead, _ = create_store(
            StoreLocation(root / "lead"), LEAD, PASSPHRASE, clock, passphrase_cost=COST
        )
        with staff, lead:
            card, fingerprint = make_school_card(lead, "01632 960123")
            join_school(staff, card, fingerprint, "in person")
            incident = staff.new_incident(
                "Posts about Mr Nowak", platforms=["Instagram"], people="Pupil A"
            )
            for number in range(2):
                clock.advance(3)
                path = root / f"post-{number}.png"
                Image.new("RGB", (160, 100), (60 * number, 120, 200)).save(path, format="PNG")
                staff.add_file(incident.id, path, url="https://www.instagram.com/p/C0ffee/")
            staff.add_note(incident.id, "Łukasz saw the posts at 08:50 and told me.")
            clock.advance(10)
            package = hand_over(staff, incident.id, root / "packages/").package
            clock.advance(20)
            case = receive_package(lead, package, accept_staff=staff.fingerprint).case
            clock.advance(30)
            lead.add_note(case, "Asked Instagram to remove both posts.")
            lead.set_status(case, Status.UNDER_REVIEW, "Reviewing with the head teacher")
            clock.advance(5)
            staff_bundle = export_bundle(staff, incident.id, root / "staff-export/").bundle
            lead_bundle = export_bundle(lead, case, root / "lead-export/").bundle
        shutil.copyfile(staff_bundle, DATA / "bundle-v2.zip")
        shutil.copyfile(lead_bundle, DATA / "bundle-v3.zip")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
