"""Tests for the grader and the self-check (minigrad/course/grading/, `minigrad-course grade` and `check`).

The submissions are generated in tmp_path from the toy chapter of tests/grading_toy.py, so the cases are
exact: a correct student, an untouched chapter, one wrong answer, an infinite loop, `os._exit`, huge and
merely too large allocations, a file that is not JSON, deleted/edited test cells, extra cells and debug
prints. Chapter 02 is graded too: full marks for its solution, zero for its generated chapter. Attacks on the
grader are in tests/test_grade_attacks.py, the gradebook workflow in tests/test_grade_workflow.py.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

import pytest
from grading_toy import (
    COUNTER,
    COUNTER_TEST,
    MEAN_TEST,
    POINTS,
    SQUARE,
    SQUARE_TEST,
    WRONG_MEAN,
    answer,
    cli,
    digests,
    is_test,
    solution_notebook,
    student_notebook,
    write,
)
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from minigrad.course import build
from minigrad.course.convention import cell_meta
from minigrad.course.grading import commands, feedback, grader, notebook, report, scoring
from minigrad.course.grading.notebook import CHECK_TAG

REPO = Path(__file__).resolve().parents[1]
# Grading every chapter twice would take ~10 minutes of CI; all chapters already pass nbval and the stub check
# (tests/test_chapters.py), so one real chapter proves the grader on real material.
REAL_SOLUTIONS = sorted((REPO / "solutions").glob("02_*.ipynb"))  # exactly one
CELL_TIMEOUT = 10
LIMITS = ["--cell-timeout", str(CELL_TIMEOUT), "--timeout", "60", "--memory", "2000"]


def make_submissions(root: Path) -> list[Path]:
    """One file per case under root/subs (two students use a folder each) plus one file passed on its own."""
    subs = root / "subs"
    chapter = student_notebook(solved_=False)

    hank = student_notebook(replace={"t-mean": WRONG_MEAN})
    hank.cells = [cell for cell in hank.cells if not is_test(cell, "t-square")]
    next(cell for cell in hank.cells if is_test(cell, "t-mean")).source = 'print("ok t-mean")'

    ivy = student_notebook()
    ivy.cells.insert(2, new_markdown_cell("My notes: square is easy."))
    ivy.cells.insert(3, new_code_cell("def helper():\n    return 1\n\nprint(helper())"))
    ivy.cells.insert(5, new_code_cell('raise ValueError("scratch cell the grader must ignore")'))
    ivy.cells.append(new_code_cell("square(12)"))

    loop = {"t-square": "def square(x):\n    while True:\n        pass"}
    exits = {"t-mean": "import os\n\n\ndef mean(xs):\n    os._exit(1)"}
    huge = {"t-counter": COUNTER.replace("self.total += n", "np.ones(10**11)")}
    large = {"t-counter": COUNTER.replace("self.total += n", "np.ones(4 * 10**8)")}  # 3.2 GB
    debug = {"t-square": SQUARE.replace("return x * x", 'print("debug", x)\n    return x * x')}
    files = [
        write(student_notebook(), subs / "alice.ipynb"),
        write(chapter, subs / "bob.ipynb"),
        write(student_notebook(replace={"t-mean": WRONG_MEAN}), subs / "carol.ipynb"),
        write(student_notebook(replace=loop), subs / "dave.ipynb"),
        write(student_notebook(replace=exits), subs / "erin.ipynb"),
        write(student_notebook(replace=huge), subs / "frank.ipynb"),
        write(hank, subs / "hank.ipynb"),
        write(ivy, subs / "ivy" / "toy.ipynb"),
        write(student_notebook(replace=large), subs / "judy" / "toy.ipynb"),
        write(student_notebook(replace=debug), root / "elsewhere" / "kate.ipynb"),
    ]
    gina = subs / "gina.ipynb"
    gina.write_text("this is not JSON {")
    (subs / "README.txt").write_text("not a notebook, and not an .ipynb file: ignored\n")
    return [*files, gina]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Grade every case once through the real command line, as an instructor would."""
    root = tmp_path_factory.mktemp("grading")
    solution = write(solution_notebook(), root / "solution" / "toy.ipynb")
    files = make_submissions(root)
    before = digests([solution, *files])
    start = time.monotonic()
    out = root / "out" / "gradebook.csv"
    proc = cli("grade", str(solution), str(root / "subs"), str(root / "elsewhere" / "kate.ipynb"),
               "--out", str(out), "--jobs", "2", *LIMITS)  # fmt: skip
    seconds = time.monotonic() - start
    with open(out, newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    with open(out, newline="") as file:
        header = next(csv.reader(file))
    after = digests([solution, *files])
    feedback = root / "out" / "gradebook_feedback"
    return {
        "proc": proc, "seconds": seconds, "rows": rows, "header": header,
        "before": before, "after": after, "feedback": feedback,
    }  # fmt: skip


def points(row: dict) -> dict[str, int]:
    return {gid: int(row[gid]) for gid in POINTS}


# --- the whole set --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_case_is_graded_without_stopping_the_run(graded: dict) -> None:
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr
    assert graded["header"] == [
        "submission",
        "score",
        "max_score",
        "status",
        "notes",
        "t-square",
        "t-mean",
        "t-counter",
    ]
    assert list(graded["rows"]) == sorted(graded["rows"])
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivy", "judy", "kate"]
    assert sorted(graded["rows"]) == names
    assert all(row["max_score"] == "6" for row in graded["rows"].values())
    assert graded["seconds"] < 300, f"grading took {graded['seconds']:.0f} s"


@pytest.mark.slow
def test_submissions_are_never_modified(graded: dict) -> None:
    assert graded["after"] == graded["before"]


@pytest.mark.slow
def test_terminal_shows_progress_and_a_summary(graded: dict) -> None:
    proc = graded["proc"]
    assert "grading" in proc.stderr and "11/11" in proc.stderr  # the tqdm bar
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("sandbox: ") or lines[0].startswith("WARNING: grading WITHOUT a sandbox")
    assert ["submission", "score", "status"] in [line.split() for line in lines]
    assert any(line.split()[:3] == ["alice", "6/6", "ok"] for line in lines)
    assert "gradebook.csv" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("student", "expected", "status"),
    [
        ("alice", {"t-square": 1, "t-mean": 2, "t-counter": 3}, "ok"),
        ("bob", {"t-square": 0, "t-mean": 0, "t-counter": 0}, "ok"),
        ("carol", {"t-square": 1, "t-mean": 0, "t-counter": 3}, "ok"),
        ("dave", {"t-square": 0, "t-mean": 2, "t-counter": 3}, "timeout"),
        ("erin", {"t-square": 1, "t-mean": 0, "t-counter": 0}, "kernel died"),
        ("frank", {"t-square": 1, "t-mean": 2, "t-counter": 0}, "memory limit"),
        ("gina", {"t-square": 0, "t-mean": 0, "t-counter": 0}, "not a notebook: "),
        ("hank", {"t-square": 1, "t-mean": 0, "t-counter": 3}, "ok"),
        ("ivy", {"t-square": 1, "t-mean": 2, "t-counter": 3}, "ok"),
        ("judy", {"t-square": 1, "t-mean": 2, "t-counter": 0}, "memory limit"),
        ("kate", {"t-square": 1, "t-mean": 2, "t-counter": 3}, "ok"),
    ],
)
def test_scores_and_status(graded: dict, student: str, expected: dict[str, int], status: str) -> None:
    """alice correct; bob untouched; carol one wrong answer; dave loops; erin exits the kernel; frank
    asks for 800 GB; gina is not JSON; hank deleted/edited tests around a wrong answer (the instructor's
    tests come back); ivy added cells; judy allocates 3.2 GB, over the 2000 MB limit; kate prints while
    debugging."""
    row = graded["rows"][student]
    assert points(row) == expected
    assert int(row["score"]) == sum(expected.values())
    assert row["status"].startswith(status), row["status"]


@pytest.mark.slow
def test_statuses_say_where_it_happened(graded: dict) -> None:
    rows = graded["rows"]
    assert rows["dave"]["status"] == f"timeout: test cell t-square ran longer than {CELL_TIMEOUT} s"
    erin = "kernel died: exit code 1 in test cell t-mean; flagged: answer cell t-mean imports os"
    assert rows["erin"]["status"] == erin  # os._exit needs os: flagged for review, not scored
    assert rows["frank"]["status"] == "memory limit: test cell t-counter ran out of memory (limit 2000 MB)"
    assert rows["gina"]["status"] == "not a notebook: Expecting value: line 1 column 1 (char 0)"


@pytest.mark.slow
@pytest.mark.parametrize("grace", ["default", "none"])
def test_outer_timeout_keeps_the_checks_that_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grace: str
) -> None:
    """A run longer than --timeout is interrupted: the cells that finished keep their results, from pytest's
    report, or (when pytest is killed before writing it, as on a loaded machine) from the cell log."""
    if grace == "none":
        monkeypatch.setattr(grader.run, "INTERRUPT_GRACE", 0.0)
    solution = write(solution_notebook(), tmp_path / "toy.ipynb")
    slow = {"t-counter": COUNTER.replace("self.total += n", "import time\n        time.sleep(300)")}
    write(student_notebook(replace=slow), tmp_path / "subs" / "sam.ipynb")
    start = time.monotonic()
    options = grader.Options(limits=grader.Limits(cell_timeout=600, timeout=25))
    graded = grader.grade(solution, [tmp_path / "subs"], tmp_path / "gb.csv", options, progress=False)
    [result] = graded.results
    assert time.monotonic() - start < 25 + grader.run.INTERRUPT_GRACE + 15
    assert result.status == "timeout: the whole run took longer than 25 s (stopped in test cell t-counter)"
    assert [(r.check.grade_id, r.passed) for r in result.checks] == [
        ("t-square", True), ("t-mean", True), ("t-counter", False),
    ]  # fmt: skip
    assert result.checks[2].message == "this check was still running: grading stopped after 25 s"


# --- feedback -------------------------------------------------------------------------------------------


def feedback_of(graded: dict, student: str) -> str:
    return (graded["feedback"] / f"{student}.md").read_text()


def feedback_row(text: str, gid: str) -> list[str]:
    """The cells of a check's row in the feedback table, Markdown escapes undone."""
    line = next(line for line in text.splitlines() if line.startswith(f"| `{gid}`"))
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [re.sub(r"\\(.)", r"\1", cell.strip()) for cell in cells]


def details(text: str, gid: str) -> str:
    """The whole message of a failed check, from the feedback's "What went wrong" section."""
    section = text.split(f"(`{gid}`)", 1)[1]
    return section.split("```text\n", 1)[1].split("\n```", 1)[0]


@pytest.mark.slow
def test_a_feedback_file_per_submission(graded: dict) -> None:
    assert sorted(p.stem for p in graded["feedback"].glob("*.md")) == sorted(graded["rows"])


@pytest.mark.slow
def test_feedback_lists_each_check_and_its_whole_failure_message(graded: dict) -> None:
    text = feedback_of(graded, "carol")
    assert "Score: 4 / 6" in text
    assert feedback_row(text, "t-square") == ["`t-square`", "Exercise 1.1: square", "pass", "1 / 1", ""]
    assert feedback_row(text, "t-mean") == [
        "`t-mean`", "Exercise 1.2: mean", "FAIL", "0 / 2", "mean([1, 2, 6]) should be 3.0, got 9.0",
    ]  # fmt: skip
    assert details(text, "t-mean") == (
        "mean([1, 2, 6]) should be 3.0, got 9.0\ndivide the sum by the number of values"
    )  # the whole message, below the table
    assert "\x1b[" not in text and "Traceback" not in text
    assert feedback_row(text, "t-counter")[2:4] == ["pass", "3 / 3"]


@pytest.mark.slow
def test_feedback_explains_stubs_timeouts_crashes_and_broken_files(graded: dict) -> None:
    bob = feedback_of(graded, "bob")
    assert feedback_row(bob, "t-mean")[4] == "NotImplementedError: Exercise 1.2: mean"
    assert feedback_row(bob, "t-counter")[4] == "NotImplementedError: Exercise 1.3: Counter.add"
    assert "Note:" not in bob
    dave = feedback_of(graded, "dave")
    assert feedback_row(dave, "t-square")[4].startswith(f"timeout: the cell ran longer than {CELL_TIMEOUT} s")
    assert "Note: timeout" in dave
    erin = feedback_of(graded, "erin")
    assert feedback_row(erin, "t-mean")[4] == "kernel died (exit code 1) while this check ran"
    assert feedback_row(erin, "t-counter")[4] == "kernel died (exit code 1) in test cell t-mean"
    frank = feedback_of(graded, "frank")
    assert feedback_row(frank, "t-counter")[4].startswith("MemoryError: Unable to allocate")
    assert "Note: not a notebook" in feedback_of(graded, "gina")
    hank = feedback_of(graded, "hank")
    assert feedback_row(hank, "t-mean")[4] == "mean([1, 2, 6]) should be 3.0, got 9.0"


# --- the self-check -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_check_passes_a_correct_notebook_and_leaves_it_alone(tmp_path: Path) -> None:
    path = write(student_notebook(), tmp_path / "toy.ipynb")
    before = digests([path])
    proc = cli("check", str(path), "--cell-timeout", "20")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS  Exercise 1.1: square [t-square]  1/1" in proc.stdout
    assert "PASS  Exercise 1.3: Counter.add [t-counter]  3/3" in proc.stdout
    assert "3 of 3 checks pass (6/6 points)" in proc.stdout
    assert digests([path]) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.ipynb"]


@pytest.mark.slow
def test_check_reports_whole_failure_messages(tmp_path: Path) -> None:
    wrong = student_notebook(replace={"t-mean": WRONG_MEAN}, solved_=False)
    path = write(wrong, tmp_path / "toy.ipynb")
    proc = cli("check", str(path), "--cell-timeout", "20")
    assert proc.returncode == 1
    out = proc.stdout
    assert (
        "FAIL  Exercise 1.1: square [t-square]  0/1\n        NotImplementedError: Exercise 1.1: square" in out
    )
    assert (
        "FAIL  Exercise 1.2: mean [t-mean]  0/2\n        mean([1, 2, 6]) should be 3.0, got 9.0\n"
        "        divide the sum by the number of values\n" in out
    )
    assert "0 of 3 checks pass (0/6 points)" in out


def test_check_says_first_when_a_tool_is_missing(tmp_path: Path, monkeypatch, capsys) -> None:
    path = write(student_notebook(), tmp_path / "toy.ipynb")
    monkeypatch.setattr(grader.run, "missing_tools", lambda: ["nbval"])
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["check", str(path)])
    assert args.func(args) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no FAIL line per check: the one reason comes first, and alone
    assert err.startswith("minigrad-course check needs nbval, which is not installed in this Python")
    assert "pip install -e ." in err


def test_check_refuses_a_file_that_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "toy.ipynb"
    path.write_text("{ broken")
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["check", str(path)])
    assert args.func(args) == 1
    assert path.read_text() == "{ broken"


# --- pure parts (no kernel) -----------------------------------------------------------------------------


def test_merge_takes_only_answers_from_the_student() -> None:
    student = student_notebook(replace={"t-mean": "def mean(xs):\n    return 42.0"})
    student.cells = [c for c in student.cells if cell_meta(c).get("grade_id") != "t-counter"]  # both deleted
    for cell in student.cells:
        if cell_meta(cell).get("role") == "test":
            cell.source = 'print("ok ' + cell_meta(cell)["grade_id"] + '")'  # "weakened" tests
    merged = notebook.merge(solution_notebook(), student).notebook
    solution = solution_notebook()
    assert [c.source for c in merged.cells if cell_meta(c).get("role") == "test"] == [
        SQUARE_TEST, MEAN_TEST, COUNTER_TEST,
    ]  # fmt: skip
    answers = {
        cell_meta(c)["grade_id"]: c.source for c in merged.cells if cell_meta(c).get("role") == "answer"
    }
    assert answers["t-square"] == build.strip_solution_markers(SQUARE)
    assert answers["t-mean"] == "def mean(xs):\n    return 42.0"
    assert answers["t-counter"] == build.stub_source(COUNTER, "Exercise 1.3: Counter.add")
    assert len(merged.cells) == len(solution.cells)


def test_prepared_notebook_compares_only_the_sentinels() -> None:
    prepared = notebook.prepare(student_notebook())
    for cell in prepared.cells:
        if cell.cell_type != "code":
            continue
        if cell_meta(cell).get("role") == "test":
            gid = cell_meta(cell)["grade_id"]
            assert cell.outputs == [new_output("stream", name="stdout", text=f"ok {gid}\n")]
            assert cell.execution_count is not None and CHECK_TAG in cell.metadata.tags
        else:
            assert cell.outputs == [] and cell.execution_count is None


def test_duplicated_answer_cells_run_in_order() -> None:
    student = student_notebook()
    index = next(i for i, c in enumerate(student.cells) if cell_meta(c).get("grade_id") == "t-square")
    extra = answer("def square(x):\n    return x ** 2", "t-square", "1.1 square")
    student.cells.insert(index + 1, extra)
    merged = notebook.merge(solution_notebook(), student).notebook
    source = next(c.source for c in merged.cells if cell_meta(c).get("role") == "answer")
    assert source.endswith("def square(x):\n    return x ** 2")


def test_solution_without_sentinel_is_refused() -> None:
    nb = solution_notebook()
    nb.cells[3].source = SQUARE_TEST.replace('print("ok t-square")', "pass")
    with pytest.raises(notebook.GradeError, match=r'test cell 3 must end with print\("ok t-square"\)'):
        notebook.validate_solution(nb, "toy.ipynb")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Expecting value"),
        (b"\x80\x81 binary", "codec"),
        (b"[1, 2]", "not a notebook"),
        (b'{"cells": [{"cell_type": "code"}], "nbformat": 4}', "KeyError|Error"),
    ],
)
def test_unreadable_files_are_not_notebooks(data: bytes, message: str) -> None:
    with pytest.raises(notebook.NotANotebook, match=message):
        notebook.parse_notebook(data)


def test_submission_layouts(tmp_path: Path) -> None:
    nb = student_notebook()
    write(nb, tmp_path / "subs" / "alice.ipynb")
    write(nb, tmp_path / "subs" / "bob" / "03_toy.ipynb")
    write(nb, tmp_path / "subs" / "carol" / "toy.ipynb")
    write(nb, tmp_path / "subs" / "carol" / "scratch.ipynb")
    write(nb, tmp_path / "subs" / "dan" / "a.ipynb")
    write(nb, tmp_path / "subs" / "dan" / "b.ipynb")
    write(nb, tmp_path / "subs" / ".ipynb_checkpoints" / "alice-checkpoint.ipynb")
    (tmp_path / "subs" / "empty").mkdir()
    write(nb, tmp_path / "loose" / "eve.ipynb")
    found = grader.find_submissions([tmp_path / "subs", tmp_path / "loose" / "eve.ipynb"], "toy.ipynb")
    assert [(s.name, s.path.relative_to(tmp_path).as_posix(), s.problem is None) for s in found] == [
        ("alice", "subs/alice.ipynb", True),
        ("bob", "subs/bob/03_toy.ipynb", True),
        ("carol", "subs/carol/toy.ipynb", True),
        ("dan", "subs/dan", False),
        ("eve", "loose/eve.ipynb", True),
    ]
    with pytest.raises(notebook.GradeError, match="two submissions are named 'alice'"):
        grader.find_submissions([tmp_path / "subs", tmp_path / "subs" / "alice.ipynb"], "toy.ipynb")


def test_feedback_markdown_escapes_table_cells() -> None:
    check = notebook.Check("t-x", 2.0, "Exercise 9.9: a | b")
    result = scoring.Result("zoe", "ok", [scoring.CheckResult(check, False, "got a | b\nsecond")])
    text = feedback.feedback_markdown(result, "toy.ipynb")
    assert "| `t-x` | Exercise 9\\.9: a \\| b | FAIL | 0 / 2 | got a \\| b |" in text
    assert "```text\ngot a | b\nsecond\n```" in text


# --- the real chapters ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_solution_gets_full_marks_and_its_chapter_zero(tmp_path: Path) -> None:
    [solution] = REAL_SOLUTIONS
    chapter = build.make_chapter(build.read_notebook(solution), solution.name)
    subs = tmp_path / "subs"
    write(build.read_notebook(solution), subs / "solution" / solution.name)
    write(chapter, subs / "chapter" / solution.name)
    out = tmp_path / "gradebook.csv"
    options = grader.Options(limits=grader.Limits(cell_timeout=300, timeout=1200))
    results = grader.grade(solution, [subs], out, options, progress=False).results
    by_name = {r.submission: r for r in results}
    full, zero = by_name["solution"], by_name["chapter"]
    assert full.status == "ok" and full.score == full.max_score > 0, feedback.feedback_markdown(full, "x")
    assert zero.status == "ok" and zero.score == 0, feedback.feedback_markdown(zero, "x")


STDERR = "Cell 3: Cell outputs differ\n\nTraceback:\nUnexpected output fields from running code: {'stderr'}"
TIMEOUT_MESSAGE = "timeout: the cell ran longer than 7 s (an infinite loop?)"


@pytest.mark.parametrize(
    ("outcome", "text", "properties", "message"),
    [
        ("failed", "Cell 3:\n----> 2 assert x == 2\n", {"ename": "AssertionError"}, "failed: assert x == 2"),
        ("failed", "", {"ename": "CheckFailed", "evalue": "B.grad is -10\nhint"}, "B.grad is -10\nhint"),
        ("failed", "", {"ename": "ValueError", "evalue": ""}, "ValueError"),
        ("skipped", "", {"ename": "TypeError", "evalue": "bad operand"}, "TypeError: bad operand"),
        ("skipped", "", {"ename": "KeyboardInterrupt"}, TIMEOUT_MESSAGE),
        ("skipped", "", {}, "not run: an earlier cell timed out or the kernel died"),
        ("failed", STDERR, {}, "the check wrote to stderr (a warning?); it must print only its ok line"),
        ("failed", "Cell 3: Cell outputs differ\n\nTraceback:\n mismatch 'stdout'", {},
         "the check did not reach its end (its ok line is missing)"),
        ("failed", "pytest plugin exception: Kernel dead on test start", {}, "not run: the kernel had died"),
    ],
)  # fmt: skip
def test_failure_messages(outcome: str, text: str, properties: dict, message: str) -> None:
    assert report.CellReport("Cell 3", outcome, properties, text).message(cell_timeout=7) == message
