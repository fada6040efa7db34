"""The grader's sandbox layers, each on its own (minigrad/course/grading/sandbox.py, run.py).

The seccomp filter is checked as a program; then, for real, a kernel whose cell starts a detached process
(`start_new_session=True`, the issue's "sleep 240"): with the filter switched off, bubblewrap's PID namespace
kills it with the sandbox; without any sandbox, the run's environment marker finds and kills it. Grading with
`--sandbox none` says so loudly, on the terminal and in the gradebook's metadata.
"""

from __future__ import annotations

import json
import struct
import sys
import uuid
from pathlib import Path

import pytest
from grading_toy import alive, cli, require_sandbox, solution_notebook, student_notebook, write
from nbformat.v4 import new_code_cell, new_notebook

from minigrad.course.grading import notebook, run, sandbox

CHECK = {"minigrad": {"role": "test", "grade_id": "t-started", "points": 1}}


def detached_sleeper(token: str) -> object:
    """A notebook whose check passes only if it could start a detached process that would live 240 s."""
    start = (
        "import subprocess, sys\n"
        f"proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(240)  # {token}'],\n"
        "                        start_new_session=True)\n"
        "assert proc.pid > 0\n"
        'print("ok t-started")'
    )
    return notebook.prepare(
        new_notebook(cells=[new_code_cell("x = 1"), new_code_cell(start, metadata=CHECK)])
    )


def run_sleeper(token: str, setting: run.Setting, folder: Path) -> run.Run:
    return run.run_notebook(detached_sleeper(token), run.Limits(cell_timeout=30, timeout=90), setting, folder)


def started(outcome: run.Run) -> bool:
    return [cell.outcome for cell in outcome.cells if cell.grade_id == "t-started"] == ["passed"]


def test_the_seccomp_filter_is_a_small_classic_bpf_program() -> None:
    program = sandbox.seccomp_filter("x86_64")
    assert program is not None and len(program) % 8 == 0
    codes = [struct.unpack("<HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
    assert codes[0] == (0x20, 0, 0, 4)  # load the architecture
    assert (0x15, 0, 0, 56)[::3] in [(c[0], c[3]) for c in codes]  # clone is examined
    assert codes[-4:] == [(6, 0, 0, 0x7FFF0000), (6, 0, 0, 0x5000B), (6, 0, 0, 0x50026), (6, 0, 0, 0x50001)]
    assert sandbox.seccomp_filter("aarch64") is not None
    assert sandbox.seccomp_filter("sparc") is None


@pytest.mark.slow
def test_the_pid_namespace_kills_what_a_kernel_left_behind(tmp_path: Path) -> None:
    require_sandbox()
    token = f"minigrad-sandbox-{uuid.uuid4().hex[:12]}"
    setting = run.Setting(sandbox.detect("bwrap"), seccomp_file=None, guard=False)  # processes allowed
    outcome = run.run_notebook(
        detached_sleeper(token), run.Limits(cell_timeout=30, timeout=90), setting, tmp_path
    )
    assert started(outcome), outcome.log_tail
    assert alive(token) == []


@pytest.mark.slow
def test_the_seccomp_filter_refuses_new_processes(tmp_path: Path) -> None:
    require_sandbox()
    token = f"minigrad-sandbox-{uuid.uuid4().hex[:12]}"
    program = sandbox.seccomp_filter()
    assert program is not None
    (tmp_path / "filter.bpf").write_bytes(program)
    setting = run.Setting(sandbox.detect("bwrap"), seccomp_file=tmp_path / "filter.bpf", guard=False)
    outcome = run.run_notebook(
        detached_sleeper(token), run.Limits(cell_timeout=30, timeout=90), setting, tmp_path
    )
    [cell] = [cell for cell in outcome.cells if cell.grade_id == "t-started"]
    assert cell.ename == "BlockingIOError" and "Resource temporarily unavailable" in cell.evalue
    assert alive(token) == []


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the marker is found through /proc")
def test_without_a_sandbox_the_runs_marker_finds_detached_processes(tmp_path: Path) -> None:
    token = f"minigrad-nosandbox-{uuid.uuid4().hex[:12]}"
    setting = run.Setting(sandbox.Sandbox("none", "test"), guard=False)
    outcome = run.run_notebook(
        detached_sleeper(token), run.Limits(cell_timeout=30, timeout=90), setting, tmp_path
    )
    assert started(outcome), outcome.log_tail
    assert alive(token) == []


@pytest.mark.slow
def test_grading_without_a_sandbox_says_so_loudly(tmp_path: Path) -> None:
    solution = write(solution_notebook(), tmp_path / "toy.ipynb")
    write(student_notebook(), tmp_path / "subs" / "amy.ipynb")
    out = tmp_path / "gradebook.csv"
    proc = cli("grade", str(solution), str(tmp_path / "subs"), "--out", str(out), "--sandbox", "none")
    assert proc.returncode == 0, proc.stderr
    warning = "WARNING: grading WITHOUT a sandbox: switched off with --sandbox none."
    assert proc.stdout.startswith(warning) and warning in proc.stderr
    assert proc.stdout.count("WITHOUT a sandbox") == 2  # at the top, and once more under the summary
    [meta] = json.loads((tmp_path / "gradebook.meta.json").read_text())["runs"]
    assert meta["sandbox"] == "NONE: switched off with --sandbox none"


def test_a_required_sandbox_that_cannot_run_stops_grading(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(
        sandbox, "probe", lambda: "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    )
    with pytest.raises(sandbox.SandboxUnavailable, match="bwrap is not installed"):
        sandbox.detect("bwrap")
    assert sandbox.detect("auto").kind == "none"
    assert sandbox.detect("auto").describe().startswith("NONE: bwrap is not installed")


def test_the_kernel_sees_only_the_package_not_the_checkout(tmp_path: Path) -> None:
    stub = tmp_path / "autograd.py"
    stub.write_text("# stub\n")
    package = run.PACKAGE_DIR
    view = sandbox.KernelView(package, tmp_path, sandbox.package_masks(package, {"autograd": stub}))
    args = sandbox.bwrap_arguments(view)
    binds = {args[i + 2]: args[i + 1] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")}
    assert binds[str(package)] == str(package)
    assert binds[str(package / "autograd.py")] == str(stub)
    assert str(package.parent) not in binds  # the repository (solutions/, .git) is not shown
    assert "--unshare-all" in args and "--die-with-parent" in args and "--clearenv" in args


def test_a_stubbed_modules_bytecode_is_masked_too(tmp_path: Path) -> None:
    package = tmp_path / "minigrad"
    (package / "__pycache__").mkdir(parents=True)
    (package / "autograd.py").write_text("reference = True\n")
    (package / "__pycache__" / "autograd.cpython-311.pyc").write_bytes(b"compiled reference")
    (package / "__pycache__" / "tensor.cpython-311.pyc").write_bytes(b"another chapter")
    stub = tmp_path / "stub.py"
    masks = sandbox.package_masks(package, {"autograd": stub})
    assert masks == {
        package / "autograd.py": stub,
        package / "__pycache__" / "autograd.cpython-311.pyc": Path("/dev/null"),
    }


def test_the_self_check_kernel_sees_the_students_overlay_and_grading_its_own(
    tmp_path: Path, monkeypatch
) -> None:
    """pytest runs with the overlay off (a broken export must not stop it); the kernel gets the right one."""
    check = run.Setting(sandbox.Sandbox("none", "test"), grading=False)
    grade = run.Setting(sandbox.Sandbox("none", "test"))
    monkeypatch.setenv("MINIGRAD_OVERLAY", str(tmp_path / "mine"))
    assert run._kernel_env(check, None, "m")["MINIGRAD_OVERLAY"] == str(tmp_path / "mine")
    assert run._kernel_env(grade, tmp_path / "stubs", "m")["MINIGRAD_OVERLAY"] == str(tmp_path / "stubs")
    monkeypatch.setenv("MINIGRAD_OVERLAY", "off")
    assert run._kernel_env(check, None, "m")["MINIGRAD_OVERLAY"] == "off"
    assert run._pytest_env()["MINIGRAD_OVERLAY"] == "off"
