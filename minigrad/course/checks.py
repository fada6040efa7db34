"""Helpers for the chapters' test cells: compare with references and explain failures in a student's terms.

Checks never trust the student's own code as a reference: gradients are compared with central differences of a
*reference* forward pass given here, or with fixed expected arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.gradcheck import numerical_grad


class CheckFailed(AssertionError):
    """A check that did not pass; the message says what was expected and what to look at."""


def _arr(x: Any) -> np.ndarray:
    return np.asarray(getattr(x, "data", x))


def _fmt(x: Any) -> str:
    a = np.asarray(x)
    if a.ndim == 0:
        return f"{a.item():.6g}" if a.dtype.kind == "f" else repr(a.item())
    return np.array2string(a, precision=4, threshold=12, separator=", ")


def check_close(
    what: str, got: Any, expected: Any, hint: str = "", atol: float = 1e-6, rtol: float = 1e-5
) -> None:
    """Fail with 'what: expected X, got Y — hint' unless `got` matches `expected` in shape and value."""
    if got is None:
        raise CheckFailed(f"{what}: expected {_fmt(expected)}, got None" + (f" — {hint}" if hint else ""))
    g, e = _arr(got), _arr(expected)
    if g.shape != e.shape:
        raise CheckFailed(
            f"{what}: expected shape {e.shape}, got shape {g.shape}" + (f" — {hint}" if hint else "")
        )
    if not np.allclose(g, e, atol=atol, rtol=rtol, equal_nan=True):
        raise CheckFailed(f"{what}: expected {_fmt(e)}, got {_fmt(g)}" + (f" — {hint}" if hint else ""))


def sign_hint(got: Any, expected: Any, hint: str = "") -> str:
    """'check the sign' when `got` is `-expected` (the most common slip in a backward), otherwise `hint`."""
    if got is None:
        return hint
    g, e = _arr(got), _arr(expected)
    if g.shape == e.shape and np.any(e != 0) and np.allclose(g, -e):
        return "check the sign"
    return hint


def check_equal(what: str, got: Any, expected: Any, hint: str = "") -> None:
    if got != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {got!r}" + (f" — {hint}" if hint else ""))


def check_true(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def check_raises(
    what: str, fn: Callable[[], Any], exc: type[BaseException] | tuple, *fragments: str, hint: str = ""
) -> BaseException:
    """`fn()` must raise `exc` whose message contains every fragment (case-insensitive)."""
    try:
        fn()
    except NotImplementedError:
        raise
    except exc as e:
        msg = str(e).lower()
        missing = [f for f in fragments if f.lower() not in msg]
        if missing:
            raise CheckFailed(
                f"{what}: the error message {str(e)!r} should mention {', '.join(map(repr, missing))}"
                + (f" — {hint}" if hint else "")
            ) from None
        return e
    except Exception as e:
        raise CheckFailed(
            f"{what}: expected {getattr(exc, '__name__', exc)}, got {type(e).__name__}: {e}"
            + (f" — {hint}" if hint else "")
        ) from None
    raise CheckFailed(f"{what}: expected an error, but nothing was raised" + (f" — {hint}" if hint else ""))


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x+eps) - f(x-eps)) / 2eps of a scalar NumPy function, in float64.

    The package's one implementation (minigrad/gradcheck.py, hand-written, never a student's)."""
    x = np.array(x, dtype=np.float64)
    return numerical_grad(lambda: f(x), x, eps)


def check_grad(
    what: str,
    got: Any,
    reference_forward: Callable[..., Any],
    inputs: list[np.ndarray],
    index: int,
    upstream: np.ndarray | None = None,
    hint: str = "",
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Compare a gradient with central differences of a reference NumPy forward, w.r.t. `inputs[index]`.

    With `upstream` given, the scalar differentiated is sum(reference_forward(*inputs) * upstream).
    """
    args = [np.array(a, dtype=np.float64) for a in inputs]

    def scalar(xi: np.ndarray) -> float:
        call = list(args)
        call[index] = xi
        out = np.asarray(reference_forward(*call), dtype=np.float64)
        return float((out * (1.0 if upstream is None else upstream)).sum())

    check_close(what, got, numeric_grad(scalar, args[index]), hint=hint, atol=atol, rtol=rtol)
