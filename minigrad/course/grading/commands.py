"""`minigrad-course grade` and `minigrad-course check`: arguments, and what they print."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from minigrad.course.grading import feedback, gradebook
from minigrad.course.grading.grader import DEFAULT_JOBS, Options, grade, missing_tools_message, self_check
from minigrad.course.grading.notebook import GradeError
from minigrad.course.grading.run import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Limits
from minigrad.course.grading.scoring import Result, points_text


def _positive(kind: type) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-timeout",
        type=_positive(float),
        default=DEFAULT_CELL_TIMEOUT,
        metavar="S",
        help=f"seconds per cell (default {DEFAULT_CELL_TIMEOUT:g}); a dead kernel is noticed at once",
    )
    parser.add_argument(
        "--timeout",
        type=_positive(float),
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds for a whole notebook, kernel start included (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--memory", type=_positive(int), default=DEFAULT_MEMORY_MB, metavar="MB",
        help=f"address-space limit per process, pytest and kernel (default {DEFAULT_MEMORY_MB})",
    )  # fmt: skip


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(cell_timeout=args.cell_timeout, timeout=args.timeout, memory_mb=args.memory)


def summary_table(results: list[Result]) -> str:
    rows = [("submission", "score", "status")] + [(r.submission, r.score_text, r.status) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]}" for row in rows]
    lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 6}")
    return "\n".join(lines)


def grade_command(args: argparse.Namespace) -> int:
    start = time.monotonic()
    options = Options(
        jobs=args.jobs,
        limits=_limits(args),
        feedback_dir=args.feedback_dir,
        sandbox=args.sandbox,
        update=args.update,
        roster=args.roster,
        canvas=args.canvas,
        canvas_assignment=args.canvas_assignment,
        histogram=args.histogram,
    )

    def announce(text: str) -> None:
        print(text, flush=True)
        if not text.startswith("sandbox:"):
            print(text, file=sys.stderr, flush=True)

    try:
        graded = grade(args.solution, args.submissions, args.out, options, announce=announce)
    except GradeError as error:
        print(f"minigrad-course grade: {error}", file=sys.stderr)
        return 2
    print(summary_table(graded.results))
    print()
    print(gradebook.exercise_summary(graded.checks, graded.results))
    files = graded.files
    print(
        f"\ngraded {len(graded.results)} submission(s) in {time.monotonic() - start:.0f} s; "
        f"gradebook: {files['gradebook']} (metadata: {files['metadata'].name}); "
        f"feedback: {files['feedback']}/; scores: {files['histogram']}"
        + (f"; Canvas: {files['canvas']}" if "canvas" in files else "")
    )
    if not graded.sandbox.active:
        print(f"WARNING: these submissions were graded WITHOUT a sandbox ({graded.sandbox.reason}).")
    return 0


def _indented(text: str, indent: str = "        ") -> str:
    return "\n".join(indent + line for line in text.splitlines())


def check_command(args: argparse.Namespace) -> int:
    problem = missing_tools_message("check")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(f"Checking {args.notebook.name} (a copy runs; your file is not changed) ...", flush=True)
    result = self_check(args.notebook, _limits(args))
    if not result.checks:
        print(f"  {result.problem if result.problem != 'ok' else 'no checks (test cells) found'}")
        return 1
    for r in result.checks:
        mark = "PASS" if r.passed else "FAIL"
        points = f"{points_text(r.earned)}/{points_text(r.check.points)}"
        print(f"  {mark}  {r.check.label} [{r.check.grade_id}]  {points}")
        if not r.passed:
            print(_indented(feedback.cap(r.message)))
    passed = sum(r.passed for r in result.checks)
    print(
        f"{passed} of {len(result.checks)} checks pass ({result.score_text} points) in {result.seconds:.0f} s"
    )
    if result.problem != "ok":
        print(f"note: {result.problem}")
    if result.flags:
        print(f"note: the grader would flag this notebook for review: {'; '.join(result.flags)}")
    return 0 if passed == len(result.checks) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `grade` and `check` to the `minigrad-course` command (called by cli.py)."""
    grade_parser = subparsers.add_parser(
        "grade",
        help="grade student notebooks against a solution notebook",
        description="Rebuild each submission from the solution (student answer cells only), run it in a "
        "sandbox against a package whose graded modules are stubs (own folder, PID namespace, no network, "
        "time and memory limits), and write a CSV gradebook, its metadata, a histogram of scores and one "
        "Markdown feedback file per submission.",
    )
    grade_parser.add_argument("solution", type=Path, metavar="SOLUTION_NOTEBOOK")
    grade_parser.add_argument(
        "submissions", type=Path, nargs="+", metavar="SUBMISSION",
        help="a notebook (student = file stem) or a folder of them / of one folder per student",
    )  # fmt: skip
    grade_parser.add_argument("--out", type=Path, required=True, help="the gradebook CSV to write")
    grade_parser.add_argument(
        "--update",
        action="store_true",
        help="merge this run's rows into an existing gradebook (re-grade some students, keep the others)",
    )
    grade_parser.add_argument(
        "--jobs", type=_positive(int), default=DEFAULT_JOBS, metavar="N",
        help=f"submissions graded at once (default {DEFAULT_JOBS})",
    )  # fmt: skip
    _add_limits(grade_parser)
    grade_parser.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "none"),
        default="auto",
        help="auto (default): bubblewrap when it works here, else grade without and say so loudly; "
        "bwrap: refuse to grade without it; none: no sandbox",
    )
    grade_parser.add_argument(
        "--feedback-dir",
        type=Path,
        metavar="DIR",
        help="feedback folder (default: <out stem>_feedback/ by the CSV)",
    )
    grade_parser.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="students (columns id, name, email; a Canvas gradebook export works too): ids on rows, "
        "a row for each student without a submission",
    )
    grade_parser.add_argument(
        "--canvas", type=Path, metavar="CSV", help="also write the scores as a Canvas gradebook import file"
    )
    grade_parser.add_argument(
        "--canvas-assignment",
        metavar="NAME",
        help="the Canvas assignment column, e.g. 'Chapter 3 (12345)' (default: the solution's file stem)",
    )
    grade_parser.add_argument(
        "--histogram",
        type=Path,
        metavar="PNG",
        help="where to draw the scores (default: <out stem>_scores.png)",
    )
    grade_parser.set_defaults(func=grade_command)

    check_parser = subparsers.add_parser(
        "check",
        help="run a chapter's checks on your notebook and say which exercises pass",
        description="Runs a copy of your notebook top to bottom and reports each exercise's check.",
    )
    check_parser.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    _add_limits(check_parser)
    check_parser.set_defaults(func=check_command)
