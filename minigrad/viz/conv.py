"""ConvExplainer: which input pixels make one output pixel of a 2-D convolution, for any stride, padding and
dilation. Pure NumPy (it does not need the course's conv2d), drawn as SVG grids."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.viz import svg as S

CELL = 34.0
GAP = 46.0


def out_size(n: int, k: int, stride: int, padding: int, dilation: int) -> int:
    """PyTorch's formula: floor((n + 2p - d(k-1) - 1) / s) + 1 (0 or less: the kernel does not fit)."""
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def window(
    i: int, j: int, kernel_shape: tuple[int, int], stride: int, padding: int, dilation: int
) -> list[tuple[int, int]]:
    """Input coordinates (row, col) read by output pixel (i, j), one per kernel tap in row-major order.
    Coordinates outside 0..H-1 / 0..W-1 fall in the zero padding."""
    kh, kw = kernel_shape
    return [
        (i * stride - padding + a * dilation, j * stride - padding + b * dilation)
        for a in range(kh)
        for b in range(kw)
    ]


def conv2d_numpy(
    x: np.ndarray, k: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Cross-correlation of one 2-D image with one 2-D kernel (what conv2d computes per channel pair)."""
    ho = out_size(x.shape[0], k.shape[0], stride, padding, dilation)
    wo = out_size(x.shape[1], k.shape[1], stride, padding, dilation)
    xp = np.pad(x, padding)
    out = np.zeros((max(ho, 0), max(wo, 0)), dtype=np.result_type(x, k))
    for i in range(ho):
        for j in range(wo):
            for (r, c), w in zip(window(i, j, k.shape, stride, padding, dilation), k.ravel()):
                out[i, j] += w * xp[r + padding, c + padding]
    return out


class ConvExplainer(W.VBox):
    """Input, kernel and output grids; sliders for stride, padding, dilation and the output position.
    The selected output pixel and the input window (and kernel taps) that produce it are highlighted."""

    def __init__(
        self, input: Any = None, kernel: Any = None, *, stride: int = 1, padding: int = 0, dilation: int = 1
    ) -> None:
        rng = np.random.default_rng(0)
        self.x = np.asarray(rng.integers(0, 10, (6, 6)) if input is None else input)
        self.k = np.asarray(np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) if kernel is None else kernel)
        if self.x.ndim != 2 or self.k.ndim != 2:
            raise ValueError(
                f"ConvExplainer: input and kernel must be 2-D, got {self.x.shape} and {self.k.shape}"
            )
        style = {"description_width": "80px"}
        lay = {"width": "330px"}

        def slider(name: str, lo: int, hi: int, value: int) -> W.IntSlider:
            s = W.IntSlider(
                value=value,
                min=lo,
                max=hi,
                description=name,
                continuous_update=False,
                style=style,
                layout=lay,
            )
            return s.add_class(f"mg-conv-{name.replace(' ', '-')}")

        self.stride = slider("stride", 1, 3, stride)
        self.padding = slider("padding", 0, 3, padding)
        self.dilation = slider("dilation", 1, 3, dilation)
        self.row = slider("out row", 0, 0, 0)
        self.col = slider("out col", 0, 0, 0)
        self.picture = W.HTML().add_class("mg-conv")
        self.formula = W.HTML().add_class("mg-conv-formula")
        self._busy = False
        for s in (self.stride, self.padding, self.dilation, self.row, self.col):
            s.observe(self._changed, names="value")
        self._changed()
        super().__init__(
            [
                W.HBox([W.VBox([self.stride, self.padding, self.dilation]), W.VBox([self.row, self.col])]),
                self.picture,
                self.formula,
            ]
        )
        self.add_class("mg-conv-explainer")

    def __repr__(self) -> str:
        return f"ConvExplainer(input {self.x.shape}, kernel {self.k.shape})"

    @property
    def settings(self) -> tuple[int, int, int]:
        return self.stride.value, self.padding.value, self.dilation.value

    def output_shape(self) -> tuple[int, int]:
        s, p, d = self.settings
        return (
            out_size(self.x.shape[0], self.k.shape[0], s, p, d),
            out_size(self.x.shape[1], self.k.shape[1], s, p, d),
        )

    def window(self) -> list[tuple[int, int]]:
        """Input coordinates read by the selected output pixel."""
        return window(self.row.value, self.col.value, self.k.shape, *self.settings)

    def _changed(self, _: Any = None) -> None:
        if self._busy:
            return
        self._busy = True
        try:  # the output grid may have shrunk: clamp the position sliders before drawing
            ho, wo = self.output_shape()
            for s, n in ((self.row, ho), (self.col, wo)):
                s.max = max(n - 1, 0)
                s.disabled = n <= 0
        finally:
            self._busy = False
        self.picture.value, self.formula.value = self.render()

    def render(self) -> tuple[str, str]:
        """(SVG of the three grids, HTML of the sum for the selected pixel)."""
        s, p, d = self.settings
        h, w = self.x.shape
        kh, kw = self.k.shape
        ho, wo = self.output_shape()
        ok = ho > 0 and wo > 0
        i, j = self.row.value, self.col.value
        win = window(i, j, self.k.shape, s, p, d) if ok else []
        taps = {rc: t for t, rc in enumerate(win)}
        out = conv2d_numpy(self.x, self.k, s, p, d)
        hp, wp = h + 2 * p, w + 2 * p
        top = 44.0
        x_in, x_k = 10.0, 10.0 + wp * CELL + GAP
        x_out = x_k + kw * CELL + GAP
        width = x_out + max(wo, 1) * CELL + 10
        height = top + max(hp, kh, ho, 1) * CELL + 14
        parts = [S.svg_open(width, height, "mg-conv-svg")]
        parts.append(
            S.text(
                x_in,
                16,
                f"input {h}×{w}" + (f", padded by {p} (grey zeros)" if p else ""),
                anchor="start",
                size=12,
                weight="bold",
            )
        )
        parts.append(
            S.text(
                x_in,
                32,
                "orange = the window read by the selected output pixel",
                anchor="start",
                size=10,
                fill="#555555",
            )
        )
        parts.append(S.text(x_k, 16, f"kernel {kh}×{kw}", anchor="start", size=12, weight="bold"))
        parts.append(
            S.text(x_out, 16, f"output {max(ho, 0)}×{max(wo, 0)}", anchor="start", size=12, weight="bold")
        )

        def cell(
            x0: float,
            y0: float,
            val: str,
            fill: str,
            stroke: str,
            sw: float,
            cid: str,
            cls: str,
            extra: str = "",
            note: str = "",
            dash: str = "",
        ) -> None:
            parts.append(
                f'<g id="{cid}" class="{cls}"{extra}><rect x="{S.f1(x0)}" y="{S.f1(y0)}" '
                f'width="{S.f1(CELL)}" height="{S.f1(CELL)}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{sw}"{dash}/>'
            )
            parts.append(S.text(x0 + CELL / 2, y0 + CELL / 2 + 4, val, size=12, fill=S.text_on(fill)))
            if note:
                parts.append(S.text(x0 + CELL - 3, y0 + 10, note, size=8, anchor="end", fill="#7a3b00"))
            parts.append("</g>")

        for pr in range(hp):
            for pc in range(wp):
                r, c = pr - p, pc - p
                inside = 0 <= r < h and 0 <= c < w
                val = S.num(self.x[r, c]) if inside else "0"
                t = taps.get((r, c))
                fill = S.CURRENT if t is not None else ("#ffffff" if inside else S.NO_GRAD)
                cls = "mg-in-cell" + (" mg-win" if t is not None else "") + ("" if inside else " mg-pad")
                cell(
                    x_in + pc * CELL,
                    top + pr * CELL,
                    val,
                    fill,
                    "#555555" if inside else "#aaaaaa",
                    1.0,
                    f"mg-in-{pr}-{pc}",
                    cls,
                    f' data-r="{r}" data-c="{c}"',
                    note="" if t is None else f"k{t // kw}{t % kw}",
                    dash="" if inside else ' stroke-dasharray="3 2"',
                )
        for a in range(kh):
            for b in range(kw):
                cell(
                    x_k + b * CELL,
                    top + a * CELL,
                    S.num(self.k[a, b]),
                    "#ffe2bf" if ok else "#ffffff",
                    "#555555",
                    1.0,
                    f"mg-k-{a}-{b}",
                    "mg-k-cell",
                    note=f"k{a}{b}",
                )
        for a in range(max(ho, 0)):
            for b in range(max(wo, 0)):
                sel = ok and (a, b) == (i, j)
                cell(
                    x_out + b * CELL,
                    top + a * CELL,
                    S.num(out[a, b]),
                    S.CURRENT if sel else "#ffffff",
                    "#c45a00" if sel else "#555555",
                    3.0 if sel else 1.0,
                    f"mg-out-{a}-{b}",
                    "mg-out-cell" + (" mg-sel" if sel else ""),
                )
        parts.append("</svg>")
        size = (
            f"output size = ⌊({h} + 2·{p} − {d}·({kh}−1) − 1) / {s}⌋ + 1 = {ho} rows, "
            f"⌊({w} + 2·{p} − {d}·({kw}−1) − 1) / {s}⌋ + 1 = {wo} columns"
        )
        if not ok:
            return "".join(parts), (
                f"<b>the kernel does not fit</b>: its dilated size is {d * (kh - 1) + 1}×"
                f"{d * (kw - 1) + 1}, larger than the padded input {hp}×{wp}.<br>{size}"
            )
        xp = np.pad(self.x, p)

        def factor(v: float) -> str:
            return f"({S.num(v)})" if v < 0 else S.num(v)

        terms = [f"{factor(kv)}·{factor(xp[r + p, c + p])}" for kv, (r, c) in zip(self.k.ravel(), win)]
        rows = sorted({r for r, _ in win})
        cols = sorted({c for _, c in win})
        formula = (
            f"<b>out[{i}, {j}]</b> reads input rows {rows} and columns {cols} "
            f"(start {i}·{s} − {p} = {i * s - p}, step {d}):<br>"
            f"<code>out[{i}, {j}] = {' + '.join(terms)} = {S.num(out[i, j])}</code><br>{size}"
        )
        return "".join(parts), formula
