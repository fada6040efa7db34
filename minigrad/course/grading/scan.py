"""Reading code without running it: the names the instructor's cells import, and what answer cells do that an
honest answer never needs.

The findings on answer cells are for the instructor to review (they go into the `status` column as
`flagged: ...`); they never change a score. An honest answer to a framework exercise uses NumPy, a few
standard modules and its own chapter's names; switching off a check, reading the grader's files or attacking
the kernel needs `get_ipython`, `sys.modules`, frames, `open`, `os`, `subprocess`, ... and that is what is
flagged. Only the standard library and IPython's input transformer (for `%magics`) are used.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any, TypeGuard

# Modules an answer may import without comment (besides minigrad's own modules and whatever the
# instructor's notebook imports itself).
ORDINARY_MODULES = frozenset(
    "__future__ abc array bisect cmath collections contextlib copy dataclasses enum functools heapq "
    "itertools math numbers numpy operator random statistics string textwrap time typing warnings "
    "weakref".split()
)
SUSPICIOUS_CALLS = {
    "get_ipython": "uses get_ipython",
    "__import__": "uses __import__",
    "exec": "uses exec",
    "eval": "uses eval",
    "compile": "uses compile",
    "globals": "uses globals()",
    "locals": "uses locals()",
    "open": "opens files",
    "breakpoint": "uses breakpoint",
}
SUSPICIOUS_NAMES = {"__builtins__": "uses __builtins__", "get_ipython": "uses get_ipython"}
SUSPICIOUS_ATTRIBUTES = {
    **{name: "reads stack frames" for name in ("f_back", "f_globals", "f_locals", "f_builtins", "tb_frame")},
    **{name: "reads stack frames" for name in ("gi_frame", "cr_frame", "_getframe", "currentframe")},
    **{name: "changes function internals" for name in ("__code__", "__globals__", "__closure__")},
    "__subclasses__": "walks class internals (__subclasses__)",
    "__builtins__": "uses __builtins__",
    "settrace": "sets a trace function",
    "setprofile": "sets a profile function",
    "input_transformers_cleanup": "touches IPython's input transformers",
    "input_transformers_post": "touches IPython's input transformers",
    "input_transformer_manager": "touches IPython's input transformers",
    "ast_transformers": "touches IPython's AST transformers",
    "set_custom_exc": "installs an IPython exception handler",
}
MODULE_ATTRIBUTES = {("sys", "modules"): "touches sys.modules", ("sys", "meta_path"): "adds an import hook"}


_TRANSFORMER: list[Any] = []  # IPython's input transformer, made once (it is slow to build)


def parse(source: str) -> ast.Module | None:
    """Parse a cell's source as IPython would run it (`%magics` become calls); None if it does not parse."""
    try:
        if not _TRANSFORMER:
            from IPython.core.inputtransformer2 import TransformerManager

            _TRANSFORMER.append(TransformerManager())
        source = _TRANSFORMER[0].transform_cell(source)
    except Exception:  # IPython missing or the transformer chokes: parse the plain text
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _top_level(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run when the cell runs (into if/try/with blocks, not into functions or classes)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _top_level(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _top_level(handler.body)


def _from_import(node: ast.AST) -> TypeGuard[ast.ImportFrom]:
    """An absolute `from module import ...` that binds names (`from __future__` binds nothing we care for)."""
    if not isinstance(node, ast.ImportFrom) or node.level:
        return False
    return bool(node.module) and node.module != "__future__"


def imported_names(source: str) -> list[tuple[str, str, str | None]]:
    """(name bound, module, attribute or None) for each top-level import in a cell.

    `import numpy as np` -> ('np', 'numpy', None); `import a.b` -> ('a', 'a', None);
    `from minigrad.course.checks import check_close`
    -> ('check_close', 'minigrad.course.checks', 'check_close').
    """
    tree = parse(source)
    found: list[tuple[str, str, str | None]] = []
    for node in _top_level(tree.body if tree else []):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.append((alias.asname, alias.name, None))
                else:
                    top = alias.name.split(".")[0]
                    found.append((top, top, None))
        elif _from_import(node):
            module = node.module or ""
            found += [(a.asname or a.name, module, a.name) for a in node.names if a.name != "*"]
    return found


def is_framework(module: str) -> bool:
    """minigrad's framework modules (the student's domain), not the course tooling under minigrad.course."""
    return module.split(".")[0] == "minigrad" and not module.startswith("minigrad.course")


def protect(names: dict[str, tuple[str, str, str | None]], source: str) -> None:
    """Add the names one instructor cell imports to `names` (see `protected_names`), in place."""
    for name, module, attribute in imported_names(source):
        if attribute is not None and is_framework(module):
            names.pop(name, None)
        else:
            names[name] = (name, module, attribute)


def protected_names(sources: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """The names instructor cells import that answer cells must leave alone: check helpers, `np`, modules.

    Names imported from minigrad's framework (`from minigrad import Tensor`) are left out: replacing them is
    what the chapters ask for. Module bindings (`import minigrad`) stay protected.
    """
    names: dict[str, tuple[str, str, str | None]] = {}
    for source in sources:
        protect(names, source)
    return list(names.values())


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def answer_findings(
    source: str,
    protected: dict[str, tuple[str, str | None]],
    allowed_modules: Iterable[str],
    graded_modules: Iterable[str],
    own_names: Iterable[str],
) -> list[str]:
    """What one answer cell does that an honest answer never needs, in words ('imports os').

    `own_names` are what this answer is to define (the solution's answer cell defines them): taking one of
    them from the module the chapter builds is the reference-import shortcut. Other names from those modules
    (a base class an earlier exercise exported) are the student's own code by then, through live export.
    """
    tree = parse(source)
    if tree is None:
        return []
    allowed = ORDINARY_MODULES | {m.split(".")[0] for m in allowed_modules}
    graded = {f"minigrad.{m}" for m in graded_modules}
    own = set(own_names)
    found: list[str] = []

    def check_import(module: str) -> None:
        if module.split(".")[0] not in allowed and module.split(".")[0] != "minigrad":
            found.append(f"imports {module}")

    def check_rebinding(name: str, module: str, attribute: str | None) -> None:
        if name in protected and protected[name] != (module, attribute):
            found.append(f"redefines {name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                check_import(alias.name)
                if alias.asname:
                    check_rebinding(alias.asname, alias.name, None)
                else:
                    check_rebinding(alias.name.split(".")[0], alias.name.split(".")[0], None)
        elif _from_import(node):
            module = node.module or ""
            check_import(module)
            for alias in node.names:
                if module in graded and alias.name in own:
                    found.append(
                        f"imports {alias.name} from {module} instead of writing it (stubbed while grading)"
                    )
                check_rebinding(alias.asname or alias.name, module, alias.name)
        elif (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in protected
        ):
            found.append(f"redefines {node.name}")
        elif isinstance(node, ast.Name):
            if node.id in protected and isinstance(node.ctx, ast.Store | ast.Del):
                found.append(f"{'deletes' if isinstance(node.ctx, ast.Del) else 'redefines'} {node.id}")
            elif node.id in SUSPICIOUS_NAMES:
                found.append(SUSPICIOUS_NAMES[node.id])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in SUSPICIOUS_CALLS
        ):
            found.append(SUSPICIOUS_CALLS[node.func.id])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
        ):
            target = _dotted(node.args[0]) if node.args else None
            if target and target.split(".")[0] in protected:
                found.append(f"changes attributes of {target} ({node.func.id})")
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if node.attr in SUSPICIOUS_ATTRIBUTES:
                found.append(SUSPICIOUS_ATTRIBUTES[node.attr])
            elif isinstance(node.value, ast.Name) and (node.value.id, node.attr) in MODULE_ATTRIBUTES:
                found.append(MODULE_ATTRIBUTES[(node.value.id, node.attr)])
            if dotted and isinstance(node.ctx, ast.Store | ast.Del) and dotted.split(".")[0] in protected:
                found.append(f"assigns to {dotted}")
            if dotted and dotted.rpartition(".")[0] in graded and node.attr in own:
                found.append(f"uses {dotted} instead of writing it (stubbed while grading)")
    return list(dict.fromkeys(found))
