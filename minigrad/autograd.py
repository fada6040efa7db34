# Generated from solutions/03_tracer.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""The Tracer: records every differentiable call and runs backward over the recording."""

from __future__ import annotations

import heapq
import itertools
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


def _accumulate(t: Any, g: np.ndarray) -> None:
    """Add into `t.grad`, always with a fresh array: two tensors must never share a gradient buffer."""
    if t.grad is None:
        t.grad = np.array(g, dtype=t.data.dtype)  # np.array copies
    else:
        t.grad = t.grad + g


def _root_grad(root: Any, grad: Any) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be left out only for a one-element tensor, got shape {root.shape}; "
                "pass grad= an array of that shape (or reduce to a scalar first, e.g. .sum())"
            )
        return np.ones_like(root.data)
    g = np.asarray(getattr(grad, "data", grad), dtype=root.data.dtype)
    if g.shape != root.data.shape:
        raise RuntimeError(f"backward: grad has shape {g.shape} but the tensor has shape {root.shape}")
    return g


class Tracer:
    """Keeps the pool of recorded function calls (in recording order) and the `blind` flag, and runs backward.

    A call stays in the pool while its output tensor is alive and its graph has not been released by a
    backward: a forward pass that is dropped without backward frees itself and the pool shrinks back.
    """

    def __init__(self) -> None:
        self.funcs: dict[int, Any] = {}  # seq -> Context of a live recorded call
        self.blind = False  # no-grad mode: nothing is recorded
        self._counter = itertools.count()

    @property
    def tensors(self) -> dict[int, Any]:
        """The tensors made by the live recorded calls, by recording position."""
        return {seq: ctx.output() for seq, ctx in self.funcs.items()}

    def record(self, ctx: Any, out: Any) -> None:
        """Give the call its place in the recording; that order is a topological order of the graph."""
        seq = next(self._counter)
        ctx.seq = seq
        ctx.output = weakref.ref(out)
        out._ctx = ctx
        self.funcs[seq] = ctx

    def forget(self, ctx: Any) -> None:
        """The call's output tensor is gone: nothing can backpropagate through the call any more."""
        self.funcs.pop(ctx.seq, None)

    def release(self, ctx: Any) -> None:
        """Free what a call saved for backward and take it out of the pool."""
        ctx.saved_tensors = ()
        ctx.released = True
        self.funcs.pop(ctx.seq, None)

    def backward(
        self,
        root: Any,
        grad: Any = None,
        retain_graph: bool = False,
        hook: Callable[[Any, np.ndarray, tuple], None] | None = None,
    ) -> None:
        """Visit the calls that lead to `root` in reverse recording order, summing gradients as they meet.

        A max-heap keyed by recording order pops a call only after every later call that consumed its output
        has been processed, so each tensor's gradient is complete before it flows on. `hook(ctx, grad_out,
        grads_in)` is called after each call's backward (the graph viewer uses it).
        """
        if not root.requires_grad:
            raise RuntimeError(
                f"backward: this tensor (shape {root.shape}) does not require grad and was not made from one "
                "that does; create the inputs with requires_grad=True"
            )
        g = _root_grad(root, grad)
        ctx = root._ctx
        if ctx is None:  # backward on a leaf: its gradient is the seed itself
            _accumulate(root, g)
            return
        # gradients still being summed, for non-leaf tensors; a tensor's producer is queued when its first
        # gradient arrives (it is processed only after all its consumers, so it never arrives twice)
        pending = {id(root): g}
        heap = [(-ctx.seq, ctx)]
        heappop, heappush = heapq.heappop, heapq.heappush  # local names: this loop is the hot path
        while heap:
            ctx = heappop(heap)[1]
            if ctx.released:
                raise RuntimeError(
                    f"backward: the graph through {ctx.fn.__name__} was already released by an earlier "
                    "backward; call backward(retain_graph=True) the first time to go through it twice"
                )
            out = ctx.output()
            g_out = pending.pop(id(out))
            if out.retain:
                _accumulate(out, g_out)
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
            for inp, g_in, needed in zip(ctx.inputs, grads, ctx.needs_input_grad):  # lengths checked above
                if not needed or g_in is None:
                    continue
                if getattr(g_in, "shape", None) != inp.data.shape:
                    raise RuntimeError(
                        f"{ctx.fn.__name__}.backward: gradient for input of shape {inp.data.shape} has shape "
                        f"{np.shape(g_in)}; gradients must match their input's shape"
                    )
                dtype = inp.data.dtype
                if g_in.dtype is not dtype and g_in.dtype != dtype:  # mixed dtypes (float32 @ float64 array)
                    g_in = g_in.astype(dtype)  # gradients keep their tensor's dtype
                producer = inp._ctx
                if producer is None:
                    _accumulate(inp, g_in)
                    continue
                key = id(inp)
                if key in pending:
                    pending[key] = pending[key] + g_in  # a new array: never add in place into a shared one
                else:
                    pending[key] = g_in
                    heappush(heap, (-producer.seq, producer))
            if not retain_graph:
                self.release(ctx)


tracer = Tracer()


@contextmanager
def no_grad() -> Iterator[None]:
    """Blind mode: run operations without recording them (evaluation, optimizer steps)."""
    previous = tracer.blind
    tracer.blind = True
    try:
        yield
    finally:
        tracer.blind = previous
