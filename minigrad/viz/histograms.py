"""LayerHistograms: how the values flowing through each layer, and their gradients, spread out over training.

    hist = LayerHistograms(model)              # by default: the layers that own parameters
    display(hist)
    for step, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(Tensor(x)), y)
        optimizer.zero_grad()
        hist.backward(loss, step)              # loss.backward(), plus a snapshot every `every` steps
        optimizer.step()

A snapshot finds each watched layer's output in the graph the forward pass recorded (every recorded call knows
the module whose forward made it, `ctx.module`), keeps that tensor's gradient through backward (`retain`), and
stores histograms and summary numbers of both. Nothing else changes: the training step is the same with or
without the widget. The charts are SVG built in Python from the stored numbers, so the same run gives the same
bytes (deterministic output for notebooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.viz import svg as S
from minigrad.viz.plot import Series, legend, panel
from minigrad.viz.training import PALETTE

ACT_COLOR = "#1f77b4"
GRAD_COLOR = "#d62728"


@dataclass(frozen=True)
class Histogram:
    """Counts of values in equal bins over [lo, hi] (values outside are counted in the end bins), and the
    summary numbers a reader compares between layers."""

    counts: np.ndarray
    lo: float
    hi: float
    mean: float
    std: float
    zeros: float  # fraction of values that are exactly 0 (dead ReLUs, dropped units)

    @staticmethod
    def of(values: np.ndarray, bins: int, symmetric: bool) -> Histogram:
        v = np.asarray(values, dtype=np.float64).ravel()
        finite = v[np.isfinite(v)]
        if finite.size == 0:
            return Histogram(np.zeros(bins, np.int64), -1.0, 1.0, float("nan"), float("nan"), 0.0)
        # The range leaves out the most extreme 0.1 % on each side: one outlier would squash everything else
        # into a single bar. Those values still count, in the end bins.
        lo, hi = (float(q) for q in np.quantile(finite, [0.001, 0.999]))
        if symmetric:
            hi = max(abs(lo), abs(hi))
            lo = -hi
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        counts, _ = np.histogram(np.clip(finite, lo, hi), bins=bins, range=(lo, hi))
        return Histogram(
            counts, lo, hi, float(finite.mean()), float(finite.std()), float(np.mean(finite == 0))
        )


@dataclass(frozen=True)
class Snapshot:
    step: int
    activations: tuple[Histogram, ...]  # one per watched layer, in model order
    gradients: tuple[Histogram | None, ...]  # None where the output got no gradient


def default_layers(model: Any) -> list[tuple[str, Any]]:
    """The layers worth watching: every module without children that owns a parameter (Linear, Conv2d,
    BatchNorm...), in the model's order. Their outputs are the values the next nonlinearity sees."""
    layers = []
    for name, module in model.named_modules():
        if name and not list(module.children()) and list(module.parameters()):
            layers.append((name, module))
    if not layers:
        raise ValueError("LayerHistograms: the model has no layer with parameters; pass layers=[...] names")
    return layers


def layer_outputs(root: Any, modules: list[Any]) -> list[Any]:
    """For each module, the output tensor of the last call it recorded in the graph behind `root` (None if it
    made none): walk the graph from `root` and look at each call's `ctx.module`."""
    wanted = {id(m): i for i, m in enumerate(modules)}
    best: list[tuple[int, Any] | None] = [None] * len(modules)
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        ctx = getattr(t, "_ctx", None)
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        i = wanted.get(id(getattr(ctx, "module", None)))
        if i is not None:
            current = best[i]
            if current is None or ctx.seq > current[0]:
                best[i] = (ctx.seq, t)
        stack.extend(inp for inp in ctx.inputs if getattr(inp, "_ctx", None) is not None)
    return [None if b is None else b[1] for b in best]


class LayerHistograms(W.VBox):
    """Per-layer histograms of activations (blue) and of their gradients (red) at each snapshot, with a slider
    over the snapshots, and the spread (standard deviation) of both per layer over the whole run.

    Without normalisation the spreads drift apart from layer to layer and over training; after a BatchNorm
    the values it passes on keep mean 0 and spread 1 (times its learned weight) at every step."""

    def __init__(
        self,
        model: Any,
        layers: list[str] | None = None,
        every: int = 50,
        bins: int = 41,
        title: str = "activations and gradients per layer",
    ) -> None:
        if every < 1 or bins < 2:
            raise ValueError(f"LayerHistograms: every must be >= 1 and bins >= 2, got {every} and {bins}")
        named = dict(model.named_modules())
        if layers is None:
            self.layers = default_layers(model)
        else:
            unknown = [name for name in layers if name not in named]
            if unknown:
                raise ValueError(
                    f"LayerHistograms: no layer named {', '.join(map(repr, unknown))}; the model has "
                    f"{', '.join(repr(n) for n in named if n)}"
                )
            self.layers = [(name, named[name]) for name in layers]
        self.every, self.bins, self.title = every, bins, title
        self.snapshots: list[Snapshot] = []
        self.slider = W.IntSlider(
            value=0, min=0, max=0, description="snapshot", continuous_update=True, layout={"width": "420px"}
        ).add_class("mg-hist-slider")
        self.play = W.Play(value=0, min=0, max=0, interval=400, description="play").add_class("mg-hist-play")
        W.jslink((self.play, "value"), (self.slider, "value"))
        self.status = W.HTML("<i>no snapshot yet: call backward(loss, step) in the training loop</i>")
        self.status.add_class("mg-hist-status")
        self.plot = W.HTML(layout={"min_height": "120px"}).add_class("mg-hist-plot")
        self.trend = W.HTML().add_class("mg-hist-trend")
        self.slider.observe(self._redraw, names="value")
        super().__init__([W.HBox([self.play, self.slider]), self.status, self.plot, self.trend])
        self.add_class("mg-layer-histograms")

    def __repr__(self) -> str:
        return f"LayerHistograms({len(self.layers)} layers, {len(self.snapshots)} snapshots)"

    # --- recording ------------------------------------------------------------------------------------
    def backward(self, loss: Any, step: int) -> None:
        """`loss.backward()`; on every `every`-th step also take a snapshot of the watched layers."""
        if step % self.every != 0:
            loss.backward()
            return
        outputs = layer_outputs(loss, [module for _, module in self.layers])
        missing = [name for (name, _), t in zip(self.layers, outputs) if t is None]
        if missing:
            raise ValueError(
                f"LayerHistograms: layer(s) {', '.join(missing)} made no recorded call behind this loss "
                "(not used in the forward pass, or run under no_grad)"
            )
        for t in outputs:
            t.retain = True  # keep this non-leaf's .grad through backward
        loss.backward()
        self.snapshots.append(
            Snapshot(
                int(step),
                tuple(Histogram.of(t.data, self.bins, symmetric=False) for t in outputs),
                tuple(
                    None if t.grad is None else Histogram.of(t.grad.data, self.bins, symmetric=True)
                    for t in outputs
                ),
            )
        )
        for t in outputs:
            t.retain = False
            t.grad = None
        follow = self.slider.value == self.slider.max  # the slider follows the run unless moved back
        self.play.max = self.slider.max = len(self.snapshots) - 1
        if follow and self.slider.value != self.slider.max:
            self.slider.value = self.slider.max  # redraws
        else:
            self._redraw()

    def spreads(self) -> dict[str, tuple[list[float], list[float]]]:
        """{layer name: (activation std per snapshot, gradient std per snapshot)}: the trend chart."""
        out = {}
        for i, (name, _) in enumerate(self.layers):
            acts = [s.activations[i].std for s in self.snapshots]
            grads = [np.nan if g is None else g.std for g in (s.gradients[i] for s in self.snapshots)]
            out[name] = (acts, grads)
        return out

    # --- drawing --------------------------------------------------------------------------------------
    def _label(self, i: int) -> str:
        name, module = self.layers[i]
        return f"{name} ({type(module).__name__})"

    def _redraw(self, _: Any = None) -> None:
        if not self.snapshots:
            return
        snap = self.snapshots[min(self.slider.value, len(self.snapshots) - 1)]
        self.status.value = (
            f"<b>{S.esc(self.title)}</b> · snapshot {self.slider.value + 1} of {len(self.snapshots)}, "
            f"training step {snap.step}"
        )
        self.plot.value = self.histograms_svg(snap)
        self.trend.value = self.trend_svg()

    def histograms_svg(self, snap: Snapshot) -> str:
        """One row per layer: its output values and their gradients, each with mean, spread and zeros."""
        cell_w, cell_h, label_w, top = 300.0, 74.0, 170.0, 22.0
        width, height = label_w + 2 * cell_w + 20, top + cell_h * len(self.layers) + 6
        out = [S.svg_open(width, height, "mg-hist-svg")]
        out.append(S.text(label_w + cell_w / 2, 14, "activations (layer output)", weight="bold", size=11))
        out.append(S.text(label_w + 1.5 * cell_w + 10, 14, "gradients of the output", weight="bold", size=11))
        for i in range(len(self.layers)):
            y0 = top + i * cell_h
            out.append(f'<g class="mg-hist-row" data-layer="{S.esc(self.layers[i][0])}">')
            out.append(S.text(4, y0 + cell_h / 2, self._label(i), anchor="start", size=10))
            out.append(
                self._bars(snap.activations[i], label_w, y0, cell_w - 10, cell_h - 8, ACT_COLOR, "act")
            )
            grad = snap.gradients[i]
            if grad is None:
                out.append(
                    S.text(label_w + 1.5 * cell_w + 10, y0 + cell_h / 2, "no gradient", fill="#888888")
                )
            else:
                out.append(
                    self._bars(grad, label_w + cell_w + 10, y0, cell_w - 10, cell_h - 8, GRAD_COLOR, "grad")
                )
            out.append("</g>")
        out.append("</svg>")
        return "".join(out)

    @staticmethod
    def _bars(h: Histogram, x0: float, y0: float, w: float, hgt: float, color: str, kind: str) -> str:
        """A histogram as bars on a square-root count scale (a spike at 0 does not hide the rest)."""
        plot_h = hgt - 26
        base = y0 + plot_h + 2
        out = [
            f'<g class="mg-hist-{kind}" data-std="{S.num(h.std, 4)}" data-mean="{S.num(h.mean, 4)}">',
            f'<line x1="{S.f1(x0)}" x2="{S.f1(x0 + w)}" y1="{S.f1(base)}" y2="{S.f1(base)}" '
            'stroke="#999999"/>',
        ]
        peak = float(np.sqrt(h.counts.max())) if h.counts.size and h.counts.max() > 0 else 1.0
        bw = w / len(h.counts)
        for k, c in enumerate(h.counts):
            if c:
                bh = max(float(np.sqrt(c)) / peak * plot_h, 0.8)
                out.append(
                    f'<rect x="{S.f1(x0 + k * bw)}" y="{S.f1(base - bh)}" width="{S.f1(max(bw - 0.6, 0.6))}" '
                    f'height="{S.f1(bh)}" fill="{color}"/>'
                )
        if h.lo < 0 < h.hi:  # where 0 is
            zx = x0 + (0 - h.lo) / (h.hi - h.lo) * w
            out.append(
                f'<line x1="{S.f1(zx)}" x2="{S.f1(zx)}" y1="{S.f1(y0)}" y2="{S.f1(base)}" stroke="#555555" '
                'stroke-dasharray="2,2"/>'
            )
        out.append(S.text(x0, base + 11, S.num(h.lo, 2), anchor="start", size=9, fill="#555555"))
        out.append(S.text(x0 + w, base + 11, S.num(h.hi, 2), anchor="end", size=9, fill="#555555"))
        info = (
            f"std {S.num(h.std, 2)}" if kind == "grad" else f"mean {S.num(h.mean, 2)} · std {S.num(h.std, 2)}"
        )
        if h.zeros >= 0.005:
            info += f" · zeros {h.zeros:.0%}"
        out.append(S.text(x0 + w / 2, base + 22, info, size=9))
        out.append("</g>")
        return "".join(out)

    def trend_svg(self) -> str:
        """The spread of every layer's activations and gradients, snapshot by snapshot (log scale)."""
        pw, ph, lw = 330.0, 220.0, 190.0
        steps = np.array([s.step for s in self.snapshots], dtype=float)
        series_a, series_g = [], []
        for i, (acts, grads) in enumerate(self.spreads().values()):
            color = PALETTE[i % len(PALETTE)]
            series_a.append(Series(self._label(i), steps, np.asarray(acts, float), color, 1.8))
            series_g.append(Series(self._label(i), steps, np.asarray(grads, float), color, 1.8))
        out = [S.svg_open(2 * pw + lw, ph, "mg-hist-trend-svg")]
        out.append(
            panel(
                series_a,
                x0=0,
                y0=0,
                w=pw,
                h=ph,
                title="std of the activations",
                log=True,
                cls="mg-hist-act-std",
            )
        )
        out.append(
            panel(
                series_g,
                x0=pw,
                y0=0,
                w=pw,
                h=ph,
                title="std of the gradients",
                log=True,
                cls="mg-hist-grad-std",
            )
        )
        out.append(legend(series_a, 2 * pw + 8, 30, max_rows=12))
        out.append("</svg>")
        return "".join(out)
