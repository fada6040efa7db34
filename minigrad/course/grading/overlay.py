"""The package a submission is graded against: the graded chapter's own modules replaced by their stubs.

Issue 9: a submission whose answers merely import the reference (`from minigrad.autograd import Tracer`) must
not get the reference's marks. The grader writes, per submission, the modules the graded notebook exports as
the student copy has them (solution regions replaced by `raise NotImplementedError(...)`), built by the same
functions as `minigrad-course build`, into an overlay folder that the kernel imports first
(`MINIGRAD_OVERLAY`, see minigrad/_overlay.py). Every other chapter's modules stay the reference. Each answer
cell that runs replaces its stub in the package live, as in the student's own notebook: chapters call
`live.enable()` in their first cell, and the grader's guard calls it too before the first cell (it is
idempotent), so a chapter that forgot it does not grade its honest students against stubs.
"""

from __future__ import annotations

from pathlib import Path

from nbformat import NotebookNode

from minigrad.course import build


def stub_modules(solution: NotebookNode, name: str, siblings: dict[str, NotebookNode]) -> dict[str, str]:
    """Module name -> source of each module the notebook `name` exports, with its answers stubbed.

    `siblings` are the other solution notebooks (by name), so a module that several chapters export keeps
    their cells; only the modules `name` exports are returned.
    """
    chapter = build.make_chapter(solution, name)
    own = build.export_modules({name: solution})
    modules = build.export_modules({**siblings, name: chapter})
    return {module: modules[module] for module in own}


def write_overlay(folder: Path, modules: dict[str, str]) -> dict[str, Path]:
    """Write `folder/minigrad/<module path>.py` for each module; return module name -> file written."""
    written = {}
    for module, text in modules.items():
        path = folder.joinpath(build.PACKAGE, *module.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[module] = path
    return written
