"""The notebook that runs: the instructor's solution with the student's answer cells, ready for nbval.

COURSE.md §6. Only the student's `answer` cells are taken, matched first by cell id (JupyterLab keeps it,
and it says where the code ran in the student's own notebook), then by `grade_id`; a missing answer becomes
the stub.
Setup, checks and hidden tests are always the instructor's. Whatever was unusual about the match (duplicate
answer cells, an answer moved below its check, a relabelled grade_id, missing cells) is returned as notes for
the gradebook row, in words a student understands.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output

from minigrad.course import convention as cv

CHECK_TAG = "nbval-check-output"


class GradeError(Exception):
    """The instructor's input is unusable (bad solution notebook, clashing submission names)."""


class NotANotebook(Exception):
    """A submission that cannot be read as a notebook; the message goes into the status column."""


def parse_notebook(data: bytes) -> NotebookNode:
    """Read a notebook from bytes, turning every kind of unreadable file into NotANotebook."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotANotebook(str(error)) from error
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise NotANotebook("valid JSON, but not a notebook (no list of cells)")
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # nbformat raises many types for malformed notebooks
        raise NotANotebook(f"{type(error).__name__}: {error}") from error


def copy_notebook(nb: NotebookNode) -> NotebookNode:
    return nbformat.from_dict(json.loads(json.dumps(nb)))


@dataclass(frozen=True)
class Check:
    """One test cell of the instructor's notebook."""

    grade_id: str
    points: float
    label: str  # what students call it: "Exercise 2.1: Mul.backward"


def _role(cell: NotebookNode, role: str) -> bool:
    return cell.get("cell_type") == "code" and cv.cell_meta(cell).get("role") == role


def checks_of(nb: NotebookNode) -> list[Check]:
    """The test cells of a notebook, in order, labelled by their answer cell's exercise."""
    exercises = {
        str(cv.cell_meta(cell)["grade_id"]): cv.exercise_message(str(cv.cell_meta(cell)["exercise"]))
        for cell in nb.cells
        if _role(cell, "answer") and cv.cell_meta(cell).get("grade_id") and cv.cell_meta(cell).get("exercise")
    }
    checks = []
    for cell in nb.cells:
        meta = cv.cell_meta(cell)
        if _role(cell, "test") and meta.get("grade_id"):
            gid = str(meta["grade_id"])
            checks.append(Check(gid, float(meta.get("points", 1)), exercises.get(gid, gid)))
    return checks


def validate_solution(nb: NotebookNode, name: str) -> list[Check]:
    """Refuse a solution notebook the grader could not score fairly; return its checks."""
    checks = checks_of(nb)
    if not checks:
        raise GradeError(f"{name}: no test cells (metadata.minigrad.role == 'test' with a grade_id)")
    seen: set[str] = set()
    for check in checks:
        if check.grade_id in seen:
            raise GradeError(f"{name}: two test cells share grade_id {check.grade_id!r}")
        seen.add(check.grade_id)
    for index, cell in enumerate(nb.cells):
        meta = cv.cell_meta(cell)
        if meta.get("role") == "test" and f"ok {meta.get('grade_id')}" not in cell.source:
            raise GradeError(f'{name}: test cell {index} must end with print("ok {meta.get("grade_id")}")')
        if meta.get("role") == "answer" and not meta.get("exercise"):
            raise GradeError(f"{name}: answer cell {index} has no metadata.minigrad.exercise")
    return checks


def hidden_test_lines(nb: NotebookNode) -> list[str]:
    """Every line of every hidden-test region of the solution (text that must never reach a student)."""
    return [
        line for cell in nb.cells if cell.get("cell_type") == "code" for line in cv.hidden_tests(cell.source)
    ]


def prepare(nb: NotebookNode) -> NotebookNode:
    """Make a notebook ready for nbval: no stored outputs except the sentinel `ok <grade_id>` of test cells.

    Only test cells have an execution count, so lax mode compares nothing else; a test cell passes only if it
    printed its sentinel, i.e. ran to its last line.
    """
    prepared = copy_notebook(nb)
    for cell in prepared.cells:
        if cell.cell_type != "code":
            continue
        meta = cv.cell_meta(cell)
        if meta.get("role") == "test" and meta.get("grade_id"):
            tags = cell.metadata.setdefault("tags", [])
            if CHECK_TAG not in tags:
                tags.append(CHECK_TAG)
            cell.outputs = [new_output("stream", name="stdout", text=f"ok {meta['grade_id']}\n")]
            cell.execution_count = 1
        else:
            cell.outputs = []
            cell.execution_count = None
    return prepared


@dataclass
class Merged:
    """The notebook to run, the student's answer sources by grade_id, and notes about the match."""

    notebook: NotebookNode
    answers: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _answer_cells(solution: NotebookNode) -> dict[str, NotebookNode]:
    return {str(cv.cell_meta(c)["grade_id"]): c for c in solution.cells if _role(c, "answer")}


def match_answers(solution: NotebookNode, student: NotebookNode) -> tuple[dict[str, list[str]], list[str]]:
    """The student's answer sources by grade_id (in notebook order), and notes on anything unusual."""
    wanted = _answer_cells(solution)
    by_id = {cell.get("id"): gid for gid, cell in wanted.items() if cell.get("id")}
    tests_by_id = {c.get("id"): str(cv.cell_meta(c)["grade_id"]) for c in solution.cells if _role(c, "test")}
    answers: dict[str, list[str]] = {}
    positions: dict[str, int] = {}
    test_positions: dict[str, int] = {}
    notes: list[str] = []
    for index, cell in enumerate(student.cells):
        if cell.get("cell_type") != "code":
            continue
        meta = cv.cell_meta(cell)
        labelled = str(meta["grade_id"]) if meta.get("grade_id") is not None else None
        if meta.get("role") == "test" or cell.get("id") in tests_by_id:
            test_positions.setdefault(tests_by_id.get(cell.get("id")) or labelled or "", index)
            continue
        gid = by_id.get(cell.get("id"))
        if gid is not None:
            if meta.get("role") != "answer":
                notes.append(f"the answer cell of {gid} had lost its answer metadata (found by its cell id)")
            elif labelled != gid:
                notes.append(f"the answer cell of {gid} was relabelled {labelled!r} (found by its cell id)")
        elif meta.get("role") == "answer" and labelled in wanted:
            gid = labelled
        elif meta.get("role") == "answer":
            notes.append(f"an answer cell labelled {labelled!r} matches no exercise and was ignored")
            continue
        else:
            continue
        answers.setdefault(gid, []).append(cell.get("source", ""))
        positions[gid] = index
    for gid in wanted:
        if gid not in answers:
            notes.append(f"no answer cell for {gid}: graded as the untouched exercise")
        elif len(answers[gid]) > 1:
            notes.append(f"{len(answers[gid])} answer cells for {gid}: all of them ran, in notebook order")
        if gid in answers and gid in test_positions and positions[gid] > test_positions[gid]:
            notes.append(f"the answer cell of {gid} was below its check: graded where the chapter has it")
    missing = [gid for gid in tests_by_id.values() if gid not in test_positions]
    if missing:
        notes.append(f"check cells deleted ({', '.join(missing)}): the instructor's checks ran")
    return answers, notes


def merge(solution: NotebookNode, student: NotebookNode) -> Merged:
    """The instructor's notebook with the student's answer cells in place (stubs where an answer is missing).

    Several answer cells for one exercise run one after the other, as they would in the student's notebook.
    The cells after the last check are left out: nothing they do can change a score, and a chapter's closing
    demos (timings, training curves) would only cost every submission their run time.
    """
    answers, notes = match_answers(solution, student)
    merged = copy_notebook(solution)
    last_check = max(i for i, cell in enumerate(merged.cells) if _role(cell, "test"))
    merged.cells = merged.cells[: last_check + 1]
    for cell in merged.cells:
        meta = cv.cell_meta(cell)
        if _role(cell, "answer"):
            gid = str(meta.get("grade_id"))
            if gid in answers:
                cell.source = "\n\n".join(answers[gid])
            else:
                cell.source = cv.stub_source(cell.source, cv.exercise_message(str(meta["exercise"])))
    return Merged(prepare(merged), answers, notes)


def instructor_sources(nb: NotebookNode) -> Iterable[str]:
    """The code of every cell that is not an answer (what the instructor wrote and imports)."""
    return [cell.source for cell in nb.cells if cell.get("cell_type") == "code" and not _role(cell, "answer")]
