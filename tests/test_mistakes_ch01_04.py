"""Realistic wrong answers for the exercises of chapters 01–04: each must fail its visible check, with a
message that points at the mistake. The harness (tests/mistakes.py) runs the student's view of the chapter with
every other exercise solved, up to the check."""

from __future__ import annotations

import pytest
from mistakes import Mistake, assert_caught

MISTAKES = [
    # --- chapter 01 ---------------------------------------------------------------------------------------
    Mistake(
        "01_tensor",
        "ch01-compare",
        "returns a NumPy scalar for 0-d tensors",
        (("return Tensor._wrap(np.asarray(op(self.data, b)))", "return Tensor._wrap(op(self.data, b))"),),
        ("np.asarray",),
    ),
    Mistake(
        "01_tensor",
        "ch01-compare",
        "lets NumPy's broadcasting error through",
        (
            (
                "        except ValueError:\n            raise ValueError(",
                "        except KeyError:\n            raise ValueError(",
            ),
        ),
        ("shapes (2, 3) and (2,)",),
    ),
    Mistake(
        "01_tensor",
        "ch01-repr",
        "always shows the dtype",
        (("        if self.data.dtype != DEFAULT_DTYPE:\n", "        if True:\n"),),
        ("repr of a float32 tensor",),
    ),
    Mistake(
        "01_tensor",
        "ch01-as-array",
        "makes every Python number float32 (the old rule)",
        (
            (
                '            elif arr.dtype.kind in "iu":\n                arr = arr.astype(np.int64)',
                '            elif arr.dtype.kind in "iub":\n                arr = arr.astype(DEFAULT_DTYPE)',
            ),
        ),
        ("int64",),
    ),
    Mistake(
        "01_tensor",
        "ch01-as-array",
        "goes through float32 before the requested dtype",
        (
            (
                "            arr = np.asarray(data, dtype=dtype)\n",
                "            arr = np.asarray(data, dtype=np.float32 if dtype is not None else None)\n",
            ),
        ),
        ("0.1",),
    ),
    Mistake(
        "01_tensor",
        "ch01-shape",
        "accepts a tuple but not a list",
        (("isinstance(shape[0], tuple | list)", "isinstance(shape[0], tuple)"),),
        ("[4, 1]",),
    ),
    Mistake(
        "01_tensor",
        "ch01-randn",
        "ignores the rng it is given",
        (
            (
                "Tensor(_rng(rng).standard_normal(_shape(shape))",
                "Tensor(np.random.default_rng().standard_normal(_shape(shape))",
            ),
        ),
        ("rng=0",),
    ),
    # --- chapter 02 ---------------------------------------------------------------------------------------
    Mistake(
        "02_function",
        "ch02-apply",
        "records even in blind mode",
        (("        if True in needs and not tracer.blind:", "        if True in needs:"),),
        ("blind",),
    ),
    Mistake(
        "02_function",
        "ch02-apply",
        "passes the tensors themselves to forward",
        (("                arrays.append(a.data)\n", "                arrays.append(a)\n"),),
        (".data",),
    ),
    Mistake(
        "02_function",
        "ch02-apply",
        "records every call",
        (("        if True in needs and not tracer.blind:", "        if not tracer.blind:"),),
        ("do not record",),
    ),
    Mistake(
        "02_function",
        "ch02-apply",
        "keeps a NumPy scalar as the data",
        (
            (
                "        if type(data) is not np.ndarray:  # e.g. a NumPy scalar from a full reduction\n            data = np.asarray(data)\n",
                "",
            ),
        ),
        ("0-d array",),
    ),
    Mistake(
        "02_function",
        "ch02-sum-to",
        "sums only the added leading axes",
        (
            (
                "return g.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)",
                "return g.sum(axis=tuple(range(lead)), keepdims=True).reshape(shape)",
            ),
        ),
        ("size 1",),
    ),
    Mistake(
        "02_function",
        "ch02-mul-backward",
        "swaps a and b",
        (
            ("ga = sum_to(g * b, a.shape)", "ga = sum_to(g * a, a.shape)"),
            ("gb = sum_to(g * a, b.shape)", "gb = sum_to(g * b, b.shape)"),
        ),
        ("grad for a",),
    ),
    Mistake(
        "02_function",
        "ch02-mul-backward",
        "forgets sum_to for the broadcast input",
        (
            (
                "gb = sum_to(g * a, b.shape) if ctx.needs_input_grad[1] else None",
                "gb = g * a if ctx.needs_input_grad[1] else None",
            ),
        ),
        ("sum_to",),
    ),
    Mistake(
        "02_function",
        "ch02-mul-backward",
        "ignores needs_input_grad",
        (
            (
                "gb = sum_to(g * a, b.shape) if ctx.needs_input_grad[1] else None",
                "gb = sum_to(g * a, b.shape)",
            ),
        ),
        ("None",),
    ),
    Mistake(
        "02_function",
        "ch02-div-backward",
        "drops the minus sign",
        (("gb = sum_to(-g * a / (b * b), b.shape)", "gb = sum_to(g * a / (b * b), b.shape)"),),
        ("check the sign",),
    ),
    Mistake(
        "02_function",
        "ch02-div-backward",
        "divides by B instead of B²",
        (("gb = sum_to(-g * a / (b * b), b.shape)", "gb = sum_to(-g * a / b, b.shape)"),),
        ("-10",),
    ),
    Mistake(
        "02_function",
        "ch02-pow",
        "uses b instead of b - 1 in the exponent",
        (("ga = sum_to(g * b * a ** (b - 1), a.shape)", "ga = sum_to(g * b * a**b, a.shape)"),),
        ("grad for the base",),
    ),
    Mistake(
        "02_function",
        "ch02-pow",
        "takes the log of zero",
        (
            (
                "gb = sum_to(g * out * np.log(np.where(a > 0, a, 1)), b.shape)",
                "gb = sum_to(g * out * np.log(a), b.shape)",
            ),
        ),
        ("finite",),
    ),
    Mistake(
        "02_function",
        "ch02-backward-error",
        "checks the first input only",
        (("    for array, grad in zip(arrays, grads):", "    for array, grad in zip(arrays[:1], grads):"),),
        ("every input",),
    ),
    Mistake(
        "02_function",
        "ch02-backward-error",
        "forgets the upstream gradient",
        (
            (
                "return float((fn.apply(*(Tensor(a) for a in arrays)).data * g_out).sum())",
                "return float(fn.apply(*(Tensor(a) for a in arrays)).data.sum())",
            ),
        ),
        ("g_out",),
    ),
    # --- chapter 03 ---------------------------------------------------------------------------------------
    Mistake(
        "03_tracer",
        "ch03-accumulate",
        "keeps the caller's array (np.asarray does not copy)",
        (
            (
                "t.grad = Tensor._wrap(np.array(g, dtype=t.data.dtype))",
                "t.grad = Tensor._wrap(np.asarray(g, dtype=t.data.dtype))",
            ),
        ),
        ("shares memory",),
    ),
    Mistake(
        "03_tracer",
        "ch03-accumulate",
        "copies without the tensor's dtype (a float64 gradient in a float32 tensor)",
        (("t.grad = Tensor._wrap(np.array(g, dtype=t.data.dtype))", "t.grad = Tensor._wrap(np.array(g))"),),
        ("cannot take a gradient", "dtype float64"),
    ),
    Mistake(
        "03_tracer",
        "ch03-accumulate",
        "adds in place into the stored gradient",
        (
            (
                "t.grad = Tensor._wrap(np.asarray(t.grad.data + g, dtype=t.data.dtype))  # 0-d sums are scalars",
                "t.grad.data[...] += g",
            ),
        ),
        ("in place",),
    ),
    Mistake(
        "03_tracer",
        "ch03-order",
        "visits a call once per path",
        (
            (
                "            if producer is not None and producer.seq not in queued:",
                "            if producer is not None:",
            ),
        ),
        ("once",),
    ),
    Mistake(
        "03_tracer",
        "ch03-backward",
        "sums into pending in place",
        (
            (
                "pending[producer] = pending[producer] + g_in  # a new array: never += into a shared one",
                "pending[producer] += g_in",
            ),
        ),
        ("new array",),
    ),
    Mistake(
        "03_tracer",
        "ch03-backward",
        "never releases the graph",
        (("        if not retain_graph:\n            tracer.release(ctx)\n", ""),),
        ("release",),
    ),
    Mistake(
        "03_tracer",
        "ch03-backward",
        "overwrites a leaf's gradient instead of summing it",
        (("leaves[inp] = leaves[inp] + g_in if inp in leaves else g_in", "leaves[inp] = g_in"),),
        ("summed",),
    ),
    Mistake(
        "03_tracer",
        "ch03-no-grad",
        "restores False instead of the previous value",
        (("        tracer.blind = previous\n", "        tracer.blind = False\n"),),
        ("previous value",),
    ),
    Mistake(
        "03_tracer",
        "ch03-no-grad",
        "does not restore the flag when the block raises",
        (
            (
                "    try:\n        yield\n    finally:\n        tracer.blind = previous",
                "    yield\n    tracer.blind = previous",
            ),
        ),
        ("raises",),
    ),
    Mistake(
        "03_tracer",
        "ch03-update",
        "makes a new array instead of updating in place",
        (('        ufunc(t.data, b, out=t.data, casting="same_kind")', "        t.data = ufunc(t.data, b)"),),
        ("own array",),
    ),
    Mistake(
        "03_tracer",
        "ch03-update",
        "forgets the no_grad rule",
        (("    if t.requires_grad and not tracer.blind:", "    if False:"),),
        ("no_grad",),
    ),
    Mistake(
        "03_tracer",
        "ch03-update",
        "does not count the update",
        (("    tracer.updates += 1\n    t._version = tracer.updates\n", ""),),
        ("count every update",),
    ),
    # --- chapter 04 ---------------------------------------------------------------------------------------
    Mistake(
        "04_ops",
        "ch04-elementwise",
        "Tanh's derivative without the square",
        (("        return g * (1 - out * out)", "        return g * (1 - out)"),),
        ("Tanh.backward",),
    ),
    Mistake(
        "04_ops",
        "ch04-elementwise",
        "Log's derivative multiplies by x",
        (("        return g / x\n", "        return g * x\n"),),
        ("Log.backward",),
    ),
    Mistake(
        "04_ops",
        "ch04-amax",
        "gives every tied maximum the whole gradient",
        (
            (
                "        return hit * (_unreduce(g, ctx.axes, ctx.keepdim) / count)",
                "        return hit * _unreduce(g, ctx.axes, ctx.keepdim)",
            ),
        ),
        ("number of maxima",),
    ),
    Mistake(
        "04_ops",
        "ch04-getitem",
        "scatters with a buffered +=",
        (
            (
                "            np.add.at(gx, ctx.index, g)  # an element picked twice gets both shares (gx[index] += g would not)",
                "            gx[ctx.index] += g",
            ),
        ),
        ("np.add.at",),
    ),
    Mistake(
        "04_ops",
        "ch04-matmul-backward",
        "forgets to sum B's gradient over the batch",
        (
            (
                "            gb = sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)",
                "            gb = np.swapaxes(a2, -1, -2) @ g2",
            ),
        ),
        ("shape",),
    ),
    Mistake(
        "04_ops",
        "ch04-matmul-backward",
        "forgets to transpose B",
        (("ga = sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape)", "ga = sum_to(g2 @ b2, a2.shape)"),),
    ),
    Mistake(
        "04_ops",
        "ch04-log-softmax",
        "forgets the max trick",
        (("    shifted = x - x.max(axis=dim, keepdims=True)", "    shifted = x"),),
        ("1000",),
    ),
    Mistake(
        "04_ops",
        "ch04-log-softmax",
        "normalises over a fixed axis",
        (
            (
                "    shifted = x - x.max(axis=dim, keepdims=True)\n    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))",
                "    shifted = x - x.max(axis=-1, keepdims=True)\n    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
            ),
        ),
        ("dim 0",),
    ),
    Mistake(
        "04_ops",
        "ch04-log-softmax-backward",
        "sums g over the last axis, whatever ctx.dim says",
        (
            (
                "        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True)",
                "        return g - np.exp(out) * g.sum(axis=-1, keepdims=True)",
            ),
        ),
        ("ctx.dim",),
    ),
    Mistake(
        "04_ops",
        "ch04-cross-entropy",
        "ignores the upstream gradient",
        (("        return grad * g[:, None], None", "        return grad, None"),),
        ("upstream",),
    ),
    Mistake(
        "04_ops",
        "ch04-cross-entropy",
        "divides by the batch size (the mean belongs to the reduction)",
        (("        return grad * g[:, None], None", "        return grad * g[:, None] / len(target), None"),),
        ("softmax - onehot",),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_the_visible_check_catches_the_mistake(mistake: Mistake) -> None:
    assert_caught(mistake)
