"""The package type-checks: `mypy minigrad` with the settings in pyproject.toml ([tool.mypy]).

Why a test: the chapters generate most of the package, and a type error there is usually a real mistake (a
name used for two things, an Optional used unchecked) that no other test happens to reach.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_package_type_checks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "minigrad"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"mypy minigrad found problems:\n{result.stdout}{result.stderr}"
