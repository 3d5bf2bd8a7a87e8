"""Session-5 probe of the eager front end: inputs that PyTorch 2.13 refuses but dlcore used to
answer silently with a wrong value (or a wrong dtype), each checked against real PyTorch for the
exception class and message, plus the values PyTorch gives where dlcore differed.

A case is ``(id, fn, exc, pattern)``; ``fn(T)`` misuses module ``T`` (dlcore_eager or torch).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import dlcore_eager as dl

torch.set_num_threads(1)
R = RuntimeError
INF = float("inf")

CASES = [
    ("embedding_negative_index",
     lambda T: T.nn.functional.embedding(T.tensor([0, -1]), T.ones(3, 2)), IndexError,
     r"index out of range in self"),
    ("Embedding_negative_index", lambda T: T.nn.Embedding(3, 2)(T.tensor([[-3]])), IndexError,
     r"index out of range in self"),
    ("nll_target_batch", lambda T: T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([[0, 1]])),
     ValueError, r"Expected input batch_size \(2\) to match target batch_size \(1\)\."),
    ("nll_target_2d", lambda T: T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([[0], [1]])),
     R, r"0D or 1D target tensor expected, multi-target not supported"),
    ("nll_spatial_target",
     lambda T: T.nn.functional.nll_loss(T.ones(2, 3, 4), T.tensor([0, 1])), R,
     r"Expected target size \[2, 4\], got \[2\]"),
    ("bce_input_above_1",
     lambda T: T.nn.functional.binary_cross_entropy(T.tensor([1.5]), T.tensor([1.0])), R,
     r"all elements of input should be between 0 and 1"),
    ("bce_input_nan",
     lambda T: T.nn.functional.binary_cross_entropy(T.tensor([float("nan")]), T.tensor([1.0])),
     R, r"all elements of input should be between 0 and 1"),
    ("split_sizes_short", lambda T: T.ones(3).split([1, 1]), R,
     (r"split_with_sizes expects split_sizes to sum exactly to 3 \(input tensor's size at "
      r"dimension 0\), but got split_sizes=\[1, 1\]")),
    ("split_sizes_long", lambda T: T.split(T.ones(2, 3), [2, 2], 1), R,
     r"sum exactly to 3 .*split_sizes=\[2, 2\]"),
    ("split_size_zero", lambda T: T.ones(3).split(0), R,
     r"split_size can only be 0 if dimension size is 0, but got dimension size of 3"),
    ("split_size_negative", lambda T: T.ones(3).split(-1), R,
     r"split expects split_size be non-negative, but got split_size=-1"),
    ("chunk_zero", lambda T: T.ones(3).chunk(0), R,
     r"chunk expects `chunks` to be greater than 0, got: 0"),
    ("expand_minus_one_leading", lambda T: T.ones(3).expand(-1, 3), R,
     (r"The expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing "
      r"dimension 0")),
    ("where_float_condition",
     lambda T: T.where(T.tensor([1.0, 0.0]), T.ones(2), T.zeros(2)), R,
     r"where expected condition to be a boolean tensor, but got a tensor with dtype Float"),
    ("where_long_condition",
     lambda T: T.where(T.tensor([1, 0]), T.ones(2), T.zeros(2)), R,
     r"but got a tensor with dtype Long"),
    ("outer_2d_self", lambda T: T.outer(T.ones(2, 2), T.ones(2)), R,
     r"outer: Expected 1-D argument self, but got 2-D"),
    ("outer_2d_vec2", lambda T: T.ones(2).outer(T.ones(2, 1)), R,
     r"outer: Expected 1-D argument vec2, but got 2-D"),
    ("flip_duplicate_dim", lambda T: T.ones(3, 2).flip(0, 0), R,
     r"dim 0 appears multiple times in the list of dims"),
    ("ce_label_smoothing_above_1",
     lambda T: T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 1]), label_smoothing=1.5),
     R, r"label_smoothing must be between 0\.0 and 1\.0\. Got: 1\.5"),
    ("view_dtype_strided", lambda T: T.ones(2, 3).t().view(T.int16), R,
     (r"self\.stride\(-1\) must be 1 to view Float as Short \(different element sizes\), "
      r"but got 3")),
    ("view_dtype_odd_size", lambda T: T.ones(3, dtype=T.int8).view(T.int16), R,
     r"self\.size\(-1\) must be divisible by 2 to view Char as Short"),
    ("view_dtype_scalar", lambda T: T.tensor(1.0).view(T.int16), R,
     r"self\.dim\(\) cannot be 0 to view Float as Short"),
    ("zeros_negative", lambda T: T.zeros(2, -3), R,           # (NumPy's ValueError before)
     r"negative dimension -3|Dimension size must be non-negative"),
    ("randn_negative", lambda T: T.randn(3, -1), R,
     r"Trying to create tensor with negative dimension -1: \[3, -1\]"),
    ("full_negative", lambda T: T.full((-1,), 2.0), R,
     r"Trying to create tensor with negative dimension -1: \[-1\]"),
    ("new_zeros_negative", lambda T: T.ones(3).new_zeros(-1), R,
     r"Trying to create tensor with negative dimension -1: \[-1\]"),
    ("randint_low_high", lambda T: T.randint(5, 2, (3,)), R,
     r"random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    ("eye_negative", lambda T: T.eye(-1), R, r"n must be greater or equal to 0, got -1"),
    ("interpolate_2d_input", lambda T: T.nn.functional.interpolate(T.ones(3, 3), size=2),
     NotImplementedError, r"Only 3D, 4D and 5D input Tensors supported \(got 2D\)"),
    ("interpolate_negative_size",
     lambda T: T.nn.functional.interpolate(T.ones(1, 1, 3, 3), size=(-1, 2)), R,
     (r"Input and output sizes should be greater than 0, but got input \(H: 3, W: 3\) output "
      r"\(H: -1, W: 2\)")),
    ("interpolate_zero_size_1d", lambda T: T.nn.functional.interpolate(T.ones(1, 1, 3), size=0),
     R, r"but got input \(W: 3\) and output \(W: 0\)"),
    ("narrow_past_the_end", lambda T: T.ones(3).narrow(0, 2, 2), R,     # (was IndexError)
     r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)\."),
    ("narrow_negative_length", lambda T: T.ones(3).narrow(0, 0, -1), R,
     r"narrow\(\): length must be non-negative\."),
    ("narrow_start_out_of_range", lambda T: T.ones(3).narrow(0, -4, 1), IndexError,
     r"start out of range \(expected to be in range of \[-3, 3\], but got -4\)"),
    ("tensor_int_2**63", lambda T: T.tensor([2**63]), ValueError,
     r"Overflow when unpacking long long"),          # (was wrapped to -2**63)
    ("tensor_int_2**64", lambda T: T.tensor([[2**64]]), ValueError,
     r"Overflow when unpacking long long"),
    ("tensor_int_below_-2**63", lambda T: T.tensor(-2**63 - 1), ValueError,
     r"Overflow when unpacking long long"),
]
INPLACE = [
    ("mul_float_into_long", lambda t: t.mul_(1.5), "int64",
     r"result type Float can't be cast to the desired output type Long"),
    ("div_into_long", lambda t: t.div_(2), "int64",
     r"result type Float can't be cast to the desired output type Long"),
    ("sqrt_into_long", lambda t: t.sqrt_(), "int64",
     r"result type Float can't be cast to the desired output type Long"),
    ("add_long_into_bool", lambda t: t.add_(1), "bool",
     r"result type Long can't be cast to the desired output type Bool"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_as_pytorch(case):
    _, fn, exc, pattern = case
    for T in (dl, torch):
        with pytest.raises(exc, match=pattern):
            fn(T)


@pytest.mark.parametrize("case", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_result_that_cannot_be_cast_changes_nothing(case):
    _, fn, dtype, pattern = case
    for T in (dl, torch):
        t = T.tensor([3, 0, 5]).to(getattr(T, dtype))
        before, version = t.numpy().copy(), t._version
        with pytest.raises(RuntimeError, match=pattern):
            fn(t)
        np.testing.assert_array_equal(t.numpy(), before)
        assert t._version == version


def test_allowed_inplace_casts_still_work():
    for T in (dl, torch):
        a = T.tensor([1, 2], dtype=T.int32)
        a.add_(T.tensor([1, 1], dtype=T.int64))        # Long into Int: same category
        b = T.ones(2)
        b.add_(T.ones(2, dtype=T.float64))             # Double into Float
        np.testing.assert_array_equal(a.numpy(), [2, 3])
        np.testing.assert_array_equal(b.numpy(), [2, 2])


def test_split_and_chunk_edges_as_pytorch():
    for T in (dl, torch):
        assert [t.shape[0] for t in T.ones(5).split(2)] == [2, 2, 1]
        assert [t.shape[0] for t in T.ones(0).split(2)] == [0]
        assert [t.shape[0] for t in T.ones(0).split(0)] == [0]
        assert [t.shape[0] for t in T.ones(5).split([0, 5])] == [0, 5]


@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int32", "bool"),
                                    ("float16", "float64"), ("int8", "uint8")])
def test_cat_promotes_as_pytorch(dtypes):
    got = [T.cat([T.ones(2, dtype=getattr(T, d)) for d in dtypes]).dtype for T in (dl, torch)]
    assert str(got[0]) == str(got[1])


def test_cat_promotion_keeps_the_gradient():
    x = dl.ones(2, requires_grad=True)
    y = dl.cat([x, dl.tensor([2, 3])])
    assert y.dtype == dl.float32
    (y * dl.arange(4.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1])


@pytest.mark.parametrize("row", [[-INF, -INF], [INF, 1.0], [-INF, 2.0], [1.0, 2.0]])
def test_logsumexp_of_infinite_rows(row):
    want = torch.logsumexp(torch.tensor(row), 0).item()
    assert np.array_equal(dl.logsumexp(dl.tensor(row), 0).item(), want, equal_nan=False)


def test_logsumexp_gradient_unchanged_at_finite_rows():
    x = dl.tensor([[1.0, 2.0], [3.0, -INF]], requires_grad=True)
    dl.logsumexp(x, 1).sum().backward()
    r = torch.tensor([[1.0, 2.0], [3.0, -INF]], requires_grad=True)
    torch.logsumexp(r, 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy(), rtol=1e-6)


def test_static_reduce_logsumexp_of_minus_inf_row():
    import dlcore_static as tf
    with tf.Graph().as_default():
        y = tf.reduce_logsumexp(tf.constant([[-INF, -INF], [1.0, 2.0]]), 1)
        got = tf.Session().run(y)
    assert got[0] == -INF and abs(got[1] - np.logaddexp(1.0, 2.0)) < 1e-6


def test_flip_forms_as_pytorch():
    for T in (dl, torch):
        x = T.arange(6.0).reshape(2, 3)
        np.testing.assert_array_equal(x.flip(0, 1).numpy(), x.numpy()[::-1, ::-1])
        np.testing.assert_array_equal(T.flip(x, [1]).numpy(), x.numpy()[:, ::-1])
        np.testing.assert_array_equal(T.flip(x, dims=(0,)).numpy(), x.numpy()[::-1])


@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int32", "bool")])
def test_stack_promotes_as_pytorch(dtypes):
    got = [T.stack([T.ones(2, dtype=getattr(T, d)) for d in dtypes]).dtype for T in (dl, torch)]
    assert str(got[0]) == str(got[1])


def test_std_and_var_without_degrees_of_freedom_are_nan():
    # (they raised AttributeError: var's max(dof, 0) called the module's own Tensor max)
    import warnings
    for T in (dl, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert np.isnan(T.ones(1).std().item())
            assert np.isnan(T.ones(3, 1).var(1).numpy()).all()
            assert np.isnan(T.tensor([1.0, 3.0]).var(correction=2).item()) == \
                np.isnan(torch.tensor([1.0, 3.0]).var(correction=2).item())


def test_view_dtype_reinterprets_the_bytes_as_pytorch():
    # (it cast the values: ones(2, 3).view(int16) was [[1, 1, 1], ...], not 0/16256 halves)
    for T in (dl, torch):
        x = T.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -0.0]])
        np.testing.assert_array_equal(x.view(T.int16).numpy(), x.numpy().view(np.int16))
        np.testing.assert_array_equal(x.view(T.int32).numpy(), x.numpy().view(np.int32))
        np.testing.assert_array_equal(T.ones(4, dtype=T.int8).view(T.int16).numpy(), [257, 257])
        y = T.zeros(2)
        y.view(T.int32)[0] = 1065353216               # shares memory: y[0] becomes 1.0
        assert y.tolist() == [1.0, 0.0]


def test_randint_high_and_size_positional_as_pytorch():
    # (randint(3, (2,)) raised TypeError: the size was read as ``high``)
    for T in (dl, torch):
        x = T.randint(3, (2, 4))
        assert tuple(x.shape) == (2, 4) and x.dtype == T.int64
        assert 0 <= int(x.min()) and int(x.max()) < 3


@pytest.mark.parametrize("fn", [
    lambda T: T.gather(T.ones(2, 3), 1, T.tensor([[0, 3], [0, 1]])),
    lambda T: T.zeros(2, 3).scatter_add(1, T.tensor([[5]]), T.ones(1, 1)),
    lambda T: T.zeros(2, 3).index_add(0, T.tensor([2]), T.ones(1, 3))],
    ids=["gather", "scatter_add", "index_add"])
def test_gather_scatter_index_out_of_bounds_is_a_runtime_error_as_pytorch(fn):
    # (dlcore raised a plain IndexError: PyTorch code catching RuntimeError missed it; since
    # 98f1ae5 gather/scatter_add raise PyTorch's plain RuntimeError)
    for T in (dl, torch):
        with pytest.raises(RuntimeError, match=r"index \d is out of bounds for dimension"):
            fn(T)


def test_static_gather_out_of_bounds_is_still_invalid_argument():
    import dlcore_static as tf
    with tf.Graph().as_default():
        y = tf.gather(tf.constant([1.0, 2.0, 3.0]), tf.constant([3]))
        # TensorFlow's words (dlcore_static/_index_checks.py)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=re.escape("indices[0] = 3 is not in [0, 3)")):
            tf.Session().run(y)
