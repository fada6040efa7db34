"""minigrad.ops: the operations of chapter 4, under PyTorch's names; `Tensor`'s methods call these.

The modules (pointwise, reductions, shapes, linalg) are generated from solutions/04_ops.ipynb. A few functions
have other names there, so that defining them in the notebook does not hide Python's builtins: `tensor_sum` is
`sum`, `tensor_max` is `max`, `tensor_min` is `min`, `absolute` is `abs`.
"""

from minigrad.ops.linalg import matmul, mm
from minigrad.ops.pointwise import absolute as abs  # noqa: A004
from minigrad.ops.pointwise import (
    clamp,
    cos,
    exp,
    log,
    log_softmax,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    softmax,
    sqrt,
    tanh,
)
from minigrad.ops.reductions import (
    ValuesIndices,
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    mean,
    norm,
    std,
    var,
)
from minigrad.ops.reductions import tensor_max as max  # noqa: A004
from minigrad.ops.reductions import tensor_min as min  # noqa: A004
from minigrad.ops.reductions import tensor_sum as sum  # noqa: A004
from minigrad.ops.shapes import (
    cast,
    cat,
    clone,
    expand,
    flatten,
    gather,
    getitem,
    masked_fill,
    permute,
    reshape,
    squeeze,
    stack,
    transpose,
    unsqueeze,
    view,
    where,
)

__all__ = [
    "ValuesIndices", "abs", "amax", "amin", "argmax", "argmin", "cast", "cat", "clamp", "clone", "cos", "exp",
    "expand", "flatten", "gather", "getitem", "log", "log_softmax", "logsumexp", "masked_fill", "matmul",
    "max", "maximum", "mean", "min", "minimum", "mm", "norm", "permute", "relu", "reshape", "sigmoid", "sin",
    "softmax", "sqrt", "squeeze", "stack", "std", "sum", "tanh", "transpose", "unsqueeze", "var", "view",
    "where",
]  # fmt: skip
