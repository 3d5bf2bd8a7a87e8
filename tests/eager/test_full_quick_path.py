"""``torch.full(size, float)`` into the default float dtype takes a quick path
(``creation.full``): the same values and dtypes as the checked path and as PyTorch, and the
checked path's errors where the value does not fit."""

import math

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("value", [-math.inf, math.inf, math.nan, 0.1, -2.5e38, 1e300])
@pytest.mark.parametrize("size", [(3,), (2, 0, 4), ()])
def test_full_of_a_float_is_pytorchs(default, value, size):
    results = []
    for lib in (dt, torch):
        before = lib.get_default_dtype()
        lib.set_default_dtype(getattr(lib, default))
        try:
            results.append(lib.full(size, value))
        except RuntimeError as e:
            results.append(e)
        finally:
            lib.set_default_dtype(before)
    got, want = results
    if isinstance(want, RuntimeError):
        assert isinstance(got, RuntimeError) and str(got) == str(want)
        return
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_the_quick_path_leaves_the_rest_to_the_checked_path():
    assert dt.full((2,), 1.5, requires_grad=True).requires_grad
    assert dt.full([2], 1.5).dtype == dt.float32
    assert dt.full((2,), 3).dtype == dt.int64
    with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension"):
        dt.full((-1,), 0.5)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "bfloat16", "complex64"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "channels_last"])
def test_like_factories_are_pytorchs(name, dtype, layout):
    got = []
    for lib in (dt, torch):
        x = lib.zeros(2, 3, 4, 5, dtype=getattr(lib, dtype))
        if layout == "transposed":
            x = x.transpose(1, 3)
        elif layout == "channels_last":
            x = x.contiguous(memory_format=lib.channels_last)
        y = getattr(lib, name)(x)
        got.append((str(y.dtype), tuple(y.shape), y.stride(), y.requires_grad,
                    None if name == "empty_like" else y.float().numpy()))
    (dd, ds, dst, drg, dv), (td, ts, tst, trg, tv) = got
    assert (dd, ds, dst, drg) == (td, ts, tst, trg)
    if dv is not None:
        np.testing.assert_array_equal(dv, tv)
    assert type(dt.zeros_like(dt.nn.Parameter(dt.ones(2)))) is dt.Tensor
