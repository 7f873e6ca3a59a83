"""The lead's case search: one scan of every case's text finds what a test of each case finds.

The list filters thousands of cases at each key typed in its search box, through
:meth:`ListedCases.matching`; these tests compare it with the plain test of every case and word,
over any titles, names and search words (accents, other scripts, punctuation, empty words).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.model import Category, Incident, Status
from harmonize_evidence.services.case_list import CaseRow
from harmonize_evidence.ui.listed_cases import folded, list_cases

LONDON = ZoneInfo("Europe/London")
# Words with accents, other scripts and punctuation, some often shared between cases.
texts = st.text(
    alphabet=st.sampled_from(list("abcdeéłżΩمح 0-.'\n")) | st.characters(codec="utf-8"),
    max_size=30,
)


def _row(number: int, title: str, people: str, sender: str, assignee: str) -> CaseRow:
    incident = Incident(
        id=f"INC-2026-{number:04d}",
        title=title,
        category=Category.STAFF_CYBERBULLYING,
        platforms=(),
        people=people,
        reported_by="Zoë Lane",
        created_utc=datetime(2026, 11, 2, 9, number % 60, tzinfo=UTC),
        status=Status.OPEN,
    )
    return CaseRow(incident, None, False, assigned_to=assignee or None, from_whom=sender or None)


@settings(max_examples=60, deadline=None)
@given(
    cases=st.lists(st.tuples(texts, texts, texts, texts), max_size=12),
    typed=texts,
)
def test_one_scan_finds_the_cases_each_case_test_finds(
    cases: list[tuple[str, str, str, str]], typed: str
) -> None:
    listed = list_cases(
        [_row(n + 1, *fields) for n, fields in enumerate(cases)], LONDON, datetime.now(UTC)
    )
    words = tuple(" " + word for word in folded(typed).split())
    expected = {
        n for n, case in enumerate(listed.cases) if all(word in case.search for word in words)
    }
    assert listed.matching(words) == expected


def test_a_word_matches_the_start_of_a_word_only_and_every_word_must_match() -> None:
    listed = list_cases(
        [
            _row(1, "Posts about Mr Nowak", "Year 9", "Łukasz Nowak", ""),
            _row(2, "Reposted video", "Year 10", "Zoë Lane", "Priya Shah"),
            _row(3, "Comments", "Year 9", "Zoë Lane", ""),
        ],
        LONDON,
        datetime.now(UTC),
    )
    assert listed.matching((" post",)) == {0}  # not "Reposted"
    assert listed.matching((" lukasz", " year")) == {0}
    assert listed.matching((" year", " 9")) == {0, 2}
    assert listed.matching((" priya", " 10")) == {1}
    assert listed.matching((" inc", " 2026", " 0002")) == {1}
    assert listed.matching(()) == {0, 1, 2}
    assert listed.matching((" nobody",)) == set()
