"""The whole repository (Python files and notebooks) is ruff-clean: lint and format."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check", "--diff"]], ids=["check", "format"])
def test_ruff(command: list[str]):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, (
        f"`ruff {' '.join(command)} .` is not clean:\n{result.stdout}{result.stderr}"
    )
