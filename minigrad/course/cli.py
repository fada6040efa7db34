"""The `minigrad-course` command: `build` comes from build.py, `grade` and `check` from grading/commands.py.

Each subcommand sets `func` with `set_defaults`; `func(args)` returns the process exit code.
"""

from __future__ import annotations

import argparse
import sys

from minigrad.course import build, release, student, testing
from minigrad.course.build import SOLUTIONS
from minigrad.course.grading import commands as grading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="minigrad-course", description="Build and grade the minigrad course."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)

    build_parser = subparsers.add_parser(
        "build", help=f"regenerate chapters/ and the framework modules of minigrad/ from {SOLUTIONS}/"
    )
    build.add_arguments(build_parser)
    build_parser.set_defaults(func=build.run)
    grading.register(subparsers)
    student.register(subparsers)
    testing.register(subparsers)
    release.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
