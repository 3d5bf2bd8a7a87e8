"""reliab21's probe of the eager front end against PyTorch 2.13: what used to be silently wrong.

* ``torch.histc`` of data whose range is one large value (``[9e15]``, ``[1e30, 1e30]``): the
  widened range ``[v - 1, v + 1]`` rounds back to ``[v, v]``, and the bin index was 0 / 0
  (NumPy's "'list' argument must have no negative elements"); PyTorch counts them in the
  middle bin (smaller values keep PyTorch's arithmetic, which rounds some below it).
* a range that is not finite (NaN or inf data, or such a ``min``/``max``) gave a histogram
  (``histc(min=0, max=inf)``: every value in bin 0); PyTorch refuses it."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

CASES = [([9e15], 3, [0, 1, 0]), ([9e15, 9e15], 1, [2]), ([1e30, 1e30], 4, [0, 0, 2, 0]),
         ([5.0], 3, [0, 1, 0]), ([-7.3] * 3, 7, [0, 0, 0, 3, 0, 0, 0])]
# PyTorch's arithmetic on the widened range [v - 1, v + 1] rounds some values below the middle
ROUNDED = [("float32", [3.645724] * 2, 2, [2, 0]), ("float32", [3.6908719539642334], 4, [0, 1, 0, 0])]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("data, bins, want", CASES)
def test_histc_of_one_repeated_value_fills_the_middle_bin_as_torch(data, bins, want, dtype):
    got = dl.tensor(data, dtype=getattr(dl, dtype)).histc(bins)
    assert got.dtype == getattr(dl, dtype)
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("dtype, data, bins, want", ROUNDED)
def test_histc_of_one_small_value_keeps_torchs_rounding(dtype, data, bins, want):
    got = dl.tensor(data, dtype=getattr(dl, dtype)).histc(bins)
    np.testing.assert_array_equal(got.numpy(), want)


def test_histc_of_one_repeated_value_as_torch_over_random_values():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(21)
    values = rng.randn(12) * 10.0 ** rng.randint(-3, 8, 12)
    for dtype in ("float32", "float64"):
        for v in values:
            for bins in (2, 4, 7):
                want = torch.tensor([v, v], dtype=getattr(torch, dtype)).histc(bins).numpy()
                got = dl.tensor([v, v], dtype=getattr(dl, dtype)).histc(bins).numpy()
                np.testing.assert_array_equal(got, want, err_msg=f"{dtype} {v!r} {bins}")


@pytest.mark.parametrize("data, lo, hi, words", [
    ([1.0, float("inf")], 0, 0, "[1, inf]"), ([1.0, float("nan")], 0, 0, "[nan, nan]"),
    ([1.0, 2.0], 0, float("inf"), "[0, inf]"), ([1.0, 2.0], 0, float("nan"), "[0, nan]"),
    ([1.0, 2.0], float("-inf"), 0, "[-inf, 0]")])
def test_histc_of_a_range_that_is_not_finite_is_refused_as_torch(data, lo, hi, words):
    with pytest.raises(RuntimeError, match=r"^torch\.histc: range of " + words.replace(
            "[", r"\[").replace("]", r"\]") + " is not finite$"):
        dl.tensor(data).histc(4, min=lo, max=hi)


def test_histc_ordinary_ranges_unchanged():
    x = dl.tensor([0.0, 1.0, 0.5, 0.25, 0.75, 1.0000001, -0.0, float("nan")])
    np.testing.assert_array_equal(x.histc(4, min=0, max=1).numpy(), [2, 1, 1, 2])
    np.testing.assert_array_equal(dl.ones(0).histc(2).numpy(), [0, 0])
    np.testing.assert_array_equal(dl.tensor([1.0, 2.0]).histc(4, min=1, max=1).numpy(),
                                  [1, 0, 0, 1])
