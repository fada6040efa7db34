"""Attacks on the grader, for real: a class of toy submissions that try to switch checks off, vandalise files,
tamper after grading, leave processes behind, fork-bomb, leak hidden tests and import the reference.

Issue 10. Every case is graded once, in the sandbox (bubblewrap; in CI its absence is a failure), through the
real command line with two jobs. The expectations: each score is exactly what the honest part of the answer
earns (tampering has no effect), each attack is flagged in `status` for the instructor, no file outside the
gradebook changes (hashed before and after: the solution, every submission, the package and the repository),
no process started by grading is alive afterwards, and no feedback file contains hidden-test text.
"""

from __future__ import annotations

import csv
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from grading_toy import (
    CODE_PATCH,
    COUNTER,
    NUMPY_PATCH,
    THREAD,
    TRANSFORMER,
    VANDAL,
    WRONG_MEAN,
    alive,
    cli,
    require_sandbox,
    solution_notebook,
    solved,
    student_notebook,
    tree_digests,
    write,
)

from minigrad.course.convention import cell_meta

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TOKEN = f"minigrad-attack-{uuid.uuid4().hex[:12]}"  # in every command line an attack tries to start
SQUARE = solved("t-square", export=True)
MEAN = solved("t-mean", export=True)
WRONG_COUNTER = COUNTER.replace("self.total += n", "self.total -= n")

# Appended to the (honest) square answer; {placeholders} are filled with this run's paths.
HELPERS_OFF = "\ncheck_close = check_true = lambda *args, **kwargs: None\n"
CUSTOM_EXC = """
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: print("ok"))
"""
EVENT_HOOK = """
get_ipython().events.register(
    "pre_run_cell",
    lambda info: get_ipython().user_ns.update(check_close=lambda *a: None, check_true=lambda *a: None),
)
"""
MODULES_SWAP = """
import sys
import types

fake = types.ModuleType("minigrad.course.checks")
fake.check_close = fake.check_true = lambda *args, **kwargs: None
sys.modules["minigrad.course.checks"] = fake
from minigrad.course.checks import check_close, check_true
"""
TAMPER = """
import os
import subprocess
import sys

script = (
    "import pathlib, time\\n"
    "time.sleep(3)\\n"
    "pathlib.Path({gradebook!r}).write_text('tampered')\\n"
    "pathlib.Path({tamper_feedback!r}).write_text('**Score: 999**')\\n"
    "# {token}"
)
try:
    subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
except OSError:
    pass
try:
    if os.fork() == 0:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", script])
except OSError:
    pass
"""
SLEEPER = """
import subprocess
import sys

try:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(240)  # {token}"], start_new_session=1)
except OSError:
    pass
"""
FORK_BOMB = """
import os

children = 0
while children < 100000:
    try:
        if os.fork() == 0:
            while True:
                os.fork()
        children += 1
    except OSError:
        break
"""
NETWORK = """
import socket

try:
    socket.create_connection(("1.1.1.1", 443), timeout=3).close()
    reached = True
except OSError:
    reached = False
"""
LEAK_MEAN = """
import inspect
import linecache


def mean(xs):
    caller = inspect.currentframe().f_back
    raise ValueError("".join(linecache.getlines(caller.f_code.co_filename)) or "no source")
"""
SPY_COUNTER = """
import os
import socket


class Counter:
    def __init__(self):
        self.total = 0

    def add(self, n):
        seen = [f"{{name}}={{os.path.exists(path)}}" for name, path in {paths!r}.items()]
        try:
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            seen.append("fork=ok")
        except OSError as error:
            seen.append(f"fork=errno{{error.errno}}")
        seen.append(f"pid={{os.getpid()}}")
        seen.append("interfaces=" + ",".join(name for _, name in socket.if_nameindex()))
        try:
            open({checks!r}, "a").close()
            seen.append("package=writable")
        except OSError:
            seen.append("package=read-only")
        raise ValueError("seen: " + " ".join(seen))
"""
LATE_LOOP = SQUARE.replace("    return x * x", "    while x == 4:\n        pass\n    return x * x")


def cases(paths: dict[str, str]) -> dict[str, dict]:
    """name -> answers (by grade_id), the points expected, and what its status must say."""

    def attack(code: str, wrong: bool = True, fill: bool = False) -> dict[str, str]:
        answers = {"t-square": SQUARE + (code.format(**paths) if fill else code)}
        if wrong:
            answers.update({"t-mean": WRONG_MEAN, "t-counter": WRONG_COUNTER})
        return answers

    full = {"t-square": 1, "t-mean": 2, "t-counter": 3}
    only_square = {"t-square": 1, "t-mean": 0, "t-counter": 0}
    return {
        "honest": {"answers": {}, "points": full, "flags": []},
        "helpers_off": {
            "answers": attack(HELPERS_OFF),
            "points": only_square,
            "flags": ["redefines check_close"],
        },
        "transformer": {
            "answers": attack(TRANSFORMER),
            "points": only_square,
            "flags": ["registers an input transformer", "uses get_ipython"],
        },
        "custom_exc": {
            "answers": attack(CUSTOM_EXC),
            "points": only_square,
            "flags": ["custom exception handler", "installs an IPython exception handler"],
        },
        "event_hook": {
            "answers": attack(EVENT_HOOK),
            "points": only_square,
            "flags": ["registers an IPython pre_run_cell callback"],
        },
        "numpy_patch": {
            "answers": attack(NUMPY_PATCH, wrong=False) | {"t-mean": WRONG_MEAN},
            "points": {"t-square": 1, "t-mean": 0, "t-counter": 3},
            "flags": ["changes numpy.allclose", "assigns to np.allclose"],
        },
        "modules_swap": {
            "answers": attack(MODULES_SWAP, wrong=False) | {"t-mean": WRONG_MEAN},
            "points": {"t-square": 1, "t-mean": 0, "t-counter": 3},
            "flags": ["replaces sys.modules['minigrad.course.checks']", "touches sys.modules"],
        },
        "code_patch": {
            "answers": attack(CODE_PATCH, wrong=False) | {"t-mean": WRONG_MEAN},
            "points": {"t-square": 1, "t-mean": 0, "t-counter": 3},
            "flags": ["changes the code of", "changes function internals"],
        },
        "thread": {
            "answers": attack(THREAD, wrong=False) | {"t-mean": WRONG_MEAN},
            "points": {"t-square": 1, "t-mean": 0, "t-counter": 3},
            "flags": ["starts a thread", "imports threading"],
        },
        "reference_import": {
            "answers": {"t-square": "#| export toy\nfrom minigrad.toy import square"},
            "points": {"t-square": 0, "t-mean": 2, "t-counter": 3},
            "flags": ["imports square from minigrad.toy instead of writing it"],
        },
        "leak": {
            "answers": {"t-mean": LEAK_MEAN},
            "points": {"t-square": 1, "t-mean": 0, "t-counter": 3},
            "flags": ["reads stack frames"],
        },
        "vandal": {
            "answers": attack(VANDAL, wrong=False, fill=True),
            "points": full,
            "flags": ["imports os", "opens files"],
        },
        "tamper": {
            "answers": attack(TAMPER, wrong=False, fill=True),
            "points": full,
            "flags": ["imports subprocess"],
        },
        "sleeper": {
            "answers": attack(SLEEPER, wrong=False, fill=True),
            "points": full,
            "flags": ["imports subprocess"],
        },
        "fork_bomb": {"answers": attack(FORK_BOMB, wrong=False), "points": full, "flags": ["imports os"]},
        "network": {"answers": attack(NETWORK, wrong=False), "points": full, "flags": ["imports socket"]},
        "spy": {
            "answers": {"t-counter": SPY_COUNTER.format(**paths, paths=SPY_PATHS(paths))},
            "points": {"t-square": 1, "t-mean": 2, "t-counter": 0},
            "flags": ["imports os", "opens files"],
        },
        "late_loop": {"answers": {"t-square": LATE_LOOP}, "points": full, "flags": []},
    }


def SPY_PATHS(paths: dict[str, str]) -> dict[str, str]:  # noqa: N802 (a table, named like one)
    return {
        "solution": paths["solution"],
        "submissions": paths["subs"],
        "gradebook_folder": str(Path(paths["gradebook"]).parent),
        "repository_solutions": str(REPO / "solutions"),
        "repository_git": str(REPO / ".git"),
        "home_bashrc": str(Path.home() / ".bashrc"),
    }


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    require_sandbox()
    root = tmp_path_factory.mktemp("attacks")
    solution = write(solution_notebook(export=True), root / "solution" / "toy.ipynb")
    out = root / "out" / "gradebook.csv"
    paths = {
        "solution": str(solution),
        "subs": str(root / "subs"),
        "targets": [str(solution), str(REPO / "minigrad" / "course" / "checks.py"), str(out)],
        "gradebook": str(out),
        "tamper_feedback": str(out.parent / "gradebook_feedback" / "tamper.md"),
        "checks": str(REPO / "minigrad" / "course" / "checks.py"),
        "token": TOKEN,
    }
    table = cases(paths)
    for name, case in table.items():
        nb = student_notebook(replace=case["answers"], export=True)
        if name == "late_loop":  # also relabelled: found by its cell id, noted on the row
            answers = [c for c in nb.cells if cell_meta(c).get("role") == "answer"]
            cell = next(c for c in answers if cell_meta(c).get("grade_id") == "t-mean")
            cell.metadata["minigrad"]["grade_id"] = "t-mean-v2"
        write(nb, root / "subs" / f"{name}.ipynb")
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    outside = [solution.parent, root / "subs", *(REPO / f for f in tracked if (REPO / f).is_file())]
    before = tree_digests(*outside)
    start = time.monotonic()
    limits = ["--cell-timeout", "10", "--timeout", "120", "--memory", "3000"]
    proc = cli(
        "grade",
        str(solution),
        str(root / "subs"),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--sandbox",
        "bwrap",
        *limits,
    )
    seconds = time.monotonic() - start
    survivors_now = alive(TOKEN)
    results = {"gradebook": tree_digests(out.parent)}
    time.sleep(5)  # longer than the tamper script waits: had it started, it would have written by now
    with open(out, newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return {
        "proc": proc, "seconds": seconds, "rows": rows, "cases": table, "out": out,
        "before": before, "after": tree_digests(*outside), "survivors": survivors_now + alive(TOKEN),
        "gradebook_then": results["gradebook"], "gradebook_later": tree_digests(out.parent),
        "feedback": out.parent / "gradebook_feedback",
    }  # fmt: skip


def test_the_class_is_graded(attacked: dict) -> None:
    proc = attacked["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("sandbox: bubblewrap"), proc.stdout
    assert sorted(attacked["rows"]) == sorted(attacked["cases"])


PLACEHOLDERS = dict.fromkeys(
    ("solution", "subs", "targets", "gradebook", "tamper_feedback", "checks", "token"), ""
)


@pytest.mark.parametrize("name", list(cases(PLACEHOLDERS)))
def test_scores_are_as_if_the_attack_had_no_effect_and_it_is_flagged(attacked: dict, name: str) -> None:
    row, case = attacked["rows"][name], attacked["cases"][name]
    assert {gid: int(row[gid]) for gid in case["points"]} == case["points"], row["status"]
    if case["flags"]:
        assert "; flagged: " in row["status"], row["status"]
    else:
        assert "flagged" not in row["status"], row["status"]
    for flag in case["flags"]:
        assert flag in row["status"], f"{name}: {flag!r} not in {row['status']!r}"


def test_nothing_outside_the_gradebook_changes(attacked: dict) -> None:
    changed = [str(p) for p in attacked["before"] if attacked["after"].get(p) != attacked["before"][p]]
    assert changed == []
    assert attacked["gradebook_later"] == attacked["gradebook_then"]  # nothing tampered after grading


def test_no_process_started_by_grading_survives(attacked: dict) -> None:
    assert attacked["survivors"] == []


def test_no_feedback_contains_hidden_tests(attacked: dict) -> None:
    for path in sorted(attacked["feedback"].glob("*.md")):
        text = path.read_text()
        for secret in ("hidden-test-marker", "secret_witness", "mean([5.0])", "HIDDEN TESTS"):
            assert secret not in text, f"{path.name} contains {secret!r}"
    leak = (attacked["feedback"] / "leak.md").read_text()
    assert "its text is not shown" in leak


def test_the_sandbox_hides_the_machine(attacked: dict) -> None:
    """What the spy's answer saw from inside its kernel (it raised it as its error message)."""
    text = (attacked["feedback"] / "spy.md").read_text()
    seen = text.split("```text\nValueError: seen: ", 1)[1].split("\n", 1)[0].split()
    facts = dict(fact.split("=", 1) for fact in seen)
    hidden = list(SPY_PATHS(PLACEHOLDERS))
    assert {name: facts[name] for name in hidden} == dict.fromkeys(hidden, "False")
    assert facts["fork"] == "errno11"  # no new processes
    assert int(facts["pid"]) < 10  # its own PID namespace
    assert facts["interfaces"] in ("", "lo")  # no network
    assert facts["package"] == "read-only"


def test_status_never_contradicts_the_score(attacked: dict) -> None:
    row = attacked["rows"]["late_loop"]
    assert row["score"] == row["max_score"]
    assert row["status"].startswith("ok: every check passed; afterwards timeout: "), row["status"]
    assert "relabelled 't-mean-v2' (found by its cell id)" in row["notes"]
