"""rel23's probe of state loading against PyTorch 2.13.

* A batch-norm layer's ``num_batches_tracked`` missing from a plain state dict (no version
  metadata: a safetensors file's, a pre-0.4.1 checkpoint's; converters often drop the count)
  was a "Missing key(s)" error; PyTorch's ``_NormBase._load_from_state_dict`` keeps the
  layer's count for a state dict without version 2 metadata for the layer."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import dlcore_eager as dl


def _model():
    m = dl.nn.Sequential(dl.nn.Linear(2, 3), dl.nn.BatchNorm1d(3),
                         dl.nn.InstanceNorm1d(3, track_running_stats=True),
                         dl.nn.BatchNorm1d(3, track_running_stats=False))
    m[1].num_batches_tracked.fill_(5)
    return m


def _without_counts(m):
    return {k: v.clone() + 1 for k, v in m.state_dict().items() if "num_batches" not in k}


def test_plain_state_dict_without_the_count_loads_and_keeps_it():
    m = _model()
    sd = _without_counts(m)
    given = dict(sd)
    assert str(m.load_state_dict(sd)) == "<All keys matched successfully>"
    assert sd == given                                     # (the caller's dict untouched)
    assert m[1].num_batches_tracked.item() == 5 and m[2].num_batches_tracked.item() == 0
    np.testing.assert_array_equal(m[1].running_var.numpy(), [2.0, 2.0, 2.0])
    b = dl.nn.BatchNorm2d(3)
    b.load_state_dict({"weight": dl.ones(3), "bias": dl.zeros(3), "running_mean": dl.zeros(3),
                       "running_var": dl.ones(3)})
    assert b.num_batches_tracked.item() == 0


def test_versioned_state_dict_without_the_count_is_still_refused():
    m = _model()
    sd = OrderedDict(_without_counts(m))
    sd._metadata = {"1": {"version": 2}}                   # type: ignore[attr-defined]
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: '
                                           r'"1\.num_batches_tracked"\. $'):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():                    # (validate-then-apply: unchanged)
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    assert m.load_state_dict(sd, strict=False).missing_keys == ["1.num_batches_tracked"]


def test_count_default_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (dl, torch):
        m = lib.nn.Sequential(lib.nn.BatchNorm1d(3), lib.nn.BatchNorm1d(3, momentum=None))
        m[1].num_batches_tracked.fill_(3)
        sd = {k: v for k, v in m.state_dict().items() if k != "1.num_batches_tracked"}
        r = m.load_state_dict(dict(sd, extra=lib.ones(1)), strict=False)
        assert (r.missing_keys, r.unexpected_keys) == ([], ["extra"])
        assert m[1].num_batches_tracked.item() == 3
