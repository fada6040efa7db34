"""The student's overlay: modules exported from a student's chapters shadow the reference modules.

`minigrad-course export chapters/03_tracer.ipynb` writes the student's own `minigrad/autograd.py` into the
overlay folder. The finder installed here is consulted before Python's own, and serves a `minigrad.*` module
from the overlay whenever the overlay has a file for it; everything else comes from the package as
installed. So `import minigrad` (in a later chapter, a fresh kernel, a script) runs the student's code, while
the files of the repository never change.

Where the overlay is: `$MINIGRAD_OVERLAY` if set (`off` turns it off: the test suite, `build --execute` and
the grader use the reference or their own overlay), otherwise `.minigrad/` beside the `minigrad` package
folder, i.e. in the root of the repository the package was installed from with `pip install -e .`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from importlib.machinery import ModuleSpec, SourceFileLoader
from pathlib import Path
from types import ModuleType

ENV = "MINIGRAD_OVERLAY"
OFF = frozenset({"", "0", "off", "no", "none", "false"})
PACKAGE = "minigrad"


def overlay_root() -> Path | None:
    """The folder holding the overlay's `minigrad/` tree, or None when the overlay is off."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / ".minigrad"


class OverlayLoader(SourceFileLoader):
    """Runs an overlay module; if it fails, the error names the file and the command that undoes the export.

    Why: one broken export breaks every `import minigrad`, and Python's own traceback ends deep inside it.
    """

    def exec_module(self, module: ModuleType) -> None:
        try:
            super().exec_module(module)
        except Exception as error:
            with open(self.path, encoding="utf-8", errors="replace") as file:
                chapter = re.search(r"\b(\d\d)_\w*\.ipynb", file.read(1000))
            reset = f"minigrad-course reset {chapter.group(1) if chapter else ''}".rstrip()
            raise ImportError(
                f"{self.path}, your exported {module.__name__}, does not import: {type(error).__name__}: "
                f"{error}. Fix the notebook and export it again, or run `{reset}` to go back to the "
                "package's version.",
                name=module.__name__,
                path=self.path,
            ) from error


class OverlayFinder:
    """A meta-path finder for `minigrad.<module>` files present in the overlay (never for packages)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if not fullname.startswith(PACKAGE + "."):
            return None
        file = self.root.joinpath(*fullname.split(".")).with_suffix(".py")
        if not file.is_file():
            return None
        return importlib.util.spec_from_file_location(
            fullname, file, loader=OverlayLoader(fullname, str(file))
        )

    def __repr__(self) -> str:
        return f"OverlayFinder({str(self.root)!r})"


def install() -> OverlayFinder | None:
    """Put the overlay's finder first on sys.meta_path (once); return it, or None when the overlay is off."""
    for finder in sys.meta_path:
        if isinstance(finder, OverlayFinder):
            return finder
    root = overlay_root()
    if root is None:
        return None
    finder = OverlayFinder(root)
    sys.meta_path.insert(0, finder)
    return finder


def overlaid(module_name: str) -> Path | None:
    """The overlay file serving `minigrad.<module_name>`, if the overlay is on and has one."""
    root = overlay_root()
    if root is None:
        return None
    file = root.joinpath(PACKAGE, *module_name.split(".")).with_suffix(".py")
    return file if file.is_file() else None
