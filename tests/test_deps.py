"""pyproject.toml (pip) and environment.yml (conda) must list the same dependencies with the same pins."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
REQUIREMENT_RE = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>.*)")


def parse(requirement: str) -> tuple[str, str]:
    """'nbval==0.11.0' -> ('nbval', '==0.11.0'), names normalised as pip does (PEP 503)."""
    match = REQUIREMENT_RE.fullmatch(requirement.strip())
    assert match, f"cannot parse requirement {requirement!r}"
    return re.sub(r"[-_.]+", "-", match["name"]).lower(), match["spec"].replace(" ", "")


def pyproject_requirements(extras: bool = True) -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + (project["optional-dependencies"]["dev"] if extras else [])
    return dict(parse(r) for r in requirements) | {"python": project["requires-python"]}


def conda_requirements() -> tuple[dict[str, str], list[str]]:
    """The conda packages and the pip section of environment.yml (a flat file; no YAML library needed)."""
    conda: dict[str, str] = {}
    pip: list[str] = []
    section = None
    for line in (REPO / "environment.yml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            section = line.split(":")[0]
        elif section == "dependencies" and line.startswith("  - ") and line.strip() != "- pip:":
            conda.update([parse(line.strip()[2:])])
        elif section == "dependencies" and line.startswith("      - "):
            pip.append(line.strip()[2:])
    return conda, pip


def test_conda_and_pip_list_the_same_dependencies():
    conda, pip = conda_requirements()
    assert conda.pop("pip") == ""
    assert conda == pyproject_requirements()
    assert pip == ["-e .[dev]"]


def test_parse_normalises_names():
    assert parse("pytest_xdist >= 3") == ("pytest-xdist", ">=3")
    assert parse("Nbval==0.11.0") == ("nbval", "==0.11.0")


def test_the_self_check_needs_only_the_student_install():
    """`minigrad-course check` must work after `pip install -e .`: what it runs on is a runtime dependency."""
    from minigrad.course.grading.run import REQUIRED

    runtime = pyproject_requirements(extras=False)
    assert {parse(name)[0] for name in REQUIRED} <= set(runtime)
    assert runtime["nbval"] == "==0.11.0"  # the grader relies on its cell numbering and kernel start
