"""``Classifier.epoch_batches``: every epoch's minibatches are made on the first call (the cache
is shared by the engines, so a batch made on first use was charged to whichever engine reached
that epoch first, inside its timed run), and they are what the per-epoch seeds give."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.workloads.classifier import Classifier


def test_first_call_makes_every_epoch_and_later_calls_make_none(monkeypatch):
    pytest.importorskip("sklearn")
    wl = Classifier("digits", "train", "digits", max_epochs=5)
    made: list = []
    real = Classifier._make_epoch

    def spy(self, epoch):
        made.append(epoch)
        return real(self, epoch)
    monkeypatch.setattr(Classifier, "_make_epoch", spy)
    first = wl.epoch_batches(0)
    assert made == [0, 1, 2, 3, 4]
    for e in range(5):
        assert wl.epoch_batches(e) is wl.epoch_batches(e)
    assert made == [0, 1, 2, 3, 4]
    assert wl.epoch_batches(7) is not None and made == [0, 1, 2, 3, 4, 7]
    # the batches themselves: the epoch's permutation of the training rows, drop_last
    d = wl.data
    n = len(d["x_train"]) // wl.batch
    order = np.random.default_rng(wl.seed + 100).permutation(len(d["x_train"]))
    assert len(first) == n
    for k, (x, y) in enumerate(first):
        idx = order[k * wl.batch:(k + 1) * wl.batch]
        assert x.flags.c_contiguous and x.dtype == np.float32 and x.shape == (wl.batch, 64)
        np.testing.assert_array_equal(x, d["x_train"][idx])
        np.testing.assert_array_equal(y, d["y_train"][idx])
    # a later epoch has another order
    assert not np.array_equal(wl.epoch_batches(1)[0][0], first[0][0])
