"""What every checker reports: a finding in one file, at a line, by one rule.

`check` (a clock that ran out, a quota short), `validate` (a file that is not
sound) and `audit` (a change that did not come through cmplt) each return a
list of these and differ only in what they add (`extra`) and how their JSON
names things, which is each command's documented contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    # what was found: a check rule (`resolve`, `callback-quota`), the field that is
    # wrong in a file (`events.3.at`, `(file)`), or the kind of change (`event-edited`)
    rule: str
    level: str  # "overdue", "warning" or "error"
    path: str | None  # relative to the registry root (or to where the command ran)
    line: int | None  # 1-based
    column: int | None  # 1-based
    record_id: str | None
    message: str
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def location(self) -> str:
        """`path:line:column`, as far as they are known."""
        parts = [self.path or "-"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def text(self) -> str:
        """One line, as compilers and linters print theirs: `path:line:column: rule: message`."""
        return f"{self.location}: {self.rule}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.rule, self.message)
