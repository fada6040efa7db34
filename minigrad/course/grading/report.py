"""Reading what one pytest run left behind: the JUnit report's cells, and the message each failure gives.

The plugin put each cell's grade_id, points and role, its error (ename, evalue) and the guard's findings into
JUnit properties; nbval's own failure text is the fallback. "Cell N" names are never used to find an exercise.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minigrad.course.checks import CheckFailed

ASSERTION_NAMES = {"AssertionError", CheckFailed.__name__}
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CELL_REASON_RE = re.compile(r"^Cell \d+: (.*)$", re.MULTILINE)
ARROW_RE = re.compile(r"^-+> *\d+ (.*)$", re.MULTILINE)


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


@dataclass
class CellReport:
    """One cell's JUnit test case."""

    name: str
    outcome: str  # passed, failed, error, skipped
    properties: dict[str, str]
    text: str = ""  # failure text, ANSI codes stripped
    tampering: list[dict] = field(default_factory=list)  # the guard's findings recorded before this cell

    @property
    def grade_id(self) -> str | None:
        return self.properties.get("grade_id")

    @property
    def role(self) -> str | None:
        return self.properties.get("role")

    @property
    def where(self) -> str:
        return f"{self.role} cell {self.grade_id}" if self.grade_id else self.name.lower()

    @property
    def reason(self) -> str:
        match = CELL_REASON_RE.search(self.text)
        return match.group(1).strip() if match else first_line(self.text)

    @property
    def timed_out(self) -> bool:
        return self.reason.startswith("Timeout of")

    @property
    def ename(self) -> str:
        return self.properties.get("ename", "")

    @property
    def evalue(self) -> str:
        return self.properties.get("evalue", "")

    @property
    def guard_error(self) -> str | None:
        return self.properties.get("guard_error")

    def message(self, cell_timeout: float) -> str:
        """What a student should read: the whole check message, or what went wrong instead."""
        if self.timed_out or self.ename == "KeyboardInterrupt":  # nbval interrupts a cell at its timeout
            return f"timeout: the cell ran longer than {cell_timeout:g} s (an infinite loop?)"
        if self.guard_error:
            return "not checked: the grader could not restore the kernel after your answer cells"
        if self.ename:  # also for cells nbval marks xfail after a timeout: they still ran
            value = self.evalue.strip()
            if self.ename in ASSERTION_NAMES:
                if value:
                    return value
                arrows = ARROW_RE.findall(self.text)
                return f"failed: {arrows[-1].strip()}" if arrows else "assertion failed"
            return f"{self.ename}: {value}" if value else self.ename
        if self.reason == "Cell outputs differ":
            if "'stderr'" in self.text:
                return "the check wrote to stderr (a warning?); it must print only its ok line"
            return "the check did not reach its end (its ok line is missing)"
        if self.outcome == "skipped":
            return "not run: an earlier cell timed out or the kernel died"
        if "Kernel dead" in self.text:
            return "not run: the kernel had died"
        return self.reason

    def raised(self) -> str:
        """For an answer cell that raised: the exception type and the first line of its message."""
        if self.timed_out or self.ename == "KeyboardInterrupt":
            return "ran into the cell timeout"
        line = first_line(self.evalue)
        return f"raised {self.ename}: {line}" if line else f"raised {self.ename or 'an error'}"


def _properties(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[dict]]:
    """A cell's properties, and the guard's findings among them (there can be several)."""
    properties: dict[str, str] = {}
    tampering = []
    for name, value in pairs:
        if name == "tampering":
            try:
                tampering.append(json.loads(value))
            except ValueError:
                tampering.append({"by": "?", "findings": ["unreadable guard report"]})
        else:
            properties[name] = value
    return properties, tampering


def read_cell_log(path: Path) -> list[CellReport]:
    """The cells the plugin logged as each finished: what is left when pytest was killed before its report."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    cells = []
    for line in lines:
        try:
            entry = json.loads(line)
            properties, tampering = _properties((str(k), str(v)) for k, v in entry.get("properties", []))
            cells.append(
                CellReport(
                    str(entry["name"]),
                    str(entry["outcome"]),
                    properties,
                    ANSI_RE.sub("", str(entry.get("text", ""))),
                    tampering,
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a line cut off by the kill
    return cells


def read_report(path: Path) -> list[CellReport]:
    if not path.is_file():
        return []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return []
    cells = []
    for case in root.iter("testcase"):
        if not case.get("name"):
            continue  # pytest adds an empty test case when interrupted
        pairs = ((prop.get("name", ""), prop.get("value", "")) for prop in case.iter("property"))
        properties, tampering = _properties(pairs)
        outcome, text = "passed", ""
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = "failed" if kind == "failure" else kind
                text = ANSI_RE.sub("", element.text or element.get("message") or "")
                break
        cells.append(CellReport(case.get("name", ""), outcome, properties, text, tampering))
    return cells
