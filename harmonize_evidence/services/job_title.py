"""The producer's job title, which the report's statement of continuity gives after their name.

"I, Zoë Lane, Head of Year 9 at Oak Hill Academy, produce the exhibits…": a witness statement
names the witness's occupation, and "staff" says nothing. It is asked at setup (the wizard, or
``init --job-title``) and kept in the store's settings; a store made before it was asked has
none, and the statement then says what the role is in words.
"""

from __future__ import annotations

from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.domain.wording import ROLE_IN_STATEMENT
from harmonize_evidence.services.evidence import EvidenceStore

JOB_TITLE_SETTING = "job_title"


def checked_job_title(title: str) -> str:
    """``title`` as kept: spaces tidied; :class:`BadInput` when empty or not plain text."""
    return check_text(" ".join(title.split()), "job title", max_length=NAME_MAX)


def job_title(store: EvidenceStore) -> str | None:
    """The job title given at setup, or None."""
    return store.vault.setting(JOB_TITLE_SETTING)


def set_job_title(store: EvidenceStore, title: str) -> str:
    """Keep ``title`` as the producer's job title; returns it as kept."""
    kept = checked_job_title(title)
    with store.atomic():
        store.vault.set_setting(JOB_TITLE_SETTING, kept)
    return kept


def statement_title(store: EvidenceStore) -> str:
    """What the statement gives after the producer's name: the job title, else the role."""
    return job_title(store) or ROLE_IN_STATEMENT[store.producer.role]
