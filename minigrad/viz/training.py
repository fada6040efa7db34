"""TrainingMonitor: live loss/accuracy curves and per-layer gradient norms, fed from a training loop.

    monitor = TrainingMonitor(total=len(loader) * epochs)
    display(monitor)
    for step, (x, y) in enumerate(...):
        ...; loss.backward()
        monitor.update(step, loss=loss.item(), acc=acc, model=model)   # after backward, before zero_grad
        optimizer.step(); optimizer.zero_grad()
    monitor.close()

Redraws are throttled (at most one every `min_interval` seconds, and at most ~10% of the run's time) because
drawing costs more than a step of a small model; `close()` always draws the final state.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.viz import svg as S
from minigrad.viz.common import show_figure

VANISHING = 1e-6  # gradient norms below this barely move the weights
EXPLODING = 1e2  # ... and above this a single step jumps far


def grad_norms(model: Any) -> dict[str, float]:
    """L2 norm of each parameter's gradient, by parameter name (parameters without a gradient left out)."""
    named = (
        model.named_parameters()
        if hasattr(model, "named_parameters")
        else ((f"param{i}", p) for i, p in enumerate(model.parameters()))
    )
    return {
        name: float(np.sqrt(np.sum(np.square(p.grad, dtype=np.float64))))
        for name, p in named
        if p.grad is not None
    }


class TrainingMonitor(W.VBox):
    """Loss and accuracy curves (any metric whose name contains "acc" goes on the accuracy panel), the
    gradient norm of every parameter on a log scale with the vanishing/exploding zones shaded, a status line
    with warnings, and a tqdm progress bar."""

    def __init__(
        self, total: int | None = None, *, min_interval: float = 1.0, title: str = "training"
    ) -> None:
        from tqdm.auto import tqdm
        from tqdm.notebook import tqdm as tqdm_notebook

        self.history: dict[str, tuple[list[int], list[float]]] = {}
        self.norms: dict[str, tuple[list[int], list[float]]] = {}
        self.min_interval, self.title = min_interval, title
        self.total = total
        self.redraws = 0
        self._last_draw = -np.inf
        self._draw_time = 0.0
        self._last_step: int | None = None
        self.plot = W.Output(layout={"width": "1150px", "min_height": "330px"}).add_class("mg-monitor-plot")
        self.status = W.HTML("<i>waiting for the first update()</i>").add_class("mg-monitor-status")
        bar_kwargs: dict[str, Any] = {"total": total, "desc": title, "unit": "step"}
        if issubclass(tqdm, tqdm_notebook):  # a widget bar: shown inside this box, not on its own
            bar_kwargs["display"] = False
        self.bar = tqdm(**bar_kwargs)
        children = [self.status, self.plot]
        container = getattr(self.bar, "container", None)
        if container is not None:
            container.add_class("mg-monitor-bar")
            children.insert(0, container)
        super().__init__(children)
        self.add_class("mg-training-monitor")

    def __repr__(self) -> str:
        return f"TrainingMonitor({', '.join(self.history) or 'no metrics yet'})"

    def update(self, step: int, *, model: Any = None, force: bool = False, **metrics: float) -> None:
        """Record metrics (loss=..., acc=..., val_loss=..., any name) and, with `model`, gradient norms."""
        for name, v in metrics.items():
            if v is None:
                continue
            steps, vals = self.history.setdefault(name, ([], []))
            steps.append(int(step))
            vals.append(float(v.item() if hasattr(v, "item") else v))
        if model is not None:
            for name, v in grad_norms(model).items():
                steps, vals = self.norms.setdefault(name, ([], []))
                steps.append(int(step))
                vals.append(v)
        advance = 1 if self._last_step is None else max(int(step) - self._last_step, 0)
        self._last_step = int(step)
        self.bar.update(advance)
        if "loss" in metrics and metrics["loss"] is not None:
            self.bar.set_postfix(loss=f"{self.history['loss'][1][-1]:.4f}", refresh=False)
        now = time.monotonic()
        # Wait at least min_interval and 10x what the last drawing took: drawing stays < 10% of the time.
        if force or now - self._last_draw >= max(self.min_interval, 10 * self._draw_time):
            self.draw()
            self._last_draw = time.monotonic()
            self._draw_time = self._last_draw - now

    def close(self) -> None:
        """Final redraw (always) and close the progress bar, which then shows counts and metrics only.

        Why: a finished bar's rate and elapsed time differ on every run; left in the saved widget state they
        would change a re-executed notebook each time (and tell a reader nothing about their own machine).
        """
        self.draw()
        self.bar.bar_format = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"
        self.bar.refresh()
        self.bar.close()

    def warnings(self) -> list[str]:
        out = []
        for name, (_, vals) in self.norms.items():
            v = vals[-1]
            if 0 < v < VANISHING or v == 0:
                out.append(f"{name}: gradient norm {S.num(v)} — vanishing (this layer barely learns)")
            elif v > EXPLODING or not np.isfinite(v):
                out.append(f"{name}: gradient norm {S.num(v)} — exploding (lower the learning rate or clip)")
        for name, (_, vals) in self.history.items():
            if not np.isfinite(vals[-1]):
                out.append(f"{name} is {vals[-1]} — training diverged")
        return out

    @staticmethod
    def _smooth(vals: list[float]) -> np.ndarray:
        """Trailing mean over 1/25 of the run: mini-batch noise goes, the lag is invisible at this scale."""
        v = np.asarray(vals, dtype=np.float64)
        k = max(len(v) // 25, 1)
        c = np.cumsum(np.insert(v, 0, 0.0))
        lo = np.maximum(np.arange(1, len(v) + 1) - k, 0)
        return (c[1:] - c[lo]) / (np.arange(1, len(v) + 1) - lo)

    def draw(self) -> None:
        import matplotlib.pyplot as plt

        self.redraws += 1
        parts = []
        if self._last_step is not None:
            parts.append(f"<b>step {self._last_step}</b>")
        for name, (_, vals) in self.history.items():
            parts.append(f"{S.esc(name)} {S.num(vals[-1], 4)}")
        warn = self.warnings()
        html = " · ".join(parts) or "<i>waiting for the first update()</i>"
        if warn:
            html += "".join(
                f'<div class="mg-monitor-warning" style="color:#b00020">⚠ {S.esc(w)}</div>' for w in warn
            )
        self.status.value = html
        fig, axes = plt.subplots(1, 3, figsize=(14.0, 3.7), dpi=80)
        loss_ax, acc_ax, g_ax = axes
        for ax, want_acc in ((loss_ax, False), (acc_ax, True)):
            shown = False
            for i, (name, (steps, vals)) in enumerate(self.history.items()):
                if ("acc" in name) != want_acc:
                    continue
                shown = True
                c = f"C{i % 10}"
                if len(vals) >= 50:
                    ax.plot(steps, vals, color=c, alpha=0.25, lw=1)
                    ax.plot(
                        steps, self._smooth(vals), color=c, lw=2, label=f"{name} (mean of {len(vals) // 25})"
                    )
                else:
                    ax.plot(steps, vals, "-o" if len(vals) < 30 else "-", color=c, lw=2, ms=3, label=name)
            if shown:
                ax.legend(fontsize=8)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no " + ("accuracy" if want_acc else "loss") + " reported",
                    ha="center",
                    va="center",
                    color="#888888",
                    transform=ax.transAxes,
                )
            ax.set_xlabel("step")
            ax.grid(alpha=0.3)
        loss_ax.set_title("loss")
        acc_ax.set_title("accuracy")
        if any(("acc" in n) for n in self.history):
            acc_ax.set_ylim(-0.02, 1.02)
        g_ax.set_title("gradient norm per parameter")
        g_ax.set_xlabel("step")
        g_ax.set_yscale("log")
        g_ax.axhspan(1e-12, VANISHING, color="#9ecae1", alpha=0.35, lw=0)
        g_ax.axhspan(EXPLODING, 1e12, color="#fcae91", alpha=0.45, lw=0)
        allv = [v for _, vals in self.norms.values() for v in vals if v > 0 and np.isfinite(v)]
        lo = min(min(allv, default=1e-3), VANISHING * 0.1)
        hi = max(max(allv, default=1.0), EXPLODING * 10)
        g_ax.set_ylim(lo, hi)
        g_ax.text(0.01, 0.02, "vanishing", transform=g_ax.transAxes, fontsize=8, color="#08519c")
        g_ax.text(0.01, 0.93, "exploding", transform=g_ax.transAxes, fontsize=8, color="#a50f15")
        cmap = plt.cm.tab10 if len(self.norms) <= 10 else plt.cm.turbo
        for i, (name, (steps, vals)) in enumerate(self.norms.items()):
            v = np.array(vals)
            color = cmap(i) if len(self.norms) <= 10 else cmap(0.1 + 0.8 * i / (len(self.norms) - 1))
            g_ax.plot(steps, np.where(v > 0, v, np.nan), lw=1.5, color=color, label=name)
        if self.norms:
            g_ax.legend(
                fontsize=7,
                ncol=2 if len(self.norms) > 12 else 1,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                borderaxespad=0,
            )
        else:
            g_ax.text(
                0.5,
                0.5,
                "pass model= to update()",
                ha="center",
                va="center",
                color="#888888",
                transform=g_ax.transAxes,
            )
        g_ax.grid(alpha=0.3, which="major")
        fig.subplots_adjust(left=0.05, right=0.88, top=0.9, bottom=0.14, wspace=0.22)  # tight_layout is slow
        show_figure(self.plot, fig)
