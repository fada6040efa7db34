"""The student's own minigrad: `minigrad-course export`, `reset` and `status` (COURSE.md §1, "two editions").

`export chapters/03_tracer.ipynb` assembles the chapter's export cells exactly as the build assembles the
package's modules (build.export_modules) and writes them into the student's overlay (minigrad/_overlay.py:
`$MINIGRAD_OVERLAY`, default `.minigrad/` in the repository), whose modules `import minigrad` prefers to the
package's. It first runs the chapter's checks on the saved notebook, as `minigrad-course check` does, and
refuses while one fails. Nothing tracked changes: the notebook is only read, the package's files stay as the
build wrote them, and the overlay folder is ignored by git. The files an export replaces, and the files a
`reset` removes, are moved to `previous/<date-time>/` in the overlay, so no export is ever lost.

Which chapter owns which module comes from the package itself: every framework module starts with a header
naming the notebook it was generated from (`minigrad-course build`), or, in a course edition, whether it is
the reference or a stub (`minigrad-course release`); an exported module's header names the student's notebook.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import re
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import minigrad
from minigrad import _overlay
from minigrad.course import build, live

PACKAGE_DIR = Path(minigrad.__file__).resolve().parent  # the package as installed: never the overlay
ROOT = PACKAGE_DIR.parent  # the repository (or course edition) it was installed from with `pip install -e .`
CHAPTERS = "chapters"
PREVIOUS = "previous"

NOTEBOOK_RE = re.compile(r"(?<![\w./-])/?(?:[\w.-]+/)*(\d\d)_\w*\.ipynb")  # solutions/03_tracer.ipynb
CHAPTER_RE = re.compile(r"(\d{1,2})(?:_\w*)?(?:\.ipynb)?")
EXPORT_TAG = "by `minigrad-course export`"
RELEASE_TAG = "by `minigrad-course release`"
STUB_START = "Stub of "

YOURS, REFERENCE, STUB = "yours", "reference", "stub"


class StudentError(Exception):
    """Something the student can fix; the message says what and how."""


# --- which module is whose --------------------------------------------------------------------------------


def leading_comment(text: str) -> str:
    """The comment lines a module starts with, joined into one line."""
    lines = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return " ".join(lines)


@dataclass(frozen=True)
class Origin:
    """Where a module's code comes from, as its header says."""

    kind: str  # YOURS, REFERENCE or STUB
    chapters: tuple[str, ...]  # "03", from the notebook names in the header
    notebook: str  # the first notebook the header names, as written there

    @property
    def chapter(self) -> str:
        return self.chapters[0]


def origin(text: str) -> Origin | None:
    """Read a module's header; None for a hand-written module."""
    comment = leading_comment(text)
    notebooks = NOTEBOOK_RE.findall(comment)
    first = NOTEBOOK_RE.search(comment)
    if first is None:
        return None
    if EXPORT_TAG in comment:
        kind = YOURS
    elif RELEASE_TAG in comment:
        kind = STUB if comment.startswith(STUB_START) else REFERENCE
    elif build.is_generated(text):
        kind = REFERENCE
    else:
        return None
    return Origin(kind, tuple(dict.fromkeys(notebooks)), first.group(0))


@dataclass(frozen=True)
class Module:
    """A framework module of the package as installed (reference or stub), e.g. `nn.modules` of chapter 05."""

    name: str
    path: Path
    origin: Origin

    @property
    def chapter(self) -> str:
        return self.origin.chapter


def framework_modules(package_dir: Path = PACKAGE_DIR) -> list[Module]:
    """Every module a chapter exports, in chapter order, read from the package's headers."""
    modules = []
    for path in package_dir.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        found = origin(path.read_text(encoding="utf-8"))
        if found is not None and found.kind != YOURS:
            name = ".".join(path.relative_to(package_dir).with_suffix("").parts)
            modules.append(Module(name, path, found))
    return sorted(modules, key=lambda m: (m.chapter, m.name))


def overlay_file(root: Path, module: str) -> Path:
    """Where an overlay (or a folder of previous/) keeps `minigrad.<module>`."""
    return root.joinpath(_overlay.PACKAGE, *module.split(".")).with_suffix(".py")


def new_archive(root: Path) -> Path:
    """A new folder of previous/, named by the time, for the files one command replaces."""
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    folder, n = root / PREVIOUS / stamp, 1
    while folder.exists():
        n += 1
        folder = root / PREVIOUS / f"{stamp}_{n}"
    return folder


def overlay_root() -> Path:
    """The student's overlay folder; a StudentError when the overlay is turned off."""
    root = _overlay.overlay_root()
    if root is None:
        raise StudentError(
            f"the overlay is off ({_overlay.ENV}={os.environ.get(_overlay.ENV)}), so `import minigrad` "
            "uses the package as installed and there is no folder for your modules; "
            f"unset {_overlay.ENV} (or set it to a folder) and try again"
        )
    return root


def chapter_number(text: str) -> str:
    """'3', '03', '03_tracer', 'chapters/03_tracer.ipynb' -> '03'."""
    match = CHAPTER_RE.fullmatch(Path(text).name)
    if match is None:
        raise StudentError(
            f"{text!r} names no chapter: give its number (03) or its notebook (03_tracer.ipynb)"
        )
    return f"{int(match.group(1)):02d}"


def child_env(overlay: Path | None) -> dict[str, str]:
    """The environment for a Python the command starts: this package first on the path, this overlay."""
    env = dict(os.environ)
    env[_overlay.ENV] = str(overlay) if overlay is not None else "off"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def import_problem(overlay: Path | None) -> str | None:
    """Why `import minigrad` fails with this overlay (the end of the traceback), or None if it works."""
    result = subprocess.run(
        [sys.executable, "-c", "import minigrad"],
        env=child_env(overlay),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 0:
        return None
    lines = result.stderr.strip().splitlines()
    return "\n".join(lines[-8:])


# --- export -----------------------------------------------------------------------------------------------


def resolve_notebook(name: str, cwd: Path | None = None) -> Path:
    """A chapter notebook named as a path, or by name ('03_tracer.ipynb', '03_tracer', '03') in the current
    folder or the repository's `chapters/` (so a chapter's last cell can export its own notebook)."""
    cwd = cwd or Path.cwd()
    path = Path(name).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_file():
        return path.resolve()
    wanted = Path(name).name
    found: list[Path] = []
    for folder in dict.fromkeys([cwd, ROOT / CHAPTERS]):
        found += [
            p
            for p in sorted(folder.glob("*.ipynb"))
            if wanted in (p.name, p.stem) or p.name.split("_", 1)[0] == wanted.zfill(2)
        ]
        if found:
            break
    if len(found) == 1:
        return found[0].resolve()
    if found:
        raise StudentError(f"{name!r} could mean {', '.join(p.name for p in found)}: give the file name")
    raise StudentError(f"no notebook {name!r} in {cwd} or {ROOT / CHAPTERS}")


def _label(path: Path) -> str:
    """How headers and messages name a notebook: relative to the repository when it is inside."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def bound_names(source: str) -> list[str]:
    """Names a module binds at top level: definitions, assignments and imports."""
    names: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [name for target in targets for name in _assigned(target)]
    return list(dict.fromkeys(names))


def _assigned(target: ast.expr) -> list[str]:
    """The names an assignment target binds: `a`, `a, (b, c)`, `*rest`; not `Tensor.sum` or `x[0]`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _assigned(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _assigned(element)]
    return []


def export_header(label: str, chapter: str, note: str) -> str:
    text = (
        f"Your code: exported from {label} {EXPORT_TAG} ({note}). To change it, edit the notebook and "
        f"export again; `minigrad-course reset {chapter}` goes back to the package's version."
    )
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


@dataclass
class Plan:
    """What an export would write: the chapter, its notebook, and the source of each of its modules."""

    chapter: str
    notebook: Path
    label: str
    sources: dict[str, str]  # module -> source without a header
    missing: dict[str, list[str]]  # module -> names the package's version defines and this one does not

    def with_header(self, module: str, note: str) -> str:
        return export_header(self.label, self.chapter, note) + self.sources[module]


def plan_export(notebook: Path, modules: list[Module] | None = None) -> Plan:
    """Assemble a chapter's modules from its export cells and compare them with the package's."""
    chapter = chapter_number(notebook.name)
    label = _label(notebook)
    try:
        nb = build.read_notebook(notebook)
        assembled = build.export_modules({label: nb})
    except build.BuildError as error:
        raise StudentError(str(error)) from error
    except Exception as error:  # nbformat raises many kinds for a file that is not a notebook
        raise StudentError(f"{label} cannot be read as a notebook: {error}") from error
    modules = framework_modules() if modules is None else modules
    owned = {m.name: m for m in modules if chapter in m.origin.chapters}
    owner = {m.name: m.chapter for m in modules}
    for name in assembled:
        if name not in owned:
            whose = f"chapter {owner[name]}'s" if name in owner else "not a module of minigrad"
            raise StudentError(f"{label}: `#| export {name}`: {name} is {whose}, not chapter {chapter}'s")
    shared = [m for m in owned.values() if len(m.origin.chapters) > 1]
    if shared:
        raise StudentError(
            f"{shared[0].name} is exported by chapters {' and '.join(shared[0].origin.chapters)}; "
            "a module can be exported only by the one chapter that owns it"
        )
    if not owned:
        raise StudentError(f"chapter {chapter} exports no module of minigrad: there is nothing to export")
    absent = sorted(owned.keys() - assembled.keys())
    if absent:
        raise StudentError(
            f"{label} has no `#| export {absent[0]}` cell, but chapter {chapter} builds minigrad.{absent[0]} "
            "(was the cell deleted, or its first line changed?)"
        )
    header = build.module_header([label])
    sources, missing = {}, {}
    for name, text in assembled.items():
        assert text.startswith(header), "build.export_modules starts every module with module_header"
        sources[name] = text[len(header) :]
        reference = bound_names(owned[name].path.read_text(encoding="utf-8"))
        have = set(bound_names(text))
        missing[name] = [n for n in reference if n not in have]
    return Plan(chapter, notebook, label, sources, {k: v for k, v in missing.items() if v})


def _forget_bytecode(path: Path) -> None:
    """Drop the cached bytecode of a module file, so the next import compiles what is there now.

    Why: the cache is keyed on the source's size and mtime in whole seconds; two exports in the same second
    that differ by one character (`+` for `-`) would otherwise run the older one.
    """
    for cached in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    _forget_bytecode(source)


def write_export(root: Path, plan: Plan, note: str) -> tuple[dict[str, Path], Callable[[], None]]:
    """Write the plan's modules into the overlay, moving the files they replace into a new folder of
    previous/; return those files by module, and a function that undoes it all."""
    archive = new_archive(root)
    kept = {}
    for module in plan.sources:
        current = overlay_file(root, module)
        if current.is_file():
            kept[module] = overlay_file(archive, module)
            _move(current, kept[module])
        current.parent.mkdir(parents=True, exist_ok=True)
        current.write_text(plan.with_header(module, note), encoding="utf-8", newline="\n")
        _forget_bytecode(current)

    def undo() -> None:
        for module in plan.sources:
            current = overlay_file(root, module)
            if module in kept:
                _move(kept[module], current)
            else:
                current.unlink(missing_ok=True)
                _forget_bytecode(current)
        _prune(archive)

    return kept, undo


def _prune(folder: Path) -> None:
    """Remove empty folders from `folder` down (an archive whose files were moved back)."""
    if folder.is_dir():
        for sub in sorted(folder.rglob("*"), reverse=True):
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
        if not any(folder.iterdir()):
            folder.rmdir()


def run_checks(notebook: Path) -> tuple[list[str], int]:
    """Run the chapter's checks as `minigrad-course check` does; return the failures' lines and the count."""
    from minigrad.course import grade

    result = grade.self_check(notebook)
    failures = [
        f"FAIL  {r.check.label} [{r.check.grade_id}]: {r.message}" for r in result.checks if not r.passed
    ]
    if result.status != "ok":
        failures.append(f"note: {result.status}")
    if not result.checks:
        failures.append(f"no checks ran: {result.status}")
    return failures, len(result.checks)


def export(notebook: Path, force: bool = False, out: Callable[[str], None] = print) -> int:
    """`minigrad-course export`: the exit code (0 exported, 1 refused)."""
    root = overlay_root()
    plan = plan_export(notebook)
    out(
        f"Exporting {plan.label} as saved on disk (save the notebook first: changes not saved in "
        "JupyterLab are not exported)."
    )
    missing = [
        f"minigrad.{module} would lack {', '.join(names)}, which the package's version defines "
        "(a deleted or renamed definition, or an export cell whose first line was changed?)"
        for module, names in plan.missing.items()
    ]
    if force:
        note = "--force: checks not run"
        out("--force: the chapter's checks are not run.")
        for problem in missing:
            out(f"warning: {problem}")
    elif missing:
        out("\n".join(f"  {problem}" for problem in missing))
        out("Nothing exported: later chapters use these names. `--force` exports anyway.")
        return 1
    else:
        out(f"Running the checks of chapter {plan.chapter} on a copy of it ...")
        failures, count = run_checks(notebook)
        if failures:
            out("\n".join(f"  {line}" for line in failures))
            out(
                f"Nothing exported: chapter {plan.chapter} must pass all its checks first (`minigrad-course "
                f"check {plan.label}` shows the same). Fix them, save, and export again; "
                "`--force` exports anyway."
            )
            return 1
        note = f"all {count} checks passed"
        out(f"  all {count} checks pass")
    broken_before = import_problem(root)
    kept, undo = write_export(root, plan, note)
    broken_after = import_problem(root)
    if broken_after and not broken_before:
        undo()
        out("Nothing exported: with your modules, `import minigrad` fails:")
        out(textwrap.indent(broken_after, "  "))
        return 1
    out(f"Exported chapter {plan.chapter} into your minigrad ({root}):")
    for module in plan.sources:
        out(f"  minigrad.{module}: {overlay_file(root, module)}")
        if module in kept:
            out(f"    (the export it replaces is kept: {kept[module]})")
    out(
        "From now on `import minigrad` runs your code, in every new kernel and script: restart the kernels "
        f"of open notebooks. `minigrad-course reset {plan.chapter}` goes back to the package's version."
    )
    if broken_after:
        out(f"warning: `import minigrad` still fails, as it did before this export:\n{broken_after}")
    return 0


# --- reset ------------------------------------------------------------------------------------------------


def reset(chapters: Iterable[str] | None, out: Callable[[str], None] = print) -> int:
    """`minigrad-course reset [NN ...]`: move the chapters' exported modules (all, if None) into previous/."""
    root = overlay_root()
    modules = framework_modules()
    wanted = None if chapters is None else {chapter_number(c) for c in chapters}
    names = [m.name for m in modules if wanted is None or m.chapter in wanted]
    if wanted is None and (root / _overlay.PACKAGE).is_dir():  # also modules the package no longer has
        names += [
            ".".join(p.relative_to(root / _overlay.PACKAGE).with_suffix("").parts)
            for p in sorted((root / _overlay.PACKAGE).rglob("*.py"))
            if "__pycache__" not in p.parts
        ]
    archive = new_archive(root)
    moved = []
    for name in dict.fromkeys(names):
        current = overlay_file(root, name)
        if current.is_file():
            _move(current, overlay_file(archive, name))
            moved.append(name)
    which = "any chapter" if wanted is None else "chapter " + ", ".join(sorted(wanted))
    if not moved:
        out(f"Nothing to reset: no module of {which} is exported in {root}.")
        return 0
    kind = {m.name: m.origin.kind for m in modules}
    for name in moved:
        out(f"minigrad.{name}: the package's version again ({kind.get(name, 'gone from the package')})")
    out(
        f"Your exported files are kept in {archive}; copy one back into {root / _overlay.PACKAGE} to use it "
        "again. Restart the kernels of open notebooks."
    )
    return 0


# --- status -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    chapter: str
    module: str
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Status:
    """One row per framework module, and a summary; prints as the `minigrad-course status` table."""

    rows: tuple[Row, ...]
    note: str = ""

    @property
    def yours(self) -> int:
        return sum(row.kind == YOURS for row in self.rows)

    @property
    def summary(self) -> str:
        return f"{self.yours} of {len(self.rows)} modules are yours."

    def __str__(self) -> str:
        width = max((len(row.module) for row in self.rows), default=0)
        lines = [self.note] if self.note else []
        lines += [
            f"  {row.chapter}  {row.module:<{width}}  {row.kind:<9}  {row.detail}".rstrip()
            for row in self.rows
        ]
        return "\n".join([*lines, self.summary])

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]


def _package_row(module: Module) -> Row:
    """The row of a module served by the package: the reference, or a stub saying what to do."""
    if module.origin.kind == STUB:
        detail = f"raises NotImplementedError until you export chapter {module.chapter}"
        return Row(module.chapter, module.name, STUB, detail)
    return Row(module.chapter, module.name, module.origin.kind)


def _time(path: Path) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))


def _exported_detail(path: Path, chapter: str) -> str:
    text = path.read_text(encoding="utf-8")
    found = origin(text)
    detail = f"exported from {found.notebook if found else 'a notebook'}, {_time(path)}"
    notebook = ROOT / found.notebook if found else None  # a label relative to the repository, or absolute
    if notebook is not None and notebook.is_file() and notebook.stat().st_mtime > path.stat().st_mtime:
        detail += " (the notebook was saved since: export again?)"
    try:
        compile(text, str(path), "exec")
    except SyntaxError as error:
        detail += f"; BROKEN: {error.msg} on line {error.lineno}: `minigrad-course reset {chapter}`"
    return detail


def status_on_disk() -> Status:
    """What `import minigrad` will use in a new process: the overlay's files, else the package's."""
    root = _overlay.overlay_root()
    note = "" if root is not None else f"The overlay is off ({_overlay.ENV}=off): minigrad is the package."
    rows = []
    for m in framework_modules():
        file = overlay_file(root, m.name) if root is not None else None
        if file is not None and file.is_file():
            rows.append(Row(m.chapter, m.name, YOURS, _exported_detail(file, m.chapter)))
        else:
            rows.append(_package_row(m))
    return Status(tuple(rows), note)


def _defined_in_notebook(module: types.ModuleType, reference: Path) -> bool:
    """Did a live export cell of a notebook (minigrad.course.live) replace a definition of the module?"""
    own = live.defined_names(reference.read_text(encoding="utf-8"))
    return any(
        isinstance(value, type | types.FunctionType) and value.__module__ == "__main__"
        for name, value in vars(module).items()
        if name in own
    )


def status() -> Status:
    """What this Python runs for each framework module: your exported code, the code of the notebook you are
    running (live export), the reference, or a stub. A chapter shows it with `student.status()`."""
    root = _overlay.overlay_root()
    rows = []
    for m in framework_modules():
        module = sys.modules.get(f"{_overlay.PACKAGE}.{m.name}") or importlib.import_module(
            f"{_overlay.PACKAGE}.{m.name}"
        )
        file = Path(module.__file__ or "").resolve()
        if _defined_in_notebook(module, m.path):
            rows.append(Row(m.chapter, m.name, YOURS, "from this notebook"))
        elif root is not None and file.is_relative_to(root):
            found = origin(file.read_text(encoding="utf-8"))
            rows.append(Row(m.chapter, m.name, YOURS, f"exported from {found.notebook if found else file}"))
        else:
            rows.append(_package_row(m))
    return Status(tuple(rows))


# --- command line -----------------------------------------------------------------------------------------


def _fail(command: str, error: Exception) -> int:
    print(f"minigrad-course {command}: {error}", file=sys.stderr)
    return 2


def export_command(args: argparse.Namespace) -> int:
    try:
        return export(resolve_notebook(args.notebook), force=args.force)
    except StudentError as error:
        return _fail("export", error)


def reset_command(args: argparse.Namespace) -> int:
    try:
        return reset(args.chapters or None)
    except StudentError as error:
        return _fail("reset", error)


def status_command(args: argparse.Namespace) -> int:
    root = _overlay.overlay_root()
    print(f"Your minigrad: the package in {PACKAGE_DIR}" + (f", your modules in {root}" if root else ""))
    print(status_on_disk())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `export`, `reset` and `status` to the `minigrad-course` command (called by cli.py)."""
    export_parser = subparsers.add_parser(
        "export",
        help="make a chapter's code yours: `import minigrad` runs it from then on",
        description="Runs the chapter's checks on your saved notebook and, if all pass, writes its export "
        "cells as minigrad's modules into your overlay (.minigrad/), which `import minigrad` prefers to the "
        "package's. The notebook and the repository are not changed; the files an export replaces are kept "
        "in .minigrad/previous/.",
    )
    export_parser.add_argument(
        "notebook", metavar="NOTEBOOK", help="chapters/03_tracer.ipynb, or 03_tracer.ipynb from its folder"
    )
    export_parser.add_argument("--force", action="store_true", help="export without running the checks")
    export_parser.set_defaults(func=export_command)

    reset_parser = subparsers.add_parser(
        "reset",
        help="go back to the package's modules for a chapter (or all)",
        description="Moves the chapters' exported modules out of your overlay into .minigrad/previous/.",
    )
    reset_parser.add_argument(
        "chapters", nargs="*", metavar="NN", help="chapters (03 or 03_tracer); all if none"
    )
    reset_parser.set_defaults(func=reset_command)

    status_parser = subparsers.add_parser(
        "status", help="which modules of minigrad are yours, the reference, or stubs"
    )
    status_parser.set_defaults(func=status_command)
