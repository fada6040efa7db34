"""The sandbox a submission's kernel runs in: bubblewrap, a seccomp filter, and what the kernel may see.

Only the kernel (the student's code) is sandboxed; pytest, nbval and the grader run outside it. Inside:

- **The filesystem** is built from an allow-list, read-only: the system (`/usr`, `/etc`, the `/lib*`
  links), the Python installation and environment, and the `minigrad` package itself, in which the modules the
  graded chapter exports are replaced by their stubs (source and bytecode). Nothing else of the machine is
  there: not the repository (solutions, .git), not the submissions, not the gradebook, not the user's home.
  The kernel's working folder and `/tmp` are small fresh tmpfs; the only host folder it can write to holds the
  kernel's connection file and sockets.
- **Namespaces** (`--unshare-all`): no network, its own PID namespace (every process it starts dies with it;
  it cannot see or signal the grader), `--die-with-parent`, a new session (no terminal).
- **No new processes**: a seccomp filter refuses fork/vfork and clone without CLONE_THREAD (threads are fine),
  so a fork bomb or a detached `sleep` gets `OSError: [Errno 11]`. RLIMIT_NPROC cannot do this when the grader
  runs as root (root is exempt), the filter works for everyone.

Where bubblewrap is missing or the kernel refuses user namespaces (macOS, Windows, locked-down containers),
the grader runs kernels as plain processes and says so loudly (`Sandbox.kind == "none"`).
"""

from __future__ import annotations

import os
import platform
import shutil
import site
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BWRAP = "bwrap"
SYSTEM_DIRS = ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
INSIDE_HOME = "/tmp"  # the kernel's working folder, $HOME and /tmp: one small tmpfs
TMP_SIZE = 64 * 1024 * 1024
FILE_SIZE = 64 * 1024 * 1024  # RLIMIT_FSIZE of the kernel: no file it writes grows beyond this
LAUNCHER = Path(__file__).with_name("launcher.py")


class SandboxUnavailable(Exception):
    """`--sandbox bwrap` was asked for, but bubblewrap cannot run here; the message says why."""


@dataclass(frozen=True)
class Sandbox:
    kind: str  # "bwrap" or "none"
    reason: str = ""  # why there is none
    seccomp: bool = True  # bwrap with the no-new-processes filter (False only on unknown CPU architectures)

    @property
    def active(self) -> bool:
        return self.kind == "bwrap"

    def describe(self) -> str:
        """One phrase for the gradebook's metadata and the top of the run."""
        if self.active:
            extra = "" if self.seccomp else " (no process limit on this CPU architecture)"
            return f"bubblewrap: read-only allow-listed filesystem, no network, own PID namespace{extra}"
        return f"NONE: {self.reason}"


# --- seccomp: no new processes --------------------------------------------------------------------------

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian hosts only)
_NR, _ARCH, _ARG0 = 0, 4, 16
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_EAGAIN, _EPERM, _ENOSYS = 11, 1, 38
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000
# AUDIT_ARCH value and the process-creating system calls, per machine.
_ARCHES = {
    "x86_64": (0xC000003E, {"clone": 56, "fork": 57, "vfork": 58, "clone3": 435}),
    "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435}),
}


def seccomp_filter(machine: str | None = None) -> bytes | None:
    """A classic-BPF seccomp program (as bwrap --seccomp reads it) refusing every new process, not threads.

    fork/vfork and clone without CLONE_THREAD fail with EAGAIN (what a process limit gives); clone3 fails
    with ENOSYS, so the C library falls back to clone, whose flags a classic filter can read. Other ABIs on
    the same machine (x32, 32-bit) get EPERM for everything. None for machines this table does not know.
    """
    machine = machine or platform.machine()
    if machine not in _ARCHES or sys.byteorder != "little":
        return None
    arch, numbers = _ARCHES[machine]
    program: list[tuple[int, str | int, str | int, int]] = [  # (code, jump if true, jump if false, k)
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ, 0, "deny", arch),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if machine == "x86_64":
        program.append((_JGE, "deny", 0, _X32_BIT))
    program.append((_JEQ, "enosys", 0, numbers["clone3"]))
    for name in ("fork", "vfork"):
        if name in numbers:
            program.append((_JEQ, "eagain", 0, numbers[name]))
    program += [
        (_JEQ, 0, "allow", numbers["clone"]),
        (_LD_W_ABS, 0, 0, _ARG0),
        (_JSET, "allow", "eagain", _CLONE_THREAD),
    ]
    labels = {
        "allow": _ALLOW,
        "eagain": _ERRNO | _EAGAIN,
        "enosys": _ERRNO | _ENOSYS,
        "deny": _ERRNO | _EPERM,
    }
    where = {name: len(program) + i for i, name in enumerate(labels)}
    program += [(_RET, 0, 0, value) for value in labels.values()]

    def offset(index: int, jump: str | int) -> int:
        return jump if isinstance(jump, int) else where[jump] - index - 1

    return b"".join(
        struct.pack("<HBBI", code, offset(i, jt), offset(i, jf), k)
        for i, (code, jt, jf, k) in enumerate(program)
    )


# --- is there a sandbox? --------------------------------------------------------------------------------


def detect(mode: str = "auto") -> Sandbox:
    """The sandbox to use: 'auto' (bubblewrap if it works here), 'bwrap' (required) or 'none'."""
    if mode == "none":
        return Sandbox("none", "switched off with --sandbox none")
    problem = probe()
    if problem is None:
        return Sandbox("bwrap", seccomp=seccomp_filter() is not None)
    if mode == "bwrap":
        raise SandboxUnavailable(problem)
    return Sandbox("none", problem)


def probe() -> str | None:
    """None if bubblewrap starts a sandboxed Python here (with the seccomp filter), else why it cannot."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux, this is {sys.platform}"
    executable = shutil.which(BWRAP)
    if executable is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    program = seccomp_filter()
    with tempfile.TemporaryFile() as bpf:
        command = [executable, *_system_binds(), *_binds(python_paths()), "--proc", "/proc", "--dev", "/dev"]
        command += ["--unshare-all", "--die-with-parent", "--new-session"]
        if program is not None:
            bpf.write(program)
            bpf.seek(0)
            command += ["--seccomp", str(bpf.fileno())]
        code = "import os\ntry:\n    os.fork()\nexcept OSError:\n    print('ok')"
        try:
            proc = subprocess.run(
                [*command, "--", sys.executable, "-I", "-c", code],
                capture_output=True,
                text=True,
                timeout=60,
                pass_fds=[bpf.fileno()],
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bwrap could not start: {error}"
    if proc.returncode != 0 or (program is not None and proc.stdout.strip() != "ok"):
        detail = (proc.stderr.strip() or proc.stdout.strip() or f"exit code {proc.returncode}").splitlines()[
            0
        ]
        return f"bwrap cannot create a sandbox here: {detail}"
    return None


# --- what the kernel sees -------------------------------------------------------------------------------


def _existing(paths: list[str]) -> list[Path]:
    return [Path(p) for p in paths if p and os.path.isdir(p)]


def python_paths(package_dir: Path | None = None) -> list[Path]:
    """Folders the kernel's Python needs: its installation and environment, and what is on sys.path.

    A folder that contains the `minigrad` package but is not part of the Python installation (a source
    checkout on sys.path) is left out: only the package folder itself is shown (see `package_binds`).
    """
    prefixes = _existing([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix])
    candidates = prefixes + _existing([*site.getsitepackages(), site.getusersitepackages(), *sys.path])
    candidates.append(Path(os.path.realpath(sys.executable)).parent)
    chosen: list[Path] = []
    for path in sorted({Path(os.path.abspath(p)) for p in candidates}, key=lambda p: len(p.parts)):
        if any(path == c or c in path.parents for c in chosen):
            continue
        if package_dir is not None and path in package_dir.parents and path not in prefixes:
            continue
        if path.parts[1:2] and path.parts[1] in SYSTEM_DIRS:
            continue
        chosen.append(path)
    return chosen


def _system_binds() -> list[str]:
    args: list[str] = []
    for name in SYSTEM_DIRS:
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _binds(paths: list[Path]) -> list[str]:
    return [arg for path in paths for arg in ("--ro-bind", str(path), str(path))]


@dataclass
class KernelView:
    """What one submission's kernel sees: the package with some modules masked, its own sockets folder."""

    package_dir: Path  # the `minigrad` package folder the kernel imports
    runtime_dir: Path  # connection file and sockets: the only host folder the kernel can write to
    masks: dict[Path, Path] = field(default_factory=dict)  # file in the package -> file shown instead
    overlay: Path | None = None  # the per-submission overlay folder (MINIGRAD_OVERLAY), shown read-only
    env: dict[str, str] = field(default_factory=dict)
    caches: dict[str, Path] = field(
        default_factory=dict
    )  # path inside the home tmpfs -> host file (read-only)


def bwrap_arguments(view: KernelView) -> list[str]:
    """bwrap's options (everything before `--`) for one kernel."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += _system_binds()
    args += _binds(python_paths(view.package_dir))
    args += ["--ro-bind", str(view.package_dir), str(view.package_dir)]
    for target, source in sorted(view.masks.items()):
        args += ["--ro-bind", str(source), str(target)]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_SIZE), "--tmpfs", INSIDE_HOME]
    args += ["--bind", str(view.runtime_dir), str(view.runtime_dir)]
    if view.overlay is not None:
        args += ["--ro-bind", str(view.overlay), str(view.overlay)]
    for inside, host in sorted(view.caches.items()):
        args += ["--ro-bind", str(host), f"{INSIDE_HOME}/{inside}"]
    args += ["--chdir", INSIDE_HOME]
    for key, value in sorted(view.env.items()):
        args += ["--setenv", key, value]
    return args


def matplotlib_font_cache() -> dict[str, Path]:
    """matplotlib's font list, shown read-only in each kernel's fresh home: without it every kernel spends
    about half a second of CPU rebuilding it. Empty when matplotlib is missing or has no cache yet."""
    try:
        import matplotlib
    except ImportError:
        return {}
    found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-v*.json"))
    return {f".matplotlib/{found[-1].name}": found[-1]} if found else {}


def package_masks(package_dir: Path, stubs: dict[str, Path]) -> dict[Path, Path]:
    """Show each stubbed module's stub in place of the reference file, and /dev/null for its bytecode.

    `stubs` maps a module name ('autograd', 'nn.modules') to its stub file. Without this, an answer cell
    could read minigrad/autograd.py (or its .pyc) and run the reference despite the overlay.
    """
    masks: dict[Path, Path] = {}
    for module, stub in stubs.items():
        *packages, name = module.split(".")
        folder = package_dir.joinpath(*packages)
        if (folder / f"{name}.py").is_file():
            masks[folder / f"{name}.py"] = stub
        for compiled in sorted((folder / "__pycache__").glob(f"{name}.*.pyc")):
            masks[compiled] = Path(os.devnull)
    return masks
