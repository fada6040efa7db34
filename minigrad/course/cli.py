"""The `minigrad-course` command: `build` lives here, `grade` and `check` are registered by `grade.py`.

Each subcommand sets `func` with `set_defaults`; `func(args)` returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from minigrad.course.build import SOLUTIONS, BuildError, build


def find_root(start: Path) -> Path:
    """The repository root: the nearest directory holding `solutions/` and `pyproject.toml`.

    Falls back to the directory containing the `minigrad` package (an editable install's checkout).
    """
    for directory in [start, *start.parents]:
        if (directory / SOLUTIONS).is_dir() and (directory / "pyproject.toml").is_file():
            return directory
    return Path(__file__).resolve().parents[2]


def _build(args: argparse.Namespace) -> int:
    root = (args.root or find_root(Path.cwd())).resolve()
    try:
        changed = build(root, check=args.check, execute=args.execute)
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


def _grading_missing(_args: argparse.Namespace) -> int:
    print("minigrad-course: grading is not available: minigrad/course/grade.py is missing", file=sys.stderr)
    return 2


def _register_grading(subparsers: argparse._SubParsersAction) -> None:
    """Add `grade` and `check` from grade.py; if that file is missing, say so instead of 'invalid choice'."""
    try:
        grade = importlib.import_module("minigrad.course.grade")
    except ModuleNotFoundError as error:
        if error.name != "minigrad.course.grade":
            raise
        for name in ("grade", "check"):
            missing = subparsers.add_parser(name, help="unavailable (minigrad/course/grade.py is missing)")
            missing.add_argument("arguments", nargs=argparse.REMAINDER)
            missing.set_defaults(func=_grading_missing)
        return
    grade.register(subparsers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="minigrad-course", description="Build and grade the minigrad course."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)

    build_parser = subparsers.add_parser(
        "build", help=f"regenerate chapters/ and the framework modules of minigrad/ from {SOLUTIONS}/"
    )
    mode = build_parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="write nothing; list files that differ and exit 1 if any do"
    )
    mode.add_argument(
        "--execute",
        action="store_true",
        help=f"first re-execute every notebook in {SOLUTIONS}/ and save outputs",
    )
    build_parser.add_argument(
        "--root", type=Path, help="repository root (default: found by walking up from the current directory)"
    )
    build_parser.set_defaults(func=_build)

    _register_grading(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
