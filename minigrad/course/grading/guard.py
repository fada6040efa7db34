"""The grader's guard inside a submission's kernel: put back what answer cells may have changed, and say what.

The grading plugin (plugin.py) calls the guard through the kernel's `user_expressions`, which IPython
evaluates without input transformers, so a transformer a student registered never sees or rewrites these
calls: `install` before the first cell, `snapshot` right before the first answer cell (the instructor's setup
has run, `live.enable()` included), `restore` before every later cell. `restore` puts back, and names:

- IPython's input transformers (cleanup, line, token, post), AST transformers, custom exception handlers, and
  the event callbacks (the chapter's own `live` callback and anything else from installed code is kept);
- methods of the shell, the kernel, its session and output streams, replaced on the instance or the class;
- trace and profile functions, `sys.stdout`/`stderr`/hooks, import hooks, threads an answer started;
- the `sys.modules` entries of numpy and `minigrad.course`, the dictionaries (and function code) of numpy,
  builtins and the check helpers, and the names the instructor's cells imported (`check_close`, `np`, ...),
  re-bound from the module objects the guard took before any student code ran.

What it cannot do: a student who studies this file can still attack the kernel it runs in (nothing inside one
process is out of reach of code running in it). That is why the grader also scans answer cells for the tools
such attacks need (scan.py) and flags them, and why the kernel runs in a sandbox that protects everything
outside it. Only the standard library is imported at module level.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable
from typing import Any

MISSING = object()
# Modules whose dictionaries never change after import: every changed entry is put back.
FROZEN_MODULES = ("builtins", "math", "numpy", "minigrad.course.checks", "minigrad.course.live")
# Modules whose sys.modules entry (and attributes naming other protected modules) must stay the same object.
PROTECTED_MODULES = (*FROZEN_MODULES, "minigrad.course", __name__)
Names = tuple[str, str, "str | None"]  # (name bound, module, attribute) as scan.imported_names gives them
TRACKED_EVENTS = ("pre_execute", "pre_run_cell", "post_execute", "post_run_cell", "shell_initialized")


def _function(obj: Any) -> types.FunctionType | None:
    """The Python function behind a callable (method, static/class method), if there is one."""
    if isinstance(obj, staticmethod | classmethod | types.MethodType):
        obj = obj.__func__
    return obj if isinstance(obj, types.FunctionType) else None


def _code_state(function: types.FunctionType) -> tuple:
    return (function.__code__, function.__defaults__, function.__kwdefaults__)


class Guard:
    """Snapshots of what checks rely on, taken before any student code ran; `restore` returns findings."""

    def __init__(self, trusted_dirs: Iterable[str]) -> None:
        import math  # noqa: F401 (imported so its entry is protected)

        import numpy  # noqa: F401
        from IPython import get_ipython

        import minigrad.course.checks
        import minigrad.course.live  # noqa: F401

        self.shell = get_ipython()
        self.trusted_dirs = tuple(os.path.join(os.path.realpath(d), "") for d in trusted_dirs)
        self.modules = {name: sys.modules[name] for name in PROTECTED_MODULES}
        self.dicts = {name: dict(vars(self.modules[name])) for name in FROZEN_MODULES}
        classes = [minigrad.course.checks.CheckFailed]
        self.code: dict[tuple[str, str], tuple[types.FunctionType, tuple]] = {}
        for name, namespace in self.dicts.items():
            self._remember_code(name, namespace)
        self.classes: dict[type, dict] = {}
        self._protect_classes(classes)
        self.threads = set(threading.enumerate())
        self.ipython: dict[str, Any] | None = None
        self.callbacks: dict[str, list] = {}

    # --- what counts as the instructor's or the library's code ---------------------------------------------

    def _trusted_file(self, filename: str | None) -> bool:
        if not filename:
            return False
        return os.path.realpath(filename).startswith(self.trusted_dirs)

    def trusted(self, obj: Any) -> bool:
        """Code from installed files (IPython, matplotlib, the minigrad package), not from a notebook cell."""
        function = _function(obj)
        if function is not None:
            return self._trusted_file(function.__code__.co_filename)
        if isinstance(obj, types.BuiltinFunctionType | types.BuiltinMethodType):
            return False  # `exec`, `setattr`, ...: harmless only when never called by a hook
        module = sys.modules.get(getattr(type(obj), "__module__", ""), None)
        return self._trusted_file(getattr(module, "__file__", None)) and callable(obj)

    def _trusted_thread(self, thread: threading.Thread) -> bool:
        run = getattr(type(thread), "run", None)
        if run is not threading.Thread.run:
            target = getattr(thread, "function", None) if isinstance(thread, threading.Timer) else run
        else:
            target = getattr(thread, "_target", None)
        return target is not None and self.trusted(target)

    # --- snapshots ----------------------------------------------------------------------------------------

    def _remember_code(self, owner: str, namespace: dict) -> None:
        for key, value in namespace.items():
            function = _function(value)
            if function is not None:
                self.code[(owner, key)] = (function, _code_state(function))

    def _protect_classes(self, classes: Iterable[type]) -> None:
        for cls in classes:
            for klass in cls.__mro__:
                if klass is object or klass in self.classes or klass.__module__ == "builtins":
                    continue
                self.classes[klass] = dict(vars(klass))
                self._remember_code(f"{klass.__module__}.{klass.__qualname__}", self.classes[klass])

    def _instances(self) -> dict[str, Any]:
        shell = self.shell
        kernel = getattr(shell, "kernel", None)
        return {
            "the IPython shell": shell,
            "the kernel": kernel,
            "the kernel's session": getattr(kernel, "session", None),
            "sys.stdout": sys.stdout,
            "sys.stderr": sys.stderr,
            "the display hook": shell.displayhook,
            "the display publisher": shell.display_pub,
            "the event manager": shell.events,
            "the input transformer manager": shell.input_transformer_manager,
            "the cell compiler": shell.compile,
        }

    def snapshot(self) -> None:
        """Take the IPython-side state as the instructor's setup left it (before the first answer cell)."""
        shell = self.shell
        manager = shell.input_transformer_manager
        instances = {name: obj for name, obj in self._instances().items() if obj is not None}
        self._protect_classes(type(obj) for obj in instances.values())
        self.ipython = {
            "instances": instances,
            "attributes": {name: dict(getattr(obj, "__dict__", {})) for name, obj in instances.items()},
            "lists": {
                "registers an input transformer": [
                    (manager, "cleanup_transforms", list(manager.cleanup_transforms)),
                    (manager, "line_transforms", list(manager.line_transforms)),
                    (manager, "token_transformers", list(manager.token_transformers)),
                    (shell, "input_transformers_post", list(shell.input_transformers_post)),
                ],
                "registers an AST transformer": [(shell, "ast_transformers", list(shell.ast_transformers))],
                "adds an import hook": [
                    (sys, "meta_path", list(sys.meta_path)),
                    (sys, "path_hooks", list(sys.path_hooks)),
                ],
            },
            "handlers": {
                "kernel message handler": [
                    (kernel, name, dict(getattr(kernel, name)))
                    for kernel in [getattr(shell, "kernel", None)]
                    if kernel is not None
                    for name in ("shell_handlers", "control_handlers")
                    if isinstance(getattr(kernel, name, None), dict)
                ]
            },
            "objects": {
                "custom exception handler": [(shell, "custom_exceptions"), (shell, "CustomTB")],
                "namespace of the notebook": [(shell, "user_ns"), (shell, "user_global_ns")],
                "output stream": [(sys, "stdout"), (sys, "stderr")],
                "system hook": [(sys, "displayhook"), (sys, "excepthook"), (sys, "breakpointhook")],
                "IPython component": [
                    (shell, "input_transformer_manager"),
                    (shell, "events"),
                    (shell, "displayhook"),
                    (shell, "display_pub"),
                    (shell, "compile"),
                    (shell, "InteractiveTB"),
                    (shell, "builtin_trap"),
                ],
            },
        }
        self.ipython["values"] = {
            (owner, name): getattr(owner, name, MISSING) for owner, name in self._object_slots()
        }
        self.callbacks = {event: list(shell.events.callbacks.get(event, [])) for event in TRACKED_EVENTS}
        self.threads |= set(threading.enumerate())

    def _object_slots(self) -> list[tuple[Any, str]]:
        return [slot for slots in self.ipython["objects"].values() for slot in slots] if self.ipython else []

    # --- restore ------------------------------------------------------------------------------------------

    def restore(self, names: Iterable[Names] = ()) -> list[str]:
        """Put everything back; return what had changed, in words ('redefines check_close')."""
        findings: list[str] = []

        def attempt(what: str, action: Callable[[], None]) -> None:
            try:
                action()
            except Exception as error:  # a half-restored kernel must still report, never crash the grader
                findings.append(f"could not restore {what} ({type(error).__name__}: {error})")

        attempt("sys.modules", lambda: self._restore_modules(findings))
        attempt("module dictionaries", lambda: self._restore_dicts(findings))
        attempt("classes", lambda: self._restore_classes(findings))
        attempt("function code", lambda: self._restore_code(findings))
        attempt("trace functions", lambda: self._restore_tracing(findings))
        if self.ipython is not None:
            state = self.ipython
            attempt("IPython's state", lambda: self._restore_ipython(state, findings))
            attempt("event callbacks", lambda: self._restore_callbacks(findings))
        attempt("threads", lambda: self._stop_threads(findings))
        attempt("imported names", lambda: self._restore_names(names, findings))
        return list(dict.fromkeys(findings))

    def _restore_modules(self, findings: list[str]) -> None:
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                findings.append(f"replaces sys.modules[{name!r}]")

    def _restore_dicts(self, findings: list[str]) -> None:
        for name, saved in self.dicts.items():
            namespace = vars(self.modules[name])
            for key, value in saved.items():
                if namespace.get(key, MISSING) is not value:
                    namespace[key] = value
                    findings.append(f"changes {key}" if name == "builtins" else f"changes {name}.{key}")

    def _restore_classes(self, findings: list[str]) -> None:
        for cls, saved in self.classes.items():
            current = vars(cls)
            for key, value in saved.items():
                if current.get(key, MISSING) is not value:
                    setattr(cls, key, value)
                    findings.append(f"changes {cls.__qualname__}.{key}")
            for key in [k for k, v in current.items() if k not in saved and callable(v)]:
                if any(key in vars(base) for base in cls.__mro__[1:]):
                    delattr(cls, key)
                    findings.append(f"overrides {cls.__qualname__}.{key}")

    def _restore_code(self, findings: list[str]) -> None:
        for (owner, key), (function, state) in self.code.items():
            if _code_state(function) != state:
                function.__code__, function.__defaults__, function.__kwdefaults__ = state
                findings.append(f"changes the code of {owner.rpartition('.')[2] or owner}.{key}")

    def _restore_tracing(self, findings: list[str]) -> None:
        if sys.gettrace() is not None or sys.getprofile() is not None:
            sys.settrace(None)
            sys.setprofile(None)
            findings.append("sets a trace or profile function")
        if getattr(threading, "_trace_hook", None) is not None or getattr(threading, "_profile_hook", None):
            threading.settrace(None)
            threading.setprofile(None)
            findings.append("sets a trace or profile function for threads")

    def _restore_ipython(self, state: dict[str, Any], findings: list[str]) -> None:
        for (owner, name), value in state["values"].items():
            if getattr(owner, name, MISSING) is not value:
                setattr(owner, name, value)
                kind = next(k for k, slots in state["objects"].items() if (owner, name) in slots)
                findings.append(f"replaces the {kind} ({name})")
        for finding, slots in state["lists"].items():
            for owner, name, saved in slots:
                current = getattr(owner, name)
                if list(current) != saved:
                    current[:] = saved
                    findings.append(finding)
        for kind, slots in state["handlers"].items():
            for owner, name, saved in slots:
                current = getattr(owner, name)
                if current != saved:
                    current.clear()
                    current.update(saved)
                    findings.append(f"replaces a {kind}")
        for label, obj in state["instances"].items():
            saved = state["attributes"][label]
            for key, value in list(getattr(obj, "__dict__", {}).items()):
                if key in saved and saved[key] is value:
                    continue
                if key in saved and callable(saved[key]):
                    setattr(obj, key, saved[key])
                    findings.append(f"replaces {key} of {label}")
                elif key not in saved and callable(getattr(type(obj), key, None)):
                    delattr(obj, key)
                    findings.append(f"replaces {key} of {label}")

    def _restore_callbacks(self, findings: list[str]) -> None:
        callbacks = self.shell.events.callbacks
        for event in TRACKED_EVENTS:
            current = callbacks.setdefault(event, [])
            known = self.callbacks[event]
            kept = [cb for cb in current if cb in known or self.trusted(cb)]
            if len(kept) != len(current):
                findings.append(f"registers an IPython {event} callback")
            missing = [cb for cb in known if cb not in kept]
            if missing:
                findings.append(f"unregisters an IPython {event} callback")
            current[:] = missing + kept
            known.extend(cb for cb in kept if cb not in known)

    def _stop_threads(self, findings: list[str]) -> None:
        for thread in threading.enumerate():
            if thread in self.threads or not thread.is_alive() or thread.ident is None:
                continue
            if self._trusted_thread(thread):
                self.threads.add(thread)
                continue
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit)
            )
            thread.join(0.5)
            findings.append("starts a thread")

    def _restore_names(self, names: Iterable[Names], findings: list[str]) -> None:
        namespace = self.shell.user_ns
        for name, module_name, attribute in names:
            module = self.modules.get(module_name) or sys.modules.get(module_name)
            if module is None:
                continue
            pristine: object
            if attribute is None:
                pristine = module
            elif module_name in self.dicts:
                pristine = self.dicts[module_name].get(attribute, MISSING)
            else:
                pristine = getattr(module, attribute, MISSING)
            current = namespace.get(name, MISSING)
            if pristine is MISSING or current is pristine:
                continue
            namespace[name] = pristine
            findings.append(f"redefines {name}" if current is not MISSING else f"deletes {name}")


_GUARD: Guard | None = None


def install(config_json: str) -> str:
    """Create the guard (before the first cell runs); returns a JSON reply the plugin checks.

    Later calls reach this module through a builtin whose name the plugin drew at random for this kernel, so
    an answer cell cannot shadow it without knowing it (a shadowed `__import__` would hijack a fixed name).
    """
    global _GUARD
    config = json.loads(config_json)
    import builtins

    setattr(builtins, config["handle"], sys.modules[__name__])
    if config.get("live"):  # graded against stubs: answers must replace them, as `live.enable()` makes them
        import minigrad.course.live

        minigrad.course.live.enable()
    _GUARD = Guard(config["trusted_dirs"])
    return json.dumps({"nonce": config["nonce"], "findings": []})


def call(config_json: str) -> str:
    """`snapshot` or `restore` (with the imported names to re-bind); the reply echoes the plugin's nonce."""
    request = json.loads(config_json)
    if _GUARD is None:
        raise RuntimeError("the grading guard was not installed")
    findings: list[str] = []
    if request["action"] == "snapshot":
        _GUARD.snapshot()
    else:
        findings = _GUARD.restore(request.get("names", []))
    return json.dumps({"nonce": request["nonce"], "findings": findings})
