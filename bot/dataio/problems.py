"""Problems found in an input file, collected (up to a limit) so one run reports many."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Largest accepted value of a single field, in UTF-8 bytes: Slack cannot show more anyway and
#: it bounds the memory one record can take.
MAX_FIELD_BYTES = 100_000
#: A string this long or shorter (in characters) cannot exceed MAX_FIELD_BYTES (a character
#: is at most 4 UTF-8 bytes), so hot loops test only longer ones with `check_size`.
SIZE_CHECK_CHARS = MAX_FIELD_BYTES // 4
#: Stop collecting after this many problems; the first ones are what a person fixes first.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ImportFailed(Exception):
    """The file had problems; nothing was written. `problems` name file and line."""

    def __init__(self, problems: list[Problem], truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        more = f"\n(stopped after {len(problems)} problems)" if truncated else ""
        super().__init__("\n".join(str(p) for p in problems) + more)


class RecordError(ValueError):
    """One record is invalid; the caller adds file and line."""


@dataclass
class ProblemLog:
    """Collects problems for one file; `full` tells the caller to stop scanning."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False

    def add(self, line: int, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            return
        self.problems.append(Problem(self.file, line, message))

    @property
    def full(self) -> bool:
        """True once the limit is reached; the caller stops scanning, so mark the list cut."""
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            return True
        return False

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(list(self.problems), self.truncated)


def check_size(key: str, value: str) -> None:
    """Reject a field over MAX_FIELD_BYTES (cheap length test first, exact bytes only if close)."""
    if len(value) > SIZE_CHECK_CHARS and len(value.encode()) > MAX_FIELD_BYTES:
        raise RecordError(
            f"field {key!r} is {len(value.encode()):,} bytes; the limit is {MAX_FIELD_BYTES:,}"
        )
