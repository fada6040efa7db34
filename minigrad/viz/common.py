"""Helpers shared by the widgets: kernel-side Output updates and turning any array into a 2-D picture."""

from __future__ import annotations

from typing import Any

import numpy as np


def show_figure(out: Any, fig: Any) -> None:
    """Put a matplotlib figure into an ipywidgets.Output from the kernel side.

    `with out: display(fig)` needs a front-end to capture the messages, so nbval/nbclient would not see it
    (and the figure could land under the cell instead); setting the outputs directly works everywhere.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image

    buf = io.BytesIO()  # render here, so the PNG does not depend on an IPython display formatter being set up
    fig.savefig(buf, format="png", dpi=fig.dpi)
    plt.close(fig)
    with out.hold_sync():
        out.outputs = ()
        out.append_display_data(Image(data=buf.getvalue(), format="png"))


def tile(a: np.ndarray, max_rows: int = 8, max_cols: int = 8) -> np.ndarray:
    """A 2-D view of an array of any rank: (N, C, H, W) becomes a grid of H×W tiles (N rows, C columns)
    separated by NaN lines (drawn blank); vectors become one row."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    if a.ndim == 3:
        a = a[None]
    if a.ndim > 4:
        a = a.reshape(-1, *a.shape[-3:])
    if a.shape[1] == 1:  # one channel (filters of a first layer, a batch of grey images): one row of tiles
        a = a.transpose(1, 0, 2, 3)
    n, c, h, w = a.shape
    n, c = min(n, max_rows), min(c, max_cols)
    grid = np.full((n * (h + 1) - 1, c * (w + 1) - 1), np.nan)
    for i in range(n):
        for j in range(c):
            grid[i * (h + 1) : i * (h + 1) + h, j * (w + 1) : j * (w + 1) + w] = a[i, j]
    return grid
