"""Plug a realistic wrong answer into a chapter and see what the student's own (visible) check says.

Used by the tests/test_mistakes_*.py files: each lists mistakes a student could plausibly make, and asserts
that the visible check of that exercise fails with a message naming the mistake. The notebook that runs is
what a student sees after solving every other exercise of the chapter: the solution with the hidden tests
removed, one answer cell changed by text replacements, and nothing after the check of that answer.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

from nbclient import NotebookClient

from minigrad.course import build

ROOT = Path(__file__).resolve().parents[1]
KERNEL_TIMEOUT = 300


@dataclass(frozen=True)
class Mistake:
    """A wrong answer: `replace` turns the solution of the answer cell `grade_id` into the mistake."""

    chapter: str  # e.g. "03_tracer"
    grade_id: str  # the exercise's answer and test cells
    what: str  # the mistake in a student's words, used as the test id
    replace: tuple[tuple[str, str], ...]  # (old, new) pairs; each old text must occur in the answer cell
    expect: tuple[str, ...] = field(default=())  # fragments the check's failure message must contain

    def __str__(self) -> str:
        return f"{self.grade_id}: {self.what}"


@dataclass(frozen=True)
class Outcome:
    passed: bool  # did the visible check print its ok line?
    message: str  # the check's error (ename: evalue), or what went wrong before it


def _notebook_with(mistake: Mistake) -> tuple[object, int]:
    """The student's notebook with the mistake, cut after the check; and the index of the check cell."""
    nb = build.read_notebook(ROOT / "solutions" / f"{mistake.chapter}.ipynb")
    nb = copy.deepcopy(nb)
    answer = test = None
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("minigrad") or {}
        if meta.get("grade_id") != mistake.grade_id:
            continue
        if meta.get("role") == "answer":
            answer = cell
        elif meta.get("role") == "test":
            test = index
    assert answer is not None and test is not None, f"{mistake.chapter} has no exercise {mistake.grade_id}"
    for old, new in mistake.replace:
        assert old in answer.source, f"{mistake}: {old!r} is not in the answer cell"
        answer.source = answer.source.replace(old, new)
    nb.cells = nb.cells[: test + 1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = build.strip_hidden_tests(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nb, test


def run_visible_check(mistake: Mistake) -> Outcome:
    """Execute the chapter with the mistake up to its check; say whether the check passed, and its message."""
    nb, test = _notebook_with(mistake)
    env_before = {k: os.environ.get(k) for k in ("MINIGRAD_OVERLAY", *build.ONE_BLAS_THREAD)}
    os.environ.update({"MINIGRAD_OVERLAY": "off", **build.ONE_BLAS_THREAD})
    try:
        client = NotebookClient(
            nb,
            timeout=KERNEL_TIMEOUT,
            kernel_name=build.KERNEL_NAME,
            allow_errors=True,
            skip_cells_with_tag=build.SKIP_TAG,
            resources={"metadata": {"path": str(ROOT / "solutions")}},
        )
        client.execute()
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            where = "" if index == test else f"(cell {index}, before the check) "
            return Outcome(False, f"{where}{errors[0]['ename']}: {errors[0]['evalue']}")
    printed = "".join(o.get("text", "") for o in nb.cells[test].outputs if o.get("output_type") == "stream")
    meta = nb.cells[test].metadata["minigrad"]
    return Outcome(f"ok {meta['grade_id']}" in printed.split("\n"), printed.strip())


def assert_caught(mistake: Mistake) -> None:
    """The visible check must fail on the mistake, with a message containing every expected fragment."""
    outcome = run_visible_check(mistake)
    assert not outcome.passed, (
        f"the visible check of {mistake.grade_id} passes with the mistake: {mistake.what}"
    )
    missing = [f for f in mistake.expect if f.lower() not in outcome.message.lower()]
    assert not missing, f"{mistake}: the message should mention {missing}; it says:\n{outcome.message}"
