# Generated from solutions/03_tracer.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Backward over the recording: each recorded call runs once, in reverse recording order, with the complete
gradient of its output; gradients are summed into fresh arrays; in-place updates are allowed only blind."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from minigrad.function import Context, Function, tracer
from minigrad.tensor import Tensor

__all__ = ["Function", "backward", "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]


def _accumulate(t: Tensor, g: np.ndarray) -> None:
    """Add into `t.grad`, always with a fresh array: two tensors must never share a gradient buffer."""
    if t.grad is None:
        t.grad = Tensor._wrap(np.array(g, dtype=t.data.dtype))  # np.array copies
    else:
        t.grad = Tensor._wrap(np.asarray(t.grad.data + g, dtype=t.data.dtype))  # 0-d sums are scalars


def _root_grad(root: Tensor, gradient: Any) -> np.ndarray:
    """The gradient backward starts from: ones for a one-element root, else the one the caller gives."""
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can be left out only for a one-element tensor, got shape {root.shape};"
                " pass one of that shape (or reduce to a scalar first, e.g. .sum())"
            )
        return np.ones_like(root.data)
    g = np.asarray(getattr(gradient, "data", gradient), dtype=root.data.dtype)
    if g.shape != root.data.shape:
        raise RuntimeError(
            f"backward: the gradient has shape {g.shape} but the tensor has shape {root.shape}"
        )
    return g


def _viewed(t: Tensor) -> Iterator[Tensor]:
    """`t`, and the tensors whose memory `t` views (`w.T` views `w`): updating any of them changes `t`."""
    while True:
        yield t
        ctx = t._ctx
        base = (
            None
            if ctx is None
            else next(
                (i for i in ctx.inputs if isinstance(i, Tensor) and np.may_share_memory(i.data, t.data)), None
            )
        )
        if base is None:
            return
        t = base


def _check_updates(ctx: Context) -> None:
    """Refuse to differentiate through an array that was changed in place after the call saved it."""
    name = ctx.fn.__name__
    for inp in ctx.inputs:
        if not isinstance(inp, Tensor):
            continue
        for t in _viewed(inp):
            if t._version > ctx.updates_seen and any(
                isinstance(s, np.ndarray) and np.may_share_memory(t.data, s) for s in ctx.saved_tensors
            ):
                what = f"an input of {name} (shape {inp.shape})"
                if t is not inp:
                    what = f"a tensor of shape {t.shape} that {what} is a view of"
                raise RuntimeError(
                    f"backward: {what} was modified in place after {name} saved it for backward, so its "
                    "gradient would be wrong; compute the forward pass again after the update (or update out "
                    "of place: t = t - x)"
                )


def _run_call(ctx: Context, g_out: np.ndarray, hook: Any = None) -> list[tuple[Tensor, np.ndarray]]:
    """Run one recorded call's backward; return the (input, gradient) pairs that flow on, checked."""
    if ctx.released:
        raise RuntimeError(
            f"backward: the graph through {ctx.fn.__name__} was already released by an earlier backward; "
            "call backward(retain_graph=True) the first time to go through it twice"
        )
    if ctx.updates_seen != tracer.updates:
        _check_updates(ctx)
    grads = ctx.fn.backward(ctx, g_out)
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(ctx.inputs):
        raise RuntimeError(
            f"{ctx.fn.__name__}.backward returned {len(grads)} gradient(s) for {len(ctx.inputs)} "
            "input(s); return one per input (None where there is none)"
        )
    if hook is not None:
        hook(ctx, g_out, grads)
    flows = []
    for inp, g_in, needed in zip(ctx.inputs, grads, ctx.needs_input_grad):
        if not needed or g_in is None:
            continue
        data = inp._data
        if getattr(g_in, "shape", None) != data.shape:
            raise RuntimeError(
                f"{ctx.fn.__name__}.backward: the gradient for an input of shape {data.shape} has shape "
                f"{np.shape(g_in)}; gradients must match their input's shape"
            )
        dtype = data.dtype
        if g_in.dtype is not dtype and g_in.dtype != dtype:  # float32 @ float64 array: keep the tensor's
            g_in = g_in.astype(dtype)
        flows.append((inp, g_in))
    return flows


def backward(
    root: Tensor,
    gradient: Any = None,
    retain_graph: bool = False,
    hook: Callable[[Context, np.ndarray, tuple], None] | None = None,
) -> None:
    """Visit the calls that lead to `root` in reverse recording order, summing gradients as they meet.

    A max-heap keyed by recording order pops a call only after every later call that consumed its output
    has been processed, so each output's gradient is complete before it flows on. `hook(ctx, grad_out,
    grads_in)` is called after each call's backward (the graph viewer uses it).
    """
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: this tensor (shape {root.shape}) does not require grad and was not made from one "
            "that does; create the inputs with requires_grad=True"
        )
    g = _root_grad(root, gradient)
    ctx = root._ctx
    if ctx is None:  # backward on a leaf: its gradient is the seed itself
        _accumulate(root, g)
        return
    pending = {ctx: g}  # gradients of non-leaf tensors still being summed, by the call that made the tensor
    leaves: dict[Tensor, np.ndarray] = {}  # gradients of leaves, summed over this backward
    heap = [(-ctx.seq, ctx)]
    while heap:
        ctx = heapq.heappop(heap)[1]
        g_out = pending.pop(ctx)
        out = ctx.output()
        if out is not None and out._retain:
            _accumulate(out, g_out)
        for inp, g_in in _run_call(ctx, g_out, hook):
            producer = inp._ctx
            if producer is None:
                leaves[inp] = leaves[inp] + g_in if inp in leaves else g_in
            elif producer in pending:
                pending[producer] = pending[producer] + g_in  # a new array: never += into a shared one
            else:
                pending[producer] = g_in
                heapq.heappush(heap, (-producer.seq, producer))
        if not retain_graph:
            tracer.release(ctx)
    for t, g_leaf in leaves.items():
        _accumulate(t, g_leaf)


@contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Record (True) or do not record (False) inside the block; the previous mode comes back afterwards."""
    previous = tracer.blind
    tracer.blind = not mode
    try:
        yield
    finally:
        tracer.blind = previous


def no_grad() -> Any:
    """Blind mode: run operations without recording them (evaluation, optimizer steps). Also a decorator."""
    return set_grad_enabled(False)


def enable_grad() -> Any:
    """Record again inside a `no_grad` block."""
    return set_grad_enabled(True)


def is_grad_enabled() -> bool:
    return not tracer.blind


def update_(t: Tensor, op: str, ufunc: Any, other: Any, alpha: float = 1) -> Tensor:
    """Change `t.data` in place with `ufunc(t.data, other, out=t.data)`.

    Allowed on a tensor that requires grad only in blind mode (an optimizer step): outside `no_grad` the
    recorded graph may still need the old values. The update bumps `t._version`, so a backward through a
    call that saved the old array refuses to run.
    """
    if t.requires_grad and not tracer.blind:
        kind = "a leaf tensor" if t.is_leaf else "a tensor"
        raise RuntimeError(
            f"{op}: {kind} that requires grad can be updated in place only inside `with minigrad.no_grad():` "
            "(as optimizer steps do); minigrad does not record in-place operations"
        )
    b = other.data if isinstance(other, Tensor) else other
    if alpha != 1:
        b = np.multiply(b, alpha)
    try:
        ufunc(t.data, b, out=t.data, casting="same_kind")
    except TypeError:
        raise TypeError(
            f"{op}: cannot write {np.asarray(b).dtype} values into a {t.dtype} tensor in place"
        ) from None
    except ValueError:
        raise ValueError(
            f"{op}: a value of shape {np.shape(b)} cannot be written into a tensor of shape {t.shape}"
        ) from None
    tracer.updates += 1
    t._version = tracer.updates
    return t


def setitem_(t: Tensor, index: Any, value: Any) -> None:
    """`t[index] = value`, with the rules of `update_` (blind mode for tensors that require grad)."""

    def assign(a: np.ndarray, v: Any, out: np.ndarray, casting: str) -> None:
        idx = index.data if isinstance(index, Tensor) else index
        try:
            out[idx] = v
        except IndexError as e:
            raise IndexError(f"setitem: index {idx!r} does not fit shape {t.shape}: {e}") from None

    update_(t, "setitem", assign, value)
