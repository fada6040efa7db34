"""The gradebook of a class: the CSV and its metadata, re-grading some students, a roster, Canvas, summaries.

- `gradebook.csv`: one row per submission (`submission`, roster columns when a roster is given, `score`,
  `max_score`, `status`, `notes`, then the points of each check by grade_id). `--update` merges the rows of
  this run into an existing gradebook (same checks), keeping every other row.
- `gradebook.meta.json`: how each run was graded (solution and its hash, sandbox or NONE, limits, time).
- a roster (`--roster`, CSV with id, name, email; a Canvas gradebook export works too) puts ids on rows and
  adds a row for each student without a submission.
- `--canvas FILE`: the columns Canvas's gradebook import expects (Student, ID, SIS User ID, SIS Login ID,
  Section, then one assignment column, with a Points Possible row).
- the per-exercise summary printed at the end, and a histogram of total scores as a PNG.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from minigrad.course.grading.notebook import Check, GradeError
from minigrad.course.grading.scoring import Result, points_text

ROSTER_COLUMNS = ["student_id", "name", "email"]
MISSING = "missing: no submission"


# --- roster ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    email: str
    canvas_id: str = ""
    section: str = ""

    def keys(self) -> set[str]:
        """What a submission may be called to match this student (case-insensitive)."""
        keys = {self.student_id, self.email, self.email.split("@")[0]}
        return {key.casefold() for key in keys if key}


def _column(header: list[str], *names: str) -> str | None:
    folded = {h.strip().casefold(): h for h in header}
    return next((folded[n] for n in names if n in folded), None)


def read_roster(path: Path) -> list[Student]:
    """Students from a CSV with id, name and email columns (also: a Canvas gradebook export)."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    header = list(rows[0]) if rows else []
    sis = _column(header, "sis user id")
    ident = sis or _column(header, "student_id", "student id", "id")
    name = _column(header, "name", "student name", "student")
    email = _column(header, "email", "e-mail", "sis login id", "login")
    if ident is None or name is None:
        raise GradeError(f"{path}: a roster needs an id column (id or student_id) and a name column")
    canvas = _column(header, "id") if sis else None
    section = _column(header, "section")
    students = []
    for row in rows:
        if not (row.get(ident) or "").strip() or "points possible" in (row.get(name) or "").casefold():
            continue
        students.append(
            Student(
                row[ident].strip(),
                (row.get(name) or "").strip(),
                (row.get(email) or "").strip() if email else "",
                (row.get(canvas) or "").strip() if canvas else "",
                (row.get(section) or "").strip() if section else "",
            )
        )
    return students


def match_roster(names: Iterable[str], roster: list[Student]) -> dict[str, Student]:
    """Submission name -> student, for the names the roster knows (by id, email or email name)."""
    by_key = {key: student for student in roster for key in student.keys()}
    return {name: by_key[name.casefold()] for name in names if name.casefold() in by_key}


# --- the CSV --------------------------------------------------------------------------------------------


def header(checks: list[Check], roster: bool) -> list[str]:
    return ["submission", *(ROSTER_COLUMNS if roster else []), "score", "max_score", "status", "notes"] + [
        c.grade_id for c in checks
    ]


def result_row(result: Result, student: Student | None) -> dict[str, str]:
    row = {
        "submission": result.submission,
        "student_id": student.student_id if student else "",
        "name": student.name if student else "",
        "email": student.email if student else "",
        "score": points_text(result.score),
        "max_score": points_text(result.max_score),
        "status": result.status,
        "notes": "; ".join(result.notes),
    }
    row.update({r.check.grade_id: points_text(r.earned) for r in result.checks})
    return row


FIXED_COLUMNS = ("submission", *ROSTER_COLUMNS, "score", "max_score", "status", "notes")


def read_gradebook(path: Path, checks: list[Check]) -> list[dict[str, str]]:
    """The rows of an existing gradebook, refusing one written for other checks."""
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        found = [c for c in reader.fieldnames or [] if c not in FIXED_COLUMNS]
        rows = list(reader)
    wanted = [c.grade_id for c in checks]
    if found != wanted:
        raise GradeError(
            f"{path} grades {', '.join(found) or 'nothing'}, this solution grades {', '.join(wanted)}: "
            "--update only merges gradebooks of the same checks"
        )
    return rows


def write_gradebook(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in sorted(rows, key=lambda r: r["submission"]):
            writer.writerow({column: row.get(column, "") for column in columns})


def merge_rows(
    old: list[dict[str, str]], new: list[dict[str, str]], roster: list[Student] | None, checks: list[Check]
) -> list[dict[str, str]]:
    """Rows of this run replace rows of the same submission; with a roster, absent students get a row."""
    rows = {row["submission"]: row for row in old}
    for row in new:
        previous = rows.get(row["submission"], {})
        for column in ROSTER_COLUMNS:  # a re-graded row keeps the ids an earlier run gave it
            row[column] = row.get(column) or previous.get(column, "")
        rows[row["submission"]] = row
    if roster:
        matched = match_roster(rows, roster)
        for name, student in matched.items():
            rows[name].update(student_id=student.student_id, name=student.name, email=student.email)
        present = {student.student_id for student in matched.values()}
        max_score = points_text(sum(c.points for c in checks))
        for student in roster:
            if student.student_id in present:
                continue
            key = student.email.split("@")[0] if student.email else student.student_id
            rows.setdefault(
                key,
                {"submission": key, "student_id": student.student_id, "name": student.name,
                 "email": student.email, "score": "0", "max_score": max_score, "status": MISSING, "notes": "",
                 **{c.grade_id: "0" for c in checks}},
            )  # fmt: skip
        for name in rows:
            if name not in matched and rows[name].get("status") != MISSING:
                notes = rows[name].get("notes", "")
                if "not on the roster" not in notes:
                    rows[name]["notes"] = "; ".join(n for n in (notes, "not on the roster") if n)
    return list(rows.values())


def write_metadata(path: Path, run: dict, update: bool) -> None:
    """Append this run's description to the gradebook's metadata file (a new file unless updating)."""
    runs = []
    if update and path.is_file():
        try:
            runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
        except ValueError:
            runs = []
    path.write_text(json.dumps({"runs": [*runs, run]}, indent=1) + "\n", encoding="utf-8")


def run_metadata(solution: Path, sandbox: str, limits: object, count: int) -> dict:
    return {
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "solution": str(solution),
        "solution_sha256": hashlib.sha256(solution.read_bytes()).hexdigest(),
        "sandbox": sandbox,
        "limits": vars(limits) if hasattr(limits, "__dict__") else str(limits),
        "submissions": count,
    }


# --- Canvas ---------------------------------------------------------------------------------------------


def write_canvas(
    path: Path, rows: list[dict[str, str]], roster: list[Student] | None, assignment: str
) -> None:
    """The CSV Canvas's gradebook import accepts: identity columns, then the assignment's points."""
    by_id = {student.student_id: student for student in roster or []}
    max_score = next((row["max_score"] for row in rows if row.get("max_score")), "")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        writer.writerow(["    Points Possible", "", "", "", "", max_score])
        for row in sorted(rows, key=lambda r: (r.get("name") or r["submission"]).casefold()):
            student = by_id.get(row.get("student_id", ""))
            writer.writerow(
                [
                    row.get("name") or row["submission"],
                    student.canvas_id if student else "",
                    row.get("student_id") or row["submission"],
                    (student.email if student else row.get("email", "")) or "",
                    student.section if student else "",
                    row["score"],
                ]
            )


# --- summaries ------------------------------------------------------------------------------------------


def exercise_summary(checks: list[Check], results: list[Result]) -> str:
    """Per check: points, mean points earned, how many passed, and the most common first line of a failure."""
    graded = [r for r in results if r.checks]
    width = max([len("check"), *(len(c.grade_id) for c in checks)])
    lines = [f"{'check':<{width}}  points  mean  passed  most common failure", "-" * (width + 60)]
    for check in checks:
        outcomes = [next(c for c in r.checks if c.check.grade_id == check.grade_id) for r in graded]
        passed = sum(o.passed for o in outcomes)
        mean = sum(o.earned for o in outcomes) / len(outcomes) if outcomes else 0.0
        failures = Counter(
            textwrap.shorten(o.message.split("\n", 1)[0], 72, placeholder=" …")
            for o in outcomes
            if not o.passed and o.message
        )
        common = failures.most_common(1)
        worst = f"{common[0][0]} ({common[0][1]}×)" if common else "—"
        counts = f"{passed}/{len(outcomes)}"
        lines.append(
            f"{check.grade_id:<{width}}  {points_text(check.points):>6}  {mean:4.2f}  {counts:>6}  {worst}"
        )
    return "\n".join(lines)


def histogram(path: Path, scores: list[float], max_score: float, title: str) -> None:
    """A bar chart of total scores (one bar per point when that is readable) as a byte-stable PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    top = max(max_score, max(scores, default=0.0))
    step = 1.0 if top <= 40 else top / 20
    edges = np.arange(0.0, top + step, step) - step / 2 if step == 1.0 else np.linspace(0.0, top, 21)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    ax.hist(scores, bins=edges.tolist(), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"total score (of {points_text(max_score)})")
    ax.set_ylabel("submissions")
    ax.set_title(title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
