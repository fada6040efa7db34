"""Backward over the recording (minigrad/autograd.py, chapter 03): reverse traversal, accumulation, release,
memory, blind mode and in-place updates. Only chapters 01–03 run here: graphs use arithmetic only.

Includes the regressions for the failures of the first ("Pico") engine: per-path recursion, shared gradient
buffers, RecursionError on long chains, pools that never shrink.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, enable_grad, no_grad, set_grad_enabled, tracer
from minigrad.autograd import backward
from minigrad.function import Add, Mul

pytestmark = pytest.mark.ch03


def leaf(value=1.0, dtype=np.float64) -> Tensor:
    return Tensor(np.array(value, dtype=dtype), requires_grad=True)


def visits(root: Tensor, gradient=None, **kwargs) -> list:
    """The calls backward visits, in visiting order (via the hook)."""
    seen = []
    backward(root, gradient, hook=lambda ctx, g, grads: seen.append(ctx), **kwargs)
    return seen


def chain(x: Tensor, n: int) -> Tensor:
    """n operations, alternating an add of the leaf x and a mul by a constant."""
    y = x
    for i in range(n):
        y = y * 0.999 if i % 2 else y + x
    return y


# --- gradients of composite expressions, against central differences of a NumPy forward -------------------


def central_diff(
    ref: Callable[..., np.ndarray], arrays: list[np.ndarray], i: int, weight: np.ndarray
) -> np.ndarray:
    xs = [np.array(a, dtype=np.float64) for a in arrays]
    out = np.zeros_like(xs[i])
    for idx in np.ndindex(xs[i].shape):
        old = xs[i][idx]
        xs[i][idx] = old + 1e-6
        plus = float((weight * ref(*xs)).sum())
        xs[i][idx] = old - 1e-6
        minus = float((weight * ref(*xs)).sum())
        xs[i][idx] = old
        out[idx] = (plus - minus) / 2e-6
    return out


COMPOSITES = [
    ("scalar+x", lambda x: 2.5 + x),
    ("scalar-x", lambda x: 2.5 - x),
    ("x*scalar", lambda x: x * -1.5),
    ("scalar/x", lambda x: 2.0 / x),
    ("x/scalar", lambda x: x / 4),
    ("x**2", lambda x: x**2),
    ("x**-1.5", lambda x: x**-1.5),
    ("2**x", lambda x: 2**x),
    ("array+x", lambda x: np.array([1.0, -2.0, 3.0]) + x),
    ("x*array", lambda x: x * np.array([[1.0], [2.0]])),
    ("x*x+x", lambda x: x * x + x),
    ("x/(x+1)-x", lambda x: x / (x + 1) - x),
    ("x**x", lambda x: x**x),
    ("diamonds", lambda x: (lambda y: (y * 0.5 + y * 0.5) * (y - 1))(x * x)),
]


@pytest.mark.parametrize("fn", [c[1] for c in COMPOSITES], ids=[c[0] for c in COMPOSITES])
def test_backward_of_composites_matches_central_differences(fn) -> None:
    arr = np.random.default_rng(2).uniform(0.5, 2.0, (2, 3))
    x = Tensor(arr.copy(), requires_grad=True)
    out = fn(x)
    weight = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(weight)
    assert isinstance(x.grad, Tensor) and x.grad.shape == x.shape and x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, central_diff(fn, [arr], 0, weight), rtol=1e-5, atol=1e-6)
    assert mg.gradcheck(fn, Tensor(arr.copy(), requires_grad=True))


def test_the_chapter_2_example() -> None:
    a, b = leaf(2.5), leaf(0.5)
    o = a / b
    o.backward()
    assert o.item() == 5.0 and a.grad.item() == 2.0 and b.grad.item() == -10.0


# --- Pico's regressions -----------------------------------------------------------------------------------


def test_y_plus_y_twice_gives_four() -> None:
    x = leaf(3.0)
    y = x
    y = y + y
    y = y + y
    y.backward()
    assert x.grad.item() == 4.0


def test_a_shared_subgraph_is_visited_once_with_the_summed_gradient() -> None:
    x = leaf(2.0)
    a = x * 3.0
    d = a * a + a
    seen = visits(d)
    assert [c.fn.__name__ for c in seen] == ["Add", "Mul", "Mul"]  # a*a and x*3, each exactly once
    assert x.grad.item() == 3.0 * (2 * 6.0 + 1)


def test_diamonds_cost_one_visit_per_call() -> None:
    x = leaf(1.0)
    y = x
    for _ in range(40):
        y = y * 0.5 + y * 0.5
    assert len(visits(y)) == 120 and x.grad.item() == pytest.approx(1.0)


@pytest.mark.parametrize("case", ["two leaves", "x+x", "retained non-leaf", "root"])
def test_no_two_tensors_share_a_gradient_array(case: str) -> None:
    a, b = leaf(np.ones(3)), leaf(np.ones(3))
    if case == "two leaves":
        out = a + b
        pair = (a, b)
    elif case == "x+x":
        out = a + a
        out.retain_grad()
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
    assert p.grad is not q.grad and not np.shares_memory(p.grad.data, q.grad.data)
    assert not np.shares_memory(p.grad.data, grad) and not np.shares_memory(q.grad.data, grad)
    p.grad += 1  # writing into one gradient leaves the other alone
    assert (q.grad.data != p.grad.data).any()


def test_backward_never_writes_into_arrays_it_was_given_or_showed() -> None:
    """The caller's grad array and the arrays the hook saw stay as they were (no in-place summing)."""
    x = leaf(np.ones(3))
    y = x * 1.0
    z = y + y + y
    g = np.ones(3)
    seen = []
    backward(
        z, g, hook=lambda ctx, g_out, grads: seen.append((g_out.copy(), g_out, grads[0].copy(), grads[0]))
    )
    np.testing.assert_array_equal(g, np.ones(3))
    for out_copy, out, in_copy, grad_in in seen:
        np.testing.assert_array_equal(out, out_copy)
        np.testing.assert_array_equal(grad_in, in_copy)
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 3.0])


def test_a_gradient_from_a_read_only_broadcast_is_stored_as_a_private_writable_array() -> None:
    x = leaf(np.ones(3))
    y = x + np.zeros((2, 3))
    y.backward(np.broadcast_to(np.ones(3), (2, 3)))
    x.grad.data[0] = 5.0
    assert x.grad.data.sum() == 9.0


def test_long_chains_need_no_recursion() -> None:
    x = leaf(1.0)
    base = len(tracer.funcs)
    y = chain(x, 1500)
    y.backward()
    assert np.isfinite(x.grad.item())
    del y  # dropping a long chain must not recurse either
    z = chain(x, 20_000)
    assert len(visits(z, retain_graph=True)) == 20_000
    del z
    assert len(tracer.funcs) == base


# --- memory: pools return to baseline --------------------------------------------------------------------


def test_dropped_forward_passes_free_themselves() -> None:
    w, b = leaf(np.ones(3)), leaf(np.zeros(3))
    x = Tensor(np.ones(3))
    gc.collect()
    base_funcs, base_tensors = len(tracer.funcs), len(tracer.tensors)
    for _ in range(10_000):
        (x * w + b) * 2.0
    assert len(tracer.funcs) == base_funcs and len(tracer.tensors) == base_tensors
    loss = (x * w + b) * 2.0
    assert len(tracer.funcs) == base_funcs + 3
    loss.backward(np.ones(3))
    assert len(tracer.funcs) == base_funcs and len(tracer.tensors) == base_tensors


def test_dropped_intermediate_is_collected_by_reference_counting() -> None:
    x = leaf(np.ones(3))
    mid = x * 2.0
    ref = weakref.ref(mid)
    out = (mid + 1.0) * mid
    del mid
    assert ref() is not None  # still part of out's graph
    del out
    assert ref() is None  # reference counting alone frees it: the graph holds no cycles


def test_backward_releases_saved_arrays() -> None:
    x = leaf(np.ones(3))
    y = x * x
    ctx = y._ctx
    assert ctx.saved_tensors and not ctx.released
    y.backward(np.ones(3))
    assert ctx.saved_tensors == () and ctx.released and ctx.seq not in tracer.funcs


# --- traversal -------------------------------------------------------------------------------------------


def test_only_calls_leading_to_the_root_are_visited_in_reverse_order() -> None:
    x, w = leaf(np.ones(3)), leaf(np.ones(3))
    side = x * 5.0  # recorded, but not on the way to the root
    h = x * w
    unused = h / 2.0  # consumes h, but the root does not depend on it
    root = (h + 1.0) * 2.0
    seen = visits(root, np.ones(3))
    assert [c.fn.__name__ for c in seen] == ["Mul", "Add", "Mul"]
    assert [c.seq for c in seen] == sorted((c.seq for c in seen), reverse=True)
    assert side._ctx.seq in tracer.funcs and unused._ctx.seq in tracer.funcs  # untouched, still usable
    side.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, np.full(3, 2.0 + 5.0))


def test_hook_sees_grad_out_and_grads_in() -> None:
    a, b = leaf(2.0), leaf(3.0)
    calls = []
    backward(a * b, hook=lambda ctx, g, grads: calls.append((ctx.fn, float(g), [float(v) for v in grads])))
    assert calls == [(Mul, 1.0, [3.0, 2.0])]
    assert tracer.backward is not None  # Pico's interface: tracer.backward(root) runs the same engine
    c = a * b
    tracer.backward(c)
    assert a.grad.item() == 6.0


def test_backward_on_a_leaf_seeds_its_grad() -> None:
    x = leaf(np.ones(2))
    x.backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])


def test_backward_accepts_a_tensor_gradient_and_the_old_keyword() -> None:
    x = leaf(np.ones(2))
    (x * 2.0).backward(mg.tensor([1.0, 3.0], dtype=np.float64))
    (x * 1.0).backward(grad=np.array([1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [3.0, 7.0])


# --- accumulation, retain, retain_graph ------------------------------------------------------------------


def test_leaves_accumulate_until_grad_is_cleared() -> None:
    x = leaf(2.0)
    (x * x).backward()
    (x * 3.0).backward()
    assert x.grad.item() == 4.0 + 3.0
    x.grad.zero_()  # PyTorch's way of clearing in place
    assert x.grad.item() == 0.0
    x.grad = None  # and the other way
    (x * 3.0).backward()
    assert x.grad.item() == 3.0


def test_a_non_leaf_keeps_grad_only_with_retain() -> None:
    x = leaf(np.ones(2))
    plain, kept = x * 2.0, x * 3.0
    kept.retain = True
    (plain + kept).backward(np.ones(2))
    assert plain.grad is None
    np.testing.assert_array_equal(kept.grad.data, [1.0, 1.0])
    assert kept.grad.dtype == kept.dtype


def test_gradients_keep_their_tensors_dtype() -> None:
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    (x * np.ones(2)).backward(np.ones(2))  # float32 * float64 array: a float64 result
    assert x.grad.dtype == np.float32


def test_second_backward_needs_retain_graph() -> None:
    x = leaf(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    z = x * x
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.item() == 4.0 + 4.0 + 4.0


def test_second_backward_through_a_shared_part_of_the_graph_fails_clearly() -> None:
    x = leaf(2.0)
    h = x * x
    (h + 1.0).backward()
    with pytest.raises(RuntimeError, match=r"graph through Mul was already released.*retain_graph=True"):
        (h * 2.0).backward()


def test_errors_name_what_is_wrong() -> None:
    with pytest.raises(RuntimeError, match=r"backward: this tensor \(shape \(2,\)\) does not require grad"):
        Tensor([1.0, 2.0]).backward()
    x = leaf(np.ones((2, 2)))
    with pytest.raises(
        RuntimeError, match=r"can be left out only for a one-element tensor, got shape \(2, 2\)"
    ):
        (x * 2.0).backward()
    with pytest.raises(
        RuntimeError, match=r"the gradient has shape \(3,\) but the tensor has shape \(2, 2\)"
    ):
        (x * 2.0).backward(np.ones(3))


# --- requires_grad and blind mode ------------------------------------------------------------------------


def test_outputs_require_grad_iff_an_input_does() -> None:
    a, c = leaf(np.ones(2)), Tensor(np.ones(2))
    assert (a + c).requires_grad and (c * a).requires_grad and (2.0 * a).requires_grad
    n = len(tracer.funcs)
    d = c + c
    assert not d.requires_grad and d._ctx is None and len(tracer.funcs) == n  # nothing recorded
    (a + c - c * a).backward(np.ones(2))
    assert c.grad is None  # a tensor that does not require grad never receives one


def test_no_grad_records_nothing_and_restores_the_flag() -> None:
    x = leaf(np.ones(2))
    n = len(tracer.funcs)
    with no_grad():
        assert tracer.blind and not mg.is_grad_enabled()
        y = x * 2.0
        w = Tensor(np.ones(2), requires_grad=True)  # made while blind
    assert not tracer.blind and mg.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None and len(tracer.funcs) == n
    (w * x).backward(np.ones(2))  # works normally afterwards
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_no_grad_restores_the_previous_flag_on_exception_and_nests() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            raise ZeroDivisionError
    assert tracer.blind is False
    with no_grad():
        with no_grad():
            pass
        assert tracer.blind
        with enable_grad():
            assert not tracer.blind
        assert tracer.blind
    assert not tracer.blind
    with set_grad_enabled(False):
        assert tracer.blind
    (leaf(1.0) * 2.0).backward()


def test_no_grad_is_also_a_decorator() -> None:
    @no_grad()
    def evaluate(x: Tensor) -> Tensor:
        return x * 2.0

    out = evaluate(leaf(1.0))
    assert not out.requires_grad and not tracer.blind


def test_function_apply_with_a_constant_only_records_when_needed() -> None:
    x = leaf(np.ones(2))
    y = Add.apply(x, np.ones(2))
    assert y.requires_grad and y._ctx.needs_input_grad == (True, False)
    assert mg.tracer is tracer


# --- in-place updates ------------------------------------------------------------------------------------


def test_in_place_updates_under_no_grad_change_the_tensor_itself() -> None:
    w = leaf(np.array([1.0, 2.0]))
    params = [w]
    (w * w).backward(np.ones(2))
    with no_grad():
        for p in params:
            p -= 0.5 * p.grad  # the loop variable is updated in place, not rebound
    np.testing.assert_allclose(w.data, [0.0, 0.0])
    assert w.requires_grad and w.is_leaf
    with no_grad():
        w.add_(np.ones(2), alpha=2.0).mul_(3.0)
    np.testing.assert_allclose(w.data, [6.0, 6.0])
    w.grad.zero_()
    assert w.grad.data.tolist() == [0.0, 0.0]
    t = Tensor(np.arange(4.0))
    t[1:3] = 0.0  # no grad needed: allowed anywhere
    t[Tensor(np.array([True, False, False, False]))] = -1.0
    assert t.tolist() == [-1.0, 0.0, 0.0, 3.0]
    t.fill_(2.0).copy_(np.array([1.0, 2.0, 3.0, 4.0]))
    t /= 2
    t += Tensor(np.ones(4))
    assert t.tolist() == [1.5, 2.0, 2.5, 3.0]
    t.clamp_(min=2.0, max=2.5)
    assert t.tolist() == [2.0, 2.0, 2.5, 2.5]


def test_in_place_updates_of_tensors_that_require_grad_are_refused_outside_no_grad() -> None:
    w = leaf(np.ones(2))
    with pytest.raises(
        RuntimeError, match=r"sub_: a leaf tensor that requires grad can be updated in place only"
    ):
        w -= 1.0
    with pytest.raises(RuntimeError, match=r"mul_: a tensor that requires grad.*no_grad"):
        (w * 2.0).mul_(2.0)
    with pytest.raises(RuntimeError, match=r"setitem: a leaf tensor that requires grad"):
        w[0] = 5.0
    assert w.tolist() == [1.0, 1.0] if not w.requires_grad else w.data.tolist() == [1.0, 1.0]


def test_in_place_updates_explain_shape_and_dtype_errors() -> None:
    t = Tensor(np.zeros(2))
    with pytest.raises(
        ValueError, match=r"add_: a value of shape \(3, 2\) cannot be written into a tensor of shape \(2,\)"
    ):
        t.add_(np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"add_: cannot write float64 values into a int64 tensor"):
        Tensor([1, 2]).add_(0.5 * np.ones(2))
    with pytest.raises(IndexError, match=r"setitem: index 5 does not fit shape \(2,\)"):
        t[5] = 1.0


def test_backward_refuses_arrays_changed_in_place_after_they_were_saved() -> None:
    w = leaf(np.array([1.0, 2.0]))
    x = Tensor(np.array([3.0, 4.0]))
    y = w * x  # Mul saves w and x
    with no_grad():
        w -= 1.0
    with pytest.raises(
        RuntimeError, match=r"an input of Mul \(shape \(2,\)\) was modified in place after Mul saved it"
    ):
        y.backward(np.ones(2))
    z = w + x  # Add saves nothing: an update afterwards does not change its gradient, as in PyTorch
    with no_grad():
        w += 1.0
    z.backward(np.ones(2))
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_backward_sees_in_place_updates_through_views() -> None:
    """`x @ w.T` saves a view of w's memory; an update of w afterwards must be refused, as in PyTorch (where a
    view and its base share one version counter)."""
    w = leaf(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    x = Tensor(np.ones((4, 2)))
    for make in (lambda: x @ w.T, lambda: x @ w.T.reshape(2, 3), lambda: x[:, :1] * w[1:2, 0]):
        y = make()
        with no_grad():
            w.add_(1.0)
        with pytest.raises(
            RuntimeError, match=r"a tensor of shape \(3, 2\) that an input of \w+ .* is a view of"
        ):
            y.backward(np.ones(y.shape))
    y = x @ w.T
    with no_grad():
        Tensor(np.ones(3)).add_(1.0)  # an update of an unrelated tensor: backward runs
        x.add_(1.0)  # x needs no grad, but MatMul saved it: refused too
    with pytest.raises(RuntimeError, match=r"an input of MatMul \(shape \(4, 2\)\) was modified"):
        y.backward(np.ones(y.shape))
    y = x @ w.T
    with no_grad():
        Tensor(np.ones(3)).add_(1.0)
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(w.grad.data, np.full((3, 2), 8.0))  # 4 rows of x, each now 2.0


def test_gradcheck_perturbs_every_memory_layout() -> None:
    base = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))
    for arr in (base.copy(), np.asfortranarray(base), base.T.copy().T, base[:, ::2]):
        x = Tensor(arr, requires_grad=True)
        assert mg.gradcheck(lambda t: t * t * 3.0, x)
    bad = Tensor(np.asfortranarray(base), requires_grad=True)

    class WrongSquare(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2x

    with pytest.raises(AssertionError, match=r"gradcheck: input 0 \(3, 4\), element .*: backward gives"):
        mg.gradcheck(WrongSquare.apply, bad)
    with pytest.raises(TypeError, match=r"gradcheck: input 0 is float32; use float64"):
        mg.gradcheck(WrongSquare.apply, Tensor(np.ones(2, np.float32), requires_grad=True))
