"""int8, uint8 and int16 tensors (issue 13): creation, PyTorch's promotion, wrap-around
arithmetic, casts (.byte(), .char(), .short()), reductions to int64, printing, iinfo."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

CASES = {
    "uint8 + int8 -> int16": lambda m: m.tensor([200, 100], dtype=m.uint8) +
    m.tensor([-3, 5], dtype=m.int8),
    "uint8 * 2 wraps": lambda m: m.tensor([200, 100], dtype=m.uint8) * 2,
    "int8 + float scalar": lambda m: m.tensor([1, -2], dtype=m.int8) + 1.5,
    "int16 + int64 tensor": lambda m: m.tensor([1, 2], dtype=m.int16) + m.tensor([3, 4]),
    "uint8 sum -> int64": lambda m: m.tensor([200, 100], dtype=m.uint8).sum(),
    "int16 cumsum -> int64": lambda m: m.tensor([1, 2, 3], dtype=m.int16).cumsum(0),
    "byte()": lambda m: m.tensor([1.7, 2.2, 255.0]).byte(),
    "char()": lambda m: m.tensor([1.7, -2.2]).char(),
    "short()": lambda m: m.tensor([300.0, -7.9]).short(),
    "int8 compare": lambda m: m.tensor([1, -2], dtype=m.int8) > 0,
    "int16 floor_divide": lambda m: m.tensor([7, -7], dtype=m.int16) // 2,
    "uint8 to float": lambda m: m.tensor([3, 4], dtype=m.uint8).float() / 2,
    "int8 bitwise": lambda m: m.tensor([5, -6], dtype=m.int8) & m.tensor([3, 3],
                                                                         dtype=m.int8),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    got, want = CASES[name](dt), CASES[name](torch)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if "dtype=" in repr(want):
        assert f"dtype={want.dtype}" in repr(got), (repr(got), repr(want))


def test_iinfo_and_names():
    assert dt.iinfo(dt.uint8).max == 255 and dt.iinfo(dt.int8).min == -128
    assert dt.short is dt.int16
    assert repr(dt.tensor([1, 2], dtype=dt.int8)) == "tensor([1, 2], dtype=torch.int8)"
