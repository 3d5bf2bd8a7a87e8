"""Average pooling of integer tensors as PyTorch 2.13 on the CPU: int64 averaged in integer
arithmetic (each window's sum over its divisor, truncated toward zero: padding, ceil_mode,
count_include_pad and divisor_override as for floats), other integer types and bool refused
with the kernel's name; adaptive average pooling of integers refused (an all-ones output size
is a mean, with mean()'s message).  Values, dtypes and errors against real torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.nn.functional as DF

torch = pytest.importorskip("torch")
import torch.nn.functional as TF

EXPRS = [
    "F.avg_pool2d(x, 2)", "F.avg_pool2d(x, 3, 2, 1)",
    "F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)", "F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)",
    "F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)",
    "F.avg_pool2d(x, 2, divisor_override=3)",
    "F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), divisor_override=-4)",
    "F.avg_pool1d(x[0], 3, 2, 1)", "F.avg_pool1d(x[0], 2, ceil_mode=True)",
    "F.avg_pool3d(x[None], (1, 3, 2), padding=(0, 1, 1))", "F.avg_pool2d(x[0], 2)",
    "lib.nn.AvgPool2d(3, 2, 1)(x)", "F.adaptive_avg_pool2d(x, 1)",
    "F.adaptive_avg_pool2d(x, (2, 3))", "F.adaptive_avg_pool1d(x[0], 1)",
    "F.adaptive_avg_pool1d(x[0], 2)", "F.adaptive_avg_pool3d(x[None], 1)",
    "F.adaptive_avg_pool3d(x[None], 2)", "F.adaptive_avg_pool2d(x, (1, None))",
    "lib.nn.AdaptiveAvgPool2d(1)(x)",
]


def _run(lib, F, arr, expr):
    x = lib.from_numpy(arr.copy())
    try:
        r = eval(expr, {"F": F, "lib": lib, "x": x})
    except Exception as e:                      # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e)
    return "value", str(r.dtype).split(".")[-1], np.asarray(r.tolist())


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "bool"])
def test_integer_average_pooling_is_torchs(dtype):
    a = np.random.default_rng(0).integers(-50, 50, (2, 2, 7, 6))
    arr = (np.abs(a) if dtype in ("uint8", "bool") else a).astype(dtype)
    for expr in EXPRS:
        want, got = _run(torch, TF, arr, expr), _run(dl, DF, arr, expr)
        assert want[:2] == got[:2], (expr, want, got)
        if want[0] == "value":
            np.testing.assert_array_equal(got[2], want[2], err_msg=expr)


def test_float_average_pooling_unchanged():
    a = np.random.default_rng(1).standard_normal((1, 2, 5, 5)).astype(np.float32)
    for expr in ("F.avg_pool2d(x, 3, 2, 1)", "F.avg_pool2d(x, 2, divisor_override=3)"):
        want, got = _run(torch, TF, a, expr), _run(dl, DF, a, expr)
        np.testing.assert_allclose(got[2], want[2], rtol=1e-6, atol=1e-6)
