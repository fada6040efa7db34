"""`minigrad-course release OUT --chapters 00-04 [--solved 00-02]`: the course edition to hand out.

The repository is the self-study edition: the reference package fills in for every chapter a student has not
exported, so a stuck student can go on. A course edition holds no answers instead:

- the listed chapters, unsolved ones as the student copies of `chapters/`, solved ones with their answers;
- a package in which every module of an unsolved chapter, listed or not, is a stub: the chapter's export cells
  with each solution region replaced by a `NotImplementedError` naming the exercise and the chapter (so
  importing the reference gives nothing); solved chapters' modules are the reference;
- the engine tests (test modules with chapter markers, run by `minigrad-course test`), the launcher,
  pyproject.toml, environment.yml, .gitignore, and a student README;
- no `solutions/`, no hidden test, no course-infrastructure test.

Before it finishes, the release imports its own package and searches every file it wrote for every line of an
unsolved solution region and of a hidden test; it fails rather than hand out answers.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from minigrad.course import build, convention, student, testing

PACKAGE = build.PACKAGE
COPIED = [".gitignore", "environment.yml", "conftest.py", "minigrad_course.py"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
PYTEST_SECTION_RE = re.compile(r"(?ms)^\[tool\.pytest\.ini_options\]\n.*?^(?=markers = \[)")
PYTEST_SECTION = """\
[tool.pytest.ini_options]
# The engine tests, run on your own minigrad; `minigrad-course test` groups them by chapter.
testpaths = ["tests"]
addopts = ["--strict-markers", "-ra"]
xfail_strict = true
"""


class ReleaseError(Exception):
    """The edition cannot be written as asked; the message says why."""


# --- which chapters -------------------------------------------------------------------------------------


def parse_chapters(spec: str, known: Iterable[str]) -> list[str]:
    """'00-04', '1,3', '03_tracer' -> chapter numbers, each of which must be a notebook of the course."""
    known = sorted(known)
    try:
        chosen = testing.parse_chapters([spec])
    except student.StudentError as error:
        raise ReleaseError(str(error)) from error
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise ReleaseError(
            f"no chapter {', '.join(unknown)} in {build.SOLUTIONS}/ (there are {', '.join(known)})"
        )
    return chosen


# --- notebooks ------------------------------------------------------------------------------------------


def _number(name: str) -> str:
    return student.chapter_number(name)


def stub_message(exercise: str, name: str, listed: bool) -> str:
    """What a stubbed package function says when called: the exercise, the chapter, and what to do."""
    if listed:
        where = f"chapter {_number(name)}: finish chapters/{name}, then export it"
        return f"{convention.exercise_message(exercise)} ({where})"
    return f"{convention.exercise_message(exercise)} (chapter {_number(name)}, not part of this edition)"


def stubbed_solution(nb: NotebookNode, name: str, listed: bool) -> NotebookNode:
    """The solution with every exported answer stubbed: the source of an unsolved chapter's modules."""
    stubbed = copy.deepcopy(nb)
    for cell in stubbed.cells:
        meta = cell.get("metadata", {}).get("minigrad") or {}
        if cell.cell_type == "code" and meta.get("role") == "answer":
            message = stub_message(str(meta.get("exercise", "")), name, listed)
            try:
                cell.source = convention.stub_source(cell.source, message)
            except convention.MarkerError as error:
                raise ReleaseError(f"{name}: {error}") from error
    return stubbed


def solved_chapter(nb: NotebookNode, name: str) -> NotebookNode:
    """A chapter with its answers and without hidden tests, outputs or execution counts."""
    chapter = copy.deepcopy(nb)
    chapter.metadata.pop("widgets", None)
    for cell in chapter.cells:
        if cell.cell_type != "code":
            continue
        try:
            cell.source = convention.strip_hidden_tests(convention.strip_solution_markers(cell.source))
        except convention.MarkerError as error:
            raise ReleaseError(f"{name}: {error}") from error
        cell.outputs = []
        cell.execution_count = None
    return chapter


def _header(text: str) -> str:
    return "\n".join(
        textwrap.wrap(
            text,
            width=build.LINE_LENGTH,
            initial_indent="# ",
            subsequent_indent="# ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def module_header(name: str, solved: bool, listed: bool) -> str:
    """The header of an edition's module; minigrad.course.student.origin reads reference or stub from it."""
    if solved:
        return _header(f"Reference code of {name}, generated {student.RELEASE_TAG}: solved in this edition.")
    if listed:
        return _header(
            f"{student.STUB_START}{name}, generated {student.RELEASE_TAG}: its exercises raise "
            f"NotImplementedError until you finish chapters/{name} and run `minigrad-course export "
            f"chapters/{name}`."
        )
    return _header(
        f"{student.STUB_START}{name}, generated {student.RELEASE_TAG}: the chapter is not part of this "
        "edition, and its exercises raise NotImplementedError."
    )


def edition_modules(
    notebooks: Mapping[str, NotebookNode], solved: set[str], listed: set[str]
) -> dict[str, str]:
    """Module name -> source: solved chapters' reference code, everything else stubbed."""
    modules: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name, nb in sorted(notebooks.items()):
        number = _number(name)
        source = nb if number in solved else stubbed_solution(nb, name, number in listed)
        try:
            assembled = build.export_modules({name: source})
        except build.BuildError as error:
            raise ReleaseError(str(error)) from error
        header = build.module_header([name])
        for module, text in assembled.items():
            if module in owner:
                raise ReleaseError(
                    f"{module} is exported by {owner[module]} and {name}: one chapter per module"
                )
            owner[module] = name
            modules[module] = module_header(name, number in solved, number in listed) + text[len(header) :]
    return modules


def chapter_title(nb: NotebookNode, name: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.split("\n", 1)[0][2:].strip()
    return name


# --- answer text ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """The lines of a solution region of an unsolved chapter, or of a hidden test (stripped, no blanks)."""

    where: str
    lines: tuple[str, ...]


def _regions(source: str, begin: str, end: str) -> list[tuple[str, ...]]:
    lines = source.split("\n")
    return [
        tuple(lines[i].strip() for i in range(a + 1, b) if lines[i].strip())
        for a, b in convention.regions(lines, begin, end)
    ]


def answer_regions(notebooks: Mapping[str, NotebookNode], solved: set[str]) -> list[Region]:
    """What an edition must not contain: the solution regions of its unsolved chapters, every hidden test."""
    regions = []
    for name, nb in sorted(notebooks.items()):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.get("metadata", {}).get("minigrad") or {}
            what = f"{name}, {meta.get('exercise') or meta.get('grade_id') or 'a cell'}"
            if _number(name) not in solved:
                found = _regions(cell.source, convention.BEGIN_SOLUTION, convention.END_SOLUTION)
                regions += [Region(f"{what}: solution", lines) for lines in found if lines]
            found = _regions(cell.source, convention.BEGIN_HIDDEN, convention.END_HIDDEN)
            regions += [Region(f"{what}: hidden test", lines) for lines in found if lines]
    return regions


def stub_lines(notebooks: Mapping[str, NotebookNode], solved: AbstractSet[str] = frozenset()) -> set[str]:
    """The lines an edition may hold: those of the student copies (a line of an answer that they contain
    anyway, `return out`, is no answer text) and of the answers of its solved chapters, which it hands out on
    purpose (`return ga, gb` answers Mul.backward there, and MatMul.backward in a later, unsolved chapter)."""
    allowed = {
        line.strip()
        for name, nb in notebooks.items()
        for cell in build.make_chapter(nb, name).cells
        for line in cell.source.split("\n")
    }
    for name, nb in notebooks.items():
        if _number(name) in solved:
            for cell in nb.cells:
                for region in _regions(cell.source, convention.BEGIN_SOLUTION, convention.END_SOLUTION):
                    allowed.update(region)
    return allowed


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def file_lines(path: Path) -> list[str]:
    """The stripped, non-blank lines of a text file; of a notebook, those of every string in it (sources,
    outputs, metadata); none of a binary file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    if path.suffix == ".ipynb":
        text = "\n".join(_strings(json.loads(text)))
    return [line.strip() for line in text.split("\n") if line.strip()]


def copied_runs(lines: list[str], regions: Iterable[Region], allowed: set[str]) -> list[tuple[str, Region]]:
    """Each region whose answer text a file repeats: two of its lines in a row that the student copies do not
    hold, or the line of a one-line region."""
    pairs = set(zip(lines, lines[1:]))
    found = []
    for region in regions:
        answer = [line not in allowed for line in region.lines]
        if len(region.lines) == 1 and answer[0] and region.lines[0] in lines:
            found.append((region.lines[0], region))
            continue
        for i in range(len(region.lines) - 1):
            pair = (region.lines[i], region.lines[i + 1])
            if answer[i] and answer[i + 1] and pair in pairs:
                found.append((" / ".join(pair), region))
                break
    return found


def find_answers(out: Path, regions: list[Region], allowed: set[str], copied: set[Path]) -> list[str]:
    """'file: text (where it comes from)' for answer text in the files under `out`.

    A line the student copies hold too (`return out`) is never answer text. A file the edition generates
    from the notebooks (chapters, framework modules, README) must not hold a single other line of a region.
    A hand-written file copied unchanged from the repository (the rest of the package, the engine tests)
    must not repeat two such lines of a region in a row (or the line of a one-line region): one line such as
    `for p in model.parameters():` in a test of the same behaviour is a coincidence, a pasted reference
    implementation is not.
    """
    forbidden = {line: region for region in regions for line in region.lines if line not in allowed}
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        lines = file_lines(path)
        relative = path.relative_to(out).as_posix()
        if path in copied:
            hits = copied_runs(lines, regions, allowed)
        else:
            hits = [(line, forbidden[line]) for line in dict.fromkeys(lines) if line in forbidden]
        found += [f"{relative}: {text!r} ({region.where})" for text, region in hits]
    return found


# --- the release ----------------------------------------------------------------------------------------


def _pyproject(root: Path) -> str:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    text, count = PYTEST_SECTION_RE.subn(PYTEST_SECTION, text)
    if count != 1:
        raise ReleaseError(
            "pyproject.toml: no [tool.pytest.ini_options] section ending in `markers = [` to replace; "
            "update minigrad/course/release.py to the new layout"
        )
    return text


def readme(titles: Mapping[str, str], listed: list[tuple[str, str]], solved: AbstractSet[str]) -> str:
    what = {True: "solved: read and run it", False: "yours to do"}
    rows = "\n".join(
        f"| {number} | [{titles[number]}](chapters/{name}) | {what[number in solved]} |"
        for number, name in listed
    )
    return f"""\
# minigrad — build a deep-learning framework, one notebook at a time

In these Jupyter chapters you write, piece by piece, a small autograd and neural-network library with
PyTorch's names, and every chapter you finish becomes part of *your* `minigrad`: the package the next chapter
imports is the one you wrote.

## Start

```bash
pip install -e . && jupyter lab chapters/
```

Run the tests on your minigrad (a table with one row per chapter; chapters you have not done yet fail):

```bash
pip install -e ".[dev]" && minigrad-course test
```

Python ≥ 3.10 and NumPy ≥ 2. With conda instead of pip:
`conda env create -f environment.yml && conda activate minigrad-course`.

## Chapters

| # | chapter | |
|---|---|---|
{rows}

## How your work becomes your minigrad

Each exercise is followed by a check cell that says what is wrong in your terms. Until you do a chapter, its
part of `minigrad` is a stub that raises `NotImplementedError` naming the exercise.

- `minigrad-course check chapters/03_tracer.ipynb` runs a chapter's checks on a copy of your saved notebook.
- `minigrad-course export chapters/03_tracer.ipynb` (or the chapter's last cell) makes the chapter's code
  yours: once every check passes, its export cells become modules of your minigrad (in `.minigrad/`, which
  `import minigrad` prefers), used by every later chapter, script and fresh kernel. Save the notebook first.
  Your notebook is never changed, and an export replaced is kept in `.minigrad/previous/`.
- `minigrad-course status` shows, for each module, whether it is yours, the reference, or still a stub.
- `minigrad-course test --chapter 03` runs chapter 03's engine tests (gradient checks, properties) on your
  code.
- `minigrad-course reset 03` goes back to the package's version of chapter 03 (your export is kept).
"""


def _copy_package(root: Path, out: Path, modules: Mapping[str, str]) -> list[Path]:
    """Copy the hand-written files of the package as they are, and write the edition's modules where the
    generated ones were; return the files copied."""
    copied: list[Path] = []

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(IGNORED(folder, names))
        for name in names:
            path = Path(folder) / name
            if (
                path.suffix == ".py"
                and path.is_file()
                and build.is_generated(path.read_text(encoding="utf-8"))
            ):
                skipped.add(name)
        return skipped

    def copy(source: str, target: str) -> str:
        copied.append(Path(target))
        return shutil.copy2(source, target)

    shutil.copytree(root / PACKAGE, out / PACKAGE, ignore=ignore, copy_function=copy)
    for module, text in modules.items():
        path = out.joinpath(PACKAGE, *module.split(".")).with_suffix(".py")
        if not path.parent.is_dir():
            raise ReleaseError(f"{module}: its package {path.parent.relative_to(out)} is not in {PACKAGE}/")
        path.write_text(text, encoding="utf-8", newline="\n")
    return copied


def release(root: Path, out: Path, chapters: list[str], solved: list[str]) -> list[Path]:
    """Write the course edition into `out` (which must not exist or be empty); return the files written."""
    root, out = root.resolve(), out.resolve()
    solutions = root / build.SOLUTIONS
    if not solutions.is_dir():
        raise ReleaseError(f"no {build.SOLUTIONS}/ under {root}: run this in the course repository")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not empty: give a new folder")
    paths = {p.name: p for p in sorted(solutions.glob("[0-9][0-9]_*.ipynb"))}
    notebooks = {name: convention.read_notebook(path) for name, path in paths.items()}
    names = {_number(name): name for name in notebooks}
    listed, solved_set = set(chapters), set(solved)
    missing = sorted((listed | solved_set) - names.keys())
    if missing:
        raise ReleaseError(f"no chapter {', '.join(missing)} in {build.SOLUTIONS}/")
    modules = edition_modules(notebooks, solved_set, listed)
    chapter_files = {
        f"{build.CHAPTERS}/{names[n]}": convention.dumps_notebook(
            solved_chapter(notebooks[names[n]], names[n])
            if n in solved_set
            else build.make_chapter(notebooks[names[n]], names[n])
        )
        for n in sorted(listed)
    }
    titles = {n: chapter_title(notebooks[names[n]], names[n]) for n in names}

    out.mkdir(parents=True, exist_ok=True)
    try:
        copied = _write_edition(root, out, modules, chapter_files, listed)
        (out / "README.md").write_text(
            readme(titles, [(n, names[n]) for n in sorted(listed)], solved_set),
            encoding="utf-8",
            newline="\n",
        )
        verify(out, answer_regions(notebooks, solved_set), stub_lines(notebooks, solved_set), copied)
    except ReleaseError as error:
        shutil.rmtree(out)  # it was empty: never leave a refused edition, answers and all, lying around
        raise ReleaseError(f"{error}\nNothing was handed out: {out} is removed again.") from error
    except BaseException:
        shutil.rmtree(out)
        raise
    return sorted(p for p in out.rglob("*") if p.is_file())


def _write_edition(
    root: Path, out: Path, modules: Mapping[str, str], chapter_files: Mapping[str, str], listed: set[str]
) -> set[Path]:
    """Write everything but the README; return the files copied unchanged from the repository."""
    copied = _copy_package(root, out, modules)
    for relative, text in chapter_files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8", newline="\n")
    (out / "tests").mkdir()
    for test in testing.engine_test_files(root / "tests", listed):
        copied.append(Path(shutil.copy2(test, out / "tests" / test.name)))
    if (root / "tests" / "data").is_dir():  # what the engine tests compare with (PyTorch's recorded results)
        shutil.copytree(root / "tests" / "data", out / "tests" / "data")
        copied.extend(p for p in (out / "tests" / "data").rglob("*") if p.is_file())
    for name in COPIED:
        if (root / name).is_file():
            copied.append(Path(shutil.copy2(root / name, out / name)))
    (out / "pyproject.toml").write_text(_pyproject(root), encoding="utf-8", newline="\n")
    return set(copied)


def verify(out: Path, regions: list[Region], allowed: set[str], copied: set[Path]) -> None:
    """Refuse an edition that holds answer text or whose package does not import."""
    found = find_answers(out, regions, allowed, copied)
    if found:
        shown = "\n  ".join(found[:20]) + (f"\n  ... and {len(found) - 20} more" if len(found) > 20 else "")
        raise ReleaseError(f"answer text in the edition:\n  {shown}")
    result = subprocess.run(
        [sys.executable, "-B", "-c", "import minigrad"],  # -B: no __pycache__ left in the edition
        cwd=out,
        env={**student.child_env(None), "PYTHONPATH": str(out)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ReleaseError(f"the edition's package does not import:\n{result.stderr.strip()[-2000:]}")


# --- command line ---------------------------------------------------------------------------------------


def release_command(args: argparse.Namespace) -> int:
    root = (args.root or build.find_root(Path.cwd())).resolve()
    try:
        known = [_number(p.name) for p in (root / build.SOLUTIONS).glob("[0-9][0-9]_*.ipynb")]
        chapters = parse_chapters(args.chapters, known)
        solved = parse_chapters(args.solved, known) if args.solved else []
        files = release(root, args.out, chapters, solved)
    except ReleaseError as error:
        print(f"minigrad-course release: {error}", file=sys.stderr)
        return 1
    unsolved = [c for c in chapters if c not in solved]
    print(f"wrote {len(files)} files into {args.out.resolve()}")
    print(f"  chapters {', '.join(chapters)}" + (f"; solved: {', '.join(solved)}" if solved else ""))
    print(f"  stubbed: every module of chapters other than {', '.join(solved) or 'none'}")
    print(f"  checked: the package imports; no line of a solution of chapter(s) {', '.join(unsolved) or '-'} "
          "or of a hidden test is in any file")  # fmt: skip
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `release` to the `minigrad-course` command (called by cli.py)."""
    parser = subparsers.add_parser(
        "release",
        help="write the course edition to hand out: chapters, stubbed package, tests, no answers",
        description="Writes OUT: the listed chapters (solved ones with answers), a package whose unsolved "
        "chapters are stubs, the engine tests, a student README; no solutions/, hidden tests or answers.",
    )
    parser.add_argument("out", type=Path, metavar="OUT", help="a new folder")
    parser.add_argument(
        "--chapters", required=True, metavar="NN-MM", help="chapters to hand out: 00-04 or 0,1,3"
    )
    parser.add_argument("--solved", metavar="NN-MM", help="chapters handed out with their answers: 00-02")
    parser.add_argument(
        "--root", type=Path, help="the course repository (default: found from the current folder)"
    )
    parser.set_defaults(func=release_command)
