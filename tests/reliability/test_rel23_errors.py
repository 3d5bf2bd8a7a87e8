"""rel23: bad input to everyday layers gets PyTorch's error, not an internal one.

* ``adaptive_avg_pool{1,2,3}d`` of an input with an empty spatial dimension raised Python's
  ``ZeroDivisionError: float division by zero`` from building the averaging matrix; PyTorch
  2.13 raises a RuntimeError naming the sizes and the empty dimension (1-d pooled as 2-d)."""

from __future__ import annotations

import pytest

import dlcore_eager as dl

F = dl.nn.functional


HEAD = ("(): Expected input to have non-zero size for non-batch dimensions, but input has "
        "sizes ")


@pytest.mark.parametrize("fn, shape, words", [
    (F.adaptive_avg_pool1d, (1, 3, 0), "adaptive_avg_pool2d" + HEAD + "[1, 3, 1, 0] with "
                                       "dimension 3 being empty"),
    (F.adaptive_avg_pool1d, (3, 0), "adaptive_avg_pool2d" + HEAD + "[3, 1, 0] with dimension 2 "
                                    "being empty"),
    (F.adaptive_avg_pool2d, (1, 3, 0, 4), "adaptive_avg_pool2d" + HEAD + "[1, 3, 0, 4] with "
                                          "dimension 2 being empty"),
    (F.adaptive_avg_pool2d, (3, 4, 0), "adaptive_avg_pool2d" + HEAD + "[3, 4, 0] with "
                                       "dimension 2 being empty"),
    (F.adaptive_avg_pool3d, (1, 3, 2, 0, 4), "adaptive_avg_pool3d" + HEAD + "[1, 3, 2, 0, 4] "
                                             "with dimension 3 being empty"),
    (F.adaptive_avg_pool3d, (3, 2, 0, 4), "adaptive_avg_pool3d" + HEAD + "[3, 2, 0, 4] with "
                                          "dimension 2 being empty"),
    (dl.nn.AdaptiveAvgPool2d(2), (2, 3, 5, 0), "adaptive_avg_pool2d" + HEAD + "[2, 3, 5, 0] "
                                               "with dimension 3 being empty")])
def test_adaptive_avg_pool_of_an_empty_spatial_dim_is_refused_as_torch(fn, shape, words):
    with pytest.raises(RuntimeError) as info:
        fn(dl.randn(*shape), 2) if not isinstance(fn, dl.nn.Module) else fn(dl.randn(*shape))
    assert str(info.value) == words


def test_adaptive_avg_pool_of_an_empty_batch_or_channel_dim_still_computes():
    assert tuple(F.adaptive_avg_pool2d(dl.randn(0, 3, 2, 4), 2).shape) == (0, 3, 2, 2)
    assert tuple(F.adaptive_avg_pool2d(dl.randn(1, 0, 2, 4), 2).shape) == (1, 0, 2, 2)
    for fn, shape, out in ((F.adaptive_avg_pool1d, (3, 0), 1), (F.adaptive_avg_pool1d, (1, 2, 0), (1,)),
                           (F.adaptive_avg_pool2d, (1, 3, 0, 4), 1),
                           (F.adaptive_avg_pool3d, (2, 0, 4, 1), (1, 1, 1))):
        y = fn(dl.zeros(*shape), out)              # (PyTorch's mean of nothing)
        assert y.shape[-1] == 1 and bool(y.isnan().all())
