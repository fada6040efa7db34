"""The gradebook workflow of a real class, and the pure parts behind the grader's notes and feedback.

A roster puts ids on rows and adds a row for each student without a submission; `--canvas` writes what
Canvas's gradebook import reads; `--update` re-grades one student and keeps the others; the run ends with a
per-exercise summary and a histogram of scores. Then, without kernels: how the merge reports unusual
notebooks (duplicate, moved, relabelled, missing cells), how feedback is capped, escaped and kept free of
hidden tests, and that the source scan flags nothing in any real chapter's own solutions.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest
from grading_toy import (
    MEAN_TEST,
    WRONG_MEAN,
    answer,
    cli,
    is_test,
    solution_notebook,
    student_notebook,
    write,
)

from minigrad.course import convention as cv
from minigrad.course.grading import feedback, gradebook, grader, notebook, sandbox, scan, scoring

REPO = Path(__file__).resolve().parents[1]
ROSTER = (
    "id,name,email\n"
    "s001,Alice Adams,alice@uni.example\ns002,Bob Brown,bob@uni.example\ns003,Carol Chen,carol@uni.example\n"
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def class_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("workflow")
    solution = write(solution_notebook(), root / "toy.ipynb")
    write(student_notebook(), root / "subs" / "alice.ipynb")
    write(student_notebook(replace={"t-mean": WRONG_MEAN}), root / "subs" / "bob.ipynb")
    (root / "roster.csv").write_text(ROSTER)
    out = root / "gradebook.csv"
    canvas = ["--canvas", str(root / "canvas.csv"), "--canvas-assignment", "Chapter 1 (4711)"]
    first = cli(
        "grade",
        str(solution),
        str(root / "subs"),
        "--out",
        str(out),
        "--roster",
        str(root / "roster.csv"),
        *canvas,
    )
    before = read_csv(out)
    write(student_notebook(), root / "regrade" / "bob.ipynb")  # bob fixed his mean
    second = cli("grade", str(solution), str(root / "regrade"), "--out", str(out), "--update")
    return {
        "root": root,
        "out": out,
        "first": first,
        "second": second,
        "before": before,
        "after": read_csv(out),
    }


@pytest.mark.slow
def test_a_roster_puts_ids_on_rows_and_lists_who_did_not_submit(class_run: dict) -> None:
    assert class_run["first"].returncode == 0, class_run["first"].stderr
    rows = {row["submission"]: row for row in class_run["before"]}
    assert list(class_run["before"][0])[:4] == ["submission", "student_id", "name", "email"]
    assert (rows["alice"]["student_id"], rows["alice"]["name"], rows["alice"]["score"]) == (
        "s001",
        "Alice Adams",
        "6",
    )
    assert rows["bob"]["score"] == "4"
    assert rows["carol"]["status"] == "missing: no submission" and rows["carol"]["score"] == "0"


@pytest.mark.slow
def test_the_canvas_file_has_the_columns_canvas_imports(class_run: dict) -> None:
    rows = list(csv.reader((class_run["root"] / "canvas.csv").open(newline="")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 1 (4711)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "6"]
    assert rows[2:] == [
        ["Alice Adams", "", "s001", "alice@uni.example", "", "6"],
        ["Bob Brown", "", "s002", "bob@uni.example", "", "4"],
        ["Carol Chen", "", "s003", "carol@uni.example", "", "0"],
    ]


@pytest.mark.slow
def test_update_regrades_one_student_and_keeps_the_others(class_run: dict) -> None:
    assert class_run["second"].returncode == 0, class_run["second"].stderr
    before = {row["submission"]: row for row in class_run["before"]}
    after = {row["submission"]: row for row in class_run["after"]}
    assert after["bob"]["score"] == "6" and after["bob"]["student_id"] == "s002"
    assert after["alice"] == before["alice"] and after["carol"] == before["carol"]
    runs = json.loads((class_run["root"] / "gradebook.meta.json").read_text())["runs"]
    assert [run["submissions"] for run in runs] == [2, 1]


@pytest.mark.slow
def test_the_run_ends_with_a_per_exercise_summary_and_a_histogram(class_run: dict) -> None:
    out = class_run["first"].stdout
    assert "most common failure" in out
    mean_line = next(line for line in out.splitlines() if line.startswith("t-mean "))
    assert mean_line.split()[1:4] == ["2", "1.00", "1/2"]
    assert mean_line.endswith("mean([1, 2, 6]) should be 3.0, got 9.0 (1×)")
    png = class_run["root"] / "gradebook_scores.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_update_refuses_a_gradebook_of_other_checks(tmp_path: Path) -> None:
    solution = write(solution_notebook(), tmp_path / "toy.ipynb")
    (tmp_path / "gradebook.csv").write_text(
        "submission,score,max_score,status,notes,ch09-other\nzed,1,1,ok,,1\n"
    )
    write(student_notebook(), tmp_path / "subs" / "amy.ipynb")
    proc = cli(
        "grade", str(solution), str(tmp_path / "subs"), "--out", str(tmp_path / "gradebook.csv"), "--update"
    )
    assert proc.returncode == 2
    assert "--update only merges gradebooks of the same checks" in proc.stderr


def test_a_canvas_export_works_as_a_roster(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Chapter 1 (4711)\n"
        "    Points Possible,,,,,6\n"
        '"Adams, Alice",101,s001,alice@uni.example,Mon,\n'
    )
    [student] = gradebook.read_roster(path)
    assert student == gradebook.Student("s001", "Adams, Alice", "alice@uni.example", "101", "Mon")
    assert gradebook.match_roster(["ALICE", "s001", "nobody"], [student]) == {
        "ALICE": student,
        "s001": student,
    }


def test_the_histogram_is_byte_stable(tmp_path: Path) -> None:
    for name in ("a.png", "b.png"):
        gradebook.histogram(tmp_path / name, [0, 3, 6, 6, 4.5], 6, "toy")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


# --- notes on unusual notebooks -------------------------------------------------------------------------


def test_the_merge_reports_duplicate_moved_relabelled_and_missing_cells() -> None:
    student = student_notebook()
    cells = student.cells
    square_answer = next(i for i, c in enumerate(cells) if cv.cell_meta(c).get("grade_id") == "t-square")
    cells.insert(square_answer + 1, answer("def square(x):\n    return x ** 2", "t-square", "1.1 square"))
    mean_answer = next(c for c in cells if cv.cell_meta(c).get("role") == "answer" and "mean" in c.source)
    mean_answer.metadata["minigrad"]["grade_id"] = "my-mean"  # relabelled; its cell id is kept
    counter = next(i for i, c in enumerate(cells) if cv.cell_meta(c).get("grade_id") == "t-counter")
    cells.append(cells.pop(counter))  # the answer moved below its check
    cells[:] = [c for c in cells if not is_test(c, "t-mean")]
    merged = notebook.merge(solution_notebook(), student)
    assert merged.notes == [
        "the answer cell of t-mean was relabelled 'my-mean' (found by its cell id)",
        "2 answer cells for t-square: all of them ran, in notebook order",
        "the answer cell of t-counter was below its check: graded where the chapter has it",
        "check cells deleted (t-mean): the instructor's checks ran",
    ]
    sources = [c.source for c in merged.notebook.cells if cv.cell_meta(c).get("role") == "answer"]
    assert sources[0].endswith("return x ** 2") and "np.sum(xs)" in sources[1]
    assert MEAN_TEST in [c.source for c in merged.notebook.cells]


def test_the_merge_finds_an_answer_that_lost_its_metadata_and_notes_a_missing_one() -> None:
    student = student_notebook()
    square = next(c for c in student.cells if cv.cell_meta(c).get("grade_id") == "t-square")
    del square.metadata["minigrad"]
    student.cells = [
        c for c in student.cells if cv.cell_meta(c).get("grade_id") != "t-counter" or is_test(c, "t-counter")
    ]
    merged = notebook.merge(solution_notebook(), student)
    assert merged.notes == [
        "the answer cell of t-square had lost its answer metadata (found by its cell id)",
        "no answer cell for t-counter: graded as the untouched exercise",
    ]
    assert "x * x" in merged.answers["t-square"][0]


# --- feedback that is safe to send --------------------------------------------------------------------


def test_cap_shortens_the_middle_and_keeps_the_hint() -> None:
    array = "[" + ", ".join(["1.2345"] * 400) + "]"
    message = f"col2im(all ones): expected {array}, got {array} — accumulate every window, never += a view"
    capped = feedback.cap(message)
    assert len(capped) <= feedback.MESSAGE_LIMIT
    assert capped.startswith("col2im(all ones): expected [1.2345")
    assert capped.endswith(" — accumulate every window, never += a view") and "characters cut" in capped
    assert feedback.cap("short — hint") == "short — hint"


def test_markdown_is_escaped_and_fences_outlast_backticks() -> None:
    assert feedback.escape("[click](http://x) <b>|</b> *bold*") == (
        "\\[click\\]\\(http://x\\) \\<b\\>\\|\\</b\\> \\*bold\\*"
    )
    fenced = feedback.fenced("look: ```` and `")
    assert fenced.startswith("`````text\n") and fenced.endswith("\n`````")


def test_messages_quoting_hidden_tests_are_withheld() -> None:
    hidden = notebook.hidden_test_lines(solution_notebook())
    visible = cv.dumps_notebook(student_notebook())
    secrets = feedback.Secrets(hidden, visible)
    leak = json.dumps('assert square(-2) == 4, f"square(-2) should be 4, got {square(-2)}"')  # JSON-escaped
    assert secrets.clean(f"ValueError: {leak}") == feedback.WITHHELD
    assert secrets.clean("hidden: mean([5]) should be 5.0") == "hidden: mean([5]) should be 5.0"  # a message
    check = notebook.Check("t-mean", 2, "Exercise 1.2: mean")
    result = scoring.Result("zoe", "ok", [scoring.CheckResult(check, False, f"ValueError: {leak}")])
    text = feedback.feedback_markdown(result, "toy.ipynb", secrets)
    assert "square(-2) == 4" not in text and "its text is not shown" in text


# --- the source scan ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((REPO / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_real_solution_is_flagged(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        chapter = grader.Chapter.load(path, sandbox.Sandbox("none", "test"), Path(tmp))
    answers: dict[str, list[str]] = {}
    for cell in chapter.solution.cells:
        meta = cv.cell_meta(cell)
        if meta.get("role") == "answer":
            answers.setdefault(meta["grade_id"], []).append(cv.strip_solution_markers(cell.source))
    assert chapter.static_flags(answers) == {}


def test_the_scan_names_what_an_honest_answer_never_needs() -> None:
    protected = {"check_close": ("minigrad.course.checks", "check_close"), "np": ("numpy", None)}
    source = (
        "import numpy as np\nimport os\nfrom minigrad.autograd import Tracer\n"
        "check_close = print\nnp.allclose = all\nx = get_ipython()\nf = x.__code__\n"
    )
    found = scan.answer_findings(source, protected, ["numpy"], ["autograd"], ["Tracer"])
    assert found == [
        "imports os",
        "imports Tracer from minigrad.autograd instead of writing it (stubbed while grading)",
        "redefines check_close",
        "assigns to np.allclose",
        "uses get_ipython",
        "changes function internals",
    ]


def test_an_answer_cell_that_raises_is_named_with_the_type_and_first_line() -> None:
    from minigrad.course.grading.report import CellReport
    from minigrad.course.grading.run import Limits, Run

    raised = {"grade_id": "t-square", "role": "answer", "ename": "ValueError", "evalue": "boom\nsecond line"}
    answer_cell = CellReport("Cell 2", "failed", raised)
    test_cell = CellReport("Cell 3", "failed", {"grade_id": "t-square", "role": "test", "ename": "NameError"})
    run = Run([answer_cell, test_cell], 1, False, None, None, "", 1.0)
    check = notebook.Check("t-square", 1, "Exercise 1.1: square")
    problem, [result] = scoring.score([check], run, Limits())
    assert problem == "ok"
    assert result.message == "your answer cell for Exercise 1.1: square raised ValueError: boom"


def test_the_check_the_kernel_died_in_says_so_whatever_the_interrupted_cell_reported() -> None:
    """The watchdog interrupts pytest when the kernel dies; the cell then reports a KeyboardInterrupt, which
    on its own reads as a timeout. On a busy machine that report, not nbval's, is the one that arrives."""
    from minigrad.course.grading.report import CellReport
    from minigrad.course.grading.run import Limits, Run

    passed = CellReport("Cell 3", "passed", {"grade_id": "t-square", "role": "test"})
    interrupted = CellReport(
        "Cell 5", "failed", {"grade_id": "t-mean", "role": "test", "ename": "KeyboardInterrupt", "evalue": ""}
    )
    skipped = CellReport("Cell 7", "skipped", {"grade_id": "t-counter", "role": "test"}, "Skipped")
    died = {"cell": "Cell 5", "grade_id": "t-mean", "role": "test", "returncode": 1}
    run = Run([passed, interrupted, skipped], 2, False, died, None, "", 1.0)
    checks = [notebook.Check(g, 1, g) for g in ("t-square", "t-mean", "t-counter")]
    _, results = scoring.score(checks, run, Limits())
    assert [(r.passed, r.message) for r in results] == [
        (True, ""),
        (False, "kernel died (exit code 1) while this check ran"),
        (False, "kernel died (exit code 1) in test cell t-mean"),
    ]


def test_cells_after_the_last_check_are_not_run() -> None:
    """They cannot change a score; a chapter's closing timing demo would only slow every submission down."""
    from nbformat.v4 import new_code_cell

    solution = solution_notebook()
    solution.cells.append(new_code_cell("import time\ntime.sleep(60)  # a closing benchmark"))
    merged = notebook.merge(solution, student_notebook()).notebook
    assert len(merged.cells) == len(solution.cells) - 1
    assert cv.cell_meta(merged.cells[-1]) == {"role": "test", "grade_id": "t-counter", "points": 3}


def test_an_answer_may_import_what_an_earlier_exercise_of_its_chapter_exported() -> None:
    """Chapter 06's scheduler imports Optimizer (exercise 6.1's, live-exported by then): not a shortcut."""
    source = (
        "#| export optim.lr_scheduler\nfrom minigrad.optim.optimizer import Optimizer\n\nclass StepLR: ..."
    )
    assert scan.answer_findings(source, {}, [], ["optim.optimizer", "optim.lr_scheduler"], ["StepLR"]) == []
    shortcut = "#| export optim.lr_scheduler\nfrom minigrad.optim.lr_scheduler import StepLR"
    assert scan.answer_findings(shortcut, {}, [], ["optim.lr_scheduler"], ["StepLR"]) == [
        "imports StepLR from minigrad.optim.lr_scheduler instead of writing it (stubbed while grading)"
    ]
