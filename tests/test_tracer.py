"""The Tracer (minigrad/autograd.py): recording, reverse traversal, accumulation, release, memory, blind mode.

Includes the regressions for the failures of the first ("Pico") engine: per-path recursion, shared gradient
buffers, RecursionError on long chains, quadratic backward and pools that never shrink.
"""

from __future__ import annotations

import gc
import time
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, no_grad, tracer
from minigrad.function import Add, Mul


def leaf(value=1.0, dtype=np.float64) -> Tensor:
    return Tensor(np.asarray(value, dtype=dtype), requires_grad=True)


def visits(root: Tensor, **kwargs) -> list:
    """The calls backward visits, in visiting order (via the tracer's hook)."""
    seen = []
    tracer.backward(root, hook=lambda ctx, g, grads: seen.append(ctx), **kwargs)
    return seen


def chain(x: Tensor, n: int) -> Tensor:
    """n operations, alternating an add of the leaf x and a mul by a constant."""
    y = x
    for i in range(n):
        y = y * 0.999 if i % 2 else y + x
    return y


# --- Pico's regressions -----------------------------------------------------------------------------------


def test_y_plus_y_twice_gives_four() -> None:
    x = leaf(3.0)
    y = x
    y = y + y
    y = y + y
    y.backward()
    assert x.grad == 4.0


def test_diamond_sums_before_flowing_on() -> None:
    """a is used three times (a*a + a): its call must be visited once, with the summed gradient."""
    x = leaf(2.0)
    a = x * 3.0
    d = a * a + a
    seen = visits(d)
    assert [c.fn.__name__ for c in seen].count("Mul") == 2  # a*a and x*3, each exactly once
    assert x.grad == 3.0 * (2 * 6.0 + 1)


@pytest.mark.parametrize("case", ["two leaves", "x+x", "retained non-leaf", "root"])
def test_no_two_tensors_share_a_gradient_array(case: str) -> None:
    a, b = leaf(np.ones(3)), leaf(np.ones(3))
    if case == "two leaves":
        out = a + b
        pair = (a, b)
    elif case == "x+x":
        out = a + a
        out.retain = True
        pair = (a, out)
    elif case == "retained non-leaf":
        mid = a + b
        mid.retain = True
        out = mid * 1.0
        pair = (mid, a)
    else:
        out = a * 1.0
        out.retain = True
        pair = (out, a)
    grad = np.ones(3)
    out.backward(grad)
    p, q = pair
    assert p.grad is not None and q.grad is not None
    assert p.grad is not q.grad and not np.shares_memory(p.grad, q.grad)
    assert not np.shares_memory(p.grad, grad) and not np.shares_memory(q.grad, grad)
    p.grad += 1  # writing into one gradient leaves the other alone
    assert (q.grad != p.grad).any()


def test_backward_never_writes_into_arrays_it_was_given_or_showed() -> None:
    """The caller's grad array and the arrays the hook saw stay as they were (no in-place summing)."""
    x = leaf(np.ones(3))
    y = x * 1.0
    z = y + y + y
    g = np.ones(3)
    seen = []
    tracer.backward(
        z, g, hook=lambda ctx, g_out, grads: seen.append((g_out.copy(), g_out, grads[0].copy(), grads[0]))
    )
    np.testing.assert_array_equal(g, np.ones(3))
    for out_copy, out, in_copy, grad_in in seen:
        np.testing.assert_array_equal(out, out_copy)
        np.testing.assert_array_equal(grad_in, in_copy)
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_grad_of_a_broadcast_sum_is_writable_and_private() -> None:
    x = leaf(np.ones((2, 3)))
    x.sum().backward()
    # Sum.backward returns a read-only broadcast view; the stored grad must be a real, private array
    x.grad[0, 0] = 5.0
    assert x.grad.sum() == 10.0


def test_long_chain_has_no_recursion_error() -> None:
    x = leaf(1.0)
    base = len(tracer.funcs)
    y = chain(x, 1500)
    y.backward()
    assert np.isfinite(x.grad)
    del y  # dropping a long chain must not recurse either
    z = chain(x, 20_000)
    del z
    assert len(tracer.funcs) == base


def test_backward_is_linear_in_graph_size() -> None:
    """Visits = number of calls, exactly; 8x the calls takes well under 16x the time (quadratic: 64x)."""
    x = leaf(1.0)
    small, big = chain(x, 2_000), chain(x, 16_000)
    assert len(visits(small, retain_graph=True)) == 2_000
    assert len(visits(big, retain_graph=True)) == 16_000

    times: dict[int, list[float]] = {2_000: [], 16_000: []}
    for _ in range(5):  # interleaved, best of 5: both sizes see the same noisy neighbours
        for n, root in ((2_000, small), (16_000, big)):
            t0 = time.perf_counter()
            root.backward(retain_graph=True)
            times[n].append(time.perf_counter() - t0)
    assert min(times[16_000]) / min(times[2_000]) < 16


# --- memory: pools return to baseline --------------------------------------------------------------------


def test_dropped_forward_passes_free_themselves() -> None:
    w, b = leaf(np.ones((3, 2))), leaf(np.zeros(2))
    x = Tensor(np.ones((4, 3)))
    base_funcs, base_tensors = len(tracer.funcs), len(tracer.tensors)
    for _ in range(10_000):
        ((x @ w + b).relu() * 2.0).sum()
    assert len(tracer.funcs) == base_funcs and len(tracer.tensors) == base_tensors
    loss = ((x @ w + b).relu() * 2.0).sum()
    assert len(tracer.funcs) == base_funcs + 5
    loss.backward()
    assert len(tracer.funcs) == base_funcs and len(tracer.tensors) == base_tensors


def test_dropped_intermediate_is_collected() -> None:
    x = leaf(np.ones(3))
    mid = x * 2.0
    ref = weakref.ref(mid)
    out = mid.exp().sum()
    del mid
    assert ref() is not None  # still part of out's graph
    del out
    assert ref() is None  # reference counting alone frees it: the graph holds no cycles
    gc.collect()
    assert ref() is None


def test_backward_releases_saved_arrays() -> None:
    x = leaf(np.ones(3))
    y = x * x
    ctx = y._ctx
    assert ctx.saved_tensors and not ctx.released
    y.sum().backward()
    assert ctx.saved_tensors == () and ctx.released and ctx.seq not in tracer.funcs


def test_tensors_pool_maps_recording_order_to_outputs() -> None:
    x = leaf(np.ones(2))
    a = x * 2.0
    b = a + 1.0
    seqs = [s for s, t in tracer.tensors.items() if t is a or t is b]
    assert seqs == [a._ctx.seq, b._ctx.seq] and seqs[0] < seqs[1]
    assert tracer.funcs[b._ctx.seq] is b._ctx and tracer.tensors[b._ctx.seq] is b


# --- traversal -------------------------------------------------------------------------------------------


def test_only_calls_leading_to_the_root_are_visited_in_reverse_order() -> None:
    x, w = leaf(np.ones(3)), leaf(np.ones(3))
    side = x * 5.0  # recorded, but not on the way to the root
    h = x * w
    unused = h.exp()  # consumes h, but the root does not depend on it
    root = (h + 1.0).sum()
    seen = visits(root)
    assert [c.fn.__name__ for c in seen] == ["Sum", "Add", "Mul"]
    assert [c.seq for c in seen] == sorted((c.seq for c in seen), reverse=True)
    assert side._ctx.seq in tracer.funcs and unused._ctx.seq in tracer.funcs  # untouched, still usable
    side.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(3) + 5.0)


def test_hook_sees_grad_out_and_grads_in() -> None:
    a, b = leaf(2.0), leaf(3.0)
    calls = []
    tracer.backward(
        a * b, hook=lambda ctx, g, grads: calls.append((ctx.fn, float(g), [float(v) for v in grads]))
    )
    assert calls == [(Mul, 1.0, [3.0, 2.0])]


def test_backward_on_a_leaf_seeds_its_grad() -> None:
    x = leaf(np.ones(2))
    x.backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


# --- accumulation, retain, retain_graph ------------------------------------------------------------------


def test_leaves_accumulate_until_zero_grad() -> None:
    x = leaf(2.0)
    (x * x).backward()
    (x * 3.0).backward()
    assert x.grad == 4.0 + 3.0
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).backward()
    assert x.grad == 3.0


def test_non_leaf_keeps_grad_only_with_retain() -> None:
    x = leaf(np.ones(2))
    plain, kept = x * 2.0, x * 3.0
    kept.retain = True
    (plain.sum() + kept.sum()).backward()
    assert plain.grad is None
    np.testing.assert_array_equal(kept.grad, [1.0, 1.0])
    assert kept.grad.dtype == kept.dtype


def test_second_backward_needs_retain_graph() -> None:
    x = leaf(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    z = x * x
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad == 4.0 + 4.0 + 4.0


def test_second_backward_through_a_shared_part_of_the_graph_fails_clearly() -> None:
    x = leaf(2.0)
    h = x * x
    h.exp().backward()
    with pytest.raises(RuntimeError, match=r"Mul.*retain_graph=True"):
        (h * 2.0).backward()


# --- requires_grad and blind mode ------------------------------------------------------------------------


def test_outputs_require_grad_iff_an_input_does() -> None:
    a, c = leaf(np.ones(2)), Tensor(np.ones(2))
    assert (a + c).requires_grad and (c * a).requires_grad and (2.0 * a).requires_grad
    n = len(tracer.funcs)
    d = c + c
    assert not d.requires_grad and d._ctx is None and len(tracer.funcs) == n  # nothing recorded
    assert not (c @ c).requires_grad and not c.exp().requires_grad
    (a + c - c * a).sum().backward()
    assert c.grad is None  # a tensor that does not require grad never receives one


def test_no_grad_records_nothing_and_restores_the_flag() -> None:
    x = leaf(np.ones(2))
    n = len(tracer.funcs)
    with no_grad():
        assert tracer.blind
        y = x * 2.0
        w = Tensor(np.ones(2), requires_grad=True)  # made while blind
    assert not tracer.blind
    assert not y.requires_grad and y._ctx is None and len(tracer.funcs) == n
    (w * x).sum().backward()  # works normally afterwards
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_no_grad_restores_the_flag_on_exception_and_nests() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            raise ZeroDivisionError
    assert tracer.blind is False
    with no_grad():
        with no_grad():
            pass
        assert tracer.blind
    assert not tracer.blind
    (leaf(1.0) * 2.0).backward()


def test_function_apply_with_a_constant_only_records_when_needed() -> None:
    x = leaf(np.ones(2))
    y = Add.apply(x, np.ones(2))
    assert y.requires_grad and y._ctx.needs_input_grad == (True, False)
    assert mg.tracer is tracer
