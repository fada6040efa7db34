"""The student copies: run untouched, every check fails, and only because an exercise is still a stub.

This is what keeps a stub from passing by accident and catches breakage (a missing import, a demo that needs
the solution) that would hit every student before they write a line. The solutions themselves are run by
nbval directly (they are in pytest's testpaths).

Export cells take effect in the package as they run (live export), so a demo after an unsolved exercise runs
the stub and fails with its NotImplementedError; a later cell that uses a name such a cell did not get to
define then fails with a NameError. Those cascades are expected; any other error is breakage.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def _code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


NAME_ERROR_RE = re.compile(r"NameError: name '(\w+)' is not defined")
ANSI_RE = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")  # colours, raw or as JUnit escapes them


def defined_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, defs, classes, imports, for-loop targets)."""
    lines = [line for line in source.split("\n") if not line.lstrip().startswith(("!", "%"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node in tree.body:
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def test_every_solution_has_a_chapter() -> None:
    solutions = sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    assert solutions, "no solution notebooks found"
    assert [p.name for p in CHAPTERS] == solutions


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_untouched_chapter_fails_every_check_through_its_stubs(chapter: Path, tmp_path: Path) -> None:
    cells = _code_cells(chapter)
    tests = {i for i, c in enumerate(cells) if c.metadata.get("minigrad", {}).get("role") == "test"}
    answers = [c for c in cells if c.metadata.get("minigrad", {}).get("role") == "answer"]
    assert tests, f"{chapter.name} has no test cells"
    assert answers, f"{chapter.name} has no exercises"
    for c in answers:
        assert "NotImplementedError" in c.source, f"{chapter.name}: answer cell without a stub:\n{c.source}"

    work = tmp_path / chapter.name
    shutil.copy(chapter, work)
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", str(work), "--nbval-lax", "--nbval-current-env",
            "--nbval-cell-timeout=300", "-p", "no:cacheprovider", "-p", "no:xdist", "--color=no", "-q",
            f"--junitxml={report}", "-o", "junit_family=xunit1",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    failed: dict[int, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            failed[int(case.get("name").split()[-1])] = (problem.get("message") or "") + (problem.text or "")
    missed = sorted(tests - failed.keys())
    assert not missed, f"{chapter.name}: test cells that pass with the stubs untouched: {missed}"
    unavailable: set[str] = set()  # names that cells failing through a stub did not get to define
    for i in sorted(failed):
        text = ANSI_RE.sub("", failed[i])
        missing = NAME_ERROR_RE.search(text)
        cascade = missing is not None and missing.group(1) in unavailable
        assert "NotImplementedError" in text or cascade, (
            f"{chapter.name}: cell {i} fails for another reason than an exercise stub:\n"
            f"{cells[i].source}\n{text[-2000:]}"
        )
        unavailable |= defined_names(cells[i].source)
