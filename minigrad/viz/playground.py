"""OptimizerPlayground: several optimizers race on a 2-D loss surface; sliders for lr, momentum, betas, steps.

The trajectories are computed with minigrad itself: two scalar Tensors (x, y) are the parameters, the surface
is written with Tensor operators, and each step is zero_grad → forward → backward → optimizer.step().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np

from minigrad.tensor import Tensor
from minigrad.viz import svg as S
from minigrad.viz.common import show_figure


@dataclass(frozen=True)
class Surface:
    f: Callable[[Any, Any], Any]  # written with operators only: works on NumPy arrays and on Tensors
    start: tuple[float, float]
    minimum: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    lrs: dict[str, float]  # a learning rate per optimizer that behaves well on this surface


SURFACES = {
    "Rosenbrock": Surface(
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        (-1.5, 2.0),  # chapter 6's start and learning rates
        (1.0, 1.0),
        (-2.0, 2.0),
        (-1.0, 3.0),
        {"SGD": 1e-3, "SGD + momentum": 1e-3, "Adagrad": 0.5, "RMSprop": 1e-2, "Adam": 1e-1},
    ),
    "Beale": Surface(
        lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
        (1.0, 1.5),
        (3.0, 0.5),
        (-1.0, 4.5),
        (-1.5, 2.5),
        {"SGD": 1e-2, "SGD + momentum": 1e-3, "Adagrad": 0.3, "RMSprop": 1e-2, "Adam": 3e-2},
    ),
    "Elongated bowl": Surface(
        lambda x, y: 0.5 * x**2 + 12.5 * y**2,
        (-4.5, 1.5),
        (0.0, 0.0),
        (-5.0, 5.0),
        (-2.0, 2.0),
        {"SGD": 7e-2, "SGD + momentum": 2e-2, "Adagrad": 0.5, "RMSprop": 5e-2, "Adam": 2e-1},
    ),
}
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
Factory = Callable[
    ..., Any
]  # factory(params, lr=, momentum=, betas=) -> an optimizer with step()/zero_grad()


def default_optimizers() -> dict[str, Factory]:
    """The course's optimizers (minigrad.optim, chapter 6) under their PyTorch names."""
    try:
        from minigrad import optim
    except ImportError as e:
        raise ImportError(
            "OptimizerPlayground needs minigrad.optim (chapter 6), or pass optimizers={...}"
        ) from e
    specs: dict[str, Factory] = {
        "SGD": lambda p, lr, momentum, betas: optim.SGD(p, lr=lr),
        "SGD + momentum": lambda p, lr, momentum, betas: optim.SGD(p, lr=lr, momentum=momentum),
    }
    if hasattr(optim, "Adagrad"):
        specs["Adagrad"] = lambda p, lr, momentum, betas: optim.Adagrad(p, lr=lr)
    if hasattr(optim, "RMSprop"):
        specs["RMSprop"] = lambda p, lr, momentum, betas: optim.RMSprop(p, lr=lr)
    specs["Adam"] = lambda p, lr, momentum, betas: optim.Adam(p, lr=lr, betas=betas)
    return specs


@dataclass
class Run:
    path: np.ndarray  # (steps + 1, 3): x, y, loss
    diverged_at: int | None


def run_optimizer(
    surface: Surface, factory: Factory, steps: int, lr: float, momentum: float, betas: tuple[float, float]
) -> Run:
    """Follow one optimizer for `steps` steps from the surface's start; stop early if it blows up."""
    x = Tensor(np.float64(surface.start[0]), requires_grad=True, name="x")
    y = Tensor(np.float64(surface.start[1]), requires_grad=True, name="y")
    opt = factory([x, y], lr=lr, momentum=momentum, betas=betas)
    path = [(x.item(), y.item(), float(surface.f(np.float64(x.item()), np.float64(y.item()))))]
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            opt.zero_grad()
            loss = surface.f(x, y)
            loss.backward()
            opt.step()
            xv, yv = x.item(), y.item()
            fv = float(surface.f(np.float64(xv), np.float64(yv)))
            if not (np.isfinite(fv) and abs(xv) < 1e6 and abs(yv) < 1e6):
                return Run(np.array(path), k)
            path.append((xv, yv, fv))
    return Run(np.array(path), None)


class OptimizerPlayground(W.VBox):
    """Pick a surface, switch optimizers on and off, move their learning rates and the shared momentum,
    betas and number of steps; the trajectories and a results table update."""

    def __init__(
        self, optimizers: dict[str, Factory] | None = None, *, surface: str = "Rosenbrock", steps: int = 300
    ) -> None:
        self.optimizers = optimizers if optimizers is not None else default_optimizers()
        if surface not in SURFACES:
            raise ValueError(
                f"OptimizerPlayground: unknown surface {surface!r}; choose from {list(SURFACES)}"
            )
        self.surface = W.Dropdown(options=list(SURFACES), value=surface, description="surface")
        self.surface.add_class("mg-opt-surface")
        self.steps = W.IntSlider(
            value=steps, min=10, max=1000, step=10, description="steps", continuous_update=False
        ).add_class("mg-opt-steps")
        self.momentum = W.FloatSlider(
            value=0.9, min=0.0, max=0.99, step=0.01, description="momentum", continuous_update=False
        ).add_class("mg-opt-momentum")
        self.beta1 = W.FloatSlider(
            value=0.9, min=0.0, max=0.99, step=0.01, description="Adam β1", continuous_update=False
        ).add_class("mg-opt-beta1")
        self.beta2 = W.FloatSlider(
            value=0.999,
            min=0.9,
            max=0.9999,
            step=0.0001,
            readout_format=".4f",
            description="Adam β2",
            continuous_update=False,
        ).add_class("mg-opt-beta2")
        self.enabled: dict[str, W.Checkbox] = {}
        self.lr: dict[str, W.FloatLogSlider] = {}
        rows = []
        for i, name in enumerate(self.optimizers):
            slug = name.lower().replace(" + ", "-").replace(" ", "-")
            cb = W.Checkbox(value=True, description=name, indent=False, layout={"width": "150px"})
            cb.add_class(f"mg-opt-on-{slug}")
            lr = W.FloatLogSlider(
                value=self._default_lr(name),
                base=10,
                min=-5,
                max=0,
                step=0.1,
                description="lr",
                readout_format=".1e",
                continuous_update=False,
                style={"description_width": "30px"},
                layout={"width": "330px"},
            )
            lr.add_class(f"mg-opt-lr-{slug}")
            swatch = W.HTML(
                f'<span style="display:inline-block;width:26px;height:4px;margin-top:14px;'
                f'background:{COLORS[i % len(COLORS)]}"></span>',
                layout={"width": "34px"},
            )
            self.enabled[name], self.lr[name] = cb, lr
            rows.append(W.HBox([swatch, cb, lr]))
        self.plot = W.Output(layout={"width": "1000px", "min_height": "430px"}).add_class("mg-opt-plot")
        self.table = W.HTML().add_class("mg-opt-results")
        self.runs: dict[str, Run] = {}
        self.redraws = 0
        self._busy = False
        for w in [
            self.steps,
            self.momentum,
            self.beta1,
            self.beta2,
            *self.enabled.values(),
            *self.lr.values(),
        ]:
            w.observe(self._redraw, names="value")
        self.surface.observe(self._surface_changed, names="value")
        self._redraw()
        controls = W.VBox(
            [
                self.surface,
                self.steps,
                self.momentum,
                self.beta1,
                self.beta2,
                W.HTML("<b>optimizers</b> (learning rates on a log scale)"),
                *rows,
                self.table,
            ],
            layout={"width": "560px", "min_width": "560px"},
        )
        super().__init__([controls, self.plot])  # the plot below the controls: wide, and never off-screen
        self.add_class("mg-optimizer-playground")

    def __repr__(self) -> str:
        return f"OptimizerPlayground({', '.join(self.optimizers)} on {self.surface.value})"

    def _default_lr(self, name: str) -> float:
        return SURFACES[self.surface.value].lrs.get(name, 1e-2)

    def _surface_changed(self, _: Any = None) -> None:
        """Each surface has its own sensible learning rates: set them all, then draw once (the sliders'
        own change events are ignored meanwhile, so one switch is one redraw)."""
        self._busy = True
        try:
            for name, s in self.lr.items():
                s.value = self._default_lr(name)
        finally:
            self._busy = False
        self._redraw()

    def compute(self) -> dict[str, Run]:
        surf = SURFACES[self.surface.value]
        betas = (self.beta1.value, self.beta2.value)
        return {
            name: run_optimizer(surf, f, self.steps.value, self.lr[name].value, self.momentum.value, betas)
            for name, f in self.optimizers.items()
            if self.enabled[name].value
        }

    def _redraw(self, _: Any = None) -> None:
        if self._busy:
            return
        self.redraws += 1
        self.runs = self.compute()
        self.table.value = self._table()
        self._draw()

    def _table(self) -> str:
        surf = SURFACES[self.surface.value]
        rows = [
            '<table class="mg-opt-table" style="border-collapse:collapse;font-size:12px">'
            "<tr><th align=left>optimizer</th><th>lr</th><th>final loss</th><th>final (x, y)</th>"
            "<th align=left>note</th></tr>"
        ]
        for name, r in self.runs.items():
            x, y, f = r.path[-1]
            note = (
                f"diverged at step {r.diverged_at}"
                if r.diverged_at
                else (
                    "reached the minimum" if np.hypot(x - surf.minimum[0], y - surf.minimum[1]) < 1e-2 else ""
                )
            )
            rows.append(
                f'<tr class="mg-opt-row" data-opt="{S.esc(name)}">'
                f'<td style="color:{COLORS[list(self.optimizers).index(name) % len(COLORS)]};'
                f'font-weight:bold;padding-right:8px">{S.esc(name)}</td>'
                f'<td style="padding:0 8px">{self.lr[name].value:.1e}</td>'
                f'<td class="mg-opt-loss" style="padding:0 8px">{S.num(f, 4)}</td>'
                f'<td style="padding:0 8px">({x:.3f}, {y:.3f})</td><td>{note}</td></tr>'
            )
        rows.append("</table>")
        return "".join(rows)

    def _draw(self) -> None:
        """The trajectories on the surface and the loss per step; both legends sit outside the axes."""
        import matplotlib.pyplot as plt

        surf = SURFACES[self.surface.value]
        xs = np.linspace(*surf.xlim, 240)
        ys = np.linspace(*surf.ylim, 200)
        X, Y = np.meshgrid(xs, ys)
        Z = np.log10(surf.f(X, Y) + 1e-3)
        fig, (ax, lax) = plt.subplots(
            1, 2, figsize=(11.0, 4.4), dpi=90, gridspec_kw={"width_ratios": [1.25, 1]}
        )
        cs = ax.contourf(X, Y, Z, levels=30, cmap="Greys_r", alpha=0.85)
        ax.contour(X, Y, Z, levels=15, colors="white", linewidths=0.4, alpha=0.6)
        fig.colorbar(cs, ax=ax, label="log10(loss)", pad=0.02)
        ax.plot(*surf.start, "o", color="white", mec="black", ms=8, zorder=5)
        ax.plot(*surf.minimum, "*", color="gold", mec="black", ms=15, zorder=5)
        handles = [
            plt.Line2D([], [], marker="o", color="white", mec="black", ls="", ms=7, label="start"),
            plt.Line2D([], [], marker="*", color="gold", mec="black", ls="", ms=11, label="minimum"),
        ]
        for name, r in self.runs.items():
            c = COLORS[list(self.optimizers).index(name) % len(COLORS)]
            tag = f"diverged (step {r.diverged_at})" if r.diverged_at else f"loss {S.num(r.path[-1, 2], 3)}"
            ax.plot(r.path[:, 0], r.path[:, 1], "-", color=c, lw=2, zorder=4)
            ax.plot(r.path[-1, 0], r.path[-1, 1], "s", color=c, mec="black", ms=6, zorder=6)
            lax.plot(np.arange(len(r.path)), np.maximum(r.path[:, 2], 1e-12), color=c, lw=2)
            handles.append(plt.Line2D([], [], color=c, lw=2, label=f"{name}: {tag}"))
        ax.set_xlim(surf.xlim)
        ax.set_ylim(surf.ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"{self.surface.value}: {self.steps.value} steps from {surf.start}", fontsize=10)
        lax.set_yscale("log")
        lax.set_xlabel("step")
        lax.set_title("loss per step", fontsize=10)
        lax.grid(alpha=0.3)
        if not self.runs:
            lax.text(0.5, 0.5, "no optimizer switched on", ha="center", va="center", transform=lax.transAxes)
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
        fig.subplots_adjust(left=0.06, right=0.98, top=0.93, bottom=0.24, wspace=0.18)
        show_figure(self.plot, fig)
