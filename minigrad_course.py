"""The `minigrad-course` command starts here, without the student's overlay.

`import minigrad` puts the student's exported modules (minigrad/_overlay.py) before the package's. If one of
them is broken, every import of minigrad fails, and a command that lives in the package could not even start
to undo it. So the command's own process imports minigrad with the overlay off; the environment is then put
back as it was, so the kernels and test runs the command starts (check, export, test) see the student's
overlay. This file must stay outside the `minigrad` package: importing anything inside it runs
`minigrad/__init__.py` first.
"""

from __future__ import annotations

import os
import sys

OVERLAY = "MINIGRAD_OVERLAY"  # minigrad._overlay.ENV, which cannot be imported before this runs


def main(argv: list[str] | None = None) -> int:
    saved = os.environ.get(OVERLAY)
    os.environ[OVERLAY] = "off"
    try:
        from minigrad.course import cli
    finally:
        if saved is None:
            del os.environ[OVERLAY]
        else:
            os.environ[OVERLAY] = saved
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
