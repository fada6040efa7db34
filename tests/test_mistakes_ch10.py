"""Appendix 10's visible checks catch the realistic wrong answers, with a message that names the mistake.

Each case plugs one wrong answer into the solution (tests/mistakes.py), runs the chapter up to that
exercise's check in a fresh kernel and asserts that the check fails saying what is wrong.
"""

from __future__ import annotations

import pytest
from mistakes import Mistake, assert_caught

pytestmark = pytest.mark.slow

CH = "10_under_the_hood"
SHIFT_LOOP = """    for i in range(kh):
        for j in range(kw):
            shifted = as_strided(
                flat[i * dh * wp + j * dw :],
                shape=(c, n, oh * wp),
                strides=(hp * wp * item, c * hp * wp * item, item),
            )
            shifted += blocks[:, i, j]"""
ONE_OVERLAPPING_VIEW = """    view = as_strided(
        flat,
        shape=(c, kh, kw, n, oh * wp),
        strides=(hp * wp * item, dh * wp * item, dw * item, c * hp * wp * item, item),
    )
    view += blocks"""
CHUNK_LOOP = """    for lo in range(0, n, chunk):
        cols = im2col(x[lo : lo + chunk], (kh, kw), (1, 1), padding, (1, 1))
        out[:, lo : lo + chunk] = (w2 @ cols).reshape(c_out, -1, oh, ow)"""
WHOLE_BATCH = """    cols = im2col(x, (kh, kw), (1, 1), padding, (1, 1))
    out[...] = (w2 @ cols).reshape(c_out, n, oh, ow)"""

MISTAKES = [
    # --- 10.1 conv_costs ---------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch10-costs",
        "the input's size instead of the output's",
        (("n * oh * ow", "n * h * w"),),
        ("24×24", "OH = (H + 2p"),
    ),
    Mistake(CH, "ch10-costs", "the batch forgotten", (("n * oh * ow", "oh * ow"),), ("(N·OH·OW)",)),
    Mistake(
        CH,
        "ch10-costs",
        "4 bytes per number whatever the dtype",
        (("rows * columns * itemsize", "rows * columns * 4"),),
        ("itemsize 8 for float64",),
    ),
    Mistake(
        CH,
        "ch10-costs",
        "stride and dilation swapped in the output size",
        (
            (
                "conv_output_size(w, kw, stride[1], padding[1], dilation[1])",
                "conv_output_size(w, kw, dilation[1], padding[1], stride[1])",
            ),
        ),
        ("OW = (8 + 0 - 2·1 - 1) // 1 + 1 = 6",),
    ),
    # --- 10.2 im2col_rows --------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch10-im2col-rows",
        "an image only one plane further (N, C > 1)",
        (("c * hp * wp * item, item)", "hp * wp * item, item)"),),
        ("N = 2 images", "an image C·Hp·Wp"),
    ),
    Mistake(
        CH,
        "ch10-im2col-rows",
        "a kernel row only dh numbers further",
        (("dh * wp * item, dw * item", "dh * item, dw * item"),),
        ("shifted by i·Wp + j",),
    ),
    Mistake(
        CH,
        "ch10-im2col-rows",
        "x copied to the corner of the padded plane",
        (("[:, :, ph : ph + h, pw : pw + w] = x", "[:, :, :h, :w] = x"),),
        ("padding 1", "pad first"),
    ),
    Mistake(
        CH,
        "ch10-im2col-rows",
        "the buffer in float64",
        (("dtype=x.dtype)", ")"),),
        ("dtype", "float32"),
    ),
    Mistake(
        CH,
        "ch10-im2col-rows",
        "no slack after the planes",
        (("flat = np.zeros(size + dw * (kw - 1), dtype=x.dtype)", "flat = np.zeros(size, dtype=x.dtype)"),),
        ("read past the end of `flat`", "slack"),
    ),
    # --- 10.3 col2im_rows --------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch10-col2im-rows",
        "+= into one view holding every offset (overlapping)",
        ((SHIFT_LOOP, ONE_OVERLAPPING_VIEW),),
        ("overwrote each other", "one shifted view per kernel offset"),
    ),
    Mistake(
        CH,
        "ch10-col2im-rows",
        "offsets shifted without the row length",
        (("flat[i * dh * wp + j * dw :]", "flat[i * dh + j * dw :]"),),
        ("i·dh·Wp + j·dw",),
    ),
    Mistake(
        CH,
        "ch10-col2im-rows",
        "an image only one plane further (N, C > 1)",
        (
            (
                "strides=(hp * wp * item, c * hp * wp * item, item)",
                "strides=(hp * wp * item, hp * wp * item, item)",
            ),
        ),
        ("N = 2 images", "C·Hp·Wp"),
    ),
    Mistake(
        CH,
        "ch10-col2im-rows",
        "the padding's border not cropped",
        (
            (
                "return flat[:size].reshape(n, c, hp, wp)[:, :, ph : ph + h, pw : pw + w]",
                "return flat[:size].reshape(n, c, hp, wp)",
            ),
        ),
        ("padding 1", "without the border"),
    ),
    Mistake(
        CH,
        "ch10-col2im-rows",
        "no slack after the planes",
        (("np.zeros(size + dw * (kw - 1), dtype=grad_cols.dtype)", "np.zeros(size, dtype=grad_cols.dtype)"),),
        ("wrote past the end of `flat`", "slack"),
    ),
    # --- 10.4 ScratchPool --------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch10-pool",
        "a fresh array on every request",
        (("buf = self.buffers.get(role)", "return np.empty(shape, dtype)"),),
        ("reuse",),
    ),
    Mistake(
        CH,
        "ch10-pool",
        "one buffer shared by every role",
        (
            ("self.buffers.get(role)", 'self.buffers.get("all")'),
            ("self.buffers[role] =", 'self.buffers["all"] ='),
        ),
        ("two roles must never share memory",),
    ),
    Mistake(
        CH,
        "ch10-pool",
        "requests above the limit kept too",
        (("        if nbytes > self.limit:\n            return np.empty(shape, dtype)\n", ""),),
        ("above the limit", "pins its memory"),
    ),
    Mistake(
        CH,
        "ch10-pool",
        "a buffer that never grows",
        (("if buf is None or buf.nbytes < nbytes:", "if buf is None:"),),
        ("grow a buffer that is too small",),
    ),
    # --- 10.5 conv2d_forward_chunked ---------------------------------------------------------------------
    Mistake(
        CH,
        "ch10-chunks",
        "the columns of the whole batch at once",
        ((CHUNK_LOOP, WHOLE_BATCH),),
        ("peaked at", "one chunk at a time"),
    ),
    Mistake(
        CH,
        "ch10-chunks",
        "each chunk one image short",
        (("x[lo : lo + chunk]", "x[lo : lo + chunk - 1]"),),
        ("x[k·chunk : (k + 1)·chunk]",),
    ),
    Mistake(
        CH,
        "ch10-chunks",
        "the GEMM's layout returned as it is",
        (("return out.transpose(1, 0, 2, 3)", "return out"),),
        ("out.transpose(1, 0, 2, 3)",),
    ),
    Mistake(
        CH,
        "ch10-chunks",
        "the bias forgotten",
        (("out += bias.reshape(c_out, 1, 1, 1)", "pass"),),
        ("b[o]",),
    ),
    Mistake(
        CH,
        "ch10-chunks",
        "the padding not passed to im2col",
        (("(kh, kw), (1, 1), padding, (1, 1))", "(kh, kw), (1, 1), (0, 0), (1, 1))"),),
        ("pass the padding to im2col",),
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_visible_check_catches(mistake: Mistake) -> None:
    assert_caught(mistake)
