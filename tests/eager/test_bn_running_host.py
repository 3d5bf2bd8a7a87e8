"""BatchNorm's training-mode bookkeeping written straight into buffers that own their memory
(dlcore_eager/nn/_bn_running.py ``own_host_buffer``): the same running statistics, batch
count and version counters as through copy_ and add_, a view of a statistic seeing the update,
and the in-place ops kept where the fast path does not apply."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager.nn import _bn_running as FC

torch = pytest.importorskip("torch")


def _run(momentum, fast, monkeypatch):
    if not fast:
        monkeypatch.setattr(FC, "own_host_buffer", lambda t: False)
    bn = dl.nn.BatchNorm2d(3, momentum=momentum)
    for i in range(3):
        bn(dl.tensor(np.random.default_rng(i).standard_normal((2, 3, 4, 4)).astype(np.float32)))
    monkeypatch.undo()
    return [(b.numpy().copy(), b._version) for b in bn.buffers()]


@pytest.mark.parametrize("momentum", [0.1, None])
def test_fast_path_as_the_in_place_ops(momentum, monkeypatch):
    fast, slow = _run(momentum, True, monkeypatch), _run(momentum, False, monkeypatch)
    for (a, va), (b, vb) in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
        assert va == vb


def test_values_as_torch_and_a_view_sees_the_update():
    a, b = dl.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    view, tview = a.running_mean[:2], b.running_mean[:2]
    before = view._version
    for i in range(2):
        x = np.random.default_rng(i).standard_normal((2, 3, 4, 4)).astype(np.float32)
        a(dl.tensor(x))
        b(torch.tensor(x))
    np.testing.assert_array_equal(a.running_mean.numpy(), b.running_mean.numpy())
    np.testing.assert_allclose(a.running_var.numpy(), b.running_var.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(view.numpy(), tview.numpy())
    assert view._version > before
    assert a.num_batches_tracked.item() == b.num_batches_tracked.item() == 2


def test_only_plain_host_buffers_take_it():
    bn = dl.nn.BatchNorm1d(2)
    assert FC.own_host_buffer(bn.running_mean)
    assert not FC.own_host_buffer(bn.weight)                     # requires grad
    assert not FC.own_host_buffer(bn.running_mean[:1])           # a view
    frozen = dl.zeros(2)
    frozen._buf.flags.writeable = False
    assert not FC.own_host_buffer(frozen)
