"""Draw a recorded computation graph and step through its backward pass.

`graph_svg(root)` / `draw_graph(root)` give a static picture, `to_dot(root)` a Graphviz description, and
`GraphViewer(root)` an interactive widget: a slider (and Play button) replays the backward pass call by call,
the picture follows the call being processed, and clicking a node (or picking it in the dropdown) shows its
data and gradient. Graphs of a model are grouped into one box per layer (see `graphdata`), closed at first
when there are more than a handful; unrolled loops are grouped by time step and can be shown one at a time.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.tensor import Tensor
from minigrad.viz import svg as S
from minigrad.viz.canvas import GraphCanvas
from minigrad.viz.common import show_figure, tile
from minigrad.viz.graphdata import (
    COMPACT_ABOVE,
    GradHistory,
    Graph,
    Step,
    build_graph,
    replay_backward,
    shape_text,
    summary,
)
from minigrad.viz.graphview import View

__all__ = ["COMPACT_ABOVE", "GraphViewer", "Step", "build_graph", "draw_graph", "graph_svg", "to_dot"]
CLOSED_ABOVE = 4  # models with more top-level groups than this start with every group closed


def _static_view(root: Tensor, model: Any, names: dict[str, Tensor] | None, compact: bool | None) -> View:
    g = build_graph(root, model, names, compact)
    grads = {
        nid: n.obj.grad.data for nid, n in g.nodes.items() if n.kind == "tensor" and n.obj.grad is not None
    }
    return View(g, GradHistory(g, [], static=grads), _default_open(g))


def _default_open(g: Graph) -> set[str]:
    tops = [m for m in g.top if m in g.groups]
    return set() if len(tops) > CLOSED_ABOVE else set(g.groups)


def graph_svg(
    root: Tensor, *, model: Any = None, names: dict[str, Tensor] | None = None, compact: bool | None = None
) -> str:
    """SVG text of the graph behind `root`, showing each tensor's current data and .grad (no replay)."""
    v = _static_view(root, model, names, compact)
    return v.svg(v.looks(0, set(), None), 0)


def draw_graph(root: Tensor, **kwargs: Any) -> Any:
    """Show the graph behind `root` in a notebook (an IPython SVG display object)."""
    from IPython.display import SVG

    return SVG(graph_svg(root, **kwargs))


def to_dot(root: Tensor, *, model: Any = None, names: dict[str, Tensor] | None = None) -> str:
    """Graphviz DOT text of the graph (`dot -Tsvg`), for those who have Graphviz installed; groups become
    clusters."""
    g = build_graph(root, model, names, compact=False)
    out = ["digraph minigrad {", '  rankdir=BT; node [fontname="DejaVu Sans Mono", fontsize=11];']

    def node_line(nid: str) -> str:
        n = g.nodes[nid]
        if n.kind == "fn":
            return f'{nid} [shape=box, style=filled, fillcolor="#ffffff", label="{n.label}"];'
        t = n.obj
        lab = n.label if n.const else f"{n.label} {shape_text(n.shape)}"
        if t.grad is not None:
            lab += "\\n" + summary(t.grad.data, "grad")
        style = 'style="rounded,filled", fillcolor="#e6e6e6"' if not t.requires_grad else "style=rounded"
        return f'{nid} [shape=box, {style}, label="{lab}"];'

    def emit(members: list[str], indent: str) -> None:
        for nid in members:
            if nid in g.groups:
                out.append(f"{indent}subgraph cluster_{nid} {{")
                out.append(f'{indent}  label="{g.groups[nid].label}";')
                emit(g.groups[nid].members, indent + "  ")
                out.append(f"{indent}}}")
            elif g.nodes[nid].kind != "copy":
                out.append(indent + node_line(nid))

    emit(g.top + [n for n in g.order if g.nodes[n].kind == "tensor" and g.nodes[n].parent is None], "  ")
    out.extend(f"  {a} -> {b};" for a, b in g.edges)
    out.append("}")
    return "\n".join(out) + "\n"


def _heat(ax: Any, a: np.ndarray | None, title: str) -> None:
    import matplotlib.pyplot as plt

    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if a is None:
        ax.text(
            0.5,
            0.5,
            "not computed yet",
            ha="center",
            va="center",
            fontsize=11,
            color="#777777",
            transform=ax.transAxes,
        )
        for sp in ax.spines.values():
            sp.set_color("#cccccc")
        return
    if a.size == 1:  # a scalar: the number says more than a one-pixel heatmap
        ax.text(
            0.5,
            0.5,
            S.num(np.asarray(a).reshape(()).item(), 4),
            ha="center",
            va="center",
            fontsize=22,
            transform=ax.transAxes,
        )
        return
    img = tile(a)
    m = float(np.nanmax(np.abs(img))) if np.isfinite(img).any() else 0.0
    m = m if m > 0 else 1.0
    aspect = "equal" if np.ndim(a) >= 3 else "auto"  # tiles of images/filters keep their square pixels
    im = ax.imshow(img, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest", aspect=aspect)
    if img.size <= 36:  # tiny tensors (the chapter examples): print the numbers too
        for (i, j), v in np.ndenumerate(img):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    S.num(v, 2),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if abs(v) > 0.6 * m else "black",
                )
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.03)


def _legend_svg(hist: GradHistory, grouped: bool) -> str:
    w, h = 760, 84 if grouped else 64
    parts = [S.svg_open(w, h, "mg-legend")]
    x = 8.0
    for fill, stroke, label in (
        (S.PENDING, "#555555", "call not reached"),
        (S.DONE, "#555555", "call done"),
        (S.CURRENT, "#c45a00", "call being processed"),
    ):
        parts.append(f'<rect x="{x}" y="6" width="22" height="14" rx="2" fill="{fill}" stroke="{stroke}"/>')
        parts.append(S.text(x + 28, 17, label, anchor="start"))
        x += 40 + S.text_width(label)
    parts.append(
        f'<rect x="{S.f1(x)}" y="6" width="22" height="14" rx="7" fill="{S.NO_GRAD}" '
        'stroke="#999999" stroke-dasharray="3 2"/>'
    )
    parts.append(S.text(x + 28, 17, "needs no grad", anchor="start"))
    y = 28
    parts.append(S.text(8, y + 11, "tensor fill = mean|grad|:", anchor="start"))
    bx, bw = 8 + S.text_width("tensor fill = mean|grad|:") + 8, 200
    for i in range(24):
        parts.append(
            f'<rect x="{S.f1(bx + i * bw / 24)}" y="{y}" width="{S.f1(bw / 24 + 0.5)}" height="12" '
            f'fill="{S.seq_color(i / 23)}"/>'
        )
    parts.append(
        S.text(
            bx + bw + 6,
            y + 11,
            f"{S.num(10**hist.lo, 2)} … {S.num(10**hist.hi, 2)} (log scale; white = no grad yet)",
            anchor="start",
        )
    )
    y, x = 48, 8
    for extra, label in (
        ('stroke="#555555" stroke-dasharray="5 3"', "gradient partly summed (k/n)"),
        ('stroke="#e07000" stroke-width="3"', "gradient just arrived"),
        ('stroke="#7b2cbf" stroke-width="2.5"', "selected"),
    ):
        parts.append(f'<rect x="{S.f1(x)}" y="{y}" width="22" height="12" rx="6" fill="#ffffff" {extra}/>')
        parts.append(S.text(x + 28, y + 10, label, anchor="start"))
        x += 44 + S.text_width(label)
    if grouped:
        y = 68
        parts.append(
            f'<rect x="8" y="{y}" width="22" height="12" rx="2" fill="#ffffff" stroke="#555555"/>'
            f'<rect x="8" y="{y}" width="22" height="5" fill="{S.DONE}"/>'
        )
        parts.append(
            S.text(
                36,
                y + 10,
                "box = a layer (or time step): title bar = its calls, body = gradient of its output",
                anchor="start",
            )
        )
    parts.append("</svg>")
    return "".join(parts)


class GraphViewer(W.VBox):
    """Interactive view of the graph behind `root` and a replay of its backward pass (see module doc).

    The replay runs `tracer.backward(root, retain_graph=True, hook=...)` once at construction and restores
    every tensor's `.grad` afterwards, so showing a graph never changes your gradients. Build the viewer
    before you call `loss.backward()` yourself (a plain backward releases the graph).

    model: names the parameters (`0.weight`) and the layers' boxes; names: {name: tensor} for other tensors;
    compact: hide unnamed tensors that stay inside one box (default: graphs of more than 40 nodes);
    open: ids or labels of the groups to open at first (default: all of them for up to 4 layers).
    """

    def __init__(
        self,
        root: Tensor,
        *,
        model: Any = None,
        names: dict[str, Tensor] | None = None,
        compact: bool | None = None,
        grad: Any = None,
        height: int = 560,
        open: Any = None,
    ) -> None:
        g = build_graph(root, model, names, compact)
        released = [g.nodes[f].label for f in g.calls if g.nodes[f].obj.released]
        if released:
            raise RuntimeError(
                f"GraphViewer: the graph was already released by a backward() (through {released[0]}); "
                "create the viewer before calling loss.backward(), or call loss.backward(retain_graph=True)"
            )
        self.graph = g
        self.steps = replay_backward(g, grad) if root.requires_grad else []
        self.hist = GradHistory(g, self.steps)
        self.root_id = g.tid[id(root)]
        n = len(self.steps)
        self._busy = False
        self.status = W.HTML().add_class("mg-graph-status")
        self.slider = W.IntSlider(
            value=0,
            min=0,
            max=n,
            description="backward step",
            continuous_update=False,
            style={"description_width": "initial"},
            layout={"width": "420px"},
        ).add_class("mg-step-slider")
        self.play = W.Play(value=0, min=0, max=n, interval=900, description="play backward").add_class(
            "mg-play"
        )
        W.jslink((self.play, "value"), (self.slider, "value"))
        labels = {gid: grp.label for gid, grp in g.groups.items()}
        if open is None:
            opened = _default_open(g)
        else:
            wanted = {open} if isinstance(open, str) else set(open)
            opened = {gid for gid, lab in labels.items() if gid in wanted or lab in wanted}
        depth = {gid: len(g.ancestors(gid)) for gid in g.groups}
        self.open_select = W.SelectMultiple(
            options=[("  " * depth[gid] + lab, gid) for gid, lab in labels.items()],
            value=tuple(gid for gid in g.groups if gid in opened),
            rows=min(8, max(len(labels), 1)),
            description="open",
            layout={"width": "420px", "display": "" if labels else "none"},
        ).add_class("mg-graph-open")
        tops = [m for m in g.top if m in g.groups]
        self.focus = W.Dropdown(
            options=[("the whole graph", "")] + [(labels[gid], gid) for gid in tops],
            value="",
            description="show",
            layout={"width": "300px", "display": "" if tops else "none"},
        ).add_class("mg-graph-focus")
        self.canvas = GraphCanvas(height=height, layout={"flex": "1 1 0%", "min_width": "0"})
        self.canvas.add_class("mg-graph")
        self.node_select = W.Dropdown(description="tensor", layout={"width": "420px"}).add_class(
            "mg-node-select"
        )
        self.heatmap = W.Output(layout={"width": "430px", "min_height": "300px"}).add_class("mg-heatmap")
        self.legend = W.HTML(_legend_svg(self.hist, bool(g.groups))).add_class("mg-graph-legend")
        self._heat_key: tuple[str, int] | None = None
        self.view: View
        self._looks: dict[str, dict] = {}
        self._svg_looks: dict[str, dict] = {}
        self._rebuild(select=self.root_id)
        self.slider.observe(self._on_step, names="value")
        self.node_select.observe(self._on_select, names="value")
        self.open_select.observe(self._on_structure, names="value")
        self.focus.observe(self._on_structure, names="value")
        self.canvas.on_msg(self._on_canvas)
        side = W.VBox(
            [self.node_select, self.open_select, self.heatmap],
            layout={"width": "440px", "min_width": "440px"},
        )
        super().__init__(
            [
                self.status,
                self.legend,
                W.HBox([self.play, self.slider, self.focus], layout={"flex_flow": "row wrap"}),
                W.HBox([self.canvas, side], layout={"width": "100%"}),
            ]
        )
        self.add_class("mg-graph-viewer")

    def __repr__(self) -> str:
        return f"GraphViewer({len(self.view.nodes)} nodes shown, {len(self.steps)} backward calls)"

    # --- what is shown ------------------------------------------------------------------------------
    @property
    def current(self) -> str | None:
        """The call being processed at the slider's step (None at step 0)."""
        k = self.slider.value
        return self.steps[k - 1].fn if 0 < k <= len(self.steps) else None

    def shown(self, nid: str) -> str | None:
        """The drawn node that stands for `nid` (itself, its call's box, or its closed group), if drawn."""
        r: str | None = self.view.rep.get(nid, nid)
        if nid in self.graph.copies:
            c = next((c for c in self.graph.copies[nid] if self.view.rep.get(c) in self.view.nodes), None)
            r = None if c is None else self.view.rep[c]
        return r if r in self.view.nodes or r in self.view.frames else None

    def node_states(self) -> dict[str, str]:
        """node id -> state of every drawn node, as the browser shows it now."""
        return {nid: look["s"] for nid, look in self._looks.items()}

    def _tensor_of(self, key: str) -> str:
        """The tensor whose data and gradient a selectable node stands for."""
        g = self.graph
        if key in g.groups:
            return g.groups[key].output
        if g.nodes[key].kind == "fn":
            return g.tid[id(g.nodes[key].obj.output())]
        return key

    def _options(self) -> list[tuple[str, str]]:
        """Dropdown entries: exactly the selectable nodes of the picture, in recording order."""
        g, v = self.graph, self.view
        out, seen = [], set()
        for nid in v.nodes:
            n = g.nodes[nid]
            if n.kind == "tensor":
                out.append((f"{n.label} {shape_text(n.shape)}", nid))
            elif n.kind == "copy":
                tid = nid.split("_")[0]
                if tid not in seen:
                    seen.add(tid)
                    out.append((f"{n.label} {shape_text(n.shape)} ({len(g.copies[tid])} uses)", tid))
            elif n.kind == "fn":
                out.append((f"{n.label} → {shape_text(g.nodes[self._tensor_of(nid)].shape)}", nid))
            else:
                out.append((f"▸ {n.label} → {shape_text(g.nodes[self._tensor_of(nid)].shape)}", nid))
        return out

    def _selectable(self, nid: str) -> str | None:
        """What clicking a drawn node selects: a tensor, a shared leaf, a call whose output is inside its box,
        or a closed group."""
        g = self.graph
        n = g.nodes.get(nid)
        if n is None or (n.kind == "group" and nid in self.view.open):
            return None
        if n.kind == "copy":
            return nid.split("_")[0]
        if n.kind == "fn":
            out = g.tid[id(n.obj.output())]
            return out if self.shown(out) == out else nid
        return nid

    def _selected_nodes(self) -> set[str]:
        key = self.node_select.value
        if key is None:
            return set()
        if key in self.graph.copies:
            return {c for c in self.graph.copies[key] if c in self.view.nodes}
        return {key} if key in self.view.nodes else set()

    # --- reacting -----------------------------------------------------------------------------------
    def _rebuild(self, _: Any = None, select: str | None = None) -> None:
        """New structure (groups opened or closed, another focus): lay out and send the whole SVG."""
        g = self.graph
        self.view = View(g, self.hist, set(self.open_select.value), self.focus.value)
        old = select or self.node_select.value or self.root_id
        options = self._options()
        values = [v for _, v in options]
        keep = old if old in values else None
        if keep is None:  # the selected node went into a closed box (or came out of one)
            s = self.shown(self._tensor_of(old) if old in g.nodes else self.root_id)
            keep = self._selectable(s) if s else None
            keep = keep if keep in values else (values[0] if values else None)
        self._busy = True
        try:
            self.node_select.options = options
            self.node_select.value = keep
        finally:
            self._busy = False
        k, cur = self.slider.value, self.current
        looks = self.view.looks(k, self._selected_nodes(), cur)
        hot = self.shown(cur) if cur else None
        with self.canvas.hold_sync():
            self.canvas.hot = hot or ""
            self.canvas.focus_node = hot or (self.shown(self.root_id) or "")
            self.canvas.svg = self.view.svg(looks, k, hot)
        self._looks = self._svg_looks = looks
        self.status.value = self.describe(k)
        self._draw_heat()

    def _on_structure(self, _: Any = None) -> None:
        if not self._busy:
            self._rebuild()

    def _send_looks(self, looks: dict[str, dict], reveal: str | None) -> None:
        patch = {nid: lk for nid, lk in looks.items() if self._looks.get(nid) != lk}
        self._looks = looks
        cur = self.current
        self.canvas.send({"nodes": patch, "hot": self.shown(cur) if cur else None, "reveal": reveal})

    def _on_step(self, _: Any = None) -> None:
        cur = self.current
        f = self.focus.value
        if f and cur and self.canvas.follow and f not in self.graph.ancestors(cur):
            top = self.graph.ancestors(cur)
            self.focus.value = top[0] if top else ""  # _on_structure redraws around the current call
            return
        k = self.slider.value
        looks = self.view.looks(k, self._selected_nodes(), cur)
        self._send_looks(looks, self.shown(cur) if cur else None)
        self.status.value = self.describe(k)
        self._draw_heat()

    def _on_select(self, _: Any = None) -> None:
        if self._busy:
            return
        looks = self.view.looks(self.slider.value, self._selected_nodes(), self.current)
        sel = self._selected_nodes()
        self._send_looks(looks, next(iter(sorted(sel)), None) if len(sel) == 1 else None)
        self._draw_heat()

    def _on_canvas(self, _: Any, content: dict, buffers: Any = None) -> None:
        event, nid = content.get("event"), content.get("node")
        if event == "ready":  # a new view of this widget: bring it from the drawn SVG to the current state
            patch = {n: lk for n, lk in self._looks.items() if self._svg_looks.get(n) != lk}
            cur = self.current
            self.canvas.send({"nodes": patch, "hot": self.shown(cur) if cur else None, "reveal": None})
        elif event == "toggle" and nid in self.graph.groups:
            self.toggle(nid)
        elif event in ("click", "toggle") and nid is not None:
            key = self._selectable(nid)
            if key is not None and key in [v for _, v in self.node_select.options]:
                self.node_select.value = key

    def toggle(self, gid: str) -> None:
        """Open a closed group or close an open one (what clicking its title bar does)."""
        if gid == self.focus.value:
            self.focus.value = ""
        opened = set(self.open_select.value) ^ {gid}
        self.open_select.value = tuple(x for x in self.graph.groups if x in opened)

    # --- text and panels ----------------------------------------------------------------------------
    def _ref(self, nid: str) -> str:
        """A node in the status line, as the picture shows it: its own node, the box of the call it belongs
        to, or the closed group around it; each mention is tied to a drawn node (`data-node`)."""
        g = self.graph
        s = self.shown(nid)
        if s is None:
            return "(not in this view)"
        n = g.nodes[s]
        if s == nid or n.kind == "copy":
            label = g.nodes[nid].label
        elif n.kind == "group":
            return f'a tensor inside <span class="mg-ref" data-node="{s}">{S.esc(n.label)}</span>'
        else:
            return f'the output of <span class="mg-ref" data-node="{s}">{S.esc(n.label)}</span>'
        return f'<span class="mg-ref" data-node="{s}">{S.esc(label)}</span>'

    def describe(self, k: int) -> str:
        """The status line: what backward call k did (every name in it is a node of the picture)."""
        g, n = self.graph, len(self.steps)
        if n == 0:
            why = "it does not require grad" if not g.root.requires_grad else "it is a leaf"
            return f"<b>nothing to replay</b>: no recorded call leads to this tensor ({why})"
        root = self._ref(self.root_id)
        if k == 0:
            return (
                f"<b>step 0 / {n}</b>: backward starts with d{root}/d{root} = 1 at the output; move the "
                "slider or press ▶ to process the calls one by one"
            )
        s = self.steps[k - 1]
        fn, where = g.nodes[s.fn], self.shown(s.fn)
        if where is not None and where != s.fn:  # inside a closed group: name the group, not hidden nodes
            box = f'<span class="mg-ref" data-node="{where}">{S.esc(g.nodes[where].label)}</span>'
            return (
                f"<b>step {k} / {n}</b>: <code>{fn.obj.fn.__name__}.backward</code> (call #{s.fn[1:]}, "
                f"inside {box}) receives the gradient of its output {shape_text(s.grad_out.shape)} and "
                f"sends gradients to {len(s.grads_in)} input(s)"
            )
        sent = list(dict.fromkeys(self._ref(t) for t, _ in s.grads_in)) or ["nothing"]
        return (
            f"<b>step {k} / {n}</b>: <code>{fn.obj.fn.__name__}.backward</code> (call #{s.fn[1:]}, "
            f"{self._ref(s.fn)}) receives the gradient of its output {self._ref(s.out)} "
            f"{shape_text(s.grad_out.shape)} and sends gradients to {', '.join(sent)}"
        )

    def _draw_heat(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import HTML

        key, k = self.node_select.value, self.slider.value
        if key is None:
            return
        tid = self._tensor_of(key)
        node = self.graph.nodes[tid]
        t = node.obj
        kn = self.hist.known(tid, k)
        cache = (tid, 0 if kn is None else kn[1])
        if cache == self._heat_key:  # this tensor's gradient did not change at this step: keep the picture
            return
        self._heat_key = cache
        parts = self.hist.total_parts(tid)
        part = f" (partial: {kn[1]} of {parts} parts)" if kn is not None and kn[1] < parts else ""
        if t.data.size == 1:  # a scalar: the numbers say more than two one-pixel heatmaps
            grad = (
                "this tensor needs no grad"
                if not t.requires_grad
                else "not computed yet"
                if kn is None
                else S.num(np.asarray(kn[0]).reshape(()).item(), 4) + part
            )
            html = (
                f'<div class="mg-heat-scalar" style="font-size:15px;line-height:1.8">'
                f"<b>{S.esc(node.label)}</b> {shape_text(t.shape)}<br>data = {S.num(t.data.item(), 4)}<br>"
                f"grad = {S.esc(grad)}</div>"
            )
            with self.heatmap.hold_sync():
                self.heatmap.outputs = ()
                self.heatmap.append_display_data(HTML(html))
            return
        fig, axes = plt.subplots(2, 1, figsize=(4.3, 5.2), dpi=80)
        _heat(axes[0], t.data, f"{node.label}.data {shape_text(t.shape)}")
        if not t.requires_grad:
            _heat(axes[1], None, "grad: this tensor needs no grad")
        else:
            _heat(axes[1], None if kn is None else kn[0], f"{node.label}.grad{part}")
        fig.subplots_adjust(left=0.04, right=0.86, top=0.93, bottom=0.03, hspace=0.2)
        show_figure(self.heatmap, fig)
