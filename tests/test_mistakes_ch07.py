"""Chapter 07's visible checks catch the realistic wrong answers, with a message that names the mistake.

Each case plugs one wrong answer into the solution (tests/mistakes.py), runs the chapter up to that
exercise's check in a fresh kernel and asserts that the check fails saying what is wrong.
"""

from __future__ import annotations

import pytest
from mistakes import Mistake, assert_caught

pytestmark = pytest.mark.slow

CH = "07_conv2d"
VIEW_STRIDES = "strides=(s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w)"
PADDED = "np.zeros((n, c, h + 2 * ph, w + 2 * pw)"
ROWS = "rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)"
COLUMNS = "columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)"
ADD = "gp[:, :, rows, columns] += blocks[:, i, j].transpose(1, 0, 2, 3)"
CROP = "return gp[:, :, ph : ph + h, pw : pw + w]"
OVERLAPPING_VIEW = """s_n, s_c, s_h, s_w = gp.strides
    view = as_strided(
        gp, shape=(c, kh, kw, n, oh, ow), strides=(s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w)
    )
    view += blocks
    return gp[:, :, ph : ph + h, pw : pw + w]"""
FAN_IN = "k = 1.0 / math.sqrt(in_channels * self.kernel_size[0] * self.kernel_size[1])"
FORWARD = "return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)"

MISTAKES = [
    # --- 7.1 im2col --------------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch07-im2col",
        "stride and dilation swapped in the view's strides",
        ((VIEW_STRIDES, "strides=(s_c, sh * s_h, sw * s_w, s_n, dh * s_h, dw * s_w)"),),
        ("stride and dilation are swapped",),
    ),
    Mistake(
        CH,
        "ch07-im2col",
        "image and channel strides exchanged (only shows with N, C > 1)",
        ((VIEW_STRIDES, "strides=(s_n, dh * s_h, dw * s_w, s_c, sh * s_h, sw * s_w)"),),
        ("N = 2 images", "(C, kH, kW, N, OH, OW)"),
    ),
    Mistake(
        CH,
        "ch07-im2col",
        "the view's axes in the input's order (N, C, kH, kW, OH, OW)",
        (
            ("shape=(c, kh, kw, n, oh, ow)", "shape=(n, c, kh, kw, oh, ow)"),
            (VIEW_STRIDES, "strides=(s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w)"),
        ),
        ("N = 2 images", "rows are ordered (c, i, j)"),
    ),
    Mistake(
        CH,
        "ch07-im2col",
        "padded array one padding too small (H + p instead of H + 2p)",
        ((PADDED, "np.zeros((n, c, h + ph, w + pw)"),),
        ("padding 1", "read past the end of the padded array", "H + 2·ph"),
    ),
    Mistake(
        CH,
        "ch07-im2col",
        "x copied one pixel off inside the padded array",
        (
            (
                "xp[:, :, ph : ph + h, pw : pw + w] = x",
                "xp[:, :, ph + 1 : ph + 1 + h, pw + 1 : pw + 1 + w] = x",
            ),
        ),
        ("padding 1", "rows ph … ph + H - 1"),
    ),
    Mistake(
        CH,
        "ch07-im2col",
        "padded copy in float64 whatever the input's dtype",
        ((", dtype=x.dtype)", ")"),),
        ("dtype", "float32"),
    ),
    # --- 7.2 col2im --------------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch07-col2im",
        "+= into the overlapping strided view (Pico's col2im)",
        (
            ("for i in range(kh):", "if False:"),
            (CROP, OVERLAPPING_VIEW),
        ),
        ("overlapping", "one strided slice per kernel offset"),
    ),
    Mistake(
        CH,
        "ch07-col2im",
        "stride and dilation swapped in the slices",
        (
            (ROWS, "rows = slice(i * sh, i * sh + dh * (oh - 1) + 1, dh)"),
            (COLUMNS, "columns = slice(j * sw, j * sw + dw * (ow - 1) + 1, dw)"),
        ),
        ("stride and dilation are swapped",),
    ),
    Mistake(
        CH,
        "ch07-col2im",
        "block added as (C, N, OH, OW) without the transpose",
        ((ADD, "gp[:, :, rows, columns] += blocks[:, i, j]"),),
        ("N = 2 images", "transpose it to (N, C, OH, OW)"),
    ),
    Mistake(
        CH,
        "ch07-col2im",
        "the padding's gradient not cropped away",
        ((CROP, "return gp"),),
        ("padding 1", "gp[:, :, ph : ph + H, pw : pw + W]"),
    ),
    Mistake(
        CH,
        "ch07-col2im",
        "crop one pixel off",
        ((CROP, "return gp[:, :, ph + 1 : ph + 1 + h, pw + 1 : pw + 1 + w]"),),
        ("input's shape", "gp[:, :, ph : ph + H, pw : pw + W]"),
    ),
    Mistake(
        CH,
        "ch07-col2im",
        "gradient buffer of the unpadded size",
        ((PADDED, "np.zeros((n, c, h, w)"),),
        ("padding 1", "padded input"),
    ),
    # --- 7.3 Conv2dGemm ------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch07-conv-gemm",
        "forward: the product reshaped straight to (N, C_out, OH, OW)",
        (
            (
                "return out.reshape(c_out, n, oh, ow).transpose(1, 0, 2, 3)",
                "return out.reshape(n, c_out, oh, ow)",
            ),
        ),
        ("wrong order", "swap the first two axes"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "forward: bias broadcast along the wrong axis",
        (("out += bias[:, None]", "out += bias"),),
        ("forward with a bias", "bias[:, None]"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "forward: stride and dilation handed to im2col in the wrong order",
        (
            (
                "im2col(x, (kh, kw), stride, padding, dilation)",
                "im2col(x, (kh, kw), dilation, padding, stride)",
            ),
        ),
        ("stride", "im2col in its order"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: g reshaped without swapping images and channels",
        (("g.transpose(1, 0, 2, 3).reshape(c_out, -1)", "g.reshape(c_out, -1)"),),
        ("N = 2 images", "plain reshape"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: missing transpose of cols in the weight gradient",
        (("(g2 @ cols.T)", "(g2 @ cols)"),),
        ("weight gradient", "missing transpose"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: W not transposed for the input gradient",
        (("weight.reshape(c_out, -1).T @ g2", "weight.reshape(c_out, -1) @ g2"),),
        ("input gradient", "missing transpose"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: bias gradient summed over the wrong axis",
        (("gb = g2.sum(axis=1)", "gb = g2.sum(axis=0)"),),
        ("bias gradient", "axis=1"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: the weight gradient left as a (C_out, C·kH·kW) matrix",
        (("gw = (g2 @ cols.T).reshape(weight.shape)", "gw = g2 @ cols.T"),),
        ("weight gradient", "(3, 2, 3, 3)"),
    ),
    Mistake(
        CH,
        "ch07-conv-gemm",
        "backward: stride and dilation handed to col2im in the wrong order",
        (("*ctx.settings)", "*ctx.settings[::-1])"),),
        ("input gradient", "col2im in its order"),
    ),
    # --- 7.4 Conv2d --------------------------------------------------------------------------------------
    Mistake(
        CH,
        "ch07-conv2d-module",
        "weight in the (C_in, C_out, kH, kW) layout",
        (
            (
                "shape = (out_channels, in_channels, *self.kernel_size)",
                "shape = (in_channels, out_channels, *self.kernel_size)",
            ),
        ),
        ("weight.shape", "(C_out, C_in, kH, kW)"),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "fan_in counted with the output channels",
        ((FAN_IN, "k = 1.0 / math.sqrt(out_channels * self.kernel_size[0] * self.kernel_size[1])"),),
        ("fan_in = C_in·kH·kW = 45", "not C_out·kH·kW"),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "fan_in without the kernel size",
        ((FAN_IN, "k = 1.0 / math.sqrt(in_channels)"),),
        ("fan_in = C_in·kH·kW = 45",),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "parameters left in float64",
        (
            (
                "Parameter(gen.uniform(-k, k, shape).astype(np.float32))",
                "Parameter(gen.uniform(-k, k, shape))",
            ),
        ),
        ("dtype of weight", "astype(np.float32)"),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "forward passes padding where stride belongs",
        ((FORWARD, "return conv2d(x, self.weight, self.bias, self.padding, self.stride, self.dilation)"),),
        ("in this order",),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "a bias even with bias=False",
        ((".astype(np.float32)) if bias else None", ".astype(np.float32))"),),
        ("bias=False",),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "stride stored as given instead of as a pair",
        (('self.stride = pair("Conv2d", "stride", stride, 1)', "self.stride = stride"),),
        ("repr", "pair("),
    ),
    Mistake(
        CH,
        "ch07-conv2d-module",
        "weight and bias as plain Tensors, not Parameters",
        (
            ("Parameter(gen.uniform(-k, k, shape)", "Tensor(gen.uniform(-k, k, shape)"),
            ("Parameter(gen.uniform(-k, k, out_channels)", "Tensor(gen.uniform(-k, k, out_channels)"),
        ),
        ("names of Conv2d's parameters", "Parameters"),
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_visible_check_catches(mistake: Mistake) -> None:
    assert_caught(mistake)
