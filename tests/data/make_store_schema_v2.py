"""Rebuilds tests/data/store-schema-v2: a store exactly as schema version 2 wrote it.

Run from the project root, with the code of the commit that added this script (schema version 2):
``python tests/data/make_store_schema_v2.py``. The folder it writes is committed so the migration
test opens a real file from the older version; rebuild it only if the version 2 schema itself was
wrong. Later code writes a newer schema, and the script refuses to run with it.

The store is made through the program's own use cases, as a user's store is: two incidents, a
screenshot, a document, a written account, a record-only description (which flags its incident
urgent), a status change, a purged exhibit, an extracted copy and an export. The computer's
account and machine names in the metadata are fixed ones, so the file says nothing about the
computer that made it.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from harmonize_evidence.domain.model import Category, Producer, Role, Status
from harmonize_evidence.services import environment
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.vault.schema import CURRENT_VERSION

OUT = Path(__file__).parent / "store-schema-v2"
PASSPHRASE = "schema two passphrase"


@dataclass
class SteppingClock:
    """A clock that moves on a minute each time it is read, so the chain reads in time order."""

    instant: datetime
    zone_name: str = "Europe/London"

    def now(self) -> datetime:
        self.instant += timedelta(minutes=1)
        return self.instant

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.zone_name)


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(buffer, "PNG")
    return buffer.getvalue()


def main() -> None:
    if CURRENT_VERSION != 2:
        raise SystemExit(f"this code writes schema version {CURRENT_VERSION}, not 2")
    environment.os_user = lambda: "teacher"
    environment.machine_name = lambda: "LAPTOP-02"
    shutil.rmtree(OUT, ignore_errors=True)
    clock = SteppingClock(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))
    producer = Producer("Version Two", "VT", "Oak Hill Academy", Role.STAFF)
    store, _ = create_store(StoreLocation(OUT), producer, PASSPHRASE, clock)
    with tempfile.TemporaryDirectory() as scratch:
        files = Path(scratch)
        (files / "comment.png").write_bytes(_png((200, 30, 40)))
        (files / "email.txt").write_text("From the parent group, forwarded to me.\n")
        (files / "story.png").write_bytes(_png((30, 60, 200)))
        first = store.new_incident(
            "Comments about Mr Two in a parents' group",
            platforms=["Facebook"],
            people="Parents' group admin",
        )
        store.add_file(
            first.id,
            files / "comment.png",
            url="https://www.facebook.com/groups/oakhill/posts/1",
            note="Second comment from the top",
            posted_at="2026-11-25T15:10+00:00",
        )
        store.add_file(first.id, files / "email.txt", note="Forwarded by a colleague")
        store.add_note(first.id, "I saw the comments at 16:20 and captured them at once.")
        store.set_status(first.id, Status.HANDED_OVER, "Given to the safeguarding lead")
        second = store.new_incident(
            "Story naming a pupil", category=Category.PUPIL_CYBERBULLYING, platforms=["Instagram"]
        )
        record_without_image(
            store,
            second.id,
            description="A story showing a pupil; not copied, as the guidance says.",
            url="https://www.instagram.com/stories/someone/1",
        )
        story = store.add_file(second.id, files / "story.png", note="A repost of the story")
        store.extract(second.id, story.ref, files)
        store.purge(second.id, story.ref, "Taken by mistake; the lead asked for it to be removed")
        export_bundle(store, first.id, files / "bundles")
    store.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
