"""The report's embedded index: what ``verify-bundle`` reads back from a report.

The report carries, in its document information under ``/HarmonizeEvidenceIndex``, a JSON index
(format ``harmonize-evidence/report-index``, version 1): the incident id, the chain head, each
exhibit's reference and SHA-256, and the pages where the cover and the exhibit list are printed.
``verify-bundle`` compares it, and the text printed on those pages, with the manifest. This
module holds only that format, so the verifier reads it without the report's layout.

The cover is usually one page, but a long title pushes its end (the fingerprints, the chain
head) onto the next: ``pages.cover`` is its first page, as in every report, and
``pages.cover_pages`` (added later; absent from older reports, whose cover is read as its first
page alone) all of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

INDEX_KEY = "HarmonizeEvidenceIndex"
INDEX_FORMAT = "harmonize-evidence/report-index"
INDEX_VERSION = 1


@dataclass(frozen=True)
class ReportIndex:
    """What the report's embedded index says (also what the verifier reads back)."""

    incident_id: str
    chain_head: tuple[int, str]
    exhibits: tuple[tuple[str, str | None], ...]
    cover_pages: tuple[int, ...]
    list_pages: tuple[int, ...]

    @property
    def cover_page(self) -> int:
        """The page the cover starts on."""
        return self.cover_pages[0]

    def to_json(self) -> str:
        """The index as compact JSON (ASCII)."""
        return json.dumps(
            {
                "format": INDEX_FORMAT,
                "version": INDEX_VERSION,
                "incident": self.incident_id,
                "chain_head": {"seq": self.chain_head[0], "hash": self.chain_head[1]},
                "exhibits": [{"exhibit": ref, "sha256": sha} for ref, sha in self.exhibits],
                "pages": {
                    "cover": self.cover_page,
                    "cover_pages": list(self.cover_pages),
                    "exhibit_list": list(self.list_pages),
                },
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> ReportIndex:
        """Parse an index; ``ValueError``, ``KeyError`` or ``TypeError`` if it is not one."""
        data = json.loads(text)
        if data.get("format") != INDEX_FORMAT or data.get("version") != INDEX_VERSION:
            raise ValueError("not a report index of a known version")
        return cls(
            incident_id=str(data["incident"]),
            chain_head=(int(data["chain_head"]["seq"]), str(data["chain_head"]["hash"])),
            exhibits=tuple(
                (str(item["exhibit"]), None if item["sha256"] is None else str(item["sha256"]))
                for item in data["exhibits"]
            ),
            cover_pages=tuple(
                int(page) for page in data["pages"].get("cover_pages") or [data["pages"]["cover"]]
            ),
            list_pages=tuple(int(page) for page in data["pages"]["exhibit_list"]),
        )
