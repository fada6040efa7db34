"""Every minigrad.viz widget in a real JupyterLab + Chromium: run all cells, use each widget's controls like a
student (keyboard on slider handles, dropdown picks, the Play button) and check that each view changed as it
should, with no page errors. Screenshots (1400×900) go to $MG_SHOT_DIR (default /tmp/viz/shots).

Which notebooks: $MG_BROWSER_NOTEBOOKS = "chapters" (the default: every solutions/*.ipynb that uses
minigrad.viz, served from a temp copy), "demo" (two small notebooks generated at test time), or a
comma-separated list of notebook paths. Each notebook gets one server; every widget found in it is checked.

    python -m pytest -p no:cacheprovider tests/browser                     # the chapters, a few minutes
    MG_BROWSER_NOTEBOOKS=demo python -m pytest tests/browser               # ~1 min on 2 cores
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from lab_demo_notebooks import DEMOS, write_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ROOT_CLASSES = {  # widget kind -> CSS class of its root box
    "graph": "mg-graph-viewer",
    "conv": "mg-conv-explainer",
    "playground": "mg-optimizer-playground",
    "features": "mg-feature-map-viewer",
    "monitor": "mg-training-monitor",
}
EXPECTED = {"demo_autograd": {"graph", "playground", "monitor"}, "demo_cnn": {"conv", "features", "graph"}}


def _notebooks() -> list:
    spec = os.environ.get("MG_BROWSER_NOTEBOOKS", "chapters")
    if spec == "demo":
        return [pytest.param(f"demo:{name}", id=name) for name in DEMOS]
    if spec == "chapters":
        paths = [p for p in sorted((REPO / "solutions").glob("*.ipynb")) if "minigrad.viz" in p.read_text()]
    else:
        paths = [Path(p) for p in spec.split(",") if p.strip()]
    return [pytest.param(str(p), id=p.stem) for p in paths]


# --- per-widget checks; `s` is a CSS selector for one widget's root element ---------------------------------
def img_src(lab, sel: str) -> str | None:
    return lab.eval("(s) => document.querySelector(s)?.getAttribute('src') ?? null", sel)


def wait_new_img(lab, sel: str, old: str | None, what: str) -> None:
    lab.wait_for(
        "([s, old]) => { const i = document.querySelector(s); "
        "return i && i.getAttribute('src') !== old && i.complete && i.naturalWidth > 0; }",
        [sel, old],
        what,
    )


def press(lab, selector: str, key: str, times: int = 1, nth: int = 0) -> None:
    handle = lab.page.locator(selector).nth(nth)
    handle.focus()
    for _ in range(times):
        handle.press(key)


def graph_state(lab, s: str) -> dict:
    return lab.eval(
        """(s) => { const r = document.querySelector(s);
        const fn = [...r.querySelectorAll('.mg-graph g.mg-fn')];
        const t = [...r.querySelectorAll('.mg-graph g.mg-tensor')];
        return {done: fn.filter(g => g.dataset.state === 'done').length,
                current: fn.filter(g => g.dataset.state === 'current').map(g => g.id),
                withgrad: t.filter(g => ['partial', 'complete'].includes(g.dataset.state)).length,
                selected: [...r.querySelectorAll('.mg-graph g.mg-selected')].map(g => g.id),
                status: r.querySelector('.mg-graph-status').innerText}; }""",
        s,
    )


def check_graph(lab, s: str, name: str) -> None:
    st = graph_state(lab, s)
    assert st["done"] == 0 and st["current"] == [] and "step 0 /" in st["status"], st
    total = int(re.search(r"step 0 / (\d+)", st["status"]).group(1))
    k = min(3, total - 1)  # leave room for Play to advance
    heat = f"{s} .mg-heatmap img"
    press(lab, f"{s} .mg-step-slider .noUi-handle", "ArrowRight", k)
    lab.wait_for(
        "([s, k]) => { const r = document.querySelector(s);"
        " return r.querySelector('.mg-graph-status').innerText.includes(`step ${k} /`) &&"
        " r.querySelectorAll('.mg-graph g.mg-fn[data-state=done]').length === k - 1; }",
        [s, k],
        f"backward step {k}",
    )
    lab.settle(s)
    st3 = graph_state(lab, s)
    call = re.search(r"\(call #(\d+)\)", st3["status"]).group(1)
    assert st3["current"] == [f"mg-node-f{call}"], st3  # the highlighted call is the one the status describes
    assert st3["withgrad"] > st["withgrad"], (st, st3)  # gradients filled in as they arrived
    lab.shot(f"{name}-step{k}", s)

    label = lab.page.locator(f"{s} .mg-node-select select option").nth(1).inner_text().replace("\xa0", " ")
    before = st3["selected"]  # the output tensor is selected at first
    old = img_src(lab, heat)
    lab.page.locator(f"{s} .mg-node-select select").select_option(index=1)
    lab.wait_for(
        "([s, before]) => { const g = document.querySelector(s).querySelectorAll('.mg-graph g.mg-selected');"
        " return g.length === 1 && g[0].id !== before; }",
        [s, before[0] if before else ""],
        "the picked node to be outlined",
    )
    wait_new_img(lab, heat, old, f"heatmap of {label}")
    picked = lab.eval(
        "(s) => document.querySelector(s).querySelector('.mg-graph g.mg-selected').dataset.label", s
    )
    assert label.startswith(picked + " "), (label, picked)
    lab.settle(s)
    lab.shot(f"{name}-node", s)

    buttons = lab.page.locator(f"{s} .mg-play button")
    buttons.nth(0).click()  # play: the slider advances by itself
    lab.wait_for(
        "([s, k]) => Number(/step (\\d+) \\//.exec(document.querySelector(s)"
        ".querySelector('.mg-graph-status').innerText)[1]) > k",
        [s, k],
        "Play to advance the step",
    )
    if buttons.nth(0).locator(".fa-pause").count():  # still playing (it stops by itself at the last step)
        buttons.nth(0).click()  # the same button pauses
    lab.settle(s)
    st = graph_state(lab, s)
    now = int(re.search(r"step (\d+) /", st["status"]).group(1))
    assert k < now <= total and st["done"] == now - 1 and len(st["current"]) == 1, st


def conv_state(lab, s: str) -> dict:
    return lab.eval(
        """(s) => { const r = document.querySelector(s);
        const rd = c => Number(r.querySelector('.mg-conv-' + c + ' .widget-readout').innerText);
        const k = [...r.querySelectorAll('.mg-k-cell')].map(g => g.id.split('-').slice(2).map(Number));
        return {stride: rd('stride'), padding: rd('padding'), dilation: rd('dilation'),
                row: rd('out-row'), col: rd('out-col'),
                kh: Math.max(...k.map(a => a[0])) + 1, kw: Math.max(...k.map(a => a[1])) + 1,
                sel: [...r.querySelectorAll('.mg-out-cell.mg-sel')].map(g => g.id),
                win: [...r.querySelectorAll('.mg-in-cell.mg-win')].map(g => [+g.dataset.r, +g.dataset.c]),
                pads: r.querySelectorAll('.mg-in-cell.mg-pad').length,
                formula: r.querySelector('.mg-conv-formula').innerText}; }""",
        s,
    )


def check_conv_consistent(st: dict) -> None:
    """The highlighted window is exactly rows i·s − p + a·d and columns j·s − p + b·d."""
    s, p, d, i, j = st["stride"], st["padding"], st["dilation"], st["row"], st["col"]
    expected = sorted(
        [i * s - p + a * d, j * s - p + b * d] for a in range(st["kh"]) for b in range(st["kw"])
    )
    assert sorted(st["win"]) == expected, st
    assert st["sel"] == [f"mg-out-{i}-{j}"], st
    assert f"out[{i}, {j}]" in st["formula"], st


def check_conv(lab, s: str, name: str) -> None:
    st0 = conv_state(lab, s)
    check_conv_consistent(st0)
    press(lab, f"{s} .mg-conv-out-col .noUi-handle", "ArrowRight", 2)
    lab.wait_for(
        "([s, id]) => document.querySelector(s).querySelector('.mg-out-cell.mg-sel')?.id === id",
        [s, f"mg-out-{st0['row']}-{st0['col'] + 2}"],
        "the output pixel two columns right",
    )
    lab.settle(s)
    check_conv_consistent(conv_state(lab, s))
    s0, p0, d0 = st0["stride"], st0["padding"], st0["dilation"]
    press(lab, f"{s} .mg-conv-padding .noUi-handle", "ArrowRight")
    lab.wait_for(
        "([s, n]) => document.querySelector(s).querySelector('.mg-conv-formula').innerText.includes(n)",
        [s, f"2·{p0 + 1} −"],
        "one more padding in the formula",
    )
    press(lab, f"{s} .mg-conv-stride .noUi-handle", "ArrowRight")
    lab.wait_for(
        "([s, n]) => document.querySelector(s).querySelector('.mg-conv-formula').innerText.includes(n)",
        [s, f"/ {s0 + 1}⌋"],
        "a larger stride in the formula",
    )
    press(lab, f"{s} .mg-conv-dilation .noUi-handle", "ArrowRight")
    lab.wait_for(
        "([s, n]) => document.querySelector(s).querySelector('.mg-conv-formula').innerText.includes(n)",
        [s, f"{d0 + 1}·({st0['kh']}−1)"],
        "a larger dilation in the formula",
    )
    lab.settle(s)
    st = conv_state(lab, s)
    assert (st["stride"], st["padding"], st["dilation"]) == (s0 + 1, p0 + 1, d0 + 1) and st["pads"] > 0, st
    check_conv_consistent(st)
    lab.shot(f"{name}-conv", s)


def opt_rows(lab, s: str) -> dict:
    return lab.eval(
        """(s) => Object.fromEntries([...document.querySelector(s).querySelectorAll('.mg-opt-row')]
        .map(r => [r.dataset.opt, [...r.querySelectorAll('td')].map(td => td.innerText)]))""",
        s,
    )


def check_playground(lab, s: str, name: str) -> None:
    rows = opt_rows(lab, s)
    assert "SGD" in rows and "Adam" in rows, rows
    plot = f"{s} .mg-opt-plot img"
    old_img = img_src(lab, plot)
    press(lab, f"{s} .mg-opt-lr-sgd .noUi-handle", "ArrowRight", 2)  # lr × 10^0.2 ≈ 1.6
    want = lab.eval("(s) => document.querySelector(s + ' .mg-opt-lr-sgd .widget-readout').innerText", s)
    lab.wait_for(
        "([s, want]) => [...document.querySelector(s).querySelectorAll('.mg-opt-row')]"
        ".some(r => r.dataset.opt === 'SGD' && parseFloat(r.children[1].innerText) === parseFloat(want))",
        [s, want],
        "the SGD row to show the new learning rate",
    )
    lab.settle(s)
    wait_new_img(lab, plot, old_img, "a new trajectory plot")
    new = opt_rows(lab, s)
    assert float(new["SGD"][1]) > float(rows["SGD"][1]) and new["SGD"][2] != rows["SGD"][2], (rows, new)
    assert new["Adam"] == rows["Adam"]  # only SGD's learning rate moved
    lab.shot(f"{name}-playground", s)
    old_img = img_src(lab, plot)
    lab.page.locator(f"{s} .mg-opt-surface select").select_option(label="Beale")
    lab.wait_for(
        "(s) => parseFloat(document.querySelector(s + ' .mg-opt-lr-sgd .widget-readout').innerText) === 0.01",
        s,
        "the Beale surface's SGD learning rate",
    )
    lab.settle(s)
    wait_new_img(lab, plot, old_img, "the Beale plot")


def fm_info(lab, s: str) -> str:
    return lab.eval("(s) => document.querySelector(s).querySelector('.mg-fm-info').innerText", s)


def check_features(lab, s: str, name: str) -> None:
    acts, filt = f"{s} .mg-fm-acts img", f"{s} .mg-fm-filters img"
    assert fm_info(lab, s).startswith("layer 0: ")
    a0, f0 = img_src(lab, acts), img_src(lab, filt)
    lab.page.locator(f"{s} .mg-fm-layer select").select_option(index=3)
    lab.wait_for(
        "(s) => document.querySelector(s).querySelector('.mg-fm-info').innerText.startsWith('layer 3:')",
        s,
        "layer 3",
    )
    lab.settle(s)
    wait_new_img(lab, acts, a0, "layer 3 activations")
    wait_new_img(lab, filt, f0, "layer 3 filters")
    m = re.search(r"channels (\d+)–(\d+)", fm_info(lab, s))
    assert m, fm_info(lab, s)
    lo, hi = int(m.group(1)), int(m.group(2))
    a1 = img_src(lab, acts)
    press(lab, f"{s} .mg-fm-channels .noUi-handle", "ArrowLeft", 2, nth=1)  # the upper handle
    lab.wait_for(
        "([s, t]) => document.querySelector(s).querySelector('.mg-fm-info').innerText.includes(t)",
        [s, f"channels {lo}–{hi - 2}"],
        "two fewer channels",
    )
    lab.settle(s)
    wait_new_img(lab, acts, a1, "activations of fewer channels")
    lab.shot(f"{name}-features", s)
    info = fm_info(lab, s)
    lab.page.locator(f"{s} .mg-fm-image select").select_option(index=1)
    lab.wait_for(
        "([s, old]) => document.querySelector(s).querySelector('.mg-fm-info').innerText !== old",
        [s, info],
        "another image",
    )
    lab.settle(s)


def check_monitor(lab, s: str, name: str) -> None:
    st = lab.eval(
        """(s) => { const r = document.querySelector(s);
        return {status: r.querySelector('.mg-monitor-status').innerText,
                bar: r.querySelector('.mg-monitor-bar')?.innerText ?? '',
                img: !!r.querySelector('.mg-monitor-plot img')}; }""",
        s,
    )
    assert re.search(r"step \d+", st["status"]) and "loss" in st["status"] and st["img"], st
    assert "100%" in st["bar"], st  # the tqdm bar finished
    lab.wait_images(s)
    lab.shot(f"{name}-monitor", s)


CHECKS = {
    "graph": check_graph,
    "conv": check_conv,
    "playground": check_playground,
    "features": check_features,
    "monitor": check_monitor,
}


@pytest.mark.parametrize("notebook", _notebooks())
def test_widgets_in_jupyterlab(lab_page, notebook, tmp_path):
    path = write_demo(notebook[5:], tmp_path) if notebook.startswith("demo:") else Path(notebook)
    lab = lab_page(path)
    found = {}
    for kind, cls in ROOT_CLASSES.items():
        n = lab.eval(
            "([c, k]) => { const els = [...document.querySelectorAll('.' + c)];"
            " els.forEach((e, i) => e.setAttribute('data-mg-test', k + i)); return els.length; }",
            [cls, kind],
        )
        if n:
            found[kind] = n
    assert found, f"{path.name} shows no minigrad.viz widget"
    if path.stem in EXPECTED:
        assert set(found) == EXPECTED[path.stem], found
    for kind, n in found.items():
        for i in range(n):
            s = f'[data-mg-test="{kind}{i}"]'
            lab.page.locator(s).evaluate("e => e.scrollIntoView({block: 'start'})")
            t0 = time.monotonic()
            CHECKS[kind](lab, s, f"{kind}{i}")
            print(f"[timing] {path.name}: {kind}{i} checked in {time.monotonic() - t0:.1f} s", flush=True)
    assert not lab.errors, lab.errors
