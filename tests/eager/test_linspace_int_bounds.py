"""Integer linspace/logspace bounds as PyTorch 2.13: a bound past the dtype's range is
refused with c10's overflow error (it wrapped to INT_MIN / 44 before), and a negative bound
of an unsigned dtype is converted (wrapped) before the steps are computed (review22 FE5)."""

from __future__ import annotations

import pytest

import dlcore_eager as D

REFUSED = [
    ("linspace", (0, 1e20, 3), "int32", "int"),
    ("linspace", (0, 3e9, 3), "int32", "int"),
    ("linspace", (0, 300, 3), "uint8", "uint8_t"),
    ("linspace", (-200, 5, 3), "int8", "int8_t"),
    ("linspace", (0, 1e20, 3), "int64", "int64_t"),
    ("logspace", (0, 1e20, 3), "int32", "int"),
    ("logspace", (0, 300, 2), "uint8", "uint8_t"),
]

# (values from torch 2.13)
VALUES = [
    ((-1, 5, 3), "uint8", [255, 130, 5]),
    ((-3, 250, 7), "uint8", [253, 252, 252, 251, 251, 250, 250]),
    ((-5, 5, 4), "int8", [-5, -1, 1, 5]),
    ((0.5, 7.9, 4), "int16", [0, 2, 4, 7]),
    ((0, 2 ** 40, 3), "int64", [0, 2 ** 39, 2 ** 40]),
    ((0, 1e20, 1), "int32", [0]),                    # one step: the end is never converted
]


@pytest.mark.parametrize("fn,args,dtype,cname", REFUSED)
def test_bounds_past_the_integer_range_are_refused(fn, args, dtype, cname):
    with pytest.raises(RuntimeError,
                       match=f"^value cannot be converted to type {cname} without overflow$"):
        getattr(D, fn)(*args, dtype=getattr(D, dtype))


@pytest.mark.parametrize("args,dtype,expected", VALUES)
def test_integer_values(args, dtype, expected):
    assert D.linspace(*args, dtype=getattr(D, dtype)).tolist() == expected


@pytest.mark.parametrize("args,dtype,expected", VALUES)
def test_integer_values_equal_torch(args, dtype, expected):
    torch = pytest.importorskip("torch")
    assert torch.linspace(*args, dtype=getattr(torch, dtype)).tolist() == expected
