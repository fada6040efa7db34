"""A toy chapter for the grader's tests, built here so every case is exact (used by tests/test_grade*.py).

Three exercises, each an answer cell with a solution region and a test cell with hidden tests. With
`export=True` the chapter is like a real one: its first cell calls `live.enable()`, the check helpers come
from minigrad.course.checks, and the first answer is an export cell (`#| export toy`), so grading writes a
stubbed `minigrad/toy.py` into the submission's overlay and a hidden test reaches the answer through
`minigrad.toy`.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from minigrad.course import build
from minigrad.course.convention import cell_meta
from minigrad.course.grading.notebook import CHECK_TAG

REPO = Path(__file__).resolve().parents[1]

SQUARE = '''\
def square(x):
    """Return x squared."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION'''

SQUARE_TEST = """\
assert square(3) == 9, f"square(3) should be 9, got {square(3)}"
### BEGIN HIDDEN TESTS
assert square(-2) == 4, f"square(-2) should be 4, got {square(-2)}"
### END HIDDEN TESTS
print("ok t-square")"""

MEAN = """\
def mean(xs):
    ### BEGIN SOLUTION
    return float(np.sum(xs)) / len(xs)
    ### END SOLUTION"""

MEAN_TEST = """\
got = mean([1.0, 2.0, 6.0])
assert got == 3.0, f"mean([1, 2, 6]) should be 3.0, got {got}\\ndivide the sum by the number of values"
### BEGIN HIDDEN TESTS
assert mean([5.0]) == 5.0, "hidden: mean([5]) should be 5.0"
### END HIDDEN TESTS
print("ok t-mean")"""

COUNTER = """\
class Counter:
    def __init__(self):
        self.total = 0

    def add(self, n):
        ### BEGIN SOLUTION
        self.total += n
        return self
        ### END SOLUTION"""

COUNTER_TEST = """\
c = Counter().add(2).add(3)
assert c.total == 5, f"Counter().add(2).add(3).total should be 5, got {c.total}"
print("ok t-counter")"""

# The chapter-like variant: live export, check helpers, and a hidden test that goes through the package.
SETUP_EXPORT = """\
import numpy as np

import minigrad
from minigrad.course import live
from minigrad.course.checks import check_close, check_true

live.enable()"""

SQUARE_EXPORT = "#| export toy\n" + SQUARE

SQUARE_EXPORT_TEST = """\
check_close("square(3)", square(3.0), 9.0, "multiply x by itself")
check_true(square(-1.5) == 2.25, "square(-1.5) should be 2.25")
### BEGIN HIDDEN TESTS
check_close("minigrad.toy.square(-2) (the exported function)", minigrad.toy.square(-2.0), 4.0)
secret_witness = "hidden-test-marker-7f3a"
check_true(isinstance(secret_witness, str), "the hidden test ran")
### END HIDDEN TESTS
print("ok t-square")"""

MEAN_EXPORT_TEST = """\
got = mean([1.0, 2.0, 6.0])
check_close("mean([1, 2, 6])", got, 3.0, "divide the sum by the number of values")
### BEGIN HIDDEN TESTS
check_close("mean([5]) (hidden)", mean([5.0]), 5.0)
### END HIDDEN TESTS
print("ok t-mean")"""

COUNTER_EXPORT_TEST = """\
c = Counter().add(2).add(3)
check_true(c.total == 5, f"Counter().add(2).add(3).total should be 5, got {c.total}")
print("ok t-counter")"""

WRONG_MEAN = MEAN.replace("/ len(xs)", "")  # the sum, not the mean
POINTS = {"t-square": 1, "t-mean": 2, "t-counter": 3}


def answer(source: str, gid: str, exercise: str) -> NotebookNode:
    return new_code_cell(
        source, metadata={"minigrad": {"role": "answer", "grade_id": gid, "exercise": exercise}}
    )


def check_cell(source: str, gid: str) -> NotebookNode:
    meta = {"minigrad": {"role": "test", "grade_id": gid, "points": POINTS[gid]}, "tags": [CHECK_TAG]}
    return new_code_cell(source, metadata=meta)


def solution_notebook(export: bool = False) -> NotebookNode:
    """The toy solution; `export=True` for the chapter-like variant (live export, check helpers)."""
    nb = new_notebook(
        cells=[
            new_markdown_cell("# A toy chapter\nThree exercises."),
            new_code_cell(SETUP_EXPORT if export else "import numpy as np"),
            answer(SQUARE_EXPORT if export else SQUARE, "t-square", "1.1 square"),
            check_cell(SQUARE_EXPORT_TEST if export else SQUARE_TEST, "t-square"),
            new_code_cell('print("a demo cell whose output is never compared:", square(4))'),
            answer(MEAN, "t-mean", "1.2 mean"),
            check_cell(MEAN_EXPORT_TEST if export else MEAN_TEST, "t-mean"),
            answer(COUNTER, "t-counter", "1.3 Counter.add"),
            check_cell(COUNTER_EXPORT_TEST if export else COUNTER_TEST, "t-counter"),
        ]
    )
    for index, cell in enumerate(nb.cells):
        cell.id = f"toy-cell-{index}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def solved(gid: str, export: bool = False) -> str:
    """The solution's answer for `gid`, without markers (what a correct student writes)."""
    cell = next(c for c in solution_notebook(export).cells if cell_meta(c).get("grade_id") == gid)
    return build.strip_solution_markers(cell.source)


def student_notebook(
    replace: dict[str, str] | None = None, solved_: bool = True, export: bool = False
) -> NotebookNode:
    """The chapter as a student saves it: answers filled in (or `replace`d), stale outputs everywhere."""
    solution = solution_notebook(export)
    nb = build.make_chapter(solution)
    for index, cell in enumerate(nb.cells):
        meta = cell_meta(cell)
        if meta.get("role") == "answer":
            if replace and meta["grade_id"] in replace:
                cell.source = replace[meta["grade_id"]]
            elif solved_:
                cell.source = build.strip_solution_markers(solution.cells[index].source)
        if cell.cell_type == "code":
            cell.execution_count = index + 40
            cell.outputs = [new_output("stream", name="stdout", text="stale output from the student's run\n")]
    return nb


def is_test(cell: NotebookNode, gid: str) -> bool:
    return cell_meta(cell).get("role") == "test" and cell_meta(cell).get("grade_id") == gid


def write(nb: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def digests(paths: list[Path]) -> dict[Path, str]:
    return {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def tree_digests(*roots: Path) -> dict[Path, str]:
    """sha256 of every file under the given folders (or of the given files)."""
    files = []
    for root in roots:
        files += [root] if root.is_file() else [p for p in sorted(root.rglob("*")) if p.is_file()]
    return digests(files)


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minigrad.course.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
    )


def require_sandbox() -> None:
    """Skip a sandbox test where bubblewrap cannot run, except in CI (CI=true), where that is a failure."""
    import os

    import pytest

    from minigrad.course.grading import sandbox

    problem = sandbox.probe()
    if problem is None:
        return
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"the grader's sandbox must work in CI (.ci/run installs bubblewrap): {problem}")
    pytest.skip(f"no sandbox on this machine: {problem}")


def alive(token: str) -> list[int]:
    """Processes (any user) whose command line contains `token`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# --- attacks that both tests/test_grade_attacks.py (on this toy chapter) and tests/grading_class.py (on
# chapter 03) append to an honest answer; {placeholders} are filled with the run's paths ---------------------
TRANSFORMER = """
import re


def _always_ok(lines):
    found = re.search(r'print\\("ok ([\\w-]+)"\\)', "".join(lines))
    return [f'print("ok {found.group(1)}")\\n'] if found else lines


get_ipython().input_transformers_cleanup.append(_always_ok)
"""
NUMPY_PATCH = "\nnp.allclose = lambda *args, **kwargs: True\n"
CODE_PATCH = "\ncheck_close.__code__ = (lambda *args, **kwargs: None).__code__\n"
THREAD = """
import threading
import time


def _keep_switching_off():
    while True:
        get_ipython().user_ns["check_close"] = lambda *args, **kwargs: None
        time.sleep(0.001)


threading.Thread(target=_keep_switching_off, daemon=True).start()
"""
VANDAL = """
import glob
import os

targets = [*{targets!r}, *glob.glob({subs!r} + "/**/*.ipynb", recursive=True)]
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        arguments = open(f"/proc/{{pid}}/cmdline", "rb").read().decode(errors="replace").split("\\0")
    except OSError:
        continue
    targets += [a for a in arguments if a.endswith((".ipynb", ".csv", ".py"))]
for path in targets:
    for act in (lambda p: open(p, "a").write('\\nraise RuntimeError("sabotaged")'), os.remove):
        try:
            act(path)
        except OSError:
            pass
"""
