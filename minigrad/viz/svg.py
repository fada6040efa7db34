"""Tiny SVG helpers shared by the viewers: escaping, number formats, colour scales, text sizes.

Everything here is deterministic (no ids from memory addresses, no dates), so the same picture gives the same
bytes and notebooks re-execute identically under nbval.
"""

from __future__ import annotations

import math
from html import escape

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
FONT_SIZE = 11.0
CHAR_W = 6.7  # advance of DejaVu Sans Mono at 11 px, so boxes fit their text without measuring in a browser
LINE_H = 14.0

# Colour-blind-safe anchors (ColorBrewer PuBu) for "how big is the gradient": light = small, dark = large.
_PUBU = [
    (0xF1, 0xEE, 0xF6),
    (0xD0, 0xD1, 0xE6),
    (0xA6, 0xBD, 0xDB),
    (0x74, 0xA9, 0xCF),
    (0x2B, 0x8C, 0xBE),
    (0x04, 0x5A, 0x8D),
    (0x02, 0x38, 0x58),
]
DONE = "#b8e6b0"  # a backward call already processed
CURRENT = "#ff9f1c"  # the call being processed / the window being explained
PENDING = "#ffffff"
NO_GRAD = "#e6e6e6"
EDGE = "#8a8a8a"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(v: float, digits: int = 3) -> str:
    """Short, stable number text: 0.125, -3.2e-05, 1.5e+03."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    return f"{v:.{digits}g}"


def f1(v: float) -> str:
    """Coordinates with one decimal: enough for pixels, and no float noise in the bytes."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def seq_color(t: float) -> str:
    """Colour for t in [0, 1] on the light-to-dark blue scale."""
    t = min(max(t, 0.0), 1.0) * (len(_PUBU) - 1)
    i = min(int(t), len(_PUBU) - 2)
    a, b, u = _PUBU[i], _PUBU[i + 1], t - i
    return "#" + "".join(f"{round(x + (y - x) * u):02x}" for x, y in zip(a, b))


def text_on(fill: str) -> str:
    """Black or white text, whichever reads better on `fill` (#rrggbb)."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def text_width(s: str, size: float = FONT_SIZE) -> float:
    return len(s) * CHAR_W * size / FONT_SIZE


def text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = FONT_SIZE,
    anchor: str = "middle",
    fill: str = "#000000",
    weight: str = "normal",
    cls: str = "",
) -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{f1(x)}" y="{f1(y)}" font-size="{f1(size)}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}"{c}>{esc(s)}</text>'
    )


def svg_open(width: float, height: float, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{c} width="{f1(width)}" height="{f1(height)}" '
        f'viewBox="0 0 {f1(width)} {f1(height)}" font-family="{FONT}">'
    )
