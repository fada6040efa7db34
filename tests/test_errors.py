"""Every bad input gets an error that names the operation and the shapes or values involved (exact texts)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor

pytestmark = pytest.mark.ch04


def x23() -> Tensor:
    return Tensor(np.ones((2, 3)), requires_grad=True)


CASES: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    (
        "matmul inner sizes",
        lambda: Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2))),
        ValueError,
        "matmul: (3, 4) @ (5, 2): inner sizes 4 and 5 differ",
    ),
    (
        "matmul 1-D inner sizes",
        lambda: Tensor(np.ones(3)) @ Tensor(np.ones(4)),
        ValueError,
        "matmul: (3,) @ (4,): inner sizes 3 and 4 differ",
    ),
    (
        "matmul batch",
        lambda: Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 2))),
        ValueError,
        "matmul: (2, 3, 4) @ (3, 4, 2): batch dimensions cannot be broadcast",
    ),
    (
        "matmul 0-d",
        lambda: Tensor(2.0) @ Tensor(np.ones(2)),
        ValueError,
        "matmul: () @ (2,): both operands need at least one dimension",
    ),
    (
        "add",
        lambda: x23() + Tensor(np.ones(4)),
        ValueError,
        "add: shapes (2, 3) and (4,) cannot be broadcast together",
    ),
    (
        "sub",
        lambda: x23() - np.ones((3, 2)),
        ValueError,
        "sub: shapes (2, 3) and (3, 2) cannot be broadcast together",
    ),
    (
        "mul (array left)",
        lambda: np.ones(4) * x23(),
        ValueError,
        "mul: shapes (4,) and (2, 3) cannot be broadcast together",
    ),
    (
        "div",
        lambda: x23() / [1.0, 2.0],
        ValueError,
        "div: shapes (2, 3) and (2,) cannot be broadcast together",
    ),
    (
        "pow",
        lambda: x23() ** Tensor(np.ones(4)),
        ValueError,
        "pow: shapes (2, 3) and (4,) cannot be broadcast together",
    ),
    (
        "reshape",
        lambda: x23().reshape(4),
        ValueError,
        "reshape: cannot reshape (2, 3) (6 elements) into (4,)",
    ),
    (
        "sum axis",
        lambda: x23().sum(2),
        IndexError,
        "sum: dim 2 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "mean axis",
        lambda: x23().mean(axis=(0, -3)),
        IndexError,
        "mean: dim -3 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "max dim",
        lambda: x23().max(5),
        IndexError,
        "max: dim 5 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "amax dim",
        lambda: x23().amax((0, 2)),
        IndexError,
        "amax: dim 2 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "max of several dims",
        lambda: x23().max((0, 1)),
        TypeError,
        "max: dim must be one int (for several dims use amax/amin)",
    ),
    (
        "max empty",
        lambda: Tensor(np.ones(0)).max(),
        ValueError,
        "amax: the tensor is empty, it has no largest element",
    ),
    (
        "argmax empty",
        lambda: Tensor(np.ones(0)).argmax(),
        ValueError,
        "argmax: the tensor is empty",
    ),
    (
        "permute repeated",
        lambda: x23().permute(0, 0),
        ValueError,
        "permute: (0, 0) is not an order of the 2 dims of a tensor of shape (2, 3)",
    ),
    (
        "permute too few",
        lambda: x23().permute(1),
        ValueError,
        "permute: (1,) is not an order of the 2 dims of a tensor of shape (2, 3)",
    ),
    (
        "transpose out of range",
        lambda: x23().transpose(0, 2),
        IndexError,
        "transpose: dim 2 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "t of 3-D",
        lambda: Tensor(np.ones((2, 3, 4))).t(),
        ValueError,
        "t: expects a tensor with at most 2 dimensions, got shape (2, 3, 4)",
    ),
    (
        "view",
        lambda: x23().view(4),
        ValueError,
        "reshape: cannot reshape (2, 3) (6 elements) into (4,)",
    ),
    (
        "expand",
        lambda: x23().expand(3, 3),
        ValueError,
        "expand: a tensor of shape (2, 3) cannot be expanded to (3, 3)",
    ),
    (
        "unsqueeze",
        lambda: x23().unsqueeze(3),
        IndexError,
        "unsqueeze: dim 3 is out of range for a result with 3 dimension(s)",
    ),
    (
        "cat",
        lambda: mg.cat([x23(), Tensor(np.ones((3, 3)))], dim=1),
        ValueError,
        "cat: shapes [(2, 3), (3, 3)] differ outside dim 1, they cannot be joined",
    ),
    (
        "stack",
        lambda: mg.stack([x23(), Tensor(np.ones(3))]),
        ValueError,
        "stack: all tensors need the same shape, got [(2, 3), (3,)]",
    ),
    (
        "gather index dtype",
        lambda: x23().gather(1, Tensor(np.zeros((2, 1)))),
        TypeError,
        "gather: index must hold integers, got float64",
    ),
    (
        "gather out of range",
        lambda: x23().gather(1, Tensor(np.array([[0], [3]]))),
        IndexError,
        "gather: an index is out of range for dim 1 of size 3",
    ),
    (
        "where condition",
        lambda: mg.where(Tensor(np.ones(3)), x23(), 0.0),
        TypeError,
        "where: the condition must be a bool tensor, got float64",
    ),
    (
        "mean of integers",
        lambda: Tensor(np.arange(3)).mean(),
        TypeError,
        "mean: needs a floating-point tensor, got int64 (use .float() first)",
    ),
    (
        "exp of integers",
        lambda: Tensor(np.arange(3)).exp(),
        TypeError,
        "exp: needs a floating-point tensor, got int64 (use .float() first)",
    ),
    (
        "clamp without bounds",
        lambda: x23().clamp(),
        ValueError,
        "clamp: give min, max or both",
    ),
    (
        "norm p",
        lambda: x23().norm(p=3),
        NotImplementedError,
        "norm: p=3 is not supported (use p=2 or p=1)",
    ),
    (
        "getitem",
        lambda: x23()[2],
        IndexError,
        "getitem: index 2 does not fit shape (2, 3): index 2 is out of bounds for axis 0 with size 2",
    ),
    (
        "getitem fancy",
        lambda: x23()[[0, 5]],
        IndexError,
        "getitem: index [0, 5] does not fit shape (2, 3): index 5 is out of bounds for axis 0 with size 2",
    ),
    (
        "getitem bad mask",
        lambda: x23()[Tensor(np.array([True, False, True]))],
        IndexError,
        "getitem: index [True, False, True] does not fit shape (2, 3): boolean index did not match indexed "
        "array along axis 0; size of axis is 2 but size of corresponding boolean axis is 3",
    ),
    (
        "non-scalar backward",
        lambda: (x23() * 2).backward(),
        RuntimeError,
        "backward: a gradient can be left out only for a one-element tensor, got shape (2, 3); "
        "pass one of that shape (or reduce to a scalar first, e.g. .sum())",
    ),
    (
        "backward without requires_grad",
        lambda: Tensor([1.0]).backward(),
        RuntimeError,
        "backward: this tensor (shape (1,)) does not require grad and was not made from one that does; "
        "create the inputs with requires_grad=True",
    ),
    (
        "grad shape",
        lambda: (x23() * 2).backward(np.ones(3)),
        RuntimeError,
        "backward: the gradient has shape (3,) but the tensor has shape (2, 3)",
    ),
    (
        "cross_entropy float targets",
        lambda: F.cross_entropy(x23(), np.array([0.0, 1.0])),
        TypeError,
        "cross_entropy: targets must be integer class indices, got dtype float64",
    ),
    (
        "cross_entropy target shape",
        lambda: F.cross_entropy(x23(), np.array([0, 1, 2])),
        ValueError,
        "cross_entropy: input (2, 3) needs targets of shape (2,), got (3,)",
    ),
    (
        "cross_entropy target too large",
        lambda: F.cross_entropy(x23(), np.array([0, 3], dtype=np.uint8)),
        ValueError,
        "cross_entropy: target 3 is out of range for 3 classes (0..2)",
    ),
    (
        "cross_entropy negative target",
        lambda: F.cross_entropy(x23(), np.array([-1, 0])),
        ValueError,
        "cross_entropy: target -1 is out of range for 3 classes (0..2)",
    ),
    (
        "cross_entropy 1-D logits",
        lambda: F.cross_entropy(Tensor(np.ones(3)), np.array([0])),
        ValueError,
        "cross_entropy: input must have shape (N, C), got (3,)",
    ),
    (
        "cross_entropy reduction",
        lambda: F.cross_entropy(x23(), np.array([0, 1]), reduction="avg"),
        ValueError,
        "cross_entropy: reduction must be one of ('mean', 'sum', 'none'), got 'avg'",
    ),
    (
        "nll_loss targets",
        lambda: F.nll_loss(x23(), np.array([0, 7])),
        ValueError,
        "nll_loss: target 7 is out of range for 3 classes (0..2)",
    ),
    (
        "binary_cross_entropy range",
        lambda: F.binary_cross_entropy(x23() * 2, np.ones((2, 3))),
        ValueError,
        "binary_cross_entropy: input must hold probabilities in [0, 1] (use ..._with_logits)",
    ),
    (
        "binary_cross_entropy_with_logits shape",
        lambda: F.binary_cross_entropy_with_logits(x23(), np.ones(3)),
        ValueError,
        "binary_cross_entropy_with_logits: input (2, 3) and target (3,) must have the same shape",
    ),
    (
        "mse_loss",
        lambda: F.mse_loss(x23(), np.ones(3)),
        ValueError,
        "mse_loss: input (2, 3) and target (3,) must have the same shape",
    ),
    (
        "linear features",
        lambda: F.linear(x23(), Tensor(np.ones((4, 2)))),
        ValueError,
        "linear: input (2, 3) has 3 features, weight (4, 2) expects 2",
    ),
    (
        "linear bias",
        lambda: F.linear(x23(), Tensor(np.ones((4, 3))), Tensor(np.ones(3))),
        ValueError,
        "linear: bias (3,) does not match weight (4, 3); expected (4,)",
    ),
    (
        "softmax dim",
        lambda: F.softmax(x23(), dim=-3),
        IndexError,
        "softmax: dim -3 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "log_softmax dim",
        lambda: F.log_softmax(x23(), 2),
        IndexError,
        "log_softmax: dim 2 is out of range for a tensor with 2 dimension(s)",
    ),
    (
        "item",
        lambda: x23().item(),
        ValueError,
        "item: only a one-element tensor can become a Python number, got shape (2, 3)",
    ),
    (
        "int tensor requires grad",
        lambda: Tensor(np.arange(3), requires_grad=True),
        TypeError,
        "Tensor: only floating-point tensors can require grad, got dtype int64 "
        "(convert first, e.g. Tensor(x, dtype=np.float32, requires_grad=True))",
    ),
    (
        "int zeros requires grad",
        lambda: mg.zeros(2, dtype=np.int32, requires_grad=True),
        TypeError,
        "Tensor: only floating-point tensors can require grad, got dtype int32 "
        "(convert first, e.g. Tensor(x, dtype=np.float32, requires_grad=True))",
    ),
    (
        "unsupported operand",
        lambda: x23() + "a",
        TypeError,
        "add: unsupported operand of type str (use a Tensor, array or number)",
    ),
    (
        "gradcheck float32",
        lambda: mg.gradcheck(lambda t: t * 2, Tensor(np.ones(2, dtype=np.float32), requires_grad=True)),
        TypeError,
        "gradcheck: input 0 is float32; use float64 (central differences need it)",
    ),
]


@pytest.mark.parametrize("make,exc,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_message(make, exc, message) -> None:
    with pytest.raises(exc) as info:
        make()
    assert str(info.value) == message


def test_second_backward_names_retain_graph() -> None:
    x = x23()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the graph through Sum was already released by an earlier backward; "
        "call backward(retain_graph=True) the first time to go through it twice"
    )


def test_backward_returning_wrong_count_or_shape() -> None:
    class TwoGrads(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class BadShape(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    with pytest.raises(RuntimeError) as info:
        TwoGrads.apply(x23()).sum().backward()
    assert str(info.value) == (
        "TwoGrads.backward returned 2 gradient(s) for 1 input(s); "
        "return one per input (None where there is none)"
    )
    with pytest.raises(RuntimeError) as info:
        BadShape.apply(x23()).sum().backward()
    assert str(info.value) == (
        "BadShape.backward: the gradient for an input of shape (2, 3) has shape (); "
        "gradients must match their input's shape"
    )


def test_gradcheck_names_input_and_element() -> None:
    class WrongMul(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * b  # the second should be g * a

    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 5.0]), requires_grad=True)
    with pytest.raises(AssertionError, match=r"^gradcheck: input 1 \(2,\), element \(\d,\): backward gives"):
        mg.gradcheck(WrongMul.apply, a, b)
