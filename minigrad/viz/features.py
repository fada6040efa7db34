"""FeatureMapViewer: what each layer of a CNN makes of an image, and the filters that produced it.

The model is run layer by layer (a Sequential, or any module whose children run in order) under no_grad on a
few images, so every intermediate activation is kept; nothing is recorded for backward.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.autograd import no_grad
from minigrad.tensor import Tensor
from minigrad.viz import svg as S
from minigrad.viz.common import show_figure

MAX_SHOWN = 16  # channels drawn at once


def model_layers(model: Any) -> list[tuple[str, Any]]:
    """(name, layer) pairs that run one after another: a Module's named_children(), or a list's items."""
    if hasattr(model, "named_children"):
        layers = list(model.named_children())
    else:
        layers = [(str(i), m) for i, m in enumerate(model)]
    if not layers:
        raise ValueError("FeatureMapViewer: the model has no layers to step through (use nn.Sequential)")
    return layers


def _weight_of(layer: Any) -> np.ndarray | None:
    """The layer's own weight array (4-D for a convolution, 2-D for a Linear layer), or None."""
    w = getattr(layer, "weight", None)
    if w is None:
        return None
    return np.asarray(getattr(w, "data", w))


class FeatureMapViewer(W.VBox):
    """Pick an image, a layer and a range of channels: see the input, that layer's activations (one picture
    per channel, on a shared colour scale) and the convolution filters that made them."""

    def __init__(self, model: Any, images: Any, labels: Any = None) -> None:
        x = np.asarray(getattr(images, "data", images))
        if x.ndim < 2:
            raise ValueError(f"FeatureMapViewer: images must be a batch (N, ...), got shape {x.shape}")
        self.images = x
        self.labels = None if labels is None else np.asarray(getattr(labels, "data", labels))
        self.layers = model_layers(model)
        self.acts: list[np.ndarray] = []
        was_training = getattr(model, "training", False)
        if hasattr(model, "eval"):
            model.eval()  # what the model does at test time (dropout off); its mode is restored below
        try:
            with no_grad():
                t = Tensor(x)
                for name, layer in self.layers:
                    try:
                        t = layer(t)
                    except Exception as e:
                        raise RuntimeError(
                            f"FeatureMapViewer: layer {name} ({type(layer).__name__}) failed on input "
                            f"of shape {t.shape}: {e}"
                        ) from e
                    self.acts.append(np.asarray(t.data))
        finally:
            if hasattr(model, "train"):
                model.train(was_training)
        n = len(x)
        img_opts = [
            (f"image {i}" + ("" if self.labels is None else f" (label {self.labels[i]})"), i)
            for i in range(n)
        ]
        self.image = W.Dropdown(options=img_opts, value=0, description="image").add_class("mg-fm-image")
        layer_opts = [(f"{self._layer_name(i)} → {tuple(a.shape[1:])}", i) for i, a in enumerate(self.acts)]
        self.layer = W.Dropdown(
            options=layer_opts, value=0, description="layer", layout={"width": "420px"}
        ).add_class("mg-fm-layer")
        self.channels = W.IntRangeSlider(
            value=(0, 0),
            min=0,
            max=1,
            description="channels",
            continuous_update=False,
            layout={"width": "420px"},
        )
        self.channels.add_class("mg-fm-channels")
        self.info = W.HTML().add_class("mg-fm-info")
        self.acts_out = W.Output(layout={"width": "760px", "min_height": "300px"}).add_class("mg-fm-acts")
        self.filters_out = W.Output(layout={"width": "440px", "min_height": "300px"}).add_class(
            "mg-fm-filters"
        )
        self._busy = False
        self.filters_shown: list[int] = []  # output channels (or units) whose weights the panel shows
        self.image.observe(self._redraw, names="value")
        self.layer.observe(self._layer_changed, names="value")
        self.channels.observe(self._redraw, names="value")
        self._layer_changed()
        super().__init__(
            [
                W.HBox([self.image, self.layer, self.channels]),
                self.info,
                W.HBox([self.acts_out, self.filters_out]),
            ]
        )
        self.add_class("mg-feature-map-viewer")

    def __repr__(self) -> str:
        return f"FeatureMapViewer({len(self.images)} images, {len(self.layers)} layers)"

    def _layer_name(self, i: int) -> str:
        """ "3: Conv2d" for a Sequential's numbered layers, "3: conv2 (Conv2d)" for named ones."""
        name, layer = self.layers[i]
        kind = type(layer).__name__
        return f"{i}: {kind}" if name == str(i) else f"{i}: {name} ({kind})"

    def _layer_changed(self, _: Any = None) -> None:
        a = self.acts[self.layer.value]
        c = a.shape[1] if a.ndim == 4 else 1
        self._busy = True
        try:
            with self.channels.hold_trait_notifications():
                self.channels.max = max(c - 1, 1)
                self.channels.value = (0, min(c, 8) - 1)
            self.channels.disabled = a.ndim != 4
        finally:
            self._busy = False
        self._redraw()

    def shown_channels(self) -> list[int]:
        a = self.acts[self.layer.value]
        if a.ndim != 4:
            return []
        lo, hi = self.channels.value
        hi = min(hi, a.shape[1] - 1, lo + MAX_SHOWN - 1)
        return list(range(lo, hi + 1))

    def _redraw(self, _: Any = None) -> None:
        if self._busy:
            return
        i, li = self.image.value, self.layer.value
        name, layer = self.layers[li]
        a = self.acts[li][i]
        chans = self.shown_channels()
        logits = self.acts[-1][i]
        info = f"<b>layer {S.esc(self._layer_name(li))}</b> output for one image: {tuple(a.shape)}"
        if chans:
            info += f" · showing channels {chans[0]}–{chans[-1]}"
        if logits.ndim == 1:
            info += f" · model predicts <b class='mg-fm-pred'>{int(np.argmax(logits))}</b>"
            if self.labels is not None:
                info += f" (label {self.labels[i]})"
        self.info.value = info
        self._draw_acts(a, chans)
        self._draw_filters(chans)

    def _draw_acts(self, a: np.ndarray, chans: list[int]) -> None:
        import matplotlib.pyplot as plt

        img = self.images[self.image.value]
        if img.ndim == 3:  # (C, H, W): grey or RGB
            img = img[0] if img.shape[0] == 1 else np.moveaxis(img, 0, -1)
        fig, (ax0, ax) = plt.subplots(1, 2, figsize=(9.4, 3.6), dpi=80, gridspec_kw={"width_ratios": [1, 4]})
        ax0.imshow(img, cmap="gray")
        ax0.set_title("input", fontsize=10)
        ax0.axis("off")
        if a.ndim == 3:
            # all channels as tiles of ONE image (one imshow is much faster than one subplot per channel)
            cols = min(len(chans), 8)
            rows = (len(chans) + cols - 1) // cols
            h, w = a.shape[1:]
            grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
            for k, c in enumerate(chans):
                r, q = divmod(k, cols)
                grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = a[c]
            vmin, vmax = float(np.min(a[chans])), float(np.max(a[chans]))
            im = ax.imshow(grid, cmap="viridis", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1)
            for k, c in enumerate(chans):
                r, q = divmod(k, cols)
                ax.text(
                    q * (w + 1) + w / 2 - 0.5,
                    r * (h + 1) - 0.5,
                    f"ch {c}",
                    ha="center",
                    va="bottom",
                    fontsize=9,
                )
            ax.axis("off")
            fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
            ax.set_title(
                f"activations, shared colour scale {S.num(vmin)} … {S.num(vmax)}", fontsize=10, pad=14
            )
        else:
            v = a.reshape(-1)
            if v.size <= 64:
                colors = [
                    "#ff7f0e" if (k == np.argmax(v) and v.size <= 10) else "#1f77b4" for k in range(v.size)
                ]
                ax.bar(np.arange(v.size), v, color=colors)
                ax.set_xlabel("class (orange: the prediction)" if v.size <= 10 else "feature")
                if v.size <= 10:
                    ax.set_xticks(range(v.size))
            else:
                im = ax.imshow(v[None, :], aspect="auto", cmap="viridis", interpolation="nearest")
                ax.set_yticks([])
                ax.set_xlabel("feature")
                fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="activation")
            ax.set_title(f"activations: {v.size} numbers (a flat vector, no channels)", fontsize=10)
        fig.subplots_adjust(left=0.02, right=0.93, top=0.85, bottom=0.14, wspace=0.12)
        show_figure(self.acts_out, fig)

    def _draw_filters(self, chans: list[int]) -> None:
        """The weights of the layer shown, and only of that layer: a convolution's filter for every shown
        channel, a Linear layer's weight matrix; a note for layers without weights."""
        import matplotlib.pyplot as plt

        layer = self.layers[self.layer.value][1]
        w = _weight_of(layer)
        fig, ax = plt.subplots(figsize=(5.4, max(3.9, 0.5 + 0.42 * len(chans))), dpi=80)
        if w is None or w.ndim not in (2, 4):
            ax.axis("off")
            ax.text(
                0.5,
                0.5,
                f"{type(layer).__name__} has no weights:\nit only transforms what the layer before it made",
                ha="center",
                va="center",
                color="#777777",
                transform=ax.transAxes,
            )
            self.filters_shown = []
        elif w.ndim == 2:  # Linear: out_features × in_features
            m = float(np.max(np.abs(w))) or 1.0
            im = ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m, aspect="auto", interpolation="nearest")
            ax.set_xlabel(f"input feature (0…{w.shape[1] - 1})", fontsize=9)
            ax.set_ylabel(f"output unit (0…{w.shape[0] - 1})", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.04, pad=0.03)
            ax.set_title(f"weight of this layer {tuple(w.shape)}: red +, blue −", fontsize=10)
            self.filters_shown = list(range(w.shape[0]))
        else:
            rows = [c for c in chans if c < w.shape[0]]
            self.filters_shown = rows
            ncols = min(w.shape[1], 8)
            kh, kw = w.shape[2:]
            grid = np.full((len(rows) * (kh + 1) - 1, ncols * (kw + 1) - 1), np.nan)
            for r, oc in enumerate(rows):
                for ic in range(ncols):
                    grid[r * (kh + 1) : r * (kh + 1) + kh, ic * (kw + 1) : ic * (kw + 1) + kw] = w[oc, ic]
            m = float(np.max(np.abs(w))) or 1.0
            im = ax.imshow(grid, cmap="RdBu_r", vmin=-m, vmax=m)
            ax.set_xticks(
                [ic * (kw + 1) + (kw - 1) / 2 for ic in range(ncols)],
                [f"in {ic}" for ic in range(ncols)],
                fontsize=8,
            )
            ax.set_yticks(
                [r * (kh + 1) + (kh - 1) / 2 for r in range(len(rows))],
                [f"out {oc}" for oc in rows],
                fontsize=8,
            )
            ax.tick_params(length=0)
            for sp in ax.spines.values():
                sp.set_visible(False)
            fig.colorbar(im, ax=ax, fraction=0.04, pad=0.03)
            more = f", inputs 0–{ncols - 1} of {w.shape[1]}" if ncols < w.shape[1] else ""
            ax.set_title(
                f"filters of this layer for channels {rows[0]}–{rows[-1]}{more}\n"
                f"weight {tuple(w.shape)}: red +, blue −",
                fontsize=10,
            )
        fig.subplots_adjust(left=0.14, right=0.86, top=0.88, bottom=0.1)
        show_figure(self.filters_out, fig)
