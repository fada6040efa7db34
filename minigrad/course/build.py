"""Build `chapters/` and the generated framework modules of `minigrad/` from `solutions/`.

The solution notebooks are the single source of truth (COURSE.md §1-2). A small nbformat build is used
instead of nbdev because the course needs three things together that nbdev does not offer as one layout:
nbgrader-style solution stubs, hidden tests removed from the student copies, and a module collected from
export cells of several chapters under one header. Every step is a small pure function on strings or
notebooks; only `build` touches the disk, so `--check` can run the same code without writing. The cell
convention itself (markers, stubs, hidden tests, metadata) lives in convention.py, shared with the grader.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat
from nbformat import NotebookNode

if __package__:
    from minigrad.course.convention import (
        BEGIN_SOLUTION,
        END_SOLUTION,
        MarkerError,
        cell_meta,
        dumps_notebook,
        exercise_message,
        read_notebook,
        regions,
        strip_hidden_tests,
        strip_solution_markers,
        stub_source,
    )
else:  # `python minigrad/course/build.py`: the sibling file, so a broken `import minigrad` cannot stop it
    from convention import (  # type: ignore[no-redef]
        BEGIN_SOLUTION,
        END_SOLUTION,
        MarkerError,
        cell_meta,
        dumps_notebook,
        exercise_message,
        read_notebook,
        regions,
        strip_hidden_tests,
        strip_solution_markers,
        stub_source,
    )


SOLUTIONS = "solutions"
CHAPTERS = "chapters"
PACKAGE = "minigrad"

HEADER_START = "Generated from "
HEADER_TAG = "by `minigrad-course build`"
LINE_LENGTH = 110  # same as ruff's line-length, so generated headers never need an E501 exception

EXPORT_RE = re.compile(r"#\|\s*export(?:\s+(?P<module>.*?))?\s*")
MODULE_RE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")  # dotted: nn.modules
CHAPTER_RE = re.compile(r"\d\d_.*\.ipynb")
WIDGET_ID_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
WIDGET_REF_RE = re.compile(r"IPY_MODEL_([0-9a-f]{32})")

# One BLAS thread in every kernel the course starts (build --execute, nbval under pytest, the grader): on two
# shared cores, parallel kernels otherwise fight over threads, and stored outputs are reproduced exactly.
ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KERNEL_NAME = "python3"
CELL_TIMEOUT = 600  # seconds per cell when re-executing solutions


class BuildError(Exception):
    """A notebook breaks the cell convention; the message names the notebook and the cell."""


# --- source transformations (pure, on one cell's source) ------------------------------------------------


def _tidy(code: str) -> str:
    """Strip trailing whitespace on every line and blank lines at both ends."""
    return "\n".join(line.rstrip() for line in code.split("\n")).strip("\n")


# --- notebooks ------------------------------------------------------------------------------------------


def _where(name: str, index: int, cell: NotebookNode) -> str:
    return f"{name}: cell {index} (id {cell.get('id', '?')})"


def _chapter_source(cell: NotebookNode, where: str) -> str:
    """The student's version of one code cell: solution regions stubbed, hidden tests removed."""
    meta = cell_meta(cell)
    role = meta.get("role")
    try:
        has_solution = bool(regions(cell.source.split("\n"), BEGIN_SOLUTION, END_SOLUTION))
        if role == "answer":
            if not has_solution:
                raise BuildError(f"{where}: answer cell has no {BEGIN_SOLUTION!r} region")
            if not meta.get("exercise"):
                raise BuildError(
                    f"{where}: answer cell needs metadata.minigrad.exercise (e.g. '2.1 Mul.backward')"
                )
            source = stub_source(cell.source, exercise_message(str(meta["exercise"])))
        elif has_solution:
            raise BuildError(
                f"{where}: has {BEGIN_SOLUTION!r} but metadata.minigrad.role is {role!r}, not 'answer' "
                "(the solution would leak into chapters/)"
            )
        else:
            source = cell.source
        return strip_hidden_tests(source)
    except MarkerError as error:
        raise BuildError(f"{where}: {error}") from error


def make_chapter(nb: NotebookNode, name: str = "notebook") -> NotebookNode:
    """Return the student copy of a solution notebook; `nb` itself is not modified.

    Code cells get stubs instead of solutions, lose their hidden tests, outputs and execution counts; cell
    ids and metadata are kept (the grader matches cells by metadata). The saved widget state is dropped:
    it only describes outputs that the chapter no longer has.
    """
    chapter = copy.deepcopy(nb)
    chapter.metadata.pop("widgets", None)
    for index, cell in enumerate(chapter.cells):
        if cell.cell_type != "code":
            continue
        cell.source = _chapter_source(cell, _where(name, index, cell))
        cell.outputs = []
        cell.execution_count = None
    return chapter


def export_target(cell: NotebookNode, where: str = "cell") -> str | None:
    """The module named by a code cell's `#| export <module>` first line, or None for other cells."""
    if cell.cell_type != "code":
        return None
    match = EXPORT_RE.fullmatch(cell.source.split("\n", 1)[0])
    if match is None:
        return None
    module = match.group("module") or ""
    if not MODULE_RE.fullmatch(module):
        raise BuildError(
            f"{where}: `#| export` needs a module name such as `#| export tensor`, got {module!r}"
        )
    return module


def module_header(notebooks: list[str]) -> str:
    """The comment that opens a generated module, wrapped to the line length."""
    listed = notebooks[0] if len(notebooks) == 1 else ", ".join(notebooks[:-1]) + " and " + notebooks[-1]
    what = "the notebook" if len(notebooks) == 1 else "the notebooks"
    text = f"{HEADER_START}{listed} {HEADER_TAG} — edit {what}, not this file."
    lines = textwrap.wrap(
        text,
        width=LINE_LENGTH,
        initial_indent="# ",
        subsequent_indent="# ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines)


def is_generated(text: str) -> bool:
    """True if a module's leading comment is a build header (so the build may rewrite or delete it)."""
    comment = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        comment.append(line[1:].strip())
    joined = " ".join(comment)
    return joined.startswith(HEADER_START) and HEADER_TAG in joined


def export_modules(notebooks: Mapping[str, NotebookNode]) -> dict[str, str]:
    """Collect the export cells into module sources: chapter order (by notebook name), then cell order.

    `notebooks` maps a notebook's path relative to the repository (e.g. 'solutions/02_function.ipynb') to
    the notebook. Solution markers are dropped, their content is kept.
    """
    cells: dict[str, list[tuple[str, list[ast.stmt]]]] = {}
    sources: dict[str, list[str]] = {}
    for name, nb in sorted(notebooks.items()):
        for index, cell in enumerate(nb.cells):
            where = _where(name, index, cell)
            module = export_target(cell, where)
            if module is None:
                continue
            try:
                code = _tidy(
                    strip_solution_markers(cell.source.split("\n", 1)[1] if "\n" in cell.source else "")
                )
            except MarkerError as error:
                raise BuildError(f"{where}: {error}") from error
            if not code:
                raise BuildError(f"{where}: export cell for {module!r} has no code")
            try:
                body = ast.parse(code).body
            except SyntaxError as error:
                raise BuildError(
                    f"{where}: export cell for {module!r} is not valid Python: {error}"
                ) from error
            cells.setdefault(module, []).append((code, body))
            if name not in sources.setdefault(module, []):
                sources[module].append(name)
    return {module: _join(module_header(sources[module]), cells[module]) for module in sorted(cells)}


def _join(header: str, cells: list[tuple[str, list[ast.stmt]]]) -> str:
    """Join a module's header and cells (code, parsed statements) with the blank lines ruff expects.

    Two blank lines, as between top-level definitions, except one after a cell that ends with imports when
    the next cell starts with a plain statement (isort's rule for the lines after an import block).
    """
    text = header
    previous: list[ast.stmt] = []
    for code, body in cells:
        after_imports = bool(previous) and isinstance(previous[-1], ast.Import | ast.ImportFrom)
        before_definition = bool(body) and isinstance(
            body[0], ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        )
        text += ("\n\n" if after_imports and not before_definition else "\n\n\n") + code
        previous = body
    return text + "\n"


# --- execution ------------------------------------------------------------------------------------------


IGNORE_OUTPUT_TAG = "nbval-ignore-output"
SKIP_TAG = "nbval-skip"  # cells nbval does not run are not run by --execute either
IGNORE_OUTPUT_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# PYTEST_VALIDATE_IGNORE_OUTPUT")


def has_variable_output(cell: NotebookNode) -> bool:
    """A code cell whose output nbval does not compare (tag or comment marker): a timing, a progress bar."""
    if cell.cell_type != "code":
        return False
    if IGNORE_OUTPUT_TAG in cell.get("metadata", {}).get("tags", []):
        return True
    return any(line.strip() in IGNORE_OUTPUT_MARKERS for line in cell.source.split("\n"))


def drop_variable_outputs(nb: NotebookNode) -> NotebookNode:
    """Store nothing for cells marked as having variable output (the execution count stays).

    Why: their text changes on every run (timings, progress-bar rates), so storing it would churn the diff
    and show a reader numbers from some other machine; nbval does not compare them anyway.
    """
    for cell in nb.cells:
        if has_variable_output(cell):
            cell.outputs = []
    return nb


def canonical_widget_ids(nb: NotebookNode) -> NotebookNode:
    """Keep the state of the widgets the stored outputs show, with ids numbered in a deterministic order.

    Why: ipywidgets names every model with a fresh uuid4, so re-executing a notebook with widgets would
    change the file every time even when nothing else did. The order must not depend on the ids themselves:
    displayed widgets in cell order, each followed by the models its state refers to (attributes in name
    order). Models no stored output shows (a progress bar in a cell whose output is not stored, a widget
    that was replaced) are dropped: their state would only carry stale text.
    """
    state = (
        nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    )
    displayed = [
        output["data"]["application/vnd.jupyter.widget-view+json"].get("model_id")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    mapping: dict[str, str] = {}

    def visit(model_id: str | None) -> None:
        if model_id is None or model_id in mapping or model_id not in state:
            return
        mapping[model_id] = f"{len(mapping) + 1:032x}"
        for reference in WIDGET_REF_RE.findall(json.dumps(state[model_id], sort_keys=True)):
            visit(reference)

    for model_id in displayed:
        visit(model_id)
    nb = copy.deepcopy(nb)
    if "widgets" in nb.metadata:
        kept = {model_id: state[model_id] for model_id in mapping}
        if kept:
            nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"] = kept
        else:
            del nb.metadata["widgets"]
    text = WIDGET_ID_RE.sub(lambda m: mapping.get(m.group(), m.group()), dumps_notebook(nb))
    return nbformat.reads(text, as_version=4)


@contextlib.contextmanager
def _kernel_environment(root: Path) -> Iterator[None]:
    """Let kernels import the package under `root` (not some other installed copy, nor a student's overlay),
    with a fixed hash seed and one BLAS thread, as the tests run them (see conftest.py)."""
    fixed = {"PYTHONHASHSEED": "0", "MINIGRAD_OVERLAY": "off", **ONE_BLAS_THREAD}
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", *fixed)}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), saved["PYTHONPATH"]) if p)
    os.environ.update(fixed)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute_notebook(nb: NotebookNode, cwd: Path, name: str = "notebook") -> NotebookNode:
    """Run a copy of `nb` top to bottom in a fresh python3 kernel and return it with its new outputs."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    executed = copy.deepcopy(nb)
    client = NotebookClient(
        executed,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(cwd)}},
        coalesce_streams=True,  # otherwise stdout may be split into chunks differently on each run
        record_timing=False,
        skip_cells_with_tag=SKIP_TAG,  # e.g. a chapter's last cell, which exports the student's work
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        raise BuildError(f"{name}: execution failed:\n{error}") from error
    return canonical_widget_ids(drop_variable_outputs(executed))


# --- the build ------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _sync(files: Mapping[Path, str], check: bool) -> list[Path]:
    """Write the files whose content differs (unless check); return those paths."""
    changed = []
    for path, text in files.items():
        if _read_text(path) != text:
            changed.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="\n")
    return changed


def _module_files(root: Path, modules: Mapping[str, str]) -> dict[Path, str]:
    """Map generated module sources to their paths, refusing to overwrite anything hand-written.

    `nn.modules` lands in `minigrad/nn/modules.py`; the subpackage and its `__init__.py` (a hand-written
    façade that re-exports) must already exist, or the module would not be part of the installed package.
    """
    files = {}
    for module, text in modules.items():
        *packages, name = module.split(".")
        relative = Path(PACKAGE, *packages)
        if packages and not (root / relative / "__init__.py").is_file():
            raise BuildError(
                f"export cells name {module!r}, but {relative.as_posix()}/__init__.py does not exist "
                "(a subpackage's __init__.py is hand-written: create it first)"
            )
        if (root / relative / name).is_dir():
            raise BuildError(
                f"export cells name {module!r}, but {(relative / name).as_posix()}/ is a hand-written package"
            )
        path = root / relative / f"{name}.py"
        existing = _read_text(path)
        if existing is not None and not is_generated(existing):
            raise BuildError(
                f"export cells name {module!r}, but {(relative / name).as_posix()}.py is hand-written "
                "(no build header); delete it if the notebooks should own it from now on"
            )
        files[path] = text
    return files


def _chapter_files(root: Path, notebooks: Mapping[str, NotebookNode]) -> dict[Path, str]:
    return {
        root / CHAPTERS / Path(name).name: dumps_notebook(make_chapter(nb, name))
        for name, nb in notebooks.items()
    }


def _stale(root: Path, expected: Mapping[Path, str]) -> list[Path]:
    """Generated modules no export cell names any more, and chapters whose solution is gone."""
    modules = [
        path
        for path in sorted((root / PACKAGE).rglob("*.py"))
        if path not in expected and is_generated(path.read_text(encoding="utf-8"))
    ]
    chapters = [
        path
        for path in sorted((root / CHAPTERS).glob("*.ipynb"))
        if path not in expected and CHAPTER_RE.fullmatch(path.name)
    ]
    return modules + chapters


def select_chapters(paths: list[Path], selectors: list[str]) -> list[Path]:
    """The solution notebooks named by `selectors`: '03', '03_tracer', '03_tracer.ipynb' or a path to one."""
    chosen = []
    for selector in selectors:
        name = Path(selector).name
        matches = [p for p in paths if name in (p.name, p.stem) or p.name.split("_", 1)[0] == name]
        if not matches:
            known = ", ".join(p.stem for p in paths)
            raise BuildError(f"--chapter {selector!r} names no notebook in {SOLUTIONS}/ (there are: {known})")
        chosen += [p for p in matches if p not in chosen]
    return sorted(chosen)


def build(
    root: Path, check: bool = False, execute: bool = False, chapters: list[str] | None = None
) -> list[Path]:
    """Regenerate modules and chapters under `root`; return the paths that changed (or, with check, drifted).

    With `execute`, the generated modules are brought up to date first (later chapters import them), then
    the solutions are re-executed in chapter order (only those `chapters` names, if given) and saved with
    their new outputs.
    """
    root = Path(root).resolve()
    if check and execute:
        raise ValueError("check and execute exclude each other: --check never writes")
    if chapters and not execute:
        raise ValueError("chapters selects what --execute runs; without --execute everything is regenerated")
    solution_dir = root / SOLUTIONS
    if not solution_dir.is_dir():
        raise BuildError(f"no {SOLUTIONS}/ directory under {root}: is this the repository root?")
    paths = sorted(solution_dir.glob("*.ipynb"))
    notebooks = {f"{SOLUTIONS}/{path.name}": read_notebook(path) for path in paths}
    to_execute = select_chapters(paths, chapters) if chapters else paths
    # Everything is generated, so every notebook validated, before anything is executed or written.
    modules = _module_files(root, export_modules(notebooks))
    chapter_files = _chapter_files(root, notebooks)

    changed: list[Path] = []
    if execute:
        changed += _sync(modules, check=False)
        with _kernel_environment(root):
            for path, name in zip(paths, list(notebooks), strict=True):
                if path not in to_execute:
                    continue
                notebooks[name] = execute_notebook(notebooks[name], solution_dir, name)
                changed += _sync({path: dumps_notebook(notebooks[name])}, check=False)
        chapter_files = _chapter_files(root, notebooks)  # execution updates notebook metadata (language_info)
    expected = {**modules, **chapter_files}
    changed += [path for path in _sync(expected, check) if path not in changed]
    for path in _stale(root, expected):
        changed.append(path)
        if not check:
            path.unlink()
    return changed


def find_root(start: Path) -> Path:
    """The repository root: the nearest directory holding `solutions/` and `pyproject.toml`.

    Falls back to the directory containing the `minigrad` package (an editable install's checkout).
    """
    for directory in [start, *start.parents]:
        if (directory / SOLUTIONS).is_dir() and (directory / "pyproject.toml").is_file():
            return directory
    return Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="write nothing; list files that differ and exit 1 if any do"
    )
    mode.add_argument(
        "--execute",
        action="store_true",
        help=f"first re-execute the notebooks in {SOLUTIONS}/ and save their outputs",
    )
    parser.add_argument(
        "--chapter",
        action="append",
        metavar="NN",
        help="with --execute: re-execute only this chapter ('03', '03_tracer' or a path; repeatable); "
        "everything generated is still brought up to date",
    )
    parser.add_argument(
        "--root", type=Path, help="repository root (default: found by walking up from the current directory)"
    )


def run(args: argparse.Namespace) -> int:
    """`minigrad-course build`; returns the exit code."""
    root = (args.root or find_root(Path.cwd())).resolve()
    if args.chapter and not args.execute:
        print("minigrad-course build: --chapter needs --execute (it selects what runs)", file=sys.stderr)
        return 2
    try:
        changed = build(root, check=args.check, execute=args.execute, chapters=args.chapter)
    except BuildError as error:
        print(f"minigrad-course build: {error}", file=sys.stderr)
        return 1
    for path in changed:
        relative = path.relative_to(root).as_posix()
        if args.check:
            print(relative)
        else:
            print(f"{'wrote' if path.exists() else 'removed'} {relative}")
    if args.check and changed:
        print(
            f"minigrad-course build --check: {len(changed)} generated file(s) differ from {SOLUTIONS}/; "
            "run `minigrad-course build` (never edit generated files by hand)",
            file=sys.stderr,
        )
        return 1
    if not changed:
        print("up to date")
    return 0


if __name__ == "__main__":
    # `python minigrad/course/build.py` needs only this file and nbformat, so it still works when a generated
    # module is broken and `import minigrad` (which the console script needs) fails.
    _parser = argparse.ArgumentParser(prog="python minigrad/course/build.py", description=__doc__)
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
