"""Grading a real chapter against a package in which its own modules are stubs (issue 9, item 6).

Chapter 03 exports `minigrad.autograd`. Graded, the kernel imports the stubbed autograd (from the submission's
overlay) and, in the sandbox, sees the stub even where the reference file was: an answer that imports the
reference, or reads and runs its source, gets the stub's NotImplementedError. An honest answer replaces the
stubs live (the chapter's first cell calls `live.enable()`) and gets full marks; the untouched chapter gets 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from grading_toy import cli, require_sandbox, write

from minigrad.course import build, live
from minigrad.course.convention import cell_meta
from minigrad.course.grading.notebook import checks_of

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "03_tracer.ipynb"
LIVE = "from minigrad.course import live\n\nlive.enable()\n"
RUNS_REFERENCE_SOURCE = """\
#| export autograd
import marshal
import pathlib

import minigrad

package = pathlib.Path(minigrad.__file__).parent
exec((package / "autograd.py").read_text())
for compiled in (package / "__pycache__").glob("autograd.*.pyc"):
    if compiled.read_bytes():
        exec(marshal.loads(compiled.read_bytes()[16:]))"""


def chapter_with_live() -> object:
    """Chapter 03 as the course will have it: its first code cell enables live export."""
    nb = build.read_notebook(SOLUTION)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    if "live.enable()" not in first.source:
        first.source = LIVE + "\n" + first.source
    return nb


def with_answers(nb: object, answers: dict[str, str]) -> object:
    chapter = build.make_chapter(nb)
    for cell in chapter.cells:
        meta = cell_meta(cell)
        if meta.get("role") == "answer" and meta["grade_id"] in answers:
            cell.source = answers[meta["grade_id"]]
    return chapter


def importing_the_reference(solution: object) -> dict[str, str]:
    """Each answer that exports to minigrad.autograd replaced by an import of what it defines from there."""
    answers = {}
    for cell in solution.cells:
        meta = cell_meta(cell)
        if meta.get("role") == "answer" and cell.source.startswith("#| export autograd"):
            names = live.defined_names(build.strip_solution_markers(cell.source))
            answers[meta["grade_id"]] = (
                f"#| export autograd\nfrom minigrad.autograd import {', '.join(names)}"
            )
    return answers


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    require_sandbox()
    root = tmp_path_factory.mktemp("chapter03")
    solution = chapter_with_live()
    path = write(solution, root / "solutions" / SOLUTION.name)
    for other in sorted((REPO / "solutions").glob("*.ipynb")):
        if other.name != SOLUTION.name:
            write(build.read_notebook(other), root / "solutions" / other.name)
    honest = {
        cell_meta(c)["grade_id"]: build.strip_solution_markers(c.source)
        for c in solution.cells
        if cell_meta(c).get("role") == "answer"
    }
    imported = importing_the_reference(solution)
    importer = {**honest, **imported}  # backward_order (not exported) is the student's own
    write(solution, root / "subs" / "honest.ipynb")
    write(with_answers(solution, {}), root / "subs" / "untouched.ipynb")
    write(with_answers(solution, importer), root / "subs" / "importer.ipynb")
    write(with_answers(solution, {"ch03-accumulate": RUNS_REFERENCE_SOURCE}), root / "subs" / "reader.ipynb")
    out = root / "gradebook.csv"
    proc = cli("grade", str(path), str(root / "subs"), "--out", str(out), "--jobs", "2", "--sandbox", "bwrap")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out, newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return {"rows": rows, "checks": checks_of(solution), "imported": set(imported)}


def test_an_honest_submission_replaces_the_stubs_and_gets_full_marks(graded: dict) -> None:
    row = graded["rows"]["honest"]
    assert row["score"] == row["max_score"] == str(int(sum(c.points for c in graded["checks"])))
    assert row["status"] == "ok"


def test_the_untouched_chapter_gets_zero(graded: dict) -> None:
    row = graded["rows"]["untouched"]
    assert row["score"] == "0" and row["status"] == "ok"


def test_importing_the_reference_earns_nothing(graded: dict) -> None:
    row = graded["rows"]["importer"]
    assert {"ch03-accumulate", "ch03-backward"} <= graded["imported"]
    for check in graded["checks"]:
        expected = 0 if check.grade_id in graded["imported"] else int(check.points)
        assert int(row[check.grade_id]) == expected, (check.grade_id, row["status"])
    assert "imports _accumulate from minigrad.autograd instead of writing it" in row["status"]


def test_reading_the_reference_file_finds_the_stub(graded: dict) -> None:
    row = graded["rows"]["reader"]
    assert row["ch03-accumulate"] == "0"  # neither minigrad/autograd.py nor its .pyc held the reference
    assert "uses exec" in row["status"] and "imports marshal" in row["status"]
