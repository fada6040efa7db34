"""Running one prepared notebook: pytest + nbval + the grading plugin, with limits, and cleaning up after it.

pytest runs in its own folder and process group, with an address-space limit, a per-cell timeout (nbval) and a
wall-clock timeout (here: SIGINT, so pytest still writes its report, then SIGKILL). The kernel is started by
the plugin as configured here: in the sandbox (sandbox.py) with the submission's overlay of stubbed modules,
or, without a sandbox, as a plain process in a scratch folder. When the run ends, every process it started is
killed: the sandbox's whole PID namespace with it; without a sandbox, the kernel's process group and every
process that still carries this run's marker in its environment.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from minigrad import _overlay
from minigrad.course import build
from minigrad.course.grading import overlay, plugin, sandbox
from minigrad.course.grading.report import ANSI_RE, CellReport, read_cell_log, read_report

DEFAULT_CELL_TIMEOUT = 300.0  # chapter 09 trains its final CNN in one cell (60-90 s on 2 shared cores)
DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_MB = 4096
INTERRUPT_GRACE = 15.0  # seconds pytest gets after SIGINT to stop its kernel and write the report

NOTEBOOK = "graded.ipynb"
REPORT = "report.xml"
LOG = "pytest.log"
CONFIG = "grading.json"
LAUNCH_SPEC = "launch.json"
SOCKETS_DIR = "/tmp"  # the kernel's sockets and connection file (short paths, see run_notebook)
MARKER = "MINIGRAD_GRADING_RUN"  # in the environment of every process of an unsandboxed kernel
PACKAGE_DIR = Path(__file__).resolve().parents[2]  # the `minigrad` package the kernel imports
PACKAGE_ROOT = PACKAGE_DIR.parent
REQUIRED = ("pytest", "nbval", "ipykernel", "jupyter_client")

# Lines other than `ok <grade_id>` are dropped from both sides before nbval compares a test cell's output,
# so a student's debug print inside a function does not fail a check that ran to its end.
SANITIZE = "[ok lines only]\nregex: (?m)^(?!ok \\S+$).*\\n?\nreplace: \n"
PYTEST_INI = "[pytest]\njunit_family = xunit1\n"


def missing_tools() -> list[str]:
    """The Python packages the grader and `check` need that are not installed."""
    import importlib.util

    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


@dataclass
class Setting:
    """How every kernel of one grading run (or one self-check) is started."""

    sandbox: sandbox.Sandbox
    stubs: dict[str, str] = field(default_factory=dict)  # module -> stub source, written into each overlay
    guard: bool = True
    grading: bool = True  # False for the self-check: the student's own environment and overlay
    seccomp_file: Path | None = None


@dataclass
class Run:
    """What one pytest run left behind."""

    cells: list[CellReport]
    returncode: int | None
    timed_out: bool  # the outer wall-clock timeout hit
    died: dict | None  # from the plugin's watchdog: the cell the kernel died in, and its exit code
    running: dict | None  # the cell that started last
    log_tail: str
    seconds: float


def _limit_memory(memory_mb: int) -> Callable[[], None]:
    def limit() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return limit


def _on_path() -> bool:
    """True if the folder holding `minigrad` is an installed location (site-packages), not a checkout."""
    return str(PACKAGE_ROOT) in {*site.getsitepackages(), site.getusersitepackages()}


def _pytest_env() -> dict[str, str]:
    """The environment of pytest (the grader's side): no plugin autoloading, no user addopts."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", MINIGRAD_OVERLAY="off")
    env.pop("PYTEST_ADDOPTS", None)
    if not _on_path():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _kernel_env(setting: Setting, overlay_dir: Path | None, marker: str) -> dict[str, str]:
    """What the kernel's environment adds: one BLAS thread, a fixed hash seed, the overlay, the run marker."""
    env = {"PYTHONHASHSEED": "0", **build.ONE_BLAS_THREAD, MARKER: marker}
    if overlay_dir is not None:
        env[_overlay.ENV] = str(overlay_dir)
    else:  # the self-check: the student's own overlay, as their JupyterLab has it (pytest runs with it off)
        root = _overlay.overlay_root()
        env[_overlay.ENV] = str(root) if root is not None else "off"
    if not _on_path():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def _sandbox_env(extra: dict[str, str]) -> dict[str, str]:
    """The whole environment inside the sandbox (bwrap starts from an empty one)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    home = sandbox.INSIDE_HOME
    return {
        "PATH": path,
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        **{key: value for key, value in extra.items() if key != MARKER},
    }


KERNEL_COMMAND = ["-m", "ipykernel_launcher", "-f", "{connection_file}", "--HistoryManager.enabled=False"]


def _kernel_spec(setting: Setting, folders: dict[str, Path], marker: str) -> dict:
    """The plugin's kernel settings for one submission (argv, env, cwd, transport)."""
    overlay_dir = folders["overlay"] if setting.grading else None
    env = _kernel_env(setting, overlay_dir, marker)
    runtime = folders["runtime"]
    if not setting.sandbox.active:
        return {
            "argv": [sys.executable, *KERNEL_COMMAND],
            "env": env,
            "cwd": str(folders["scratch"]),
            "transport": "tcp",
            "connection_file": str(runtime / "kernel.json"),
        }
    stubs = {}
    if overlay_dir is not None:
        stubs = {
            m: overlay_dir.joinpath(build.PACKAGE, *m.split(".")).with_suffix(".py") for m in setting.stubs
        }
    view = sandbox.KernelView(
        package_dir=PACKAGE_DIR,
        runtime_dir=runtime,
        masks=sandbox.package_masks(PACKAGE_DIR, stubs),
        overlay=overlay_dir,
        env=_sandbox_env(env),
        caches=sandbox.matplotlib_font_cache(),
    )
    launch = {
        "bwrap": shutil.which(sandbox.BWRAP),
        "options": sandbox.bwrap_arguments(view),
        "seccomp": str(setting.seccomp_file) if setting.seccomp_file else None,
        "command": [sys.executable, *KERNEL_COMMAND],
        "file_size": sandbox.FILE_SIZE,
    }
    spec_path = folders["pytest"] / LAUNCH_SPEC
    spec_path.write_text(json.dumps(launch, indent=1), encoding="utf-8")
    return {
        "argv": [sys.executable, "-I", str(sandbox.LAUNCHER), str(spec_path), "{connection_file}"],
        "env": {},
        "cwd": str(folders["pytest"]),
        "transport": "ipc",
        "ip": str(runtime / "k"),
        "connection_file": str(runtime / "kernel.json"),
        "interrupt_mode": "message",  # a signal to bwrap would not reach the kernel
    }


def trusted_dirs() -> list[str]:
    """Where installed code lives (the guard keeps hooks whose code comes from here): package, Python."""
    return [str(PACKAGE_DIR), *(str(p) for p in sandbox.python_paths(PACKAGE_DIR))]


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_kernel(folder: Path) -> None:
    """Kill the kernel's process group (jupyter starts kernels in their own session), if it is still ours."""
    info = _read_json(folder / plugin.KERNEL_INFO)
    if not info:
        return
    try:
        cmdline = Path(f"/proc/{info['pid']}/cmdline").read_bytes()
    except (OSError, KeyError):
        return
    if info["connection_file"].encode() in cmdline:
        _signal_group(info["pid"], signal.SIGKILL)


def kill_marked(marker: str) -> int:
    """Kill every process whose environment carries this run's marker (unsandboxed kernels and their
    children, even those that started a new session); return how many. Linux only (/proc)."""
    needle = f"{MARKER}={marker}".encode()
    killed = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (OSError, ValueError):
            continue
    return killed


def run_notebook(nb: NotebookNode, limits: Limits, setting: Setting, workroot: Path | None = None) -> Run:
    """Run a prepared notebook under nbval in fresh folders; always clean up every process it started."""
    import nbformat

    start = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="minigrad-grade-", dir=workroot) as tmp,
        tempfile.TemporaryDirectory(
            prefix="mg-", dir=SOCKETS_DIR if os.path.isdir(SOCKETS_DIR) else None
        ) as sockets,
    ):
        folders = {name: Path(tmp, name) for name in ("pytest", "overlay", "scratch")}
        for folder in folders.values():
            folder.mkdir()
        folders["runtime"] = Path(sockets)  # a short path: a Unix socket's path has at most 107 bytes
        work = folders["pytest"]
        nbformat.write(nb, work / NOTEBOOK)
        (work / "pytest.ini").write_text(PYTEST_INI)
        (work / "sanitize.cfg").write_text(SANITIZE)
        if setting.grading:
            overlay.write_overlay(folders["overlay"], setting.stubs)
        marker = secrets.token_hex(8)
        config = {"kernel": _kernel_spec(setting, folders, marker)}
        if setting.guard:
            config["guard"] = {
                "trusted_dirs": trusted_dirs(),
                "handle": f"__minigrad_guard_{secrets.token_hex(6)}",
                "live": setting.grading and bool(setting.stubs),
            }
        (work / CONFIG).write_text(json.dumps(config, indent=1))
        command = [
            sys.executable, "-m", "pytest", NOTEBOOK, "-c", "pytest.ini",
            "-p", "minigrad.course.grading.plugin", "-p", "nbval.plugin", f"{plugin.OPTION}={CONFIG}",
            "--nbval-lax", "--nbval-current-env", f"--nbval-cell-timeout={limits.cell_timeout:g}",
            "--nbval-sanitize-with=sanitize.cfg", "-p", "no:cacheprovider", "--color=no",
            f"--junitxml={REPORT}", "-o", "junit_family=xunit1", "-q",
        ]  # fmt: skip
        timed_out = False
        with open(work / LOG, "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=work,
                env=_pytest_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_limit_memory(limits.memory_mb),
            )
            try:
                process.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _signal_group(process.pid, signal.SIGINT)  # pytest still writes the report of what ran
                try:
                    process.wait(timeout=INTERRUPT_GRACE)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait()
            finally:
                _kill_kernel(work)
                _signal_group(process.pid, signal.SIGKILL)
                if not setting.sandbox.active and sys.platform.startswith("linux"):
                    kill_marked(marker)
        died, running = (_read_json(work / name) for name in (plugin.KERNEL_DIED, plugin.RUNNING))
        if timed_out:
            died = None  # pytest stops the kernel when interrupted; the watchdog may have seen that
        if died is not None and setting.sandbox.active:
            died["sandboxed"] = True  # bwrap reports a kernel killed by signal N as exit code 128 + N
        log_tail = "\n".join((work / LOG).read_text(errors="replace").strip().splitlines()[-5:])
        return Run(
            cells=read_report(work / REPORT) or read_cell_log(work / plugin.CELL_LOG),
            returncode=process.returncode,
            timed_out=timed_out,
            died=died,
            running=running,
            log_tail=ANSI_RE.sub("", log_tail),
            seconds=time.monotonic() - start,
        )
