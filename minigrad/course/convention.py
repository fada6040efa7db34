"""The cell convention shared by the build and the grader: markers, regions, stubs, cell metadata, files.

COURSE.md §2. One implementation for both sides, so the student copy the build writes and the notebook the
grader rebuilds can never disagree about what a solution region or a hidden test is. Only the standard
library and nbformat are imported here: `python minigrad/course/build.py` imports this file directly, so the
build still runs when a broken generated module makes `import minigrad` fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


class MarkerError(ValueError):
    """Unbalanced or nested `### BEGIN ...` / `### END ...` markers in one cell's source."""


def regions(lines: list[str], begin: str, end: str) -> list[tuple[int, int]]:
    """Return (begin line, end line) index pairs; raise MarkerError unless every region is closed once."""
    found = []
    start: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == begin:
            if start is not None:
                raise MarkerError(f"line {i + 1}: {begin!r} inside the region opened on line {start + 1}")
            start = i
        elif stripped == end:
            if start is None:
                raise MarkerError(f"line {i + 1}: {end!r} without a matching {begin!r}")
            found.append((start, i))
            start = None
    if start is not None:
        raise MarkerError(f"line {start + 1}: {begin!r} has no matching {end!r}")
    return found


def drop_lines(lines: list[str], drop: set[int]) -> str:
    """Remove the given lines without changing how many blank lines separate the code around them.

    Why: generated files must already be `ruff format`-clean. Where removed lines sat between blank lines,
    the stretch keeps its longest run of blank lines (not their sum), so a marker between two single blank
    lines inside a function leaves one blank line, and two blank lines before a top-level `def` stay two. At
    the start or end of the text, such a stretch leaves no blank line at all.
    """
    out: list[str] = []
    runs: list[list[str]] = [[]]  # blank lines of the current stretch, split where a line was dropped

    def flush(at_edge: bool) -> None:
        if len(runs) == 1:
            out.extend(runs[0])
        elif not at_edge:
            longest: list[str] = max(runs, key=len)
            out.extend(longest)

    for i, line in enumerate(lines):
        if i in drop:
            runs.append([])
        elif not line.strip():
            runs[-1].append(line)
        else:
            flush(at_edge=not out)
            runs = [[]]
            out.append(line)
    flush(at_edge=True)
    return "\n".join(out)


def stub_source(src: str, message: str) -> str:
    """Replace each solution region by a stub that raises NotImplementedError(message).

    The stub takes the indentation of its `### BEGIN SOLUTION` line, so a region inside a method stays valid.
    """
    lines = src.split("\n")
    out: list[str] = []
    pos = 0
    for start, end in regions(lines, BEGIN_SOLUTION, END_SOLUTION):
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        out += lines[pos:start]
        out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError({json.dumps(message)})"]
        pos = end + 1
    out += lines[pos:]
    return "\n".join(out)


def strip_hidden_tests(src: str) -> str:
    """Remove each `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region, markers included."""
    lines = src.split("\n")
    drop = {i for start, end in regions(lines, BEGIN_HIDDEN, END_HIDDEN) for i in range(start, end + 1)}
    return drop_lines(lines, drop)


def hidden_tests(src: str) -> list[str]:
    """The lines inside the hidden-test regions of a cell (what the student must never see)."""
    lines = src.split("\n")
    found = regions(lines, BEGIN_HIDDEN, END_HIDDEN)
    return [line for start, end in found for line in lines[start + 1 : end]]


def strip_solution_markers(src: str) -> str:
    """Drop the `### BEGIN/END SOLUTION` lines and keep the solution itself (the package's version)."""
    lines = src.split("\n")
    drop = {i for region in regions(lines, BEGIN_SOLUTION, END_SOLUTION) for i in region}
    return drop_lines(lines, drop)


def exercise_message(exercise: str) -> str:
    """'2.1 Mul.backward' -> 'Exercise 2.1: Mul.backward' (the text students see in the stub)."""
    number, _, title = exercise.strip().partition(" ")
    return f"Exercise {number}: {title.strip()}" if title.strip() else f"Exercise {number}"


def cell_meta(cell: NotebookNode) -> dict:
    """A cell's `metadata.minigrad` (role, grade_id, points, exercise), or {} for ordinary cells."""
    meta = cell.get("metadata", {}).get("minigrad")
    return meta if isinstance(meta, dict) else {}


def dumps_notebook(nb: NotebookNode) -> str:
    """Serialise like every notebook in the repository: nbformat v4, indent 1, one trailing newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def read_notebook(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)
