"""What the checks of ``verify-bundle`` find: each problem named by the file it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field

from harmonize_evidence.domain.chain import Problem


@dataclass
class Findings:
    problems: list[Problem] = field(default_factory=list)

    def add(self, subject: str, message: str) -> None:
        self.problems.append(Problem(subject, message))
