"""GraphCanvas: the browser side of the graph viewer (an anywidget: a few lines of JavaScript, no build step).

Python lays out and draws the SVG; this widget only shows it and handles what must happen in the browser:
zoom (buttons, ctrl + wheel), pan (drag, scroll bars, a minimap), keeping the call being processed in view,
applying the small per-step patches the kernel sends (the looks of the nodes that changed) instead of a new
SVG, and telling the kernel which node was clicked. The SVG is kept in the `svg` trait, so a saved notebook
shows the picture as it was last drawn in full.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
function render({ model, el }) {
  el.classList.add("mg-graph-canvas");
  const bar = document.createElement("div");
  bar.className = "mg-graph-toolbar";
  bar.innerHTML =
    '<button class="mg-zoom-out" title="zoom out">−</button>' +
    '<button class="mg-zoom-in" title="zoom in">+</button>' +
    '<button class="mg-zoom-fit" title="fit the whole graph">fit</button>' +
    '<button class="mg-zoom-one" title="actual size">1:1</button>' +
    '<span class="mg-zoom-level">100%</span>' +
    '<label class="mg-follow"><input type="checkbox"> follow the call being processed</label>' +
    '<span class="mg-hint">drag to pan · ctrl+wheel to zoom · click a node to inspect it, ' +
    'a box title to open it</span>';
  const body = document.createElement("div");
  body.className = "mg-graph-body";
  const scroll = document.createElement("div");
  scroll.className = "mg-graph-scroll";
  const mini = document.createElement("canvas");
  mini.className = "mg-minimap";
  mini.title = "minimap: click or drag to move the view";
  body.append(scroll, mini);
  el.append(bar, body);
  const follow = bar.querySelector(".mg-follow input");
  let zoom = 1, W0 = 1, H0 = 1, svg = null, index = {}, hot = null, patches = 0;

  function setHeight() {
    const h = model.get("height");
    scroll.style.height = h + "px";
    mini.height = h;
  }
  function applyZoom(z, cx, cy) {
    // keep the point (cx, cy) of the scroll box where it is on screen
    const fx = (scroll.scrollLeft + cx) / zoom, fy = (scroll.scrollTop + cy) / zoom;
    zoom = Math.min(4, Math.max(0.05, z));
    if (svg) {
      svg.setAttribute("width", W0 * zoom);
      svg.setAttribute("height", H0 * zoom);
    }
    scroll.scrollLeft = fx * zoom - cx;
    scroll.scrollTop = fy * zoom - cy;
    bar.querySelector(".mg-zoom-level").textContent = Math.round(zoom * 100) + "%";
    el.dataset.zoom = zoom.toFixed(3);
    drawMini();
  }
  function fit() {
    const z = Math.min(scroll.clientWidth / W0, scroll.clientHeight / H0, 1);
    applyZoom(z, 0, 0);
    scroll.scrollLeft = 0;
    scroll.scrollTop = 0;
    drawMini();
  }
  function loadSvg() {
    const left = scroll.scrollLeft, top = scroll.scrollTop;
    scroll.innerHTML = model.get("svg");
    svg = scroll.querySelector("svg");
    index = {};
    if (!svg) return;
    W0 = parseFloat(svg.getAttribute("width")) || 1;
    H0 = parseFloat(svg.getAttribute("height")) || 1;
    for (const g of svg.querySelectorAll("g.mg-node")) index[g.id.slice(8)] = g;
    hot = model.get("hot") || null;
    applyZoom(zoom, 0, 0);
    scroll.scrollLeft = left;
    scroll.scrollTop = top;
    el.dataset.renders = String(Number(el.dataset.renders || 0) + 1);
    const f = model.get("focus_node");
    if (f) reveal(f);
    drawMini();
  }
  function setAttrs(e, attrs) {
    for (const [n, v] of Object.entries(attrs)) {
      if (n === "stroke-dasharray" && v === "none") e.removeAttribute(n);
      else e.setAttribute(n, v);
    }
  }
  function applyLook(id, p) {
    const g = index[id];
    if (!g) return;
    g.setAttribute("class", p.c);
    g.dataset.state = p.s;
    g.querySelector("title").textContent = p.ti;
    for (const [part, attrs] of Object.entries(p.a))
      for (const e of g.querySelectorAll(".mg-" + part)) setAttrs(e, attrs);
    for (const [part, text] of Object.entries(p.t || {}))
      for (const e of g.querySelectorAll(".mg-" + part)) e.textContent = text;
  }
  function setHot(id) {
    for (const e of scroll.querySelectorAll("path.mg-edge.mg-hot")) {
      e.classList.remove("mg-hot");
      e.setAttribute("stroke", "#8a8a8a");
      e.setAttribute("stroke-width", "1.2");
      e.setAttribute("marker-end", "url(#mg-arrow)");
    }
    hot = id;
    if (!id) return;
    const sel = `path.mg-edge[data-from="${id}"], path.mg-edge[data-to="${id}"]`;
    for (const e of scroll.querySelectorAll(sel)) {
      e.classList.add("mg-hot");
      e.setAttribute("stroke", "#e07000");
      e.setAttribute("stroke-width", "2.2");
      e.setAttribute("marker-end", "url(#mg-arrow-hot)");
    }
  }
  function reveal(id) {
    // scroll (only if needed) so the node is inside the visible box, with a margin
    const g = index[id];
    if (!g || !follow.checked) return;
    const b = g.getBoundingClientRect(), s = scroll.getBoundingClientRect(), m = 40;
    const x0 = b.left - s.left + scroll.scrollLeft, y0 = b.top - s.top + scroll.scrollTop;
    if (y0 - m < scroll.scrollTop || y0 + b.height + m > scroll.scrollTop + scroll.clientHeight)
      scroll.scrollTop = y0 + b.height / 2 - scroll.clientHeight / 2;
    if (x0 - m < scroll.scrollLeft || x0 + b.width + m > scroll.scrollLeft + scroll.clientWidth)
      scroll.scrollLeft = x0 + b.width / 2 - scroll.clientWidth / 2;
    drawMini();
  }
  function drawMini() {
    if (!svg) return;
    const mw = mini.clientWidth || 120, mh = mini.clientHeight || model.get("height");
    mini.width = mw;
    mini.height = mh;
    const k = Math.min(mw / W0, mh / H0);
    const ctx = mini.getContext("2d");
    ctx.clearRect(0, 0, mw, mh);
    for (const g of Object.values(index)) {
      const r = g.querySelector(".mg-box");
      const x = +r.getAttribute("x"), y = +r.getAttribute("y");
      const open = g.classList.contains("mg-open");
      ctx.fillStyle = open ? "rgba(0,0,0,0)" : (r.getAttribute("fill") || "#fff");
      ctx.strokeStyle = g.classList.contains("mg-current") ? "#e07000" : "#888";
      ctx.lineWidth = g.classList.contains("mg-current") ? 2 : 0.5;
      const w = Math.max(r.getAttribute("width") * k, 1.5), h = Math.max(r.getAttribute("height") * k, 1.5);
      if (!open) ctx.fillRect(x * k, y * k, w, h);
      ctx.strokeRect(x * k, y * k, w, h);
    }
    ctx.strokeStyle = "#7b2cbf";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(scroll.scrollLeft / zoom * k, scroll.scrollTop / zoom * k,
                   scroll.clientWidth / zoom * k, scroll.clientHeight / zoom * k);
  }
  function miniJump(e) {
    const r = mini.getBoundingClientRect();
    const k = Math.min(mini.width / W0, mini.height / H0);
    scroll.scrollLeft = ((e.clientX - r.left) / k) * zoom - scroll.clientWidth / 2;
    scroll.scrollTop = ((e.clientY - r.top) / k) * zoom - scroll.clientHeight / 2;
    drawMini();
  }
  let miniDown = false;
  mini.addEventListener("mousedown", (e) => { miniDown = true; miniJump(e); });
  window.addEventListener("mouseup", () => { miniDown = false; });
  mini.addEventListener("mousemove", (e) => { if (miniDown) miniJump(e); });

  let drag = null;
  scroll.addEventListener("mousedown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, l: scroll.scrollLeft, t: scroll.scrollTop, moved: false };
  });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
    if (drag.moved) {
      scroll.scrollLeft = drag.l - dx;
      scroll.scrollTop = drag.t - dy;
    }
  });
  window.addEventListener("mouseup", () => { setTimeout(() => { drag = null; }, 0); });
  scroll.addEventListener("click", (e) => {
    if (drag && drag.moved) return;
    const g = e.target.closest("g.mg-node");
    if (!g) return;
    const toggle = e.target.closest(".mg-toggle") !== null;
    model.send({ event: toggle ? "toggle" : "click", node: g.id.slice(8) });
  });
  scroll.addEventListener("scroll", drawMini);
  scroll.addEventListener("wheel", (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    const r = scroll.getBoundingClientRect();
    applyZoom(zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  const middle = (z) => () => applyZoom(z(), scroll.clientWidth / 2, scroll.clientHeight / 2);
  bar.querySelector(".mg-zoom-in").onclick = middle(() => zoom * 1.25);
  bar.querySelector(".mg-zoom-out").onclick = middle(() => zoom / 1.25);
  bar.querySelector(".mg-zoom-one").onclick = middle(() => 1);
  bar.querySelector(".mg-zoom-fit").onclick = fit;
  follow.checked = model.get("follow");
  follow.onchange = () => { model.set("follow", follow.checked); model.save_changes(); };

  model.on("change:svg", loadSvg);
  model.on("change:height", () => { setHeight(); drawMini(); });
  model.on("change:follow", () => { follow.checked = model.get("follow"); });
  model.on("msg:custom", (msg) => {
    if (msg.nodes) for (const [id, p] of Object.entries(msg.nodes)) applyLook(id, p);
    if ("hot" in msg) setHot(msg.hot);
    patches += 1;
    el.dataset.patches = String(patches);
    el.dataset.patchedAt = String(performance.now());
    if (msg.reveal) reveal(msg.reveal);
    else drawMini();
  });
  setHeight();
  loadSvg();
  model.send({ event: "ready" });
  requestAnimationFrame(() => { const f = model.get("focus_node"); if (f) reveal(f); drawMini(); });
}
export default { render };
"""

_CSS = """
.mg-graph-canvas { display: flex; flex-direction: column; min-width: 0; width: 100%; }
.mg-graph-toolbar { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; font-size: 12px;
  margin-bottom: 4px; }
.mg-graph-toolbar button { min-width: 28px; padding: 1px 6px; cursor: pointer; }
.mg-graph-toolbar .mg-zoom-level { width: 42px; text-align: right; color: #555; }
.mg-graph-toolbar .mg-hint { color: #777; margin-left: 8px; }
.mg-graph-body { display: flex; gap: 6px; min-width: 0; }
.mg-graph-scroll { flex: 1 1 auto; min-width: 0; overflow: auto; border: 1px solid #dddddd;
  background: #ffffff; cursor: grab; }
.mg-graph-scroll svg { display: block; }
.mg-graph-scroll g.mg-node { cursor: pointer; }
.mg-graph-scroll .mg-toggle { cursor: zoom-in; }
.mg-graph-scroll g.mg-open .mg-toggle { cursor: zoom-out; }
.mg-minimap { flex: 0 0 120px; width: 120px; border: 1px solid #dddddd; background: #fafafa;
  cursor: crosshair; }
"""


class GraphCanvas(anywidget.AnyWidget):
    """The zoomable, clickable SVG of a GraphViewer (see the module docstring)."""

    _esm = _ESM
    _css = _CSS
    svg = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(560).tag(sync=True)
    follow = traitlets.Bool(True).tag(sync=True)
    hot = traitlets.Unicode("").tag(sync=True)  # the node whose edges are highlighted when the SVG was drawn
    focus_node = traitlets.Unicode("").tag(sync=True)  # the node to bring into view after a full redraw
