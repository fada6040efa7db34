"""A class of 40 chapter-03 submissions graded end to end: `python tests/grading_class.py [--jobs 2]`.

Issue 10's acceptance run (too long for the test suite; tests/test_grade_attacks.py runs the same attacks on a
toy chapter in CI). The class: honest students (some with debug prints, scratch cells, duplicated cells),
realistic mistakes (one exercise each), a crash and an infinite loop, and every attack from the issue plus a
few more. It is graded with `minigrad-course grade --jobs 2 --sandbox bwrap` in a fresh folder, then checked:
honest rows exact; each mistake costs exactly its exercise; each attack has no effect on the score and is
flagged; the hashes of the repository, the solution and every submission are unchanged; no process started by
grading is alive (even after the tamper script's delay); no feedback file quotes a hidden test. Prints the
wall-clock time and one line per submission; exits 1 if any expectation fails.
"""

from __future__ import annotations

import argparse
import copy
import csv
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading_toy import CODE_PATCH, NUMPY_PATCH, THREAD, TRANSFORMER, VANDAL, alive, tree_digests  # noqa: E402

from minigrad.course import build, live  # noqa: E402
from minigrad.course.convention import cell_meta  # noqa: E402
from minigrad.course.grading import feedback, notebook  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "03_tracer.ipynb"
TOKEN = f"minigrad-class-{uuid.uuid4().hex[:12]}"

# Realistic mistakes: (grade_id, old, new) in the solution's answer.
MISTAKES = {
    "alias_grad": ("ch03-accumulate", "np.array(g, dtype=t.data.dtype)", "g"),
    "asarray_grad": (
        "ch03-accumulate",
        "np.array(g, dtype=t.data.dtype)",
        "np.asarray(g, dtype=t.data.dtype)",
    ),
    "float64_grad": ("ch03-accumulate", "np.array(g, dtype=t.data.dtype)", "np.array(g)"),
    "ascending_order": ("ch03-order", "(-producer.seq, producer)", "(producer.seq, producer)"),
    "every_path": (
        "ch03-order",
        "producer is not None and producer.seq not in queued",
        "producer is not None",
    ),
    "pending_inplace": (
        "ch03-backward",
        "pending[producer] = pending[producer] + g_in",
        "pending[producer] += g_in",
    ),
    "pending_overwrite": (
        "ch03-backward",
        "pending[producer] = pending[producer] + g_in",
        "pending[producer] = g_in",
    ),
    "leaves_overwrite": (
        "ch03-backward",
        "leaves[inp] = leaves[inp] + g_in if inp in leaves else g_in",
        "leaves[inp] = g_in",
    ),
    "no_release": ("ch03-backward", "tracer.release(ctx)", "pass"),
    "no_version_bump": ("ch03-update", "    t._version = tracer.updates", "    pass"),
    "update_anywhere": ("ch03-update", "if t.requires_grad and not tracer.blind:", "if False:"),
    "blind_false": ("ch03-no-grad", "tracer.blind = previous", "tracer.blind = False"),
    "no_finally": (
        "ch03-no-grad",
        "    try:\n        yield\n    finally:\n        tracer.blind = previous",
        "    yield\n    tracer.blind = previous",
    ),
    "loops": (
        "ch03-order",
        "    if root._ctx is None:",
        "    while True:\n        pass\n    if root._ctx is None:",
    ),
    "crashes": (
        "ch03-accumulate",
        "    if t.grad is None:",
        "    import os\n\n    os._exit(3)\n    if t.grad is None:",
    ),
}

# Attacks: code appended to the honest _accumulate answer (an export cell), and a mistake elsewhere that the
# attack tries to hide (None: the rest is honest).
HELPERS_OFF = "\ncheck_close = check_true = check_equal = check_raises = lambda *args, **kwargs: None\n"
CUSTOM_EXC = """
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)
"""
EVENT_HOOK = """
off = {"check_equal": lambda *a: None, "check_true": lambda *a: None}
get_ipython().events.register("pre_run_cell", lambda info: get_ipython().user_ns.update(off))
"""
MODULES_SWAP = """
import sys
import types

fake = types.ModuleType("minigrad.course.checks")
fake.check_close = fake.check_true = fake.check_equal = lambda *args, **kwargs: None
sys.modules["minigrad.course.checks"] = fake
from minigrad.course.checks import check_close, check_equal, check_true
"""
TAMPER = """
import os
import subprocess
import sys

script = (
    "import pathlib, time\\n"
    "time.sleep(10)\\n"
    "pathlib.Path({gradebook!r}).write_text('tampered')\\n"
    "pathlib.Path({tamper_feedback!r}).write_text('**Score: 9 / 9**')\\n"
    "# {token}"
)
for start in (
    lambda: subprocess.Popen([sys.executable, "-c", script], start_new_session=True),
    lambda: os.fork() == 0 and (os.setsid(), os.execv(sys.executable, [sys.executable, "-c", script])),
):
    try:
        start()
    except OSError:
        pass
"""
SLEEPER = """
import subprocess

try:
    subprocess.Popen(["sh", "-c", "sleep 240; : {token}"], start_new_session=True)
except OSError:
    pass
"""
FORK_BOMB = """
import os

for _ in range(100000):
    try:
        if os.fork() == 0:
            while True:
                os.fork()
    except OSError:
        break
"""
NETWORK = """
import socket

try:
    socket.create_connection(("1.1.1.1", 443), timeout=3).close()
except OSError:
    pass
"""
LEAK_ORDER = """import inspect
import linecache


def backward_order(root):
    caller = inspect.currentframe().f_back
    raise ValueError("".join(linecache.getlines(caller.f_code.co_filename)))
"""
READS_REFERENCE = """#| export autograd
import pathlib

import minigrad

exec((pathlib.Path(minigrad.__file__).parent / "autograd.py").read_text())
"""


def solution_with_live() -> nbformat.NotebookNode:
    nb = build.read_notebook(SOLUTION)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    if "live.enable()" not in first.source:
        first.source = "from minigrad.course import live\n\nlive.enable()\n\n" + first.source
    return nb


def answers_of(solution: nbformat.NotebookNode) -> dict[str, str]:
    return {
        cell_meta(c)["grade_id"]: build.strip_solution_markers(c.source)
        for c in solution.cells
        if cell_meta(c).get("role") == "answer"
    }


def submission(solution: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    chapter = build.make_chapter(solution)
    for cell in chapter.cells:
        meta = cell_meta(cell)
        if meta.get("role") == "answer":
            cell.source = answers[meta["grade_id"]]
    return chapter


def mistaken(answers: dict[str, str], name: str) -> dict[str, str]:
    gid, old, new = MISTAKES[name]
    assert old in answers[gid], f"{name}: {old!r} is not in the answer"
    return {**answers, gid: answers[gid].replace(old, new)}


def build_class(root: Path, gradebook: Path) -> dict[str, dict]:
    """Write 40 submissions under root/subs; return name -> expected points and flags."""
    solution = solution_with_live()
    honest = answers_of(solution)
    full = {check.grade_id: int(check.points) for check in notebook.checks_of(solution)}
    paths = {
        "targets": [str(root / "course" / SOLUTION.name), str(REPO / "minigrad" / "course" / "checks.py"),
                    str(REPO / "solutions" / SOLUTION.name), str(gradebook)],
        "subs": str(root / "subs"), "gradebook": str(gradebook), "token": TOKEN,
        "tamper_feedback": str(gradebook.parent / "gradebook_feedback" / "attack_tamper.md"),
    }  # fmt: skip
    expected: dict[str, dict] = {}
    notebooks: dict[str, nbformat.NotebookNode] = {}

    def add(name: str, answers: dict[str, str], points: dict[str, int], flags=(), notes=(), nb=None) -> None:
        notebooks[name] = nb if nb is not None else submission(solution, answers)
        expected[name] = {"points": points, "flags": list(flags), "notes": list(notes)}

    for i in range(2):
        add(f"honest_{i}", honest, full)
    debug = {
        **honest,
        "ch03-order": honest["ch03-order"].replace("    order = []", '    print("debug")\n    order = []'),
    }
    add("honest_debug", debug, full)
    scratch = submission(solution, honest)
    scratch.cells.insert(3, nbformat.v4.new_markdown_cell("My notes on the tracer."))
    scratch.cells.insert(
        4, nbformat.v4.new_code_cell('raise ValueError("a scratch cell the grader ignores")')
    )
    add("honest_scratch", honest, full, nb=scratch)
    twice = submission(solution, honest)
    index = next(i for i, c in enumerate(twice.cells) if cell_meta(c).get("grade_id") == "ch03-order")
    twice.cells.insert(index + 1, copy.deepcopy(twice.cells[index]))
    twice.cells[index + 1].id = "copied-cell"
    add("honest_twice", honest, full, notes=["2 answer cells for ch03-order"], nb=twice)
    moved = submission(solution, honest)
    index = next(i for i, c in enumerate(moved.cells) if cell_meta(c).get("grade_id") == "ch03-order")
    moved.cells.insert(index + 2, moved.cells.pop(index))
    add("honest_moved", honest, full, notes=["the answer cell of ch03-order was below its check"], nb=moved)
    relabelled = submission(solution, honest)
    cell = next(c for c in relabelled.cells if cell_meta(c).get("role") == "answer")
    cell.metadata["minigrad"]["grade_id"] = "accumulate"
    add(
        "honest_relabelled",
        honest,
        full,
        notes=["relabelled 'accumulate' (found by its cell id)"],
        nb=relabelled,
    )

    wrong_then_right = submission(solution, mistaken(honest, "ascending_order"))
    index = next(
        i for i, c in enumerate(wrong_then_right.cells) if cell_meta(c).get("grade_id") == "ch03-order"
    )
    fixed = copy.deepcopy(wrong_then_right.cells[index])
    fixed.id, fixed.source = "fixed-cell", honest["ch03-order"]
    wrong_then_right.cells.insert(index + 1, fixed)
    add("anomaly_wrong_then_right", {}, full, notes=["2 answer cells for ch03-order"], nb=wrong_then_right)
    weakened = submission(solution, mistaken(honest, "pending_overwrite"))
    for cell in weakened.cells:
        if cell_meta(cell).get("role") == "test":
            cell.source = f'print("ok {cell_meta(cell)["grade_id"]}")'
    weakened.cells = [c for c in weakened.cells if cell_meta(c).get("grade_id") != "ch03-no-grad"
                      or cell_meta(c).get("role") == "answer"]  # fmt: skip
    deleted = ["check cells deleted (ch03-no-grad)"]
    add("anomaly_weakened_checks", {}, {**full, "ch03-backward": 0}, notes=deleted, nb=weakened)
    also_lost = {
        "crashes": list(full),  # a dead kernel runs nothing more
        "no_finally": ["ch03-update"],  # the update_ check relies on no_grad
        "float64_grad": [],  # not caught by chapter 03's checks today: float64 gradients on a float32 tensor
    }
    for name, (gid, _, _) in MISTAKES.items():
        lost = dict.fromkeys(also_lost.get(name, [gid]) + ([gid] if name == "no_finally" else []), 0)
        flags = ["imports os"] if name == "crashes" else []  # os._exit needs os: flagged for review
        add(f"mistake_{name}", mistaken(honest, name), {**full, **lost}, flags)

    def attack(name, code, mistake=None, flags=(), points=None, fill=False):
        answers = mistaken(honest, mistake) if mistake else dict(honest)
        answers["ch03-accumulate"] += code.format(**paths) if fill else code
        lost = MISTAKES[mistake][0] if mistake else None
        add(f"attack_{name}", answers, points or {**full, **({lost: 0} if lost else {})}, flags)

    attack("helpers_off", HELPERS_OFF, "blind_false", ["redefines check_close"])
    attack("transformer", TRANSFORMER, "ascending_order", ["registers an input transformer"])
    attack("custom_exc", CUSTOM_EXC, "ascending_order", ["replaces the custom exception handler"])
    attack("event_hook", EVENT_HOOK, "ascending_order", ["registers an IPython pre_run_cell callback"])
    attack("numpy_patch", NUMPY_PATCH, "pending_overwrite", ["changes numpy.allclose"])
    attack(
        "modules_swap", MODULES_SWAP, "ascending_order", ["replaces sys.modules['minigrad.course.checks']"]
    )
    attack("code_patch", CODE_PATCH, "pending_overwrite", ["changes the code of"])
    attack("thread", THREAD, "pending_overwrite", ["starts a thread"])
    attack("vandal", VANDAL, None, ["imports os"], fill=True)
    attack("tamper", TAMPER, None, ["imports subprocess"], fill=True)
    attack("sleeper", SLEEPER, None, ["imports subprocess"], fill=True)
    attack("fork_bomb", FORK_BOMB, None, ["imports os"])
    attack("network", NETWORK, None, ["imports socket"])
    add(
        "attack_leak", {**honest, "ch03-order": LEAK_ORDER}, {**full, "ch03-order": 0}, ["reads stack frames"]
    )
    imported = {
        gid: f"#| export autograd\nfrom minigrad.autograd import {', '.join(live.defined_names(source))}"
        for gid, source in honest.items()
        if source.startswith("#| export autograd")
    }
    flag = "imports _accumulate from minigrad.autograd instead of writing it"
    add("attack_import_reference", {**honest, **imported}, {**full, **dict.fromkeys(imported, 0)}, [flag])
    add("attack_read_reference", {**honest, "ch03-accumulate": READS_REFERENCE}, {"ch03-accumulate": 0},
        ["uses exec"])  # fmt: skip
    assert len(notebooks) == 40, len(notebooks)
    course = root / "course"
    course.mkdir(parents=True)
    nbformat.write(solution, course / SOLUTION.name)
    for other in sorted((REPO / "solutions").glob("*.ipynb")):
        if other.name != SOLUTION.name:
            nbformat.write(build.read_notebook(other), course / other.name)
    for name, nb in notebooks.items():
        (root / "subs").mkdir(exist_ok=True)
        nbformat.write(nb, root / "subs" / f"{name}.ipynb")
    return expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", default="2")
    parser.add_argument(
        "--keep", type=Path, help="grade in this folder and keep it (default: a temporary one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minigrad-class-") as tmp:
        root = args.keep or Path(tmp)
        gradebook = root / "out" / "gradebook.csv"
        expected = build_class(root, gradebook)
        tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
        outside = [root / "course", root / "subs", *(REPO / f for f in tracked if (REPO / f).is_file())]
        before = tree_digests(*outside)
        command = [sys.executable, "-m", "minigrad.course.cli", "grade", str(root / "course" / SOLUTION.name),
                   str(root / "subs"), "--out", str(gradebook), "--jobs", args.jobs, "--sandbox", "bwrap",
                   "--cell-timeout", "30", "--timeout", "180"]  # fmt: skip
        print("$", " ".join(command[2:]).replace(str(root), "CLASS"), flush=True)
        start = time.monotonic()
        proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        seconds = time.monotonic() - start
        print(proc.stdout[proc.stdout.index("check  ") :] if "check  " in proc.stdout else proc.stdout)
        if proc.returncode != 0:
            print(proc.stderr)
            return 1
        survivors = alive(TOKEN)
        gradebook_then = tree_digests(gradebook.parent)
        time.sleep(15)  # longer than the tamper script waits before writing
        survivors += alive(TOKEN)
        with open(gradebook, newline="") as file:
            rows = {row["submission"]: row for row in csv.DictReader(file)}
        solution = build.read_notebook(SOLUTION)
        visible = build.dumps_notebook(build.make_chapter(solution))
        secrets = feedback.Secrets(notebook.hidden_test_lines(solution), visible)
        failures = []
        print(f"\n{'submission':<28} {'score':>5}  outcome")
        for name, want in expected.items():
            row = rows[name]
            got = {gid: int(row[gid]) for gid in want["points"]}  # (all of them but for the reader)
            problems = [f"points {got} != {want['points']}"] if got != want["points"] else []
            problems += [f"not flagged {f!r}" for f in want["flags"] if f not in row["status"]]
            problems += [f"no note {n!r}" for n in want["notes"] if n not in row["notes"]]
            if not want["flags"] and "flagged" in row["status"]:
                problems.append("flagged although honest")
            text = (gradebook.parent / "gradebook_feedback" / f"{name}.md").read_text()
            if secrets.leaks(text):
                problems.append("feedback quotes a hidden test")
            if name.startswith("mistake_") and problems and all(p.startswith("points") for p in problems):
                problems = [f"not as guessed: {problems[0]}"]  # about the chapter's checks, not the grader
            else:
                failures += [f"{name}: {p}" for p in problems]
            outcome = row["status"] + (f" | notes: {row['notes']}" if row["notes"] else "")
            marker = "  <-- " + "; ".join(problems) if problems else ""
            print(f"{name:<28} {row['score']:>2}/{row['max_score']}  {outcome[:150]}{marker}")
        changed = [str(p) for p in before if tree_digests(p).get(p) != before[p]]
        if changed:
            failures.append(f"files outside the gradebook changed: {changed}")
        if tree_digests(gradebook.parent) != gradebook_then:
            failures.append("the gradebook changed after grading")
        if survivors:
            failures.append(f"processes survived: {survivors}")
        print(f"\ngraded {len(rows)} submissions with --jobs {args.jobs} in {seconds:.0f} s; "
              f"{len(before)} files outside the gradebook hashed: {len(changed)} changed; "
              f"surviving processes: {len(survivors)}")  # fmt: skip
        for failure in failures:
            print("FAILED:", failure)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
