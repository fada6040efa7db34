"""`minigrad-course test [--chapter NN]`: the project's engine tests, run on the student's minigrad.

The engine tests (gradient checks, properties, regressions) carry a chapter marker (`ch03`, registered in
pyproject.toml) saying whose code they test, as MiniTorch groups its tests by task. This runs them in a pytest
process that imports minigrad with the student's overlay, loads this module as a plugin to record each test's
chapter and outcome, and prints one row per chapter: passed, failed, the first failure's message.

The plugin hooks below use no pytest import, so this module is also cheap to import for the command line,
where pytest may not be installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minigrad import _overlay
from minigrad.course import student

REPORT_ENV = "MINIGRAD_TEST_REPORT"
TESTS = "tests"
MARK_RE = re.compile(r"\bmark\.ch(\d\d)\b")  # a test file with a chapter marker is an engine test file
CHAPTER_MARK_RE = re.compile(r"ch(\d\d)")
MESSAGE_LINES = 12
MESSAGE_CHARS = 1500


def engine_test_files(tests: Path, chapters: Iterable[str] | None = None) -> list[Path]:
    """The test modules that mark tests with a chapter (of these chapters, if given); the course
    infrastructure's tests have no chapter marker."""
    wanted = None if chapters is None else set(chapters)
    return [
        path
        for path in sorted(tests.glob("test_*.py"))
        if (marked := set(MARK_RE.findall(path.read_text(encoding="utf-8"))))
        and (wanted is None or marked & wanted)
    ]


def course_chapters(root: Path = student.ROOT) -> list[str] | None:
    """The chapters this copy of the course has notebooks for (a course edition may hand out a few)."""
    folder = root / student.CHAPTERS
    found = sorted({student.chapter_number(p.name) for p in folder.glob("[0-9][0-9]_*.ipynb")})
    return found or None


def chapter_expression(chapters: Iterable[str] | None) -> str:
    """The `-m` expression selecting these chapters' tests (every chapter's, if None)."""
    chosen = sorted(chapters) if chapters else [f"{n:02d}" for n in range(1, 100)]
    return " or ".join(f"ch{c}" for c in chosen)


def parse_chapters(specs: Iterable[str]) -> list[str]:
    """'03', '3', '01-03', '03_tracer' (repeatable) -> ['01', '02', '03']."""
    chapters: set[str] = set()
    for spec in specs:
        for part in spec.split(","):
            first, dash, last = part.strip().partition("-")
            if dash and first.isdigit() and last.isdigit():
                chapters.update(f"{n:02d}" for n in range(int(first), int(last) + 1))
            else:
                chapters.add(student.chapter_number(part.strip()))
    return sorted(chapters)


# --- the plugin (runs inside the pytest process) ----------------------------------------------------------

_chapters: dict[str, str] = {}


def _record(entry: dict) -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")


def _message(report: object) -> str:
    """What went wrong, as short as pytest can say it: the exception line, not the whole traceback."""
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr or "")
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (file, line, reason)
        text = str(longrepr[2])
    lines = text.strip().splitlines()
    text = "\n".join(lines[:MESSAGE_LINES]) + ("\n..." if len(lines) > MESSAGE_LINES else "")
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


def pytest_collection_modifyitems(items: list) -> None:
    for item in items:
        for mark in item.iter_markers():
            match = CHAPTER_MARK_RE.fullmatch(mark.name)
            if match:
                _chapters[item.nodeid] = match.group(1)
                break


def pytest_collection_finish(session: object) -> None:
    """Record which file serves each framework module: proof of whose code the tests ran."""
    files = {
        name: getattr(module, "__file__", None)
        for name, module in sorted(sys.modules.items())
        if name.startswith(_overlay.PACKAGE + ".") and module is not None
    }
    _record({"type": "modules", "files": files})


def pytest_collectreport(report: object) -> None:
    if getattr(report, "failed", False):
        _record({"type": "collect", "nodeid": report.nodeid, "message": _message(report)})  # type: ignore[attr-defined]


def pytest_runtest_logreport(report: object) -> None:
    nodeid, when, outcome = report.nodeid, report.when, report.outcome  # type: ignore[attr-defined]
    if when != "call" and outcome == "passed":
        return
    if outcome == "skipped" and hasattr(report, "wasxfail"):
        outcome = "passed"  # an expected failure that failed as expected
    entry = {"type": "test", "nodeid": nodeid, "chapter": _chapters.get(nodeid), "when": when}
    _record({**entry, "outcome": outcome, "message": _message(report) if outcome != "passed" else ""})


# --- the command (runs in the student's shell) ------------------------------------------------------------


@dataclass
class ChapterResult:
    chapter: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    first: tuple[str, str] | None = None  # (test, message) of the first failure

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped


@dataclass
class TestRun:
    chapters: dict[str, ChapterResult] = field(default_factory=dict)
    collect_errors: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)
    returncode: int = 0
    output: str = ""

    @property
    def ok(self) -> bool:
        return (
            bool(self.chapters)
            and not self.collect_errors
            and not any(c.failed or c.skipped for c in self.chapters.values())
        )


def read_report(path: Path) -> TestRun:
    run = TestRun()
    outcomes: dict[str, tuple[str, str | None, str, str]] = {}  # nodeid -> outcome, chapter, when, message
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        entry = json.loads(line)
        if entry["type"] == "modules":
            run.files = entry["files"]
        elif entry["type"] == "collect":
            run.collect_errors.append((entry["nodeid"], entry["message"]))
        elif entry["nodeid"] not in outcomes or outcomes[entry["nodeid"]][0] == "passed":
            outcomes[entry["nodeid"]] = (entry["outcome"], entry["chapter"], entry["when"], entry["message"])
    for nodeid, (outcome, chapter, when, message) in outcomes.items():
        result = run.chapters.setdefault(chapter or "??", ChapterResult(chapter or "??"))
        if outcome == "passed":
            result.passed += 1
            continue
        if outcome == "skipped":
            result.skipped += 1  # a skipped test proves nothing: it counts against the chapter
        else:
            result.failed += 1
        if result.first is None:
            where = "" if when == "call" else f" (in its {when})"
            result.first = (nodeid + where, message or outcome)
    return run


def run_tests(chapters: list[str] | None, overlay: Path | None, root: Path = student.ROOT) -> TestRun:
    """Run the engine tests of these chapters (all, if None) in a pytest process using this overlay."""
    files = engine_test_files(root / TESTS, chapters)
    with tempfile.TemporaryDirectory(prefix="minigrad-test-") as tmp:
        report = Path(tmp) / "report.jsonl"
        env = student.child_env(overlay)
        env[REPORT_ENV] = str(report)
        env.pop("PYTEST_ADDOPTS", None)
        command = [
            sys.executable, "-m", "pytest", *(str(f) for f in files), "-m", chapter_expression(chapters),
            "-p", __name__, "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--color=no", "--tb=no",
            "--continue-on-collection-errors",
        ]  # fmt: skip
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        run = read_report(report)
    run.returncode = result.returncode
    run.output = (result.stdout + result.stderr).strip()
    return run


def _one_line(text: str, width: int) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 3] + "..."


def _code(kinds: dict[str, str]) -> str:
    """'yours', 'reference', 'stub', or which modules are yours when the chapter's modules differ."""
    if not kinds:
        return "-"
    if len(set(kinds.values())) == 1:
        return next(iter(kinds.values()))
    yours = [module for module, kind in kinds.items() if kind == student.YOURS]
    return "yours: " + ", ".join(yours) if yours else "reference and stub"


def format_run(run: TestRun, modules: list[student.Module], overlay: Path | None) -> str:
    """The per-chapter table (whose code ran, passed, failed, first failure), then the first failures."""
    kinds: dict[str, dict[str, str]] = {}
    for m in modules:
        file = run.files.get(f"{_overlay.PACKAGE}.{m.name}")
        mine = overlay is not None and file is not None and Path(file).resolve().is_relative_to(overlay)
        kinds.setdefault(m.chapter, {})[m.name] = student.YOURS if mine else m.origin.kind
    rows = [("ch", "code", "tests", "passed", "failed", "first failure")]
    for chapter in sorted(run.chapters):
        c = run.chapters[chapter]
        failed = c.failed + c.skipped
        first = f"{c.first[0].split('::')[-1]}: {_one_line(c.first[1], 70)}" if c.first else ""
        code = _code(kinds.get(chapter, {}))
        rows.append((chapter, code, str(c.total), str(c.passed), str(failed) if failed else "", first))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}  "
        f"{r[4]:>{widths[4]}}  {r[5]}".rstrip()
        for r in rows
    ]
    for chapter in sorted(run.chapters):
        c = run.chapters[chapter]
        if c.first:
            lines += [
                f"\nchapter {chapter}, first failure: {c.first[0]}",
                textwrap.indent(c.first[1], "    "),
            ]
        if c.skipped:
            lines.append(
                f"  {c.skipped} test(s) skipped: a skipped test proves nothing (is a package missing?)"
            )
    for nodeid, message in run.collect_errors:
        lines.append(f"\n{nodeid} could not be loaded:\n{textwrap.indent(message, '    ')}")
    return "\n".join(lines)


def test_command(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pytest") is None:
        print(
            "minigrad-course test needs pytest, which is not installed: pip install -e '.[dev]'",
            file=sys.stderr,
        )
        return 2
    try:
        chapters = parse_chapters(args.chapter) if args.chapter else course_chapters()
    except student.StudentError as error:
        print(f"minigrad-course test: {error}", file=sys.stderr)
        return 2
    overlay = _overlay.overlay_root()
    problem = student.import_problem(overlay)
    if problem:
        print(
            f"minigrad-course test: `import minigrad` fails, so no test can run:\n{problem}", file=sys.stderr
        )
        return 1
    which = "chapter " + ", ".join(chapters) if args.chapter and chapters else "every chapter"
    if not engine_test_files(student.ROOT / TESTS, chapters):
        print(f"No test module in {student.ROOT / TESTS} is marked for {which} (pytest.mark.chNN).")
        return 1
    print(f"Running the engine tests of {which} on your minigrad ...", flush=True)
    run = run_tests(chapters, overlay)
    if not run.chapters and not run.collect_errors:
        if run.returncode == 5:  # pytest: no tests collected
            print(f"No engine test is marked for {which}.")
        else:
            print(f"pytest did not run the tests (exit code {run.returncode}):\n{run.output[-3000:]}")
        return 1
    print(format_run(run, student.framework_modules(), overlay))
    total = sum(c.total for c in run.chapters.values())
    passed = sum(c.passed for c in run.chapters.values())
    print(f"\n{passed} of {total} tests pass.")
    return 0 if run.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `test` to the `minigrad-course` command (called by cli.py)."""
    parser = subparsers.add_parser(
        "test",
        help="run the engine tests on your minigrad, one row per chapter",
        description="Runs the project's engine tests (gradient checks, properties, regressions) against "
        "your minigrad (your exported modules, the package's for the rest) and prints, per chapter, how many "
        "pass and the first failure.",
    )
    parser.add_argument(
        "--chapter",
        action="append",
        metavar="NN",
        help="only this chapter's tests: 03, 01-03 or 03_tracer (repeatable)",
    )
    parser.set_defaults(func=test_command)
