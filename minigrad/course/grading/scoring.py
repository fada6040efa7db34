"""Scoring one run: which checks passed, why the others did not, and a status that never contradicts it.

A check passes only if its test cell passed (it printed its `ok <grade_id>` line and raised nothing). The
status column is `ok` unless the run itself went wrong (a timeout, a dead kernel, the memory limit); when that
happened after every check had passed, it says so ("ok: every check passed, then ..."). Anything the guard or
the source scan found is appended as `flagged: ...` for the instructor to review; it never changes a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from minigrad.course.grading.notebook import Check
from minigrad.course.grading.report import CellReport
from minigrad.course.grading.run import Limits, Run


def points_text(value: float) -> str:
    """Points as the gradebook writes them: 2, not 2.0; 1.5 stays 1.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class CheckResult:
    check: Check
    passed: bool = False
    message: str = ""

    @property
    def earned(self) -> float:
        return self.check.points if self.passed else 0.0


@dataclass
class Result:
    """One graded submission (or one self-check)."""

    submission: str
    problem: str  # 'ok', or what went wrong with the run itself
    checks: list[CheckResult]
    path: Path | None = None
    seconds: float = 0.0
    notes: list[str] = field(
        default_factory=list
    )  # unusual things about the submission (duplicate cells, ...)
    flags: list[str] = field(default_factory=list)  # for the instructor: tampering found or suspected

    @property
    def score(self) -> float:
        return sum(result.earned for result in self.checks)

    @property
    def max_score(self) -> float:
        return sum(result.check.points for result in self.checks)

    @property
    def score_text(self) -> str:
        return f"{points_text(self.score)}/{points_text(self.max_score)}"

    @property
    def status(self) -> str:
        """The gradebook's status column: the run's problem (or ok), then any flags."""
        return self.problem + (f"; flagged: {'; '.join(self.flags)}" if self.flags else "")


def _where(cell: dict) -> str:
    gid = cell.get("grade_id")
    return f"{cell.get('role')} cell {gid}" if gid else str(cell.get("cell", "a cell")).lower()


def _how_died(died: dict) -> str:
    code = died.get("returncode")
    if isinstance(code, int) and died.get("sandboxed") and code > 128:
        code = -(code - 128)
    return f"killed by signal {-code}" if isinstance(code, int) and code < 0 else f"exit code {code}"


def _unfinished(run: Run) -> dict | None:
    """The cell that was still running when the outer timeout stopped pytest, if any."""
    if run.running is None or any(cell.name == run.running.get("cell") for cell in run.cells):
        return None
    return run.running


def run_problem(run: Run, limits: Limits) -> str | None:
    """What went wrong with the run itself (not with a check), in one phrase; None if nothing did."""
    if run.died is not None:
        return f"kernel died: {_how_died(run.died)} in {_where(run.died)}"
    if run.timed_out:
        unfinished = _unfinished(run)
        where = f" (stopped in {_where(unfinished)})" if unfinished else ""
        return f"timeout: the whole run took longer than {limits.timeout:g} s{where}"
    for cell in run.cells:
        if cell.timed_out:
            return f"timeout: {cell.where} ran longer than {limits.cell_timeout:g} s"
    for cell in run.cells:
        if cell.ename == "MemoryError":
            return f"memory limit: {cell.where} ran out of memory (limit {limits.memory_mb} MB)"
    for cell in run.cells:
        if "Kernel dead" in cell.text:
            return f"kernel died: before {cell.where}"
    if not run.cells:
        return f"error: pytest exited with {run.returncode} and no report: {run.log_tail}"
    return None


def _not_run(check: Check, run: Run, limits: Limits) -> str:
    """Why a check has no result: the run stopped in it, or before it."""
    stopped = run.died or (_unfinished(run) if run.timed_out else None)
    here = stopped is not None and stopped.get("role") == "test" and stopped.get("grade_id") == check.grade_id
    if run.died is not None:
        where = "while this check ran" if here else f"in {_where(run.died)}"
        return f"kernel died ({_how_died(run.died)}) {where}"
    if run.timed_out:
        where = "this check was still running" if here else "not run"
        return f"{where}: grading stopped after {limits.timeout:g} s"
    return "not run"


def guard_flags(cells: list[CellReport]) -> dict[str, list[str]]:
    """The guard's findings (and failures), grouped by the cell after which they were seen."""
    found: dict[str, list[str]] = {}
    for cell in cells:
        for report in cell.tampering:
            by = str(report.get("by", "?"))
            who = by if by.startswith("answer cell") else f"code run by {by}"
            found.setdefault(who, []).extend(str(f) for f in report.get("findings", []))
        if cell.guard_error:
            found.setdefault("the grader", []).append(f"could not check the kernel: {cell.guard_error}")
    return found


def score(checks: list[Check], run: Run, limits: Limits) -> tuple[str, list[CheckResult]]:
    """The run's status and per-check results; a check passes only if its test cell passed."""
    tests = {cell.grade_id: cell for cell in run.cells if cell.role == "test"}
    answers = {cell.grade_id: cell for cell in run.cells if cell.role == "answer"}
    labels = {check.grade_id: check.label for check in checks}
    results = []
    # From the cell the kernel died in on, reports are the watchdog's interrupt (which reads as a timeout) or
    # nbval's skips, depending on which arrived first; what the student needs to read is that the kernel died.
    names = [cell.name for cell in run.cells]
    died_at = (
        names.index(run.died["cell"]) if run.died is not None and run.died.get("cell") in names else None
    )
    for check in checks:
        cell = tests.get(check.grade_id)
        answer = answers.get(check.grade_id)
        if died_at is not None:
            cell, answer = (c if c is None or names.index(c.name) < died_at else None for c in (cell, answer))
        if cell is not None and cell.outcome == "passed":
            results.append(CheckResult(check, True))
        elif answer is not None and answer.outcome in ("failed", "error"):
            what = labels.get(check.grade_id, check.grade_id)
            results.append(CheckResult(check, False, f"your answer cell for {what} {answer.raised()}"))
        elif cell is not None:
            results.append(CheckResult(check, False, cell.message(limits.cell_timeout)))
        else:
            results.append(CheckResult(check, False, _not_run(check, run, limits)))
    problem = run_problem(run, limits)
    if problem is None:
        return "ok", results
    if results and all(r.passed for r in results):
        return f"ok: every check passed; afterwards {problem}", results
    return problem, results


def ungraded(name: str, problem: str, checks: list[Check], path: Path | None) -> Result:
    """A submission that could not be run: zero for every check, the reason in the status."""
    return Result(name, problem, [CheckResult(check, False, "not graded") for check in checks], path)
