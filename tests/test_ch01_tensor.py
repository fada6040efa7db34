"""Tensor (minigrad/tensor.py, chapter 01): construction, PyTorch's dtype rules, properties, conversions to
Python, comparisons, constructors and repr. Only chapter 01's code runs here (no operations, no backward)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor

pytestmark = pytest.mark.ch01


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float32),
        ([[1.0, 2.0]], np.float32),
        ([1, 2.5], np.float32),
        (3, np.int64),
        ([1, 2, 3], np.int64),
        ((1, 2), np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
        ([], np.float32),
    ],
    ids=repr,
)
def test_python_data_follows_pytorchs_dtype_rules(data, dtype) -> None:
    t = Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32, np.int64, np.uint8])
def test_numpy_arrays_keep_their_dtype(dtype) -> None:
    arr = np.arange(4).astype(dtype)
    assert Tensor(arr).dtype == dtype
    assert Tensor(np.float64(2.5)).dtype == np.float64


def test_a_requested_dtype_is_applied_to_the_data_itself() -> None:
    assert Tensor(0.1, dtype=np.float64).item() == 0.1  # not float32's 0.10000000149011612
    assert Tensor(1e300, dtype=np.float64).item() == 1e300  # not inf
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert mg.tensor([2**40], dtype=np.int64).item() == 2**40


def test_integer_tensors_can_index_arrays_and_lists() -> None:
    idx = mg.tensor([0, 2])
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(np.array([10, 11, 12])[idx.data], [10, 12])
    assert [10, 11, 12][mg.tensor(1)] == 11


def test_tensor_of_tensor_and_tensor_copies() -> None:
    t = Tensor([1, 2], dtype=np.float64)
    u = Tensor(t)
    assert u.dtype == np.float64 and u.is_leaf and not u.requires_grad
    arr = np.zeros(3, dtype=np.float32)
    copied, shared = mg.tensor(arr), mg.from_numpy(arr)
    arr[0] = 5.0
    assert copied.data[0] == 0.0 and shared.data[0] == 5.0
    with pytest.raises(TypeError, match=r"from_numpy: expected a NumPy array"):
        mg.from_numpy([1.0])


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
def test_integer_data_cannot_require_grad(dtype) -> None:
    with pytest.raises(TypeError, match=r"floating-point.*dtype"):
        Tensor(np.zeros(3, dtype=dtype), requires_grad=True)


def test_non_numeric_and_ragged_data_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"Tensor: data must be numbers"):
        Tensor("abc")
    with pytest.raises(TypeError, match=r"Tensor: data must be numbers"):
        Tensor(None)
    with pytest.raises(ValueError, match=r"ragged"):
        Tensor([[1, 2], [3]])


def test_attributes_of_a_fresh_tensor() -> None:
    t = Tensor(np.zeros((2, 3)), requires_grad=True, name="w")
    assert t.shape == (2, 3) and t.ndim == 2 and t.dim() == 2 and len(t) == 2
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2 and t.numel() == 6
    assert t.grad is None and t.is_leaf and t.grad_fn is None and t.name == "w" and not t.retain
    assert t.device == "cpu" and t.device == mg.device("cpu") and str(t.device) == "cpu"
    with pytest.raises(IndexError, match=r"size: dim 2 is out of range for a tensor with 2 dimension"):
        t.size(2)
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(Tensor(1.0))


def test_grad_is_a_tensor_and_assignments_are_checked() -> None:
    x = Tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True)
    x.grad = np.ones((2, 2))  # an array is converted to the tensor's dtype
    assert isinstance(x.grad, Tensor) and x.grad.dtype == np.float32
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"grad: a tensor of shape \(2, 2\).*shape \(3,\)"):
        x.grad = Tensor(np.ones(3, dtype=np.float32))
    with pytest.raises(RuntimeError, match=r"dtype float32 cannot take a gradient .*float64"):
        x.grad = Tensor(np.ones((2, 2)))


def test_python_numbers_from_one_element_tensors() -> None:
    x = Tensor(np.array([[2.5]]))
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert float(x) == 2.5 and int(Tensor(3.9)) == 3 and bool(Tensor([1.0])) is True
    assert Tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(ValueError, match=r"item: only a one-element tensor.*\(2,\)"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match=r"bool: a tensor with 2 elements is ambiguous"):
        bool(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"only a one-element integer tensor can be used as an index"):
        [1, 2][Tensor(1.0)]


def test_numpy_detach_and_requires_grad_follow_pytorch() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"requires grad"):
        np.asarray(x)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.data is x.data and d.numpy() is x.data
    assert np.asarray(d) is x.data
    assert np.asarray(d, dtype=np.float64).dtype == np.float64
    y = Tensor([1.0]).requires_grad_()
    assert y.requires_grad and y.requires_grad_(False) is y and not y.requires_grad
    with pytest.raises(TypeError, match=r"requires_grad_: only floating-point"):
        Tensor([1, 2]).requires_grad_()
    y.retain_grad()
    assert y.retain


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (lambda a, b: a == b, [False, True, False]),
        (lambda a, b: a != b, [True, False, True]),
        (lambda a, b: a < b, [True, False, False]),
        (lambda a, b: a <= b, [True, True, False]),
        (lambda a, b: a > b, [False, False, True]),
        (lambda a, b: a >= b, [False, True, True]),
        (lambda a, b: a.eq(b), [False, True, False]),
        (lambda a, b: a.gt(b), [False, False, True]),
    ],
)
def test_comparisons_give_bool_tensors(op, expected) -> None:
    a = Tensor([1.0, 2.0, 3.0])
    for b in (Tensor([2.0, 2.0, 2.0]), 2.0, np.array([2.0, 2.0, 2.0]), 2):
        out = op(a, b)
        assert type(out) is Tensor and out.dtype == np.bool_ and not out.requires_grad
        assert out.tolist() == expected


def test_comparisons_broadcast_and_explain_shape_errors() -> None:
    a = Tensor(np.arange(6.0).reshape(2, 3))
    assert (a > Tensor([[1.0], [4.0]])).tolist() == [[False, False, True], [False, False, True]]
    assert (a == 4.0).any().item() and not (a == 7.0).any().item() and (a >= 0).all().item()
    with pytest.raises(ValueError, match=r"<: shapes \(2, 3\) and \(2,\) cannot be broadcast"):
        _ = a < Tensor([1.0, 2.0])
    pred, labels = Tensor(np.array([1, 2, 3])), np.array([1, 0, 3])
    assert (pred == labels).tolist() == [True, False, True]  # the accuracy idiom


@pytest.mark.parametrize("make", [mg.zeros, mg.ones])
def test_zeros_and_ones_accept_varargs_or_a_tuple(make) -> None:
    a, b, c = make(2, 3), make((2, 3)), make([2, 3])
    assert a.shape == b.shape == c.shape == (2, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
    assert make(3, dtype=np.float64, requires_grad=True).requires_grad
    assert make().shape == ()


def test_other_constructors() -> None:
    assert mg.arange(5).dtype == np.int64 and mg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(0, 1, 0.25).dtype == np.float32 and mg.arange(2, 5).tolist() == [2, 3, 4]
    assert mg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mg.full((2,), 1.5).dtype == np.float32 and mg.full((2, 2), 7).dtype == np.int64
    x = Tensor(np.ones((2, 3), dtype=np.float64))
    assert mg.zeros_like(x).dtype == np.float64 and mg.ones_like(x).shape == (2, 3)
    assert mg.full_like(x, 3.0).tolist() == [[3.0] * 3] * 2
    assert mg.rand(3, rng=0).data.min() >= 0 and mg.randint(0, 3, (10,), rng=0).dtype == np.int64


def test_randn_is_repeatable_with_rng_or_manual_seed() -> None:
    a, b = mg.randn(2, 3, rng=0), mg.randn((2, 3), rng=np.random.default_rng(0))
    assert a.shape == (2, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(mg.randn(5, rng=1).data, mg.randn(5, rng=2).data)
    assert mg.randn(2, dtype=np.float64, requires_grad=True).dtype == np.float64
    mg.manual_seed(7)
    first = mg.randn(4).data
    mg.manual_seed(7)
    np.testing.assert_array_equal(mg.randn(4).data, first)
    generator = mg.manual_seed(7)
    assert mg.default_generator() is generator


def test_repr() -> None:
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor([1, 2])) == "Tensor([1, 2], dtype=int64)"
    assert (
        repr(Tensor(np.array([0.5]), requires_grad=True))
        == "Tensor([0.5], dtype=float64, requires_grad=True)"
    )
    x = Tensor([1.0], requires_grad=True)
    x.grad = np.array([3.0])
    assert repr(x) == "Tensor([1.], requires_grad=True, grad=[3.])"
    assert "..." in repr(Tensor(np.zeros(100)))


def test_tensors_hash_by_identity() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_the_only_device_is_the_cpu() -> None:
    x = Tensor([1.0])
    assert x.to("cpu") is x and x.cpu() is x and x.to(mg.device("cpu")) is x
    with pytest.raises(RuntimeError, match=r"device: minigrad runs on the CPU only"):
        mg.device("cuda:0")
    with pytest.raises(RuntimeError, match=r"cuda: minigrad runs on the CPU only"):
        x.cuda()
