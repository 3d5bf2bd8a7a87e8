"""A dim on a 0-d tensor, as PyTorch reads it: the scalar is a 1-element vector (dims 0 and -1)
and the results are 0-d (``dlcore_eager/_scalar_dims.py``).  These calls raised 'tuple index out
of range' from the shape rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as D

torch = pytest.importorskip("torch")

CASES = {
    "max": lambda m, x: m.max(x, 0), "min_keepdim": lambda m, x: m.min(x, -1, keepdim=True),
    "argmax": lambda m, x: m.argmax(x, 0), "argmin": lambda m, x: m.argmin(x, dim=0),
    "sort": lambda m, x: m.sort(x, 0, descending=True), "argsort": lambda m, x: m.argsort(x, 0),
    "topk": lambda m, x: m.topk(x, 1, 0), "var": lambda m, x: m.var(x, 0),
    "std_mean": lambda m, x: m.std_mean(x, 0), "cummax": lambda m, x: m.cummax(x, 0),
    "cummin": lambda m, x: m.cummin(x, -1), "gather": lambda m, x: m.gather(x, 0, m.tensor(0)),
    "index_select": lambda m, x: m.index_select(x, 0, m.tensor([0])),
    "method_max": lambda m, x: x.max(0), "method_topk": lambda m, x: x.topk(1),
}


def _parts(r):
    return [np.asarray(p.tolist()) for p in (r if isinstance(r, tuple) else (r,))], \
        [tuple(p.shape) for p in (r if isinstance(r, tuple) else (r,))]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_dim_on_a_scalar_as_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # var/std: degrees of freedom <= 0
        want = CASES[name](torch, torch.tensor(2.5))
        got = CASES[name](D, D.tensor(2.5))
    (gv, gs), (wv, ws) = _parts(got), _parts(want)
    assert gs == ws
    for g, w in zip(gv, wv):
        np.testing.assert_array_equal(g, w)


def test_the_gradient_reaches_the_scalar_and_a_bad_dim_is_torchs_error():
    x = D.tensor(2.5, requires_grad=True)
    values, _ = D.max(x, 0)
    (values * 3).backward()
    assert x.grad.shape == () and float(x.grad) == 3.0
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 5"):
        D.max(D.tensor(2.5), 5)
