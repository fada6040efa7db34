"""Live export: an export cell you run in a chapter takes effect in the package at once.

Every chapter's first cell calls `live.enable()`. From then on, after a cell whose first line is
`#| export <module>` runs without error, every name the cell defines at top level (functions, classes,
assignments; not imports) replaces the one in `minigrad.<module>`, and every other `minigrad` module that had
imported the old object by name gets the new one too. So `a * b` in chapter 2 runs the `Mul` you just wrote,
and a check of chapter 3 runs your `Tracer`, without exporting and restarting the kernel first.

`minigrad-course export` is what makes your code permanent (it writes your chapter's modules into your
overlay, see minigrad/_overlay.py); `live` only changes the running kernel.

What is not updated: objects made before (a tensor keeps its class), and references that are not module
attributes (a subclass keeps its base class, a default argument keeps its value).
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

EXPORT_RE = re.compile(r"#\|\s*export\s+(?P<module>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*")
PACKAGE = "minigrad"
_ENABLED_FLAG = "_minigrad_live_export"


def export_module(source: str) -> str | None:
    """The module an export cell names on its first line (`#| export nn.modules` -> 'nn.modules'), or None."""
    match = EXPORT_RE.fullmatch(source.lstrip("\n").split("\n", 1)[0])
    return match.group("module") if match else None


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def defined_names(source: str) -> list[str]:
    """Top-level names a cell binds by def, class or assignment (imports are not definitions)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return []
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [name for target in node.targets for name in _target_names(target)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names.append(node.target.id)
    return list(dict.fromkeys(names))


def _rebindable(value: Any) -> bool:
    """Objects whose aliases are safe to follow by identity: not ints or strings, which Python shares."""
    return isinstance(value, type | types.FunctionType) or type(value).__module__.startswith(PACKAGE)


def _package_modules() -> Iterable[types.ModuleType]:
    return [m for name, m in list(sys.modules.items()) if name.startswith(PACKAGE + ".") and m is not None]


def publish(module_name: str, names: Iterable[str], namespace: Mapping[str, Any]) -> list[str]:
    """Put `namespace[name]` into `minigrad.<module_name>` for each name, and into every module that had
    imported the old object by name; return the names published."""
    module = importlib.import_module(f"{PACKAGE}.{module_name}")
    published = []
    for name in names:
        if name not in namespace:
            continue
        new = namespace[name]
        old = module.__dict__.get(name, new)
        setattr(module, name, new)
        published.append(name)
        if old is new or not _rebindable(old):
            continue
        for other in [sys.modules[PACKAGE], *_package_modules()]:
            for attribute, value in list(vars(other).items()):
                if value is old:
                    setattr(other, attribute, new)
    return published


def _after_cell(result: Any) -> None:
    """IPython's post_run_cell callback: publish a successful export cell's definitions."""
    source = getattr(getattr(result, "info", None), "raw_cell", None) or ""
    module = export_module(source)
    if module is None or not getattr(result, "success", False):
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        publish(module, defined_names(source), shell.user_ns)


def enable() -> bool:
    """Make export cells live in this IPython kernel (once); False outside IPython (there are no cells)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if not getattr(shell, _ENABLED_FLAG, False):
        shell.events.register("post_run_cell", _after_cell)
        setattr(shell, _ENABLED_FLAG, True)
    return True
