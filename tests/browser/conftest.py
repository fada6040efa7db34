"""Fixtures that drive JupyterLab in headless Chromium with Playwright (shared/recipes/jupyterlab-browser).

`LabServer` runs `jupyter lab` on a temporary COPY of one notebook with private config/runtime/settings dirs;
`lab_page(notebook)` opens it in a Chromium page, runs all cells and hands back a `LabPage` helper.

Without Chromium or Playwright the tests are skipped with the reason, except under CI=true where they fail:
CI must install them (apt: chromium fonts-dejavu-core; pip: playwright==1.65.2; never `playwright install`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]  # the last one: Docker's 64 MiB /dev/shm crashes Chromium
VIEWPORT = {"width": 1400, "height": 900}
SHOT_DIR = Path(os.environ.get("MG_SHOT_DIR", "/tmp/viz/shots"))
TIMEOUT_MS = int(float(os.environ.get("MG_BROWSER_TIMEOUT", "90")) * 1000)  # slow machines: raise this


def _missing() -> list[str]:
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the pip package playwright (==1.65.2) is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(
            f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-dejavu-core, or set CHROMIUM)"
        )
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        problems.append("jupyterlab is not installed")
    return problems


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    problems = _missing()
    if problems:
        msg = "browser tests need: " + "; ".join(problems)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: install them, the browser tests must run in CI)")
        pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`jupyter lab` in an isolated temp dir, serving a copy of one notebook (Lab autosaves into the file)."""

    def __init__(self, notebook: Path) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="mg-lab-"))
        self.root = self.tmp / "root"
        self.root.mkdir()
        shutil.copy(notebook, self.root / notebook.name)
        self.nb_name = notebook.name
        settings = self.tmp / "settings" / "@jupyterlab"
        tracker = settings / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True)
        tracker.write_text(json.dumps({"windowingMode": "none"}))  # every cell stays in the DOM
        notif = settings / "apputils-extension" / "notification.jupyterlab-settings"
        notif.parent.mkdir(parents=True)
        notif.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no news toast
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp / "lab.log"
        self.log = open(self.log_path, "w")
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            IPYTHONDIR=str(self.tmp / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        env.pop("MPLBACKEND", None)  # the kernel must use the inline backend
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.port_retries=0",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
            f"--LabApp.user_settings_dir={self.tmp / 'settings'}",
        ]
        if os.geteuid() == 0:  # CI containers run as root
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )  # own process group: kernels die with it

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            body = r.read()
            return json.loads(body) if body else None

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.25)
        raise TimeoutError("jupyter lab did not answer /api/status")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.api("/api/shutdown", method="POST")  # shuts the kernels down too
                self.proc.wait(timeout=15)
            except Exception:
                os.killpg(self.proc.pid, signal.SIGTERM)  # only the process group this object started
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


IDLE = "() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"


class LabPage:
    """A Playwright page with one notebook open in JupyterLab, plus the waits the widget checks need."""

    def __init__(self, page, server: LabServer, errors: list[str], shot_prefix: str) -> None:
        self.page, self.server, self.errors, self.prefix = page, server, errors, shot_prefix

    def wait_idle(self) -> None:
        self.page.wait_for_function(IDLE, timeout=TIMEOUT_MS)

    def wait_for(self, js: str, arg: object = None, what: str = "") -> object:
        """Wait for a JS predicate; on timeout save a screenshot first, then fail naming what was awaited."""
        try:
            return self.page.wait_for_function(js, arg=arg, timeout=TIMEOUT_MS)
        except Exception as e:
            self.shot(f"FAILED-{what or 'wait'}")
            raise AssertionError(f"timed out waiting for {what or js}: {e}") from None

    def wait_images(self, scope: str) -> None:
        self.wait_for(
            "(s) => [...document.querySelectorAll(s + ' img')].every(i => i.complete && i.naturalWidth > 0)",
            scope,
            f"images in {scope} to load",
        )

    def settle(self, scope: str) -> None:
        """After the expected DOM change: let the kernel finish the last comm message and images load."""
        self.wait_idle()
        self.wait_images(scope)

    def shot(self, name: str, selector: str | None = None) -> None:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SHOT_DIR / f"{self.prefix}-{name}.png"
        if selector:  # the widget's top at the top of the notebook view, as a student would scroll to it
            self.page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.screenshot(path=str(path))

    def eval(self, js: str, arg: object = None) -> object:
        return self.page.evaluate(js, arg)


@pytest.fixture(scope="session")
def playwright_browser(browser_requirements) -> Iterator[object]:
    """One Chromium for the whole session (each notebook gets its own page and server)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="mg-chromium-"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture
def lab_page(playwright_browser):
    """Factory: lab_page(path) -> LabPage with the notebook's cells all run (and no error outputs)."""
    opened: list[tuple[LabServer, object]] = []

    def open_notebook(notebook: Path, during=None) -> LabPage:
        """`during(lab)`, if given, runs right after run-all is started (to watch a cell while it runs)."""
        t0 = time.monotonic()
        server = LabServer(notebook)
        page = None
        try:
            server.wait_ready()
            print(f"[timing] {notebook.name}: server ready {time.monotonic() - t0:.1f} s", flush=True)
            page = playwright_browser.new_page()
            opened.append((server, page))
            base = server.base
            external: list[str] = []
            page.route(
                lambda url: not url.startswith(base),
                lambda route: (external.append(route.request.url), route.abort()),
            )  # hermetic
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            lab = LabPage(page, server, errors, notebook.stem)
            page.goto(f"{base}/lab/tree/{server.nb_name}?reset&token={server.token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
            lab.wait_idle()
            page.evaluate("window.jupyterapp.shell.collapseLeft()")
            # started, not awaited (the promise resolves when every cell has run): `during` watches meanwhile
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            if during is not None:
                during(lab)
            lab.wait_for(
                """() => {
                const nb = window.jupyterapp.shell.currentWidget;
                const k = nb.sessionContext.session.kernel;
                return k.status === 'idle' && nb.content.widgets.every(
                    c => c.model.type !== 'code' || c.model.executionCount !== null);
            }""",
                what="all cells to run",
            )
            print(f"[timing] {notebook.name}: all cells run {time.monotonic() - t0:.1f} s", flush=True)
            failed = lab.eval("""() => window.jupyterapp.shell.currentWidget.content.widgets
                .filter(c => c.model.type === 'code')
                .flatMap(c => c.model.sharedModel.toJSON().outputs || [])
                .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)""")
            assert not failed, f"cells raised in {notebook.name}: {failed}"
            return lab
        except BaseException:
            if page is None:
                server.stop()
            raise

    yield open_notebook
    for server, page in opened:
        page.close()
        server.stop()
