"""Grading a class (`minigrad-course grade`) and checking one's own notebook (`minigrad-course check`).

For each submission: rebuild it from the solution (notebook.py), scan its answer cells (scan.py), run it in
its own sandbox against a package whose graded modules are stubs (run.py, sandbox.py, overlay.py), score it
(scoring.py), and write the gradebook and a feedback file (gradebook.py, feedback.py). Several submissions
run at once; nothing a submission does stops the others.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from minigrad.course import build, live
from minigrad.course import convention as cv
from minigrad.course.grading import feedback, gradebook, notebook, overlay, run, sandbox, scan, scoring
from minigrad.course.grading.notebook import Check, GradeError, NotANotebook
from minigrad.course.grading.run import Limits, Setting
from minigrad.course.grading.scoring import Result

DEFAULT_JOBS = 2
NO_SANDBOX_WARNING = """\
WARNING: grading WITHOUT a sandbox: {reason}.
  Student code runs as you: it can read and change your files (solutions, other submissions, this gradebook),
  use the network and leave processes behind. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)
  or grade in a throw-away account or container. The gradebook's metadata records this run as unsandboxed."""


def missing_tools_message(command: str) -> str | None:
    """A message naming what `command` needs and is not installed, or None when everything is there."""
    missing = run.missing_tools()
    if not missing:
        return None
    return (
        f"minigrad-course {command} needs {', '.join(missing)}, which "
        f"{'is' if len(missing) == 1 else 'are'} not installed in this Python ({sys.executable}).\n"
        "Install the course with `pip install -e .` in its folder (or: pip install pytest nbval ipykernel)."
    )


# --- submissions ----------------------------------------------------------------------------------------


@dataclass
class Submission:
    name: str
    path: Path
    problem: str | None = None  # set when the folder holds no single notebook to grade


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def find_submissions(paths: Iterable[Path], solution_name: str) -> list[Submission]:
    """Expand the SUBMISSION arguments: a notebook, or a folder of notebooks and/or one folder per student.

    A student folder may hold several notebooks only if one has the solution's file name.
    """
    found: list[Submission] = []
    for path in paths:
        if not path.is_dir():
            found.append(Submission(path.stem, path))
            continue
        found += [Submission(p.stem, p) for p in _notebooks_in(path)]
        for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            notebooks = _notebooks_in(folder)
            named = [p for p in notebooks if p.name == solution_name]
            if len(notebooks) == 1 or named:
                found.append(Submission(folder.name, (named or notebooks)[0]))
            elif notebooks:
                problem = (
                    f"several notebooks ({', '.join(p.name for p in notebooks)}), none is {solution_name}"
                )
                found.append(Submission(folder.name, folder, problem))
    names: dict[str, Path] = {}
    for submission in found:
        if submission.name in names:
            other = names[submission.name]
            raise GradeError(f"two submissions are named {submission.name!r}: {other} and {submission.path}")
        names[submission.name] = submission.path
    return sorted(found, key=lambda s: s.name)


# --- one chapter's grading setup ------------------------------------------------------------------------


@dataclass
class Chapter:
    """Everything about the solution that every submission's grading shares."""

    path: Path
    solution: NotebookNode
    checks: list[Check]
    setting: Setting
    secrets: feedback.Secrets
    protected: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # check helpers, np, ...
    allowed_modules: list[str] = field(default_factory=list)
    answer_names: dict[str, list[str]] = field(default_factory=dict)  # what each answer is to define

    @classmethod
    def load(cls, path: Path, box: sandbox.Sandbox, workroot: Path) -> Chapter:
        try:
            solution = cv.read_notebook(path)
        except Exception as error:
            raise GradeError(f"cannot read the solution notebook {path}: {error}") from error
        checks = notebook.validate_solution(solution, path.name)
        siblings = {}
        for other in sorted(path.parent.glob("*.ipynb")):
            if other.resolve() != path.resolve():
                try:
                    siblings[f"{path.parent.name}/{other.name}"] = cv.read_notebook(other)
                except Exception:  # a scratch notebook next to the solutions is not our business
                    continue
        name = f"{path.parent.name}/{path.name}"
        try:
            stubs = overlay.stub_modules(solution, name, siblings)
        except Exception as error:
            raise GradeError(f"cannot build the stubbed modules of {path}: {error}") from error
        seccomp_file = None
        program = sandbox.seccomp_filter() if box.active else None
        if program is not None:
            seccomp_file = workroot / "no-new-processes.bpf"
            seccomp_file.write_bytes(program)
        visible = cv.dumps_notebook(build.make_chapter(solution, path.name))  # what students see anyway
        sources = notebook.instructor_sources(solution)
        answer_cells = [c for c in solution.cells if cv.cell_meta(c).get("role") == "answer"]
        answers = [c.source for c in answer_cells]
        return cls(
            path=path,
            solution=solution,
            checks=checks,
            setting=Setting(box, stubs=stubs, seccomp_file=seccomp_file),
            secrets=feedback.Secrets(notebook.hidden_test_lines(solution), visible),
            protected={name: (module, attr) for name, module, attr in scan.protected_names(sources)},
            allowed_modules=[m for s in [*sources, *answers] for _, m, _ in scan.imported_names(s)],
            answer_names={
                str(cv.cell_meta(c)["grade_id"]): live.defined_names(cv.strip_solution_markers(c.source))
                for c in answer_cells
            },
        )

    def static_flags(self, answers: dict[str, list[str]]) -> dict[str, list[str]]:
        flags: dict[str, list[str]] = {}
        for gid, sources in answers.items():
            for source in sources:
                own = self.answer_names.get(gid, [])
                found = scan.answer_findings(
                    source, self.protected, self.allowed_modules, self.setting.stubs, own
                )
                if found:
                    flags.setdefault(f"answer cell {gid}", []).extend(found)
        return flags


def _format_flags(*groups: dict[str, list[str]]) -> list[str]:
    merged: dict[str, list[str]] = {}
    for group in groups:
        for who, findings in group.items():
            merged.setdefault(who, []).extend(findings)
    return [f"{who} {', '.join(dict.fromkeys(findings))}" for who, findings in merged.items()]


def grade_submission(chapter: Chapter, name: str, path: Path, limits: Limits, workroot: Path) -> Result:
    """Grade one submission file; never raises for anything the student did."""
    start = time.monotonic()
    try:
        student = notebook.parse_notebook(path.read_bytes())
    except NotANotebook as error:
        return scoring.ungraded(name, f"not a notebook: {error}", chapter.checks, path)
    except OSError as error:
        return scoring.ungraded(name, f"error: {error}", chapter.checks, path)
    merged = notebook.merge(chapter.solution, student)
    outcome = run.run_notebook(merged.notebook, limits, chapter.setting, workroot)
    problem, results = scoring.score(chapter.checks, outcome, limits)
    flags = _format_flags(chapter.static_flags(merged.answers), scoring.guard_flags(outcome.cells))
    return Result(name, problem, results, path, time.monotonic() - start, merged.notes, flags)


# --- the class ------------------------------------------------------------------------------------------


@dataclass
class Options:
    """The instructor's choices beyond the submissions (see `minigrad-course grade --help`)."""

    jobs: int = DEFAULT_JOBS
    limits: Limits = field(default_factory=Limits)
    feedback_dir: Path | None = None
    sandbox: str = "auto"
    update: bool = False
    roster: Path | None = None
    canvas: Path | None = None
    canvas_assignment: str | None = None
    histogram: Path | None = None  # default: <out stem>_scores.png


@dataclass
class Graded:
    """What a grading run produced."""

    results: list[Result]
    checks: list[Check]
    sandbox: sandbox.Sandbox
    files: dict[str, Path]


def grade(
    solution_path: Path,
    submission_paths: list[Path],
    out: Path,
    options: Options | None = None,
    progress: bool = True,
    announce=None,
) -> Graded:
    """Grade every submission against the solution; write the gradebook, its metadata and feedback files.

    `announce(text)` is called once, before any kernel starts, with the sandbox line (or the loud warning).
    """
    from tqdm.auto import tqdm

    options = options or Options()
    problem = missing_tools_message("grade")
    if problem:
        raise GradeError(problem)
    try:
        box = sandbox.detect(options.sandbox)
    except sandbox.SandboxUnavailable as error:
        raise GradeError(f"--sandbox bwrap: {error}") from error
    if announce is not None:
        announce(f"sandbox: {box.describe()}" if box.active else NO_SANDBOX_WARNING.format(reason=box.reason))
    roster = gradebook.read_roster(options.roster) if options.roster else None
    old_rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="minigrad-grading-") as tmp:
        workroot = Path(tmp)
        chapter = Chapter.load(solution_path, box, workroot)
        columns = gradebook.header(chapter.checks, roster is not None)
        if options.update and out.is_file():
            old_rows = gradebook.read_gradebook(out, chapter.checks)
        submissions = find_submissions(submission_paths, solution_path.name)
        results: list[Result] = []
        bar = tqdm(
            total=len(submissions), desc="grading", unit="notebook", disable=not progress, file=sys.stderr
        )
        with bar, ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            futures = {
                pool.submit(grade_submission, chapter, s.name, s.path, options.limits, workroot): s
                for s in submissions
                if s.problem is None
            }
            for s in submissions:
                if s.problem is not None:
                    results.append(scoring.ungraded(s.name, f"error: {s.problem}", chapter.checks, s.path))
                    bar.update()
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                bar.set_postfix_str(f"{result.submission}: {result.score_text}")
                bar.update()
    results.sort(key=lambda r: r.submission)
    matched = gradebook.match_roster([r.submission for r in results], roster or [])
    if old_rows and roster is None and any(row.get("student_id") for row in old_rows):
        columns = gradebook.header(chapter.checks, roster=True)
    new_rows = [gradebook.result_row(r, matched.get(r.submission)) for r in results]
    rows = gradebook.merge_rows(old_rows, new_rows, roster, chapter.checks)
    gradebook.write_gradebook(out, columns, rows)
    files = {"gradebook": out, "metadata": out.with_name(f"{out.stem}.meta.json")}
    gradebook.write_metadata(
        files["metadata"],
        gradebook.run_metadata(solution_path, box.describe(), options.limits, len(results)),
        options.update,
    )
    feedback_dir = options.feedback_dir or out.with_name(f"{out.stem}_feedback")
    feedback_dir.mkdir(parents=True, exist_ok=True)
    files["feedback"] = feedback_dir
    for result in results:
        (feedback_dir / f"{result.submission}.md").write_text(
            feedback.feedback_markdown(result, solution_path.name, chapter.secrets), encoding="utf-8"
        )
    files["histogram"] = options.histogram or out.with_name(f"{out.stem}_scores.png")
    scores = [float(row["score"]) for row in rows if row.get("score")]
    gradebook.histogram(
        files["histogram"],
        scores,
        sum(c.points for c in chapter.checks),
        f"{solution_path.stem}: {len(scores)} rows",
    )
    if options.canvas:
        assignment = options.canvas_assignment or solution_path.stem
        gradebook.write_canvas(options.canvas, rows, roster, assignment)
        files["canvas"] = options.canvas
    return Graded(results, chapter.checks, box, files)


def self_check(path: Path, limits: Limits | None = None) -> Result:
    """Run a student's own notebook (a copy; checks from the student's file) and score its visible checks.

    No sandbox and no stubs: the student's own package and overlay, as in JupyterLab. The guard still runs,
    so an answer that switches a check off is reported here as it would be when graded.
    """
    limits = limits or Limits()
    name = path.stem
    try:
        nb = notebook.parse_notebook(path.read_bytes())
    except NotANotebook as error:
        return Result(name, f"not a notebook: {error}", [], path)
    checks = notebook.checks_of(nb)
    setting = Setting(sandbox.Sandbox("none", "the self-check runs your own code"), grading=False)
    outcome = run.run_notebook(notebook.prepare(nb), limits, setting)
    problem, results = scoring.score(checks, outcome, limits)
    flags = _format_flags(scoring.guard_flags(outcome.cells))
    return Result(name, problem, results, path, outcome.seconds, flags=flags)
