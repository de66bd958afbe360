"""Collects every problem found in the input data, not just the first one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

MAX_LISTED = 100


@dataclass(frozen=True)
class Issue:
    file: str
    location: str | None
    rule: str
    message: str
    severity: Literal["error", "warning"]

    def text(self) -> str:
        where = f"{self.file} {self.location}" if self.location else self.file
        return f"{where}: {self.message}"


@dataclass
class IssueLog:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0

    def error(self, file: str, location: str | None, rule: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Issue(file, location, rule, message, "error"))

    def warning(self, file: str, location: str | None, rule: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(Issue(file, location, rule, message, "warning"))

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    def summary(self) -> str:
        """The first error, and how many more there are."""
        first = self.errors[0].text()
        more = self.error_count - 1
        return first if more == 0 else f"{first} (and {more} more problem{'s' if more > 1 else ''})"

    def report(self) -> dict[str, Any]:
        return {
            "valid": not self.failed,
            "errorCount": self.error_count,
            "warningCount": self.warning_count,
            "listedLimit": MAX_LISTED,
            "errors": [asdict(issue) for issue in self.errors],
            "warnings": [asdict(issue) for issue in self.warnings],
        }
