"""Every minigrad.viz widget in a real JupyterLab + Chromium: run all cells, use each widget's controls like a
student (keyboard on slider handles, dropdown picks, the Play button) and check that each view changed as it
should, with no page errors. Screenshots (1400×900) go to $MG_SHOT_DIR (default /tmp/viz/shots).

Which notebooks: $MG_BROWSER_NOTEBOOKS = "chapters" (the default: every solutions/*.ipynb that uses
minigrad.viz, served from a temp copy, plus the generated `demo_graphs` — a LeNet-5 loss grouped by layer
and a 302-call recurrence — and `demo_monitor` — a 6-second training run), "demo" (all generated
notebooks), or a comma-separated list of notebook paths or demo names. Each notebook gets one server;
every widget found in it is checked, and the graphs and the monitor of the generated notebooks in depth.
Latencies are printed as `[timing]` lines (run with -s to see them).

    python -m pytest -p no:cacheprovider tests/browser                     # the chapters, a few minutes
    MG_BROWSER_NOTEBOOKS=demo_graphs python -m pytest -s tests/browser     # one notebook, ~1 min
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
    "histograms": "mg-layer-histograms",
}
EXPECTED = {
    "demo_autograd": {"graph", "playground", "monitor"},
    "demo_cnn": {"conv", "features", "graph"},
    "demo_graphs": {"graph"},
    "demo_monitor": {"monitor"},
}


def _notebooks() -> list:
    spec = os.environ.get("MG_BROWSER_NOTEBOOKS", "chapters")
    if spec == "demo":
        return [pytest.param(f"demo:{name}", id=name) for name in DEMOS]
    if spec == "chapters":
        paths = [p for p in sorted((REPO / "solutions").glob("*.ipynb")) if "minigrad.viz" in p.read_text()]
        demos = ["demo_graphs", "demo_monitor"]
        return [pytest.param(str(p), id=p.stem) for p in paths] + [
            pytest.param(f"demo:{d}", id=d) for d in demos
        ]
    out = []
    for item in (x.strip() for x in spec.split(",") if x.strip()):
        if item in DEMOS:
            out.append(pytest.param(f"demo:{item}", id=item))
        else:
            out.append(pytest.param(item, id=Path(item).stem))
    return out


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


GRAPH_STATE = """(s) => { const r = document.querySelector(s);
    const nodes = [...r.querySelectorAll('.mg-graph g.mg-node')];
    const scroll = r.querySelector('.mg-graph-scroll').getBoundingClientRect();
    const visible = (g) => { const b = g.getBoundingClientRect();
        return b.width > 0 && b.bottom > scroll.top && b.top < scroll.bottom && b.right > scroll.left
            && b.left < scroll.right; };
    const cur = nodes.filter(g => g.dataset.state === 'current' && !g.classList.contains('mg-open'));
    const labels = nodes.map(g => g.dataset.label);
    const options = [...r.querySelectorAll('.mg-node-select select option')].map(o => o.textContent
        .replace(/\u00a0/g, ' '));
    const refs = [...r.querySelectorAll('.mg-graph-status .mg-ref')].map(e => e.dataset.node);
    const drawn = new Set(nodes.map(g => g.id.slice(8)));
    const sel = r.querySelector('.mg-node-select select');
    return {done: nodes.filter(g => g.classList.contains('mg-fn') && g.dataset.state === 'done').length,
            current: cur.map(g => g.id), currentInView: cur.map(visible),
            withgrad: nodes.filter(g => { const t = g.querySelector('.mg-gtext');
                return (t && !t.textContent.includes('—'))
                    || (g.classList.contains('mg-copy') && g.dataset.state === 'complete'); }).length,
            selected: nodes.filter(g => g.classList.contains('mg-selected')).map(g => g.id),
            status: r.querySelector('.mg-graph-status').innerText,
            undrawnRefs: refs.filter(n => !drawn.has(n)),
            undrawnOptions: options.filter(o => !labels.some(l => o.replace(/^▸ /, '').startsWith(l + ' '))),
            picked: sel.selectedIndex >= 0 ? options[sel.selectedIndex] : null,
            closed: nodes.filter(g => g.classList.contains('mg-closed')).map(g => g.id),
            open: nodes.filter(g => g.classList.contains('mg-open')).map(g => g.id),
            nodes: nodes.length,
            renders: Number(r.querySelector('.mg-graph-canvas').dataset.renders || 0),
            patches: Number(r.querySelector('.mg-graph-canvas').dataset.patches || 0),
            scrollTop: r.querySelector('.mg-graph-scroll').scrollTop,
            dropdownRight: sel.getBoundingClientRect().right}; }"""


def graph_state(lab, s: str) -> dict:
    return lab.eval(GRAPH_STATE, s)


def assert_names_drawn(st: dict) -> None:
    """Every name in the status line and in the dropdown is a node of the picture."""
    assert not st["undrawnRefs"], st
    assert not st["undrawnOptions"], st


def step_once(lab, s: str, k: int) -> float:
    """Press → on the slider to reach step k; wait until the status says so and the canvas got its patch
    (or, when the view had to follow the call out of a time step shown on its own, its new SVG).
    Returns the browser-side latency in ms (key press to both DOM updates, measured in the page)."""
    lab.eval(
        """([s, k]) => { const r = document.querySelector(s);
        const canvas = r.querySelector('.mg-graph-canvas'), status = r.querySelector('.mg-graph-status');
        const before = Number(canvas.dataset.patches || 0), renders = Number(canvas.dataset.renders || 0);
        window.__mgT0 = performance.now();
        window.__mgDone = new Promise(resolve => {
            const check = () => status.innerText.includes(`step ${k} /`)
                && (Number(canvas.dataset.patches || 0) > before
                    || Number(canvas.dataset.renders || 0) > renders);  // a focus change redraws it all
            const obs = new MutationObserver(() => { if (check()) { obs.disconnect();
                resolve(performance.now() - window.__mgT0); } });
            obs.observe(r, {subtree: true, childList: true, characterData: true, attributes: true});
        }); }""",
        [s, k],
    )
    press(lab, f"{s} .mg-step-slider .noUi-handle", "ArrowRight")
    try:
        return float(
            lab.eval(
                "(ms) => Promise.race([window.__mgDone,"
                " new Promise((_, no) => setTimeout(() => no('timeout'), ms))])",
                60000,
            )
        )
    except Exception as e:
        lab.shot(f"FAILED-step{k}")
        raise AssertionError(f"step {k} did not arrive: {e}") from None


def check_graph(lab, s: str, name: str) -> None:
    st = graph_state(lab, s)
    if "step 0 /" not in st["status"]:  # an in-depth check ran first: back to the start
        press(lab, f"{s} .mg-step-slider .noUi-handle", "Home")
        st = wait_graph(lab, s, "st.status.includes('step 0 /')", None, "back to step 0")
    assert st["done"] == 0 and st["current"] == [] and "step 0 /" in st["status"], st
    assert_names_drawn(st)
    assert st["dropdownRight"] <= 1400, st  # the dropdown is on screen
    total = int(re.search(r"step 0 / (\d+)", st["status"]).group(1))
    k = min(3, total - 1)  # leave room for Play to advance
    for i in range(1, k + 1):
        step_once(lab, s, i)
    lab.settle(s)
    st3 = graph_state(lab, s)
    assert len(st3["current"]) == 1 and st3["currentInView"] == [True], st3
    m = re.search(r"call #(\d+)", st3["status"])
    if "inside" not in st3["status"]:  # the highlighted call is the one the status describes
        assert st3["current"] == [f"mg-node-f{m.group(1)}"], st3
    assert st3["withgrad"] > st["withgrad"], (st, st3)  # gradients filled in as they arrived
    assert_names_drawn(st3)
    lab.shot(f"{name}-step{k}", s)

    before = st3["picked"]
    lab.page.locator(f"{s} .mg-node-select select").select_option(index=1)
    lab.wait_for(
        "([s, before]) => { const sel = document.querySelector(s + ' .mg-node-select select');"
        " const g = [...document.querySelector(s).querySelectorAll('.mg-graph g.mg-selected')];"
        " const opt = sel.options[sel.selectedIndex]?.textContent.replace(/\\u00a0/g, ' ') ?? '';"
        " return sel.selectedIndex === 1 && g.length >= 1"
        " && g.every(n => opt.replace(/^▸ /, '').startsWith(n.dataset.label + ' ')); }",
        [s, before],
        "the picked node (and only it) to be outlined",
    )
    lab.settle(s)
    st = graph_state(lab, s)
    picked = lab.eval(
        "(s) => document.querySelector(s).querySelector('.mg-graph g.mg-selected').dataset.label", s
    )
    assert st["picked"].replace("▸ ", "").startswith(picked + " "), st
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
    assert k < now <= total and len(st["current"]) == 1 and st["currentInView"] == [True], st
    assert_names_drawn(st)


def click_node(lab, s: str, nid: str, part: str = "") -> None:
    """Click a node like a user: its title bar (`part=".mg-head"`) or its middle."""
    target = lab.page.locator(f"{s} #mg-node-{nid} {part or '.mg-box'}").first
    target.scroll_into_view_if_needed()
    if part:
        target.click()
    else:  # the middle of the body, below a group's title bar
        box = target.bounding_box()
        lab.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7)


def wait_graph(lab, s: str, js_condition: str, arg: object, what: str) -> dict:
    lab.wait_for(f"([s, a]) => {{ const st = ({GRAPH_STATE})(s); return {js_condition}; }}", [s, arg], what)
    lab.settle(s)
    return graph_state(lab, s)


def check_lenet_graph(lab, s: str, name: str) -> None:
    """LeNet-5 as 12 closed layer boxes; stepping through the whole backward pass never loses the orange
    node, clicking selects, the title bar opens a layer."""
    st = graph_state(lab, s)
    assert len(st["closed"]) == 12 and st["open"] == [], st
    labels = lab.eval(
        "(s) => [...document.querySelectorAll(s + ' .mg-graph g.mg-closed')].map(g => g.dataset.label)", s
    )
    assert labels[0] == "0: Conv2d" and labels[-1] == "11: Linear", labels
    total = int(re.search(r"step 0 / (\d+)", st["status"]).group(1))
    lat = []
    for k in range(1, total + 1):
        lat.append(step_once(lab, s, k))
        st = graph_state(lab, s)
        assert len(st["current"]) == 1 and st["currentInView"] == [True], (k, st)
        assert_names_drawn(st)
    print(
        f"[timing] LeNet step latency in the browser: median {sorted(lat)[len(lat) // 2]:.0f} ms, "
        f"max {max(lat):.0f} ms over {len(lat)} steps",
        flush=True,
    )
    lab.shot(f"{name}-lenet-last-step", s)
    click_node(lab, s, "g7")  # 7: Linear
    st = wait_graph(lab, s, "st.selected.includes('mg-node-g7')", None, "7: Linear selected by a click")
    assert st["picked"].startswith("▸ 7: Linear"), st
    renders = st["renders"]
    click_node(lab, s, "g7", ".mg-th")  # its title bar opens it
    st = wait_graph(lab, s, "st.open.includes('mg-node-g7')", None, "7: Linear opened")
    assert st["renders"] == renders + 1 and len(st["closed"]) == 11, st
    inside = lab.eval(
        "(s) => [...document.querySelectorAll(s + ' .mg-graph g.mg-node')].map(g => g.dataset.label)", s
    )
    assert "7.weight" in inside and "7.bias" in inside and any(x.startswith("MatMul") for x in inside), inside
    assert_names_drawn(st)
    lab.shot(f"{name}-lenet-open-linear", s)


def check_recurrence_graph(lab, s: str, name: str) -> None:
    """The 302-call recurrence: 60 closed time steps, stepping sends patches (no new SVG) and keeps the
    orange node in view, zoom to fit, a minimap, shared weights drawn per use, one time step at a time."""
    out = lab.eval(
        "(s) => document.querySelector(s).closest('.jp-Cell').querySelector('.jp-OutputArea').innerText", s
    )
    print(out.strip().splitlines()[0], flush=True)
    st = graph_state(lab, s)
    total = int(re.search(r"step 0 / (\d+)", st["status"]).group(1))
    assert total == 302 and len(st["closed"]) == 60, st
    renders = st["renders"]
    lat = []
    for k in range(1, 41):
        lat.append(step_once(lab, s, k))
        st = graph_state(lab, s)
        assert len(st["current"]) == 1 and st["currentInView"] == [True], (k, st)
    assert st["renders"] == renders, st  # stepping never re-sent the SVG, only the changed nodes
    assert_names_drawn(st)
    print(
        f"[timing] recurrence step latency in the browser: median {sorted(lat)[len(lat) // 2]:.0f} ms, "
        f"max {max(lat):.0f} ms over {len(lat)} steps",
        flush=True,
    )
    lab.shot(f"{name}-rnn-step40", s)
    lab.page.locator(f"{s} .mg-zoom-fit").click()
    fits = lab.eval(
        """(s) => { const sc = document.querySelector(s + ' .mg-graph-scroll'), svg = sc.querySelector('svg');
        const mini = document.querySelector(s + ' .mg-minimap');
        return {fit: svg.getBoundingClientRect().height <= sc.clientHeight + 1
                     && svg.getBoundingClientRect().width <= sc.clientWidth + 1,
                zoom: Number(document.querySelector(s + ' .mg-graph-canvas').dataset.zoom),
                mini: mini.width * mini.height}; }""",
        s,
    )
    assert fits["fit"] and fits["zoom"] < 1 and fits["mini"] > 0, fits
    lab.shot(f"{name}-rnn-fit", s)
    lab.page.locator(f"{s} .mg-zoom-one").click()
    lab.page.locator(f"{s} .mg-graph-focus select").select_option(label="step 30")
    st = wait_graph(lab, s, "st.open.includes('mg-node-g29')", None, "time step 30 on its own")
    labels = lab.eval(
        "(s) => [...document.querySelectorAll(s + ' .mg-graph g.mg-node')].map(g => g.dataset.label)", s
    )
    assert {"step 29", "step 31", "W", "U", "b", "x29"} <= set(labels), labels
    assert st["nodes"] < 30 and st["renders"] == renders + 1, st
    assert_names_drawn(st)
    lab.shot(f"{name}-rnn-step30", s)
    w_copy = lab.eval("(s) => document.querySelector(s + ' .mg-graph g.mg-copy[data-label=\"W\"]').id", s)
    click_node(lab, s, w_copy[8:])
    st = wait_graph(lab, s, "st.picked && st.picked.startsWith('W ')", None, "W picked by a click")
    assert "60 uses" in st["picked"] and w_copy in st["selected"], st


def check_graph_deep(lab, s: str, name: str, notebook: str) -> None:
    """The in-depth graph checks for the generated notebook of real-size graphs."""
    if notebook != "demo_graphs":
        return
    kind = lab.eval("(s) => document.querySelectorAll(s + ' .mg-graph g.mg-closed').length", s)
    if kind == 12:
        check_lenet_graph(lab, s, name)
    else:
        check_recurrence_graph(lab, s, name)


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
    lab.eval(
        """(s) => { window.__mgImgs = 0; const out = document.querySelector(s + ' .mg-opt-plot');
        new MutationObserver(ms => { window.__mgImgs += ms.filter(m => [...m.addedNodes]
            .some(n => n.nodeType === 1 && (n.tagName === 'IMG' || n.querySelector('img')))).length; })
            .observe(out, {subtree: true, childList: true}); }""",
        s,
    )
    lab.page.locator(f"{s} .mg-opt-surface select").select_option(label="Beale")
    lab.wait_for(
        "(s) => parseFloat(document.querySelector(s + ' .mg-opt-lr-sgd .widget-readout').innerText) === 0.01",
        s,
        "the Beale surface's SGD learning rate",
    )
    lab.settle(s)
    wait_new_img(lab, plot, old_img, "the Beale plot")
    time.sleep(1.0)  # a second redraw would come now if one switch caused several
    assert lab.eval("() => window.__mgImgs") == 1, "one surface switch must redraw the plot exactly once"


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
                lines: r.querySelectorAll('.mg-monitor-plot svg polyline.mg-line').length}; }""",
        s,
    )
    assert re.search(r"step \d+", st["status"]) and "loss" in st["status"] and st["lines"] > 0, st
    bar = st["bar"].replace("\u2007", " ")
    assert re.search(r"\d+/(\d+|\?)", bar) and "/s" not in bar, st  # the closed bar: counts, no rate
    lab.shot(f"{name}-monitor", s)


def watch_monitor(samples: list) -> object:
    """A `during` callback: sample the monitor's status and chart every 0.1 s while its cell runs."""

    def during(lab) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            st = lab.eval(
                """() => { const r = document.querySelector('.mg-training-monitor');
                const done = [...document.querySelectorAll('.jp-OutputArea')]
                    .some(o => o.innerText.includes('[timing] monitor:'));  // printed after finish()
                if (!r) return {busy: true, status: '', chart: '', absent: true};
                return {busy: !done, status: r.querySelector('.mg-monitor-status').innerText,
                        chart: [...r.querySelectorAll('.mg-monitor-plot polyline')]
                            .map(p => p.getAttribute('points').length).join(',')}; }"""
            )
            st["t"] = time.monotonic() - t0
            samples.append(st)
            if not st["busy"] and not st.get("absent"):
                break
            time.sleep(0.1)

    return during


def check_monitor_live(samples: list) -> None:
    """During the 6-second run the chart and the status changed again and again, starting right away."""
    running = [x for x in samples if x["busy"] and not x.get("absent")]
    charts = [x["chart"] for x in running if x["chart"]]
    statuses = {x["status"] for x in running if "step" in x["status"]}
    first = next((x["t"] for x in running if x["chart"]), None)
    changes = sum(1 for a, b in zip(charts, charts[1:]) if a != b)
    print(
        f"[timing] monitor: first chart after {first} s of watching, {changes} chart updates and "
        f"{len(statuses)} status texts seen in {len(running)} samples while the cell ran",
        flush=True,
    )
    assert first is not None and first < 2.0, samples[:5]
    assert changes >= 5 and len(statuses) >= 5, (changes, len(statuses))


HIST_STATE = """(s) => { const r = document.querySelector(s);
    return {status: r.querySelector('.mg-hist-status').innerText,
            rows: r.querySelectorAll('.mg-hist-plot g.mg-hist-row').length,
            bars: r.querySelectorAll('.mg-hist-plot rect').length,
            stds: [...r.querySelectorAll('.mg-hist-plot g.mg-hist-act')].map(g => g.dataset.std).join(','),
            trend: r.querySelectorAll('.mg-hist-trend svg polyline').length}; }"""


def check_histograms(lab, s: str, name: str) -> None:
    """Stored histograms for the last snapshot; the slider goes back in time and the bars change with it."""
    st = lab.eval(HIST_STATE, s)
    m = re.search(r"snapshot (\d+) of (\d+)", st["status"])
    assert m and m[1] == m[2] and int(m[2]) > 1, st  # the slider followed the run to its end
    assert st["rows"] > 0 and st["bars"] > st["rows"] and st["trend"] > 0, st
    lab.shot(f"{name}-histograms", s)
    press(lab, f"{s} .mg-hist-slider .noUi-handle", "ArrowLeft", int(m[2]) - 1)
    lab.wait_for(
        "(s) => /snapshot 1 of/.test(document.querySelector(s).querySelector('.mg-hist-status').innerText)",
        s,
        "the first snapshot after moving the slider to the start",
    )
    lab.settle(s)
    first = lab.eval(HIST_STATE, s)
    assert first["rows"] == st["rows"] and first["stds"] != st["stds"], (st, first)


CHECKS = {
    "graph": check_graph,
    "conv": check_conv,
    "playground": check_playground,
    "features": check_features,
    "monitor": check_monitor,
    "histograms": check_histograms,
}


@pytest.mark.parametrize("notebook", _notebooks())
def test_widgets_in_jupyterlab(lab_page, notebook, tmp_path):
    path = write_demo(notebook[5:], tmp_path) if notebook.startswith("demo:") else Path(notebook)
    samples: list = []
    lab = lab_page(path, during=watch_monitor(samples) if path.stem == "demo_monitor" else None)
    if path.stem == "demo_monitor":
        check_monitor_live(samples)
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
            if kind == "graph":
                check_graph_deep(lab, s, f"{kind}{i}", path.stem)
            CHECKS[kind](lab, s, f"{kind}{i}")
            print(f"[timing] {path.name}: {kind}{i} checked in {time.monotonic() - t0:.1f} s", flush=True)
    assert not lab.errors, lab.errors
