"""Stored outputs must not depend on the machine that executed the notebooks.

The recursion demo of chapter 03 once stored no output because the kernel that executed it had a raised
recursion limit: jedi (which IPython imports for completion) set it to 3000 at import in versions before 0.20.
Every new machine then printed the RecursionError and nbval failed. This test executes the chapter in kernels
whose startup sets either limit, whatever jedi does: the stored outputs must be reproduced in both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("limit", [1000, 3000], ids=["cpython-default", "jedi-before-0.20"])
def test_tracer_chapter_does_not_depend_on_the_kernels_recursion_limit(tmp_path: Path, limit: int) -> None:
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-recursion-limit.py").write_text(f"import sys\nsys.setrecursionlimit({limit})\n")
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"))
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(ROOT / "solutions" / "03_tracer.ipynb"), "--nbval",
            "--nbval-current-env", "--nbval-cell-timeout=300", "-p", "no:cacheprovider", "-p", "no:xdist",
            "--color=no", "-q", "--rootdir", str(tmp_path), "-c", os.devnull,
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
