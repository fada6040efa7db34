"""`minigrad-course release`: the course edition holds stubs, not answers, and a student of it can go on.

One edition of the real course is written once per module (chapters 00-04, 00-02 solved) and inspected. The
search for answer text here is written independently of release.py's own: it reads the regions from the
solution notebooks and the lines a student may see anyway from the committed student copies in chapters/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from minigrad.course import build, release, student, testing

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
LISTED = ["00", "01", "02", "03", "04"]
SOLVED = ["00", "01", "02"]
SOLUTIONS = {p.name[:2]: p for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))}


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "handout"
    release.release(ROOT, out, LISTED, SOLVED)
    return out


def run_in(edition: Path, *args: str, overlay: str | None = None) -> subprocess.CompletedProcess:
    """`minigrad-course ARGS` inside the edition, importing the edition's package (not the repository's)."""
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_OVERLAY"}
    env["PYTHONPATH"] = str(edition)
    if overlay is not None:
        env["MINIGRAD_OVERLAY"] = overlay
    return subprocess.run(
        [sys.executable, "-m", "minigrad_course", *args], cwd=edition, env=env, capture_output=True, text=True
    )


# --- what is in it --------------------------------------------------------------------------------------


def test_the_edition_has_the_listed_chapters_the_engine_tests_and_no_solutions(edition: Path) -> None:
    top = {p.name for p in edition.iterdir()}
    files = {
        ".gitignore",
        "README.md",
        "conftest.py",
        "environment.yml",
        "minigrad_course.py",
        "pyproject.toml",
    }
    assert top == files | {"chapters", "minigrad", "tests"}
    assert sorted(p.name for p in (edition / "chapters").iterdir()) == [SOLUTIONS[n].name for n in LISTED]
    tests = sorted(p.name for p in (edition / "tests").iterdir() if p.is_file())
    assert tests == [p.name for p in testing.engine_test_files(ROOT / "tests", LISTED)]
    recorded = sorted(p.relative_to(edition) for p in (edition / "tests" / "data").rglob("*"))
    assert recorded == sorted(p.relative_to(ROOT) for p in (ROOT / "tests" / "data").rglob("*"))
    for name in ("test_build.py", "test_grade.py", "test_chapters.py", "test_student.py", "test_release.py"):
        assert name not in tests
    assert ".minigrad/" in (edition / ".gitignore").read_text().splitlines()
    assert not list(edition.rglob("*.pyc"))


def test_unsolved_chapters_are_the_student_copies_and_solved_ones_have_answers(edition: Path) -> None:
    for n in LISTED:
        handed_out = edition / "chapters" / SOLUTIONS[n].name
        if n not in SOLVED:
            assert handed_out.read_bytes() == (ROOT / "chapters" / SOLUTIONS[n].name).read_bytes()
            continue
        nb = build.read_notebook(handed_out)
        solution = build.read_notebook(SOLUTIONS[n])
        assert [c.get("id") for c in nb.cells] == [c.get("id") for c in solution.cells]
        for cell, original in zip(nb.cells, solution.cells):
            if cell.cell_type != "code":
                continue
            assert not cell.outputs and cell.execution_count is None
            assert "### BEGIN" not in cell.source and "### END" not in cell.source
            assert "NotImplementedError" not in cell.source or "NotImplementedError" in original.source
            if "### BEGIN SOLUTION" in original.source:
                assert cell.source == build.strip_solution_markers(original.source)


def test_every_module_of_an_unsolved_chapter_is_a_stub_that_names_its_exercise(edition: Path) -> None:
    reference = {m.name: m for m in student.framework_modules()}
    modules = student.framework_modules(edition / "minigrad")
    assert [m.name for m in modules] == list(reference)
    for m in modules:
        text = m.path.read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1]
        original = reference[m.name].path.read_text(encoding="utf-8")
        if m.chapter in SOLVED:
            assert m.origin.kind == "reference"
            assert body == original.split("\n\n", 1)[1], f"{m.name} must be the reference"
            continue
        assert m.origin.kind == "stub", m.name
        compile(text, str(m.path), "exec")
        exercises = {
            str(cell.metadata["minigrad"]["exercise"])
            for cell in build.read_notebook(SOLUTIONS[m.chapter]).cells
            if (cell.metadata.get("minigrad") or {}).get("role") == "answer"
            and cell.source.startswith(f"#| export {m.name}\n")
        }
        for exercise in exercises:
            assert (
                f'raise NotImplementedError("{build.exercise_message(exercise)} (chapter {m.chapter}' in text
            )
        if exercises:
            assert text != original


def _regions(source: str, begin: str, end: str) -> list[list[str]]:
    found, current = [], None
    for line in source.split("\n"):
        if line.strip() == begin:
            current = []
        elif line.strip() == end:
            found.append(current)
            current = None
        elif current is not None and line.strip():
            current.append(line.strip())
    return found


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # the MNIST files
    if path.suffix == ".ipynb":
        strings: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, str):
                strings.append(value)
            elif isinstance(value, dict | list):
                for item in value.values() if isinstance(value, dict) else value:
                    walk(item)

        walk(json.loads(text))
        text = "\n".join(strings)
    return [line.strip() for line in text.split("\n") if line.strip()]


def answer_text(edition: Path, solved: list[str]) -> list[str]:
    """Every line of an unsolved chapter's solution regions and of every hidden test that the edition holds,
    except lines the committed student copies or the solved chapters' answers (handed out on purpose) hold
    too: anywhere in a file generated for the edition; as two lines in a row in a hand-written file copied
    unchanged from the repository."""
    regions: list[list[str]] = []
    seen = {line for path in (ROOT / "chapters").glob("*.ipynb") for line in _lines(path)}
    for n, path in SOLUTIONS.items():
        for cell in build.read_notebook(path).cells:
            solutions = _regions(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
            if n in solved:
                seen.update(line for region in solutions for line in region)
            else:
                regions += solutions
            regions += _regions(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    secret = [[line for line in region if line not in seen] for region in regions]
    found = []
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        relative = path.relative_to(edition)
        original = ROOT / relative
        copied = (
            relative.parts[0] != "chapters"
            and original.is_file()
            and original.read_bytes() == path.read_bytes()
        )
        lines = _lines(path)
        if copied:
            pairs = set(zip(lines, lines[1:]))
            for region, kept in zip(regions, secret):
                if len(region) == 1 and kept and region[0] in lines:
                    found.append(f"{relative}: {region[0]}")
                found += [
                    f"{relative}: {a} / {b}" for a, b in zip(region, region[1:]) if a in kept and b in kept
                    and (a, b) in pairs
                ]  # fmt: skip
        else:
            every = {line for kept in secret for line in kept}
            found += [f"{relative}: {line}" for line in lines if line in every]
    return found


def test_no_answer_text_and_no_hidden_test_anywhere(edition: Path) -> None:
    assert answer_text(edition, SOLVED) == []
    for path in [*edition.rglob("*.ipynb"), *edition.joinpath("tests").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, path


def student_copy_lines() -> set[str]:
    return {line for path in (ROOT / "chapters").glob("*.ipynb") for line in _lines(path)}


def secret(begin: str, end: str) -> list[list[str]]:
    """The regions of chapter 03 (unsolved in the edition), less the lines the student copies hold."""
    seen = student_copy_lines()
    regions = [r for c in build.read_notebook(SOLUTIONS["03"]).cells for r in _regions(c.source, begin, end)]
    return [[line for line in region if line not in seen] for region in regions]


def test_the_search_finds_answer_text_planted_in_an_edition(edition: Path, tmp_path: Path) -> None:
    """Both searches, this file's and the one release runs before it finishes, must be able to fail."""
    seen = student_copy_lines()
    answer = next(
        (a, b)
        for c in build.read_notebook(SOLUTIONS["03"]).cells
        for r in _regions(c.source, "### BEGIN SOLUTION", "### END SOLUTION")
        for a, b in zip(r, r[1:])
        if a not in seen and b not in seen
    )
    hidden = next(
        line for region in secret("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS") for line in region
    )
    notebooks = {path.name: build.read_notebook(path) for path in SOLUTIONS.values()}
    regions = release.answer_regions(notebooks, set(SOLVED))
    allowed = release.stub_lines(notebooks, set(SOLVED))
    plants = {
        "minigrad/viz/graph.py": "\n".join(answer),  # a copied file: two lines of a solution in a row
        "README.md": hidden,  # a generated file: one line of a hidden test
        "chapters/04_ops.ipynb": answer[1],  # a generated notebook: one line in a cell
    }
    for relative, text in plants.items():
        copy = tmp_path / relative.replace("/", "_")
        shutil.copytree(edition, copy)
        target = copy / relative
        if target.suffix == ".ipynb":
            chapter = build.read_notebook(target)
            chapter.cells[-1].source += "\n" + text
            nbformat.write(chapter, target)
        else:
            target.write_text(target.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")
        copied = {target} if target.suffix == ".py" else set()
        assert answer_text(copy, SOLVED), relative
        with pytest.raises(release.ReleaseError, match="answer text"):
            release.verify(copy, regions, allowed, copied)


def test_a_refused_edition_is_removed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = next(
        line for region in secret("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS") for line in region
    )
    monkeypatch.setattr(release, "readme", lambda *args: f"# minigrad\n\n{hidden}\n")
    with pytest.raises(release.ReleaseError, match="(?s)answer text.*Nothing was handed out"):
        release.release(ROOT, tmp_path / "out", LISTED, SOLVED)
    assert not (tmp_path / "out").exists()


def test_pyproject_and_readme_for_students(edition: Path) -> None:
    project = tomllib.loads((edition / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    assert not any("nbval" in option for option in project["tool"]["pytest"]["ini_options"]["addopts"])
    assert project["project"]["scripts"]["minigrad-course"] == "minigrad_course:main"
    assert project["tool"]["setuptools"]["py-modules"] == ["minigrad_course"]
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && jupyter lab chapters/" in readme
    assert 'pip install -e ".[dev]" && minigrad-course test' in readme
    for n in LISTED:
        assert f"](chapters/{SOLUTIONS[n].name})" in readme


def test_the_editions_own_command_sees_stubs_and_references(edition: Path, tmp_path: Path) -> None:
    result = run_in(edition, "status", overlay=str(tmp_path / "overlay"))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1]: line.split()[2] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert rows["tensor"] == "reference" and rows["function"] == "reference"
    assert rows["autograd"] == "stub" and rows["ops.reductions"] == "stub" and rows["nn.conv"] == "stub"
    assert f"in {edition / 'minigrad'}" in result.stdout


def test_release_refuses_a_folder_in_use_and_unknown_chapters(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(release.ReleaseError, match="not empty"):
        release.release(ROOT, tmp_path / "used", LISTED, [])
    with pytest.raises(release.ReleaseError, match="no chapter 42"):
        release.parse_chapters("03,42", SOLUTIONS)
    assert release.parse_chapters("00-02", SOLUTIONS) == ["00", "01", "02"]


# --- a student of the edition ---------------------------------------------------------------------------


def filled_in(chapter: Path, solution: Path) -> None:
    """The student's chapter after doing every exercise: each answer cell holds the solution's answer."""
    answers = {
        cell.metadata["minigrad"]["grade_id"]: build.strip_solution_markers(cell.source)
        for cell in build.read_notebook(solution).cells
        if (cell.metadata.get("minigrad") or {}).get("role") == "answer"
    }
    nb = build.read_notebook(chapter)
    for cell in nb.cells:
        meta = cell.metadata.get("minigrad") or {}
        if meta.get("role") == "answer":
            cell.source = answers[meta["grade_id"]]
    if not any("live.enable()" in cell.source for cell in nb.cells):
        # Decision 3: every chapter's first code cell turns on live export, so the chapter's own export
        # cells replace the package's stubs as they run. Chapters that do not do it yet get it here.
        first = next(cell for cell in nb.cells if cell.cell_type == "code")
        first.source = "from minigrad.course import live\n\nlive.enable()\n" + first.source
    nbformat.write(nb, chapter)


@pytest.mark.slow
def test_a_student_who_finishes_chapter_03_exports_it_and_chapter_04_runs_on_their_code(
    edition: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "handout"
    shutil.copytree(edition, mine)
    chapters = mine / "chapters"
    filled_in(chapters / SOLUTIONS["04"].name, SOLUTIONS["04"])
    before = run_in(mine, "check", f"chapters/{SOLUTIONS['04'].name}")
    assert before.returncode == 1 and "Exercise 3.3: backward (chapter 03" in before.stdout, before.stdout

    filled_in(chapters / SOLUTIONS["03"].name, SOLUTIONS["03"])
    exported = run_in(mine, "export", SOLUTIONS["03"].name)  # resolved in chapters/, as a chapter's cell does
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert (mine / ".minigrad" / "minigrad" / "autograd.py").is_file()
    status = run_in(mine, "status")
    assert any(line.split()[1:3] == ["autograd", "yours"] for line in status.stdout.splitlines()[1:-1])

    after = run_in(mine, "check", f"chapters/{SOLUTIONS['04'].name}")
    assert after.returncode == 0, after.stdout
    assert "NotImplementedError" not in after.stdout
