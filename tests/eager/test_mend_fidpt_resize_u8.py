"""uint8 ``interpolate`` (rv-fid item 4, mend-fidpt): PyTorch's separable uint8 kernels
(int16 fixed-point weights, width pass then height pass, each rounded and clipped to uint8),
compared bit for bit with torch 2.13."""

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [
    {"size": (16, 20)}, {"size": (45, 71)}, {"size": (32, 17)}, {"size": (7, 40)},
    {"size": (32, 40)}, {"scale_factor": 0.5}, {"scale_factor": 1.7},
    {"scale_factor": (0.5, 2.0)}, {"scale_factor": 1.3, "recompute_scale_factor": True},
]


@pytest.mark.parametrize("channels", [3, 5])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("align_corners", [False, True])
def test_uint8_interpolate_bit_exact(channels, mode, antialias, align_corners):
    rng = np.random.default_rng(channels)
    a = rng.integers(0, 256, (2, channels, 32, 40), dtype=np.uint8)
    for kw in CASES:
        kw = {**kw, "mode": mode, "antialias": antialias, "align_corners": align_corners}
        want = torch.nn.functional.interpolate(torch.tensor(a), **kw)
        got = dl.nn.functional.interpolate(dl.tensor(a), **kw)
        assert got.dtype == dl.uint8 and tuple(got.shape) == tuple(want.shape), kw
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=str(kw))


def test_uint8_extremes_saturate_as_torch():
    a = np.zeros((1, 3, 8, 8), np.uint8)
    a[..., ::2, ::2] = 255                  # (bicubic overshoots: clipped after each pass)
    for mode in ("bilinear", "bicubic"):
        want = torch.nn.functional.interpolate(torch.tensor(a), size=(13, 5), mode=mode)
        got = dl.nn.functional.interpolate(dl.tensor(a), size=(13, 5), mode=mode)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_uint8_errors_as_float_path():
    x = dl.zeros(1, 3, 4, 4, dtype=dl.uint8)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        dl.nn.functional.interpolate(x, size=2, scale_factor=2., mode="bilinear")
