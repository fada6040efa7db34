"""Line charts as SVG text, for widgets that redraw while a loop runs (matplotlib takes 100+ ms a figure;
this takes a few ms, so a live chart costs the training loop almost nothing). Deterministic output."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minigrad.viz import svg as S

MAX_POINTS = 400  # a polyline never gets more points than this (min/max kept, so spikes stay visible)


@dataclass
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray
    color: str
    width: float = 1.8
    opacity: float = 1.0
    legend: bool = True


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def thin(x: np.ndarray, y: np.ndarray, n: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most ~n points: the min and the max of each bucket of consecutive points, in order (vectorised:
    a live chart redraws this every half second)."""
    if len(x) <= n:
        return x, y
    b = -(-len(x) // (n // 2))
    m = len(y) // b * b
    core = y[:m].reshape(-1, b)
    bad = ~np.isfinite(core)
    starts = np.arange(0, m, b)
    lo = np.argmin(np.where(bad, np.inf, core), axis=1) + starts
    hi = np.argmax(np.where(bad, -np.inf, core), axis=1) + starts
    keep = np.zeros(len(y), dtype=bool)  # a mask, not np.unique: that imports numpy.ma (~6 ms) on first use
    keep[lo] = keep[hi] = True
    keep[m:] = True
    return x[keep], y[keep]


def panel(
    series: list[Series],
    *,
    x0: float,
    y0: float,
    w: float,
    h: float,
    title: str,
    log: bool = False,
    ylim: tuple[float, float] | None = None,
    bands: Sequence[tuple[float, float, str, str]] = (),
    empty: str = "no data yet",
    cls: str = "",
) -> str:
    """One chart (title, axes, ticks, lines) inside the rectangle (x0, y0, w, h) of a bigger SVG."""
    left, right, top, bottom = x0 + 48, x0 + w - 8, y0 + 22, y0 + h - 26
    out = [f'<g class="mg-panel {cls}">', S.text(x0 + w / 2, y0 + 14, title, weight="bold", size=12)]
    out.append(
        f'<rect x="{S.f1(left)}" y="{S.f1(top)}" width="{S.f1(right - left)}" height="{S.f1(bottom - top)}" '
        'fill="#ffffff" stroke="#bbbbbb"/>'
    )
    pts = [(s.x, s.y) for s in series if len(s.x)]
    if not pts:
        out.append(S.text((left + right) / 2, (top + bottom) / 2, empty, fill="#888888"))
        out.append("</g>")
        return "".join(out)
    xs = np.concatenate([p[0] for p in pts]).astype(float)
    ys = np.concatenate([p[1] for p in pts]).astype(float)
    ys = ys[np.isfinite(ys) & ((ys > 0) if log else True)]
    xlo, xhi = float(xs.min()), float(xs.max())
    if xhi <= xlo:
        xlo, xhi = xlo - 1, xhi + 1
    if ylim is not None:
        ylo, yhi = ylim
    elif len(ys):
        ylo, yhi = float(ys.min()), float(ys.max())
        if log:
            ylo, yhi = math.log10(ylo), math.log10(yhi)
        pad = (yhi - ylo) * 0.05 or 0.5
        ylo, yhi = ylo - pad, yhi + pad
    else:
        ylo, yhi = 0.0, 1.0

    def X(v: np.ndarray) -> np.ndarray:
        return left + (v - xlo) / (xhi - xlo) * (right - left)

    def Y(v: np.ndarray) -> np.ndarray:
        v = np.log10(np.where(v > 0, v, np.nan)) if log else v
        return bottom - (v - ylo) / (yhi - ylo) * (bottom - top)

    out.append(f'<clipPath id="mg-clip-{cls or "p"}-{int(x0)}"><rect x="{S.f1(left)}" y="{S.f1(top)}" ')
    out.append(f'width="{S.f1(right - left)}" height="{S.f1(bottom - top)}"/></clipPath>')
    clip = f'clip-path="url(#mg-clip-{cls or "p"}-{int(x0)})"'
    for a, b, color, label in bands:  # shaded zones (vanishing / exploding gradients)
        la, lb = (math.log10(a), math.log10(b)) if log else (a, b)
        la, lb = max(la, ylo), min(lb, yhi)
        if lb > la:
            ya, yb = (
                bottom - (la - ylo) / (yhi - ylo) * (bottom - top),
                bottom - (lb - ylo) / (yhi - ylo) * (bottom - top),
            )
            out.append(
                f'<rect x="{S.f1(left)}" y="{S.f1(yb)}" width="{S.f1(right - left)}" '
                f'height="{S.f1(ya - yb)}" fill="{color}" opacity="0.35"/>'
            )
            out.append(S.text(left + 4, (ya + yb) / 2 + 4, label, anchor="start", size=9, fill="#555555"))
    for t in nice_ticks(xlo, xhi):
        out.append(S.text(float(X(np.array(t))), bottom + 13, S.num(t, 4), size=9, fill="#555555"))
    yt = nice_ticks(ylo, yhi, 4)
    if log:
        yt = [float(v) for v in range(math.ceil(ylo), math.floor(yhi) + 1)] or yt
    for t in yt:
        yy = bottom - (t - ylo) / (yhi - ylo) * (bottom - top)
        out.append(
            f'<line x1="{S.f1(left)}" x2="{S.f1(right)}" y1="{S.f1(yy)}" y2="{S.f1(yy)}" stroke="#eeeeee"/>'
        )
        lab = f"1e{int(t)}" if log else S.num(t, 3)
        out.append(S.text(left - 4, yy + 3, lab, anchor="end", size=9, fill="#555555"))
    for s in series:
        if not len(s.x):
            continue
        x, y = thin(np.asarray(s.x, float), np.asarray(s.y, float))
        px, py = X(x), Y(y)
        ok = np.isfinite(py)
        d = " ".join(f"{S.f1(a)},{S.f1(b)}" for a, b in zip(px[ok], py[ok]))
        if not d:
            continue
        if ok.sum() == 1:
            out.append(
                f'<circle cx="{S.f1(px[ok][0])}" cy="{S.f1(py[ok][0])}" r="2.5" fill="{s.color}" {clip}/>'
            )
        out.append(
            f'<polyline class="mg-line" data-label="{S.esc(s.label)}" points="{d}" fill="none" '
            f'stroke="{s.color}" stroke-width="{s.width}" opacity="{s.opacity}" {clip}>'
            f"<title>{S.esc(s.label)}: last {S.num(float(s.y[-1]), 4)}</title></polyline>"
        )
    out.append("</g>")
    return "".join(out)


def legend(series: list[Series], x: float, y: float, max_rows: int = 14) -> str:
    """A legend beside a chart (never on top of it): one row per labelled series."""
    out, shown = [], [s for s in series if s.legend]
    for i, s in enumerate(shown[:max_rows]):
        yy = y + i * 14
        out.append(
            f'<line x1="{S.f1(x)}" x2="{S.f1(x + 16)}" y1="{S.f1(yy)}" y2="{S.f1(yy)}" stroke="{s.color}" '
            'stroke-width="2.5"/>'
        )
        out.append(S.text(x + 20, yy + 3.5, s.label, anchor="start", size=9))
    if len(shown) > max_rows:
        out.append(
            S.text(x, y + max_rows * 14 + 3, f"… {len(shown) - max_rows} more", anchor="start", size=9)
        )
    return "".join(out)
