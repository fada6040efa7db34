"""Draw a recorded computation graph and step through its backward pass.

`graph_svg(root)` / `draw_graph(root)` give a static picture, `to_dot(root)` a Graphviz description, and
`GraphViewer(root)` an interactive widget: a slider (and Play button) replays the backward pass call by call,
a dropdown shows any tensor's data and gradient as heatmaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.autograd import tracer
from minigrad.tensor import Tensor
from minigrad.viz import svg as S
from minigrad.viz.common import show_figure, tile
from minigrad.viz.layout import Layout, layered_layout

COMPACT_ABOVE = 40  # graphs with more nodes than this hide unnamed intermediate tensors by default


@dataclass
class Node:
    id: str
    kind: str  # "tensor" or "fn"
    label: str
    obj: Any  # the Tensor, or the Context of the call
    shape: tuple[int, ...] = ()
    named: bool = False  # the label is a real name (tensor.name, a parameter name), not a made-up one
    const: bool = False  # a Python number lifted to a tensor (the 2 in `x * 2`): its label is its value


@dataclass
class Step:
    """One call processed by backward: which function, the gradient it received and what it sent on."""

    fn: str  # node id of the call
    out: str  # node id of the call's output tensor
    grad_out: np.ndarray
    grads_in: list[tuple[str, np.ndarray]]  # (input tensor node id, gradient sent to it)


@dataclass
class Graph:
    """The tensors and calls that lead to `root`, numbered in recording order (stable across re-runs)."""

    root: Tensor
    nodes: dict[str, Node] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # topological: inputs before calls before outputs
    edges: list[tuple[str, str]] = field(default_factory=list)
    tid: dict[int, str] = field(default_factory=dict)  # id(tensor) -> node id


def _named_params(model: Any) -> dict[int, str]:
    if model is None:
        return {}
    if hasattr(model, "named_parameters"):
        return {id(p): n for n, p in model.named_parameters()}
    return {id(p): f"param{i}" for i, p in enumerate(model.parameters())}


def build_graph(root: Tensor, model: Any = None, names: dict[str, Tensor] | None = None) -> Graph:
    """Collect the graph behind `root` by following each tensor's `_ctx` back through `ctx.inputs`."""
    if not isinstance(root, Tensor):
        raise TypeError(
            f"graph: expected the Tensor at the end of the graph (a loss), got {type(root).__name__}"
        )
    given = _named_params(model)
    given.update({id(t): n for n, t in (names or {}).items()})
    calls: dict[int, Any] = {}
    stack = [root]
    seen: set[int] = set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        ctx = t._ctx
        if ctx is not None and id(ctx) not in calls:
            calls[id(ctx)] = ctx
            stack.extend(a for a in ctx.inputs if isinstance(a, Tensor))
    g = Graph(root)
    n_leaf = 0
    consts: set[int] = set()

    def add_tensor(t: Tensor, fallback: str) -> str:
        nid = f"t{len(g.tid)}"
        g.tid[id(t)] = nid
        name = given.get(id(t)) or t.name
        g.nodes[nid] = Node(
            nid,
            "tensor",
            name or fallback,
            t,
            tuple(t.shape),
            named=bool(name),
            const=id(t) in consts and not name,
        )
        g.order.append(nid)
        return nid

    for i, ctx in enumerate(sorted(calls.values(), key=lambda c: c.seq)):
        fid = f"f{i}"
        for a in ctx.inputs:
            if isinstance(a, Tensor) and id(a) not in g.tid:
                if a.ndim == 0 and not a.requires_grad:
                    fallback = S.num(a.item())  # a constant such as the 2 in `x * 2`
                    consts.add(id(a))
                else:
                    fallback, n_leaf = f"leaf{n_leaf}", n_leaf + 1
                add_tensor(a, fallback)
        g.nodes[fid] = Node(fid, "fn", f"{ctx.fn.__name__} #{i}", ctx)
        g.order.append(fid)
        for a in ctx.inputs:
            if isinstance(a, Tensor):
                g.edges.append((g.tid[id(a)], fid))
        out = ctx.output()
        add_tensor(out, "loss" if out is root else f"t{i}")
        g.nodes[g.tid[id(out)]].shape = tuple(out.shape)
        g.edges.append((fid, g.tid[id(out)]))
    if root._ctx is None:  # a lone leaf
        add_tensor(root, "leaf0")
    return g


def replay_backward(g: Graph, grad: Any = None) -> list[Step]:
    """Run backward on the graph with retain_graph=True and record every call; users' .grad are restored."""
    tensors = [n.obj for n in g.nodes.values() if n.kind == "tensor"]
    saved = [(t, t.grad) for t in tensors]
    steps: list[Step] = []
    fid_of = {id(n.obj): n.id for n in g.nodes.values() if n.kind == "fn"}

    def hook(ctx: Any, grad_out: np.ndarray, grads_in: tuple) -> None:
        ins = [
            (g.tid[id(a)], np.array(gi))
            for a, gi, need in zip(ctx.inputs, grads_in, ctx.needs_input_grad)
            if isinstance(a, Tensor) and need and gi is not None
        ]
        steps.append(Step(fid_of[id(ctx)], g.tid[id(ctx.output())], np.array(grad_out), ins))

    try:
        tracer.backward(g.root, grad, retain_graph=True, hook=hook)
    finally:
        for t, old in saved:
            t.grad = old
    return steps


class GradState:
    """Which calls are done and which gradients are known after the first k backward calls."""

    def __init__(self, g: Graph, steps: list[Step], static: dict[str, np.ndarray] | None = None) -> None:
        self.g, self.steps = g, steps
        self.static = None if static is None else {tid: (a, 1) for tid, a in static.items()}
        self.consumers: dict[str, int] = {}  # tensor -> how many processed calls will send it a gradient
        for s in steps:
            for tid, _ in s.grads_in:
                self.consumers[tid] = self.consumers.get(tid, 0) + 1
        root = g.tid[id(g.root)]
        self.root = root
        self.seed = steps[0].grad_out if steps else None
        if self.seed is not None:
            self.consumers[root] = 1
        self.final = self.at(len(steps))

    def every_step(self) -> list[dict[str, tuple[np.ndarray, int]]]:
        """at(0), at(1), ... at(len(steps)), built incrementally."""
        if self.static is not None:
            return [self.static]
        known = self.at(0)
        out = [dict(known)]
        for s in self.steps:
            for tid, gi in s.grads_in:
                old = known.get(tid)
                known[tid] = (gi, 1) if old is None else (old[0] + gi, old[1] + 1)
            out.append(dict(known))
        return out

    def at(self, k: int) -> dict[str, tuple[np.ndarray, int]]:
        """tensor id -> (gradient summed so far, number of contributions) after k calls."""
        if self.static is not None:
            return self.static
        known: dict[str, tuple[np.ndarray, int]] = {}
        if self.seed is not None:
            known[self.root] = (self.seed, 1)
        for s in self.steps[:k]:
            for tid, gi in s.grads_in:
                old = known.get(tid)
                known[tid] = (gi, 1) if old is None else (old[0] + gi, old[1] + 1)
        return known


def _mean_abs(a: np.ndarray) -> float:
    return float(np.mean(np.abs(a))) if a.size else 0.0


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _summary(a: np.ndarray, what: str) -> str:
    if a.size == 1:
        return f"{what} {S.num(a.reshape(()).item())}"
    return f"mean|{what}| {S.num(_mean_abs(a))}"


class Drawing:
    """Layout plus drawing of one graph; `svg(step, selected)` renders a state of the backward replay."""

    def __init__(
        self,
        g: Graph,
        steps: list[Step] | None,
        compact: bool | None = None,
        static: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.g = g
        self.steps = steps or []
        self.state = GradState(g, self.steps, static)
        if compact is None:
            compact = len(g.nodes) > COMPACT_ABOVE
        self.compact = compact
        self.hidden = {  # unnamed intermediate tensors: in compact mode their shape moves into the call's box
            nid
            for nid, n in g.nodes.items()
            if compact
            and n.kind == "tensor"
            and n.obj._ctx is not None
            and n.obj is not g.root
            and not n.named
        }
        self.order = [n for n in g.order if n not in self.hidden]
        self.edges = self._visible_edges()
        mags = [_mean_abs(a) for a, _ in self.state.final.values()]
        mags = [m for m in mags if m > 0]
        lo, hi = (min(mags), max(mags)) if mags else (1.0, 1.0)
        self.lo, self.hi = np.log10(lo), np.log10(hi)
        if self.hi - self.lo < 1e-9:
            self.lo, self.hi = self.lo - 1, self.hi + 1
        self.layout = self._layout()

    def _visible_edges(self) -> list[tuple[str, str]]:
        producer = {b: a for a, b in self.g.edges if self.g.nodes[a].kind == "fn"}
        out = []
        for a, b in self.g.edges:
            if a in self.hidden or b in self.hidden:
                if a in self.hidden and b not in self.hidden:  # hidden tensor -> call: link its producer
                    out.append((producer[a], b))
                continue
            out.append((a, b))
        return list(dict.fromkeys(out))

    def lines(self, nid: str, known: dict | None = None) -> list[str]:
        n = self.g.nodes[nid]
        if n.kind == "fn":
            lines = [n.label]
            if self.compact:
                outs = [b for a, b in self.g.edges if a == nid]
                lines.append("→ " + _shape_text(self.g.nodes[outs[0]].shape))
            return lines
        t = n.obj
        if n.const:
            return [f"const {n.label}"]
        lines = [f"{n.label} {_shape_text(n.shape)}", _summary(t.data, "data")]
        if t.requires_grad:
            kn = (known or {}).get(nid)
            if kn is None:
                lines.append("grad —")
            else:
                parts = self.state.consumers.get(nid, 1)
                lines.append(_summary(kn[0], "grad") + (f" ({kn[1]}/{parts})" if kn[1] < parts else ""))
        return lines

    def _layout(self) -> Layout:
        """Each box is as wide as its longest text over all steps (a partial gradient's text is longer)."""
        longest: dict[str, int] = {}
        nlines: dict[str, int] = {}
        for known in self.state.every_step():
            for nid in self.order:
                ls = self.lines(nid, known)
                longest[nid] = max(longest.get(nid, 0), *map(len, ls))
                nlines[nid] = len(ls)
        sizes = {n: (max(longest[n] * S.CHAR_W + 18, 60.0), nlines[n] * S.LINE_H + 10) for n in self.order}
        return layered_layout(self.order, self.edges, sizes)

    def color(self, grad: np.ndarray) -> str:
        m = _mean_abs(grad)
        if m <= 0:
            return S.seq_color(0)
        return S.seq_color((np.log10(m) - self.lo) / (self.hi - self.lo))

    def legend_svg(self) -> str:
        w, h = 800, 64
        parts = [S.svg_open(w, h, "mg-legend")]
        x = 8
        for fill, stroke, label in (
            (S.PENDING, "#555555", "call not reached"),
            (S.DONE, "#555555", "call done"),
            (S.CURRENT, "#c45a00", "call being processed"),
        ):
            parts.append(
                f'<rect x="{x}" y="6" width="22" height="14" rx="2" fill="{fill}" stroke="{stroke}"/>'
            )
            parts.append(S.text(x + 28, 17, label, anchor="start"))
            x += 40 + S.text_width(label)
        parts.append(
            f'<rect x="{S.f1(x)}" y="6" width="22" height="14" rx="7" fill="{S.NO_GRAD}" '
            'stroke="#999999" stroke-dasharray="3 2"/>'
        )
        parts.append(S.text(x + 28, 17, "needs no grad", anchor="start"))
        # gradient-magnitude bar
        y = 28
        parts.append(S.text(8, y + 11, "tensor fill = mean|grad|:", anchor="start"))
        bx, bw = 8 + S.text_width("tensor fill = mean|grad|:") + 8, 240
        for i in range(24):
            parts.append(
                f'<rect x="{S.f1(bx + i * bw / 24)}" y="{y}" width="{S.f1(bw / 24 + 0.5)}" height="12" '
                f'fill="{S.seq_color(i / 23)}"/>'
            )
        parts.append(
            S.text(
                bx + bw + 6,
                y + 11,
                f"{S.num(10**self.lo, 2)} … {S.num(10**self.hi, 2)}  (log scale; white = no grad yet)",
                anchor="start",
            )
        )
        y = 48  # what a tensor's border says
        x = 8
        for extra, label in (
            ('stroke="#555555" stroke-dasharray="5 3"', "gradient partly summed (k/n parts)"),
            ('stroke="#e07000" stroke-width="3"', "gradient just arrived"),
            ('stroke="#7b2cbf" stroke-width="2.5"', "picked in the dropdown"),
        ):
            parts.append(
                f'<rect x="{S.f1(x)}" y="{y}" width="22" height="12" rx="6" fill="#ffffff" {extra}/>'
            )
            parts.append(S.text(x + 28, y + 10, label, anchor="start"))
            x += 44 + S.text_width(label)
        parts.append("</svg>")
        return "".join(parts)

    def svg(self, k: int | None = None, selected: str | None = None) -> str:
        """The graph after the first k backward calls (k=None: the finished backward)."""
        steps = self.steps
        k = len(steps) if k is None else k
        known = self.state.at(k)
        done = {s.fn for s in steps[: max(k - 1, 0)]}
        current = steps[k - 1] if 0 < k <= len(steps) else None
        fresh = {tid for tid, _ in current.grads_in} if current else set()
        L = self.layout
        parts = [
            S.svg_open(L.width, L.height, "mg-graph-svg"),
            '<defs><marker id="mg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a8a8a"/>'
            '</marker><marker id="mg-arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e07000"/>'
            "</marker></defs>",
        ]
        hot_fn = current.fn if current else None
        for a, b, pts in L.edges:
            hot = hot_fn is not None and hot_fn in (a, b)
            d = f"M{S.f1(pts[0][0])},{S.f1(pts[0][1])}"
            for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
                ym = (y0 + y1) / 2
                d += f" C{S.f1(x0)},{S.f1(ym)} {S.f1(x1)},{S.f1(ym)} {S.f1(x1)},{S.f1(y1)}"
            color, width, marker = ("#e07000", 2.2, "mg-arrow-hot") if hot else (S.EDGE, 1.2, "mg-arrow")
            parts.append(
                f'<path class="mg-edge" data-from="{a}" data-to="{b}" d="{d}" fill="none" '
                f'stroke="{color}" stroke-width="{width}" marker-end="url(#{marker})"/>'
            )
        for nid in self.order:
            n, bx = self.g.nodes[nid], L.boxes[nid]
            lines = self.lines(nid, known)
            if n.kind == "fn":
                state = "current" if current and nid == current.fn else "done" if nid in done else "pending"
                fill = {"current": S.CURRENT, "done": S.DONE, "pending": S.PENDING}[state]
                stroke, sw, rx, dash = (
                    ("#c45a00", 3, 3, "") if state == "current" else ("#555555", 1.2, 3, "")
                )
                title = f"{n.label}: {state}"
                extra = f' data-state="{state}"'
                cls = f"mg-node mg-fn mg-{state}"
            else:
                t = n.obj
                kn = known.get(nid)
                if not t.requires_grad:
                    fill, stroke, sw, dash, state = (
                        S.NO_GRAD,
                        "#999999",
                        1,
                        ' stroke-dasharray="3 2"',
                        "nograd",
                    )
                elif kn is None:
                    fill, stroke, sw, dash, state = S.PENDING, "#555555", 1.2, "", "waiting"
                else:
                    partial = kn[1] < self.state.consumers.get(nid, 1)
                    fill, stroke, sw = self.color(kn[0]), "#555555", 1.2
                    dash, state = (' stroke-dasharray="5 3"', "partial") if partial else ("", "complete")
                if nid in fresh:
                    stroke, sw = "#e07000", 3
                rx = 10
                title = f"{n.label} {_shape_text(n.shape)}: grad {state}"
                extra = f' data-state="{state}"'
                cls = f"mg-node mg-tensor mg-{state}" + (" mg-fresh" if nid in fresh else "")
            if nid == selected:
                cls += " mg-selected"
            fg = S.text_on(fill)
            parts.append(
                f'<g id="mg-node-{nid}" class="{cls}" data-label="{S.esc(n.label)}"{extra}>'
                f"<title>{S.esc(title)}</title>"
            )
            if nid == selected:
                parts.append(
                    f'<rect x="{S.f1(bx.left - 4)}" y="{S.f1(bx.top - 4)}" width="{S.f1(bx.w + 8)}" '
                    f'height="{S.f1(bx.h + 8)}" rx="{rx + 3}" fill="none" stroke="#7b2cbf" '
                    'stroke-width="2.5"/>'
                )
            parts.append(
                f'<rect x="{S.f1(bx.left)}" y="{S.f1(bx.top)}" width="{S.f1(bx.w)}" '
                f'height="{S.f1(bx.h)}" rx="{rx}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{sw}"{dash if n.kind == "tensor" else ""}/>'
            )
            y0 = bx.top + 5 + S.LINE_H - 3
            for i, line in enumerate(lines):
                bold = "bold" if i == 0 else "normal"
                parts.append(S.text(bx.x, y0 + i * S.LINE_H, line, fill=fg, weight=bold))
            parts.append("</g>")
        parts.append("</svg>")
        return "".join(parts)


def graph_svg(
    root: Tensor, *, model: Any = None, names: dict[str, Tensor] | None = None, compact: bool | None = None
) -> str:
    """SVG text of the graph behind `root`, showing each tensor's current data and .grad (no replay)."""
    g = build_graph(root, model, names)
    grads = {nid: n.obj.grad for nid, n in g.nodes.items() if n.kind == "tensor" and n.obj.grad is not None}
    return Drawing(g, None, compact, static=grads).svg(0)


def draw_graph(root: Tensor, **kwargs: Any) -> Any:
    """Show the graph behind `root` in a notebook (an IPython SVG display object)."""
    from IPython.display import SVG

    return SVG(graph_svg(root, **kwargs))


def to_dot(root: Tensor, *, model: Any = None, names: dict[str, Tensor] | None = None) -> str:
    """Graphviz DOT text of the graph (`dot -Tsvg`), for those who have Graphviz installed."""
    g = build_graph(root, model, names)
    out = ["digraph minigrad {", '  rankdir=BT; node [fontname="DejaVu Sans Mono", fontsize=11];']
    for nid in g.order:
        n = g.nodes[nid]
        if n.kind == "fn":
            out.append(f'  {nid} [shape=box, style=filled, fillcolor="#ffffff", label="{n.label}"];')
        else:
            t = n.obj
            lab = n.label if n.const else f"{n.label} {_shape_text(n.shape)}"
            if t.grad is not None:
                lab += "\\n" + _summary(t.grad, "grad")
            style = 'style="rounded,filled", fillcolor="#e6e6e6"' if not t.requires_grad else "style=rounded"
            out.append(f'  {nid} [shape=box, {style}, label="{lab}"];')
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


class GraphViewer(W.VBox):
    """Interactive view of the graph behind `root` and a replay of its backward pass (see module doc).

    The replay runs `tracer.backward(root, retain_graph=True, hook=...)` once at construction and restores
    every tensor's `.grad` afterwards, so showing a graph never changes your gradients. Build the viewer
    before you call `loss.backward()` yourself (a plain backward releases the graph).
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
    ) -> None:
        g = build_graph(root, model, names)
        released = [n.label for n in g.nodes.values() if n.kind == "fn" and n.obj.released]
        if released:
            raise RuntimeError(
                f"GraphViewer: the graph was already released by a backward() (through {released[0]}); "
                "create the viewer before calling loss.backward(), or call loss.backward(retain_graph=True)"
            )
        self.graph = g
        self.steps = replay_backward(g, grad) if root.requires_grad else []
        self.drawing = Drawing(g, self.steps, compact)
        self.height = height
        n = len(self.steps)
        self.status = W.HTML().add_class("mg-graph-status")
        self.slider = W.IntSlider(
            value=0,
            min=0,
            max=n,
            description="backward step",
            continuous_update=False,
            style={"description_width": "initial"},
            layout={"width": "420px"},
        )
        self.slider.add_class("mg-step-slider")
        self.play = W.Play(value=0, min=0, max=n, interval=900, description="play backward").add_class(
            "mg-play"
        )
        W.jslink((self.play, "value"), (self.slider, "value"))
        options = [
            (f"{g.nodes[t].label} {_shape_text(g.nodes[t].shape)}", t)
            for t in g.order
            if g.nodes[t].kind == "tensor"
        ]
        self.root_id = g.tid[id(root)]
        self.node_select = W.Dropdown(
            options=options, value=self.root_id, description="tensor", layout={"width": "400px"}
        ).add_class("mg-node-select")
        self.picture = W.HTML(layout={"flex": "1 1 auto", "min_width": "420px"}).add_class("mg-graph")
        self.heatmap = W.Output(layout={"width": "430px", "min_width": "430px", "min_height": "520px"})
        self.heatmap.add_class("mg-heatmap")
        legend = W.HTML(self.drawing.legend_svg()).add_class("mg-graph-legend")
        self._heat_key: tuple[str, int] | None = None
        self.slider.observe(self._redraw, names="value")
        self.node_select.observe(self._redraw, names="value")
        self._redraw()
        super().__init__(
            [
                self.status,
                legend,
                W.HBox([self.play, self.slider]),
                W.HBox([self.picture, W.VBox([self.node_select, self.heatmap])]),
            ]
        )
        self.add_class("mg-graph-viewer")

    def __repr__(self) -> str:
        return f"GraphViewer({len(self.drawing.order)} nodes shown, {len(self.steps)} backward calls)"

    def describe(self, k: int) -> str:
        """The status line: what backward call k did."""
        g, n = self.graph, len(self.steps)
        if n == 0:
            why = "it does not require grad" if not self.graph.root.requires_grad else "it is a leaf"
            return f"<b>nothing to replay</b>: no recorded call leads to this tensor ({why})"
        root = S.esc(g.nodes[self.root_id].label)
        if k == 0:
            return (
                f"<b>step 0 / {n}</b>: backward starts with d{root}/d{root} = 1 at the output; move the "
                "slider or press ▶ to process the calls one by one"
            )
        s = self.steps[k - 1]
        sent = ", ".join(f"{g.nodes[t].label} {_shape_text(gi.shape)}" for t, gi in s.grads_in) or "nothing"
        fname, out = g.nodes[s.fn].obj.fn.__name__, S.esc(g.nodes[s.out].label)
        return (
            f"<b>step {k} / {n}</b>: <code>{fname}.backward</code> (call #{s.fn[1:]}) receives the gradient "
            f"of its output {out} {_shape_text(s.grad_out.shape)} and sends gradients to {S.esc(sent)}"
        )

    def _draw_heat(self) -> None:
        import matplotlib.pyplot as plt

        nid, k = self.node_select.value, self.slider.value
        node = self.graph.nodes[nid]
        t = node.obj
        kn = self.drawing.state.at(k).get(nid)
        key = (nid, 0 if kn is None else kn[1])
        if key == self._heat_key:  # this tensor's gradient did not change at this step: keep the picture
            return
        self._heat_key = key
        fig, axes = plt.subplots(2, 1, figsize=(4.3, 5.2), dpi=80)
        _heat(axes[0], t.data, f"{node.label}.data {_shape_text(t.shape)}")
        if not t.requires_grad:
            _heat(axes[1], None, "grad: this tensor needs no grad")
        else:
            parts = self.drawing.state.consumers.get(nid, 1)
            part = f" (partial: {kn[1]} of {parts} parts)" if kn is not None and kn[1] < parts else ""
            _heat(axes[1], None if kn is None else kn[0], f"{node.label}.grad{part}")
        fig.subplots_adjust(left=0.04, right=0.86, top=0.93, bottom=0.03, hspace=0.2)
        show_figure(self.heatmap, fig)

    def _redraw(self, _: Any = None) -> None:
        k = self.slider.value
        self.status.value = self.describe(k)
        body = self.drawing.svg(k, self.node_select.value)
        self.picture.value = (
            f'<div class="mg-graph-scroll" style="max-height:{self.height}px;overflow:auto;'
            f'border:1px solid #dddddd;text-align:center">{body}</div>'
        )
        self._draw_heat()
