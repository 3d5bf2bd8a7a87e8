"""torch.set_printoptions as PyTorch 2.13's: precision, sci_mode (forced on or off, or None:
automatic), linewidth, threshold/edgeitems and the profiles (applied first, then the options
given) shape Tensor's repr, and NumPy's own print options are left alone.  dlcore set NumPy's
options and printed four decimals whatever the precision (tensor([1.2346]) for precision=2).
Every repr is compared with torch's."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

SETTINGS = [dict(), dict(precision=2), dict(sci_mode=False), dict(sci_mode=True),
            dict(precision=6, sci_mode=False), dict(linewidth=40),
            dict(threshold=10, edgeitems=2), dict(profile="short"),
            dict(profile="full", linewidth=120), dict(profile="short", precision=6)]


def _tensors(L):
    return [L.tensor([1.23456, -2.5]), L.tensor([1.23456e-5, 1.0]), L.tensor([1e9, 1.0]),
            L.tensor([3.0, 4.0]), L.arange(30.0) / 7, L.tensor([float("nan"), 1.5, float("inf")]),
            L.tensor([[1e-6, 2.0], [3.0, 4.0]], requires_grad=True),
            L.arange(60.0).view(6, 10), L.arange(12, dtype=L.int64)]


@pytest.fixture(autouse=True)
def _restore():
    yield
    for L in (torch, T):
        L.set_printoptions(profile="default")


@pytest.mark.parametrize("i", range(len(SETTINGS)))
def test_repr_under_printoptions_as_torch(i):
    out = []
    for L in (torch, T):
        L.set_printoptions(profile="default")
        L.set_printoptions(**SETTINGS[i])
        out.append([repr(x) for x in _tensors(L)])
    assert out[1] == out[0]


def test_numpy_print_options_untouched():
    before = np.get_printoptions()
    T.set_printoptions(precision=2, linewidth=40, threshold=5)
    assert np.get_printoptions() == before
    assert repr(T.tensor([1.23456])) == "tensor([1.23])"
