"""Tensor (minigrad/tensor.py): construction, dtype rules, properties, constructors, repr."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor


@pytest.mark.parametrize("data", [1.5, 3, True, [1, 2, 3], [[1.0, 2.0]], (1, 2)], ids=repr)
def test_python_numbers_and_lists_become_float32(data) -> None:
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.uint8])
def test_numpy_arrays_keep_their_dtype(dtype) -> None:
    arr = np.arange(4).astype(dtype)
    assert Tensor(arr).dtype == dtype
    assert Tensor(np.float64(2.5)).dtype == np.float64


def test_explicit_dtype_and_tensor_of_tensor() -> None:
    t = Tensor([1, 2], dtype=np.float64)
    assert t.dtype == np.float64
    u = Tensor(t)
    assert u.dtype == np.float64 and u.is_leaf and not u.requires_grad
    assert mg.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
def test_integer_data_cannot_require_grad(dtype) -> None:
    with pytest.raises(TypeError, match=r"floating-point.*dtype"):
        Tensor(np.zeros(3, dtype=dtype), requires_grad=True)


def test_non_numeric_and_ragged_data_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"Tensor: data must be numbers"):
        Tensor("abc")
    with pytest.raises(ValueError, match=r"ragged"):
        Tensor([[1, 2], [3]])


def test_attributes_of_a_fresh_tensor() -> None:
    t = Tensor(np.zeros((2, 3)), requires_grad=True, name="w")
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.grad is None and t.is_leaf and t._ctx is None and t.name == "w" and not t.retain
    assert t.numpy() is t.data


def test_item_detach_and_zero_grad() -> None:
    x = Tensor(np.array([[2.5]]), requires_grad=True)
    assert x.item() == 2.5 and isinstance(x.item(), float)
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf and d.item() == 5.0
    x.grad = np.ones((1, 1))
    x.zero_grad()
    assert x.grad is None


@pytest.mark.parametrize("make", [mg.zeros, mg.ones])
def test_zeros_and_ones_accept_varargs_or_a_tuple(make) -> None:
    a, b, c = make(2, 3), make((2, 3)), make([2, 3])
    assert a.shape == b.shape == c.shape == (2, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
    assert make(3, dtype=np.float64, requires_grad=True).requires_grad
    assert make().shape == ()


def test_randn_is_repeatable_with_rng() -> None:
    a, b = mg.randn(2, 3, rng=0), mg.randn((2, 3), rng=np.random.default_rng(0))
    assert a.shape == (2, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(mg.randn(5, rng=1).data, mg.randn(5, rng=2).data)
    assert mg.randn(2, dtype=np.float64, requires_grad=True).dtype == np.float64


def test_repr() -> None:
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert (
        repr(Tensor(np.array([0.5]), requires_grad=True))
        == "Tensor([0.5], dtype=float64, requires_grad=True)"
    )
    x = Tensor([1.0], requires_grad=True)
    (x * 3.0).sum().backward()
    assert repr(x) == "Tensor([1.], requires_grad=True, grad=[3.])"
    assert "..." in repr(Tensor(np.zeros(100)))


def test_tensors_hash_by_identity() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_ndarray_plus_tensor_is_a_tensor_not_an_object_array() -> None:
    out = np.ones((2, 2)) + Tensor([1.0, 2.0])
    assert type(out) is Tensor and out.dtype == np.float64
    np.testing.assert_array_equal(out.data, [[2.0, 3.0], [2.0, 3.0]])
    out = np.float32(2.0) * Tensor([1.0, 2.0])
    assert type(out) is Tensor and out.dtype == np.float32
