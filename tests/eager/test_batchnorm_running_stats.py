"""Batch norm's running statistics in the eager front end against real PyTorch at small
per-channel counts, where the unbiased variance (n / (n - 1)) PyTorch averages differs most from
the biased one it normalises with: float32, several steps of different batches, the module
forms (BatchNorm1d on 2-D and 3-D input, BatchNorm2d, momentum None = cumulative average) and
F.batch_norm with caller-owned running tensors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn as dnn
import dlcore_eager.nn.functional as DF

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.BatchNorm1d(3, momentum=0.3), (2, 3)),          # n = 2: factor 2
    (lambda nn: nn.BatchNorm1d(3, momentum=None), (3, 3, 2)),      # cumulative, n = 6
    (lambda nn: nn.BatchNorm2d(3, momentum=0.2), (2, 3, 1, 2)),    # n = 4
])
def test_module_running_statistics_match_torch(make, shape):
    ref, mine = make(torch.nn), make(dnn)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        np.testing.assert_allclose(_np(mine(dt.tensor(x))), _np(ref(torch.tensor(x))),
                                   rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(mine.running_mean), _np(ref.running_mean), rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_allclose(_np(mine.running_var), _np(ref.running_var), rtol=1e-6)
    assert int(mine.num_batches_tracked.item()) == int(ref.num_batches_tracked) == 3
    ref.eval()
    mine.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(_np(mine(dt.tensor(x))), _np(ref(torch.tensor(x))), rtol=1e-5,
                               atol=1e-6)


def test_functional_batch_norm_updates_the_callers_running_tensors_as_torch():
    rng = np.random.default_rng(1)
    rm0, rv0 = rng.standard_normal(4).astype(np.float32), rng.uniform(1, 2, 4).astype(np.float32)
    rm_t, rv_t = torch.tensor(rm0), torch.tensor(rv0)
    rm_d, rv_d = dt.tensor(rm0.copy()), dt.tensor(rv0.copy())
    xs = [rng.standard_normal((3, 4, 2)).astype(np.float32) for _ in range(2)]
    for x in xs:
        yt = torch.nn.functional.batch_norm(torch.tensor(x), rm_t, rv_t, training=True,
                                            momentum=0.25)
        yd = DF.batch_norm(dt.tensor(x), rm_d, rv_d, training=True, momentum=0.25)
        np.testing.assert_allclose(_np(yd), _np(yt), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(rm_d), rm_t.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(rv_d), rv_t.numpy(), rtol=1e-6)
    # the rule both follow: the unbiased variance (n = 6 values per channel) is averaged
    rm, rv = rm0.astype(np.float64), rv0.astype(np.float64)
    for x in xs:
        rm = 0.75 * rm + 0.25 * x.mean((0, 2))
        rv = 0.75 * rv + 0.25 * x.var((0, 2), ddof=1)
    np.testing.assert_allclose(_np(rm_d), rm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(rv_d), rv, rtol=1e-5)


def test_functional_batch_norm_momentum_must_be_a_number_as_in_torch():
    x = np.ones((3, 2), np.float32)
    with pytest.raises(TypeError) as want:
        torch.nn.functional.batch_norm(torch.tensor(x), torch.zeros(2), torch.ones(2),
                                       training=True, momentum=None)
    rm = dt.zeros(2)
    with pytest.raises(TypeError, match="argument 'momentum' .* must be float, not NoneType"):
        DF.batch_norm(dt.tensor(x), rm, dt.ones(2), training=True, momentum=None)
    assert "must be float, not NoneType" in str(want.value)
    np.testing.assert_array_equal(_np(rm), [0, 0])                 # nothing updated
