"""The student's overlay (minigrad/_overlay.py) and live export cells (minigrad/course/live.py).

Both change how `import minigrad` resolves, so every scenario runs in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minigrad.course import live

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, overlay: str | None, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_OVERLAY"}
    if overlay is not None:
        env["MINIGRAD_OVERLAY"] = overlay
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_overlay_module_shadows_the_package_and_off_turns_it_off(tmp_path: Path) -> None:
    (tmp_path / "overlay" / "minigrad").mkdir(parents=True)
    (tmp_path / "overlay" / "minigrad" / "gradcheck.py").write_text(
        "def gradcheck(*args, **kwargs):\n    return 'from the overlay'\n"
    )
    code = "import minigrad\nprint(minigrad.gradcheck(None))"
    assert run_python(code, str(tmp_path / "overlay"), tmp_path) == "from the overlay"
    code = "import sys, minigrad\nprint(sys.modules['minigrad.gradcheck'].__file__)"
    assert run_python(code, "off", tmp_path) == str(ROOT / "minigrad" / "gradcheck.py")


def test_the_default_overlay_is_dot_minigrad_in_the_repository() -> None:
    code = "from minigrad import _overlay\nprint(_overlay.overlay_root())"
    assert run_python(code, None, ROOT) == str(ROOT / ".minigrad")


def test_packages_and_missing_modules_come_from_the_installed_package(tmp_path: Path) -> None:
    (tmp_path / "overlay" / "minigrad" / "nn").mkdir(parents=True)
    (tmp_path / "overlay" / "minigrad" / "nn" / "__init__.py").write_text("raise RuntimeError('never')\n")
    code = "import sys, minigrad\nprint(*(sys.modules[f'minigrad.{m}'].__file__ for m in ('nn', 'tensor')))"
    assert run_python(code, str(tmp_path / "overlay"), tmp_path) == (
        f"{ROOT / 'minigrad' / 'nn' / '__init__.py'} {ROOT / 'minigrad' / 'tensor.py'}"
    )


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("#| export tensor\nx = 1", "tensor"),
        ("#|export nn.modules\n", "nn.modules"),
        ("# export tensor\n", None),
        ("x = 1\n#| export tensor", None),
        ("#| export\nx = 1", None),
    ],
)
def test_export_module_reads_the_first_line(source: str, module: str | None) -> None:
    assert live.export_module(source) == module


def test_defined_names_are_definitions_not_imports() -> None:
    source = "import numpy as np\nfrom x import y\nA = B = 1\nc, (d, e) = 1, (2, 3)\nf: int = 3\ng: int\n"
    source += "def h(): pass\nclass K: pass\nif True:\n    hidden = 1\n"
    assert live.defined_names(source) == ["A", "B", "c", "d", "e", "f", "h", "K"]
    assert live.defined_names("def broken(:\n") == []


LIVE_SESSION = """
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
def run(source):
    result = shell.run_cell(source)
    return result.success

assert run("from minigrad.course import live\\nlive.enable()\\nlive.enable()")
import minigrad, minigrad.function as function

old_lift = function.lift
assert run('''#| export function
def lift(x, like, op):
    raise RuntimeError("the student's lift")
''')
assert function.lift is shell.user_ns["lift"], "the module attribute is replaced"
try:
    minigrad.Tensor([1.0]) + 2.0
except RuntimeError as error:
    print("operators use it:", error)
assert not run('''#| export function
def lift(x, like, op):
    return 1
raise ValueError("a cell that fails publishes nothing")
''')
assert function.lift is not shell.user_ns["lift"]
assert run("def lift(x, like, op):\\n    return 2\\n")
assert function.lift is not shell.user_ns["lift"], "only export cells are published"
print(len(shell.events.callbacks["post_run_cell"]), "callback")
"""


def test_an_export_cell_run_in_a_kernel_replaces_the_package_code(tmp_path: Path) -> None:
    out = run_python(LIVE_SESSION, "off", tmp_path).splitlines()
    assert "operators use it: the student's lift" in out
    assert out[-1] == "1 callback"
