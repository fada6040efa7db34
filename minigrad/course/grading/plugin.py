"""The pytest plugin of one graded notebook: `pytest -p minigrad.course.grading.plugin --minigrad-grading=F`.

It runs in the grader's pytest process, outside the sandbox, next to nbval (which runs the cells):

- **The kernel.** nbval starts the kernel through jupyter_client's `KernelManager`; the plugin swaps in a
  manager that starts the kernel the way run.py configured it: inside bubblewrap (over Unix sockets, since the
  sandbox has no network) or, without a sandbox, as a plain process in a scratch folder.
- **The report.** Each cell's `metadata.minigrad` (grade_id, points, role) and error (ename, evalue) go into
  the JUnit report as properties, so results are keyed on grade_id, never on "Cell N".
- **The watchdog.** nbval notices a dead kernel only at the cell timeout; a thread watching the kernel
  process records the cell it died in (kernel_died.json) and interrupts pytest, which still writes its report.
  The cell that started last is written to running.json (for the grader's outer timeout).
- **The guard.** Before the first answer cell it has the kernel take a snapshot (guard.py); before every later
  cell it has the kernel restore it and records what an answer changed (property `tampering`). If the guard
  cannot run before a test cell, that check fails with `not checked: ...` instead of trusting the kernel.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

# jsonschema (nbformat's validator, which nbval imports) loads the optional IRI checker `rfc3987_syntax` when
# it is installed (JupyterLab pulls it in), and that builds a parser for ~2 s of CPU at import, in every
# graded notebook's pytest. Notebooks have no IRI fields, and this process only ever runs one graded
# notebook, so it goes without. run.py loads this plugin before nbval for that reason.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from minigrad.course.grading import scan  # noqa: E402

OPTION = "--minigrad-grading"
RUNNING = "running.json"
KERNEL_INFO = "kernel.json"
KERNEL_DIED = "kernel_died.json"
CELL_LOG = "cells.jsonl"  # a line per finished cell, written at once: it survives a pytest killed mid-report
GUARD_TIMEOUT = 30.0  # seconds for one guard call (the kernel is idle between cells; this is generous)
GUARD_MODULE = "minigrad.course.grading.guard"


class GuardFailure(Exception):
    """The guard could not run in the kernel; the check that was about to run is not trusted."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, metavar="CONFIG", help="grading configuration (JSON) written by the grader")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path:
        settings = json.loads(Path(path).read_text(encoding="utf-8"))
        config.pluginmanager.register(GradingSession(settings), "minigrad-grading-session")


def _meta(item: Any) -> dict:
    cell = getattr(item, "cell", None)
    meta = cell.metadata.get("minigrad") if cell is not None else None
    return dict(meta) if isinstance(meta, dict) else {}


def _label(item: Any) -> str:
    meta = _meta(item)
    if meta.get("grade_id") and meta.get("role"):
        return f"{meta['role']} cell {meta['grade_id']}"
    return item.name.lower()


def kernel_manager_class(spec: dict) -> type:
    """A KernelManager starting the kernel as `spec` says (argv, env, cwd, transport), whatever nbval asks."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    class GradingKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = spec["transport"]
            if spec.get("ip"):
                self.ip = spec["ip"]
            self.connection_file = spec["connection_file"]
            self._kernel_spec = KernelSpec(
                argv=spec["argv"],
                env=spec.get("env", {}),
                display_name="minigrad grading",
                language="python",
                interrupt_mode=spec.get("interrupt_mode", "signal"),
            )

        def start_kernel(self, **kwargs: Any) -> None:
            kwargs["cwd"] = spec["cwd"]
            return super().start_kernel(**kwargs)

    return GradingKernelManager


class GradingSession:
    """The hooks, with the state of one notebook's run."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.guard = settings.get("guard")
        self.running: dict = {"item": None, "since": 0.0}
        self.watcher: threading.Thread | None = None
        self.installed = False
        self.snapshotted = False
        self.last = "the notebook's setup"
        self.protected: dict[str, tuple] = {}  # names the instructor's cells that ran have imported
        if settings.get("kernel"):
            import nbval.kernel

            nbval.kernel.KernelManager = kernel_manager_class(settings["kernel"])

    # --- report -------------------------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            meta = _meta(item)
            item.user_properties.extend(
                (key, meta[key]) for key in ("grade_id", "points", "role") if key in meta
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> None:
        if call.when != "call":
            return
        for output in getattr(item, "test_outputs", None) or []:
            if output.get("output_type") == "error":
                item.user_properties.extend([("ename", output["ename"]), ("evalue", output["evalue"])])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Log each cell as it finishes. The JUnit report is written only when pytest ends; a pytest killed
        after the grader's outer timeout (when stopping it takes longer than the grace period) leaves none."""
        if report.when == "teardown" or (report.when == "setup" and report.passed):
            return
        outcome = report.outcome if report.when == "call" else ("error" if report.failed else "skipped")
        entry = {
            "name": report.nodeid.rsplit("::", 1)[-1],
            "outcome": outcome,
            "properties": [[str(key), str(value)] for key, value in report.user_properties],
            "text": report.longreprtext if outcome != "passed" else "",
        }
        with open(CELL_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")

    # --- running a cell -----------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self.running.update(item=item, since=time.monotonic())
        Path(RUNNING).write_text(json.dumps({"cell": item.name, **_meta(item)}))
        kernel = getattr(item.parent, "kernel", None)
        if kernel is not None and self.watcher is None:
            self._watch(kernel, item.config.option.nbval_cell_timeout)
        if self.guard and kernel is not None and kernel.is_alive():
            self._guard_before(item, kernel, self.guard)
        try:
            return (yield)
        finally:
            self.running["item"] = None
            cell = getattr(item, "cell", None)
            if cell is not None and _meta(item).get("role") != "answer":
                scan.protect(self.protected, cell.source)
            self.last = _label(item)

    def _guard_before(self, item: pytest.Item, kernel: Any, guard: dict) -> None:
        role = _meta(item).get("role")
        try:
            if not self.installed:
                config = {"trusted_dirs": guard["trusted_dirs"], "handle": guard["handle"]}
                config["live"] = bool(guard.get("live"))
                self._call(kernel, f"__import__({GUARD_MODULE!r}, fromlist=['install']).install", config)
                self.installed = True
            if role == "answer" and not self.snapshotted:
                self._call(kernel, f"{guard['handle']}.call", {"action": "snapshot"})
                self.snapshotted = True
            elif self.snapshotted:
                names = list(self.protected.values())
                findings = self._call(
                    kernel, f"{guard['handle']}.call", {"action": "restore", "names": names}
                )
                if findings:
                    item.user_properties.append(
                        ("tampering", json.dumps({"by": self.last, "findings": findings}))
                    )
        except GuardFailure as error:
            if not kernel.is_alive():
                return  # nbval reports the dead kernel itself
            item.user_properties.append(
                ("guard_error", f"{error} (before {_label(item)}, after {self.last})")
            )
            if role == "test":
                raise

    def _call(self, kernel: Any, function: str, request: dict) -> list[str]:
        """Evaluate `function(json)` in the kernel through user_expressions; return the guard's findings."""
        nonce = uuid.uuid4().hex
        expression = f"{function}({json.dumps({**request, 'nonce': nonce})!r})"
        client = kernel.kc
        msg_id = client.execute(
            "",
            silent=True,
            store_history=False,
            user_expressions={"guard": expression},
            allow_stdin=False,
            stop_on_error=False,
        )
        deadline = time.monotonic() + GUARD_TIMEOUT
        reply = None
        while reply is None:
            try:
                message = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                raise GuardFailure("the kernel did not answer the grader's guard") from None
            if message["parent_header"].get("msg_id") == msg_id:
                reply = message["content"]
        self._drain(client, msg_id)
        value = reply.get("user_expressions", {}).get("guard") or {}
        if reply.get("status") != "ok" or value.get("status") != "ok":
            what = value.get("ename") or reply.get("ename") or "no result"
            raise GuardFailure(f"the grader's guard failed in the kernel ({what})")
        try:
            answer = json.loads(ast.literal_eval(value["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError, TypeError) as error:
            raise GuardFailure("the grader's guard returned something unreadable") from error
        if not isinstance(answer, dict) or answer.get("nonce") != nonce:
            raise GuardFailure("the grader's guard did not answer (something else did)")
        return [str(finding) for finding in answer.get("findings", [])]

    @staticmethod
    def _drain(client: Any, msg_id: str) -> None:
        """Read the guard call's iopub messages up to its idle status, so none is left for the next cell."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                message = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                return
            if (
                message["parent_header"].get("msg_id") == msg_id
                and message["msg_type"] == "status"
                and message["content"].get("execution_state") == "idle"
            ):
                return

    # --- the watchdog -------------------------------------------------------------------------------------

    def _watch(self, kernel: Any, cell_timeout: float) -> None:
        process = kernel.km.provisioner.process
        info = {"pid": process.pid, "connection_file": kernel.km.connection_file}
        Path(KERNEL_INFO).write_text(json.dumps(info))
        self.watcher = threading.Thread(target=self._watchdog, args=(process, cell_timeout), daemon=True)
        self.watcher.start()

    def _watchdog(self, process: Any, cell_timeout: float) -> None:
        while process.poll() is None:
            time.sleep(0.2)
        item = self.running["item"]
        if item is None or time.monotonic() - self.running["since"] >= cell_timeout:
            return  # a normal shutdown, or nbval stopping a kernel after the cell timeout
        died = {"cell": item.name, "returncode": process.returncode, **_meta(item)}
        Path(KERNEL_DIED).write_text(json.dumps(died))
        os.kill(os.getpid(), signal.SIGINT)
