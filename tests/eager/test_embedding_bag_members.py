"""F.embedding_bag's bags read without a loop over them (``embedding_bag._members``) against
PyTorch on random bag layouts: empty bags, a last offset that closes the list, padding_idx,
every mode, per-sample weights; values and weight gradients."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_random_bags_match_torch(seed, mode):
    rng = np.random.default_rng(seed)
    n, d, total = 12, 5, int(rng.integers(0, 30))
    idx = rng.integers(0, n, total)
    cuts = np.sort(rng.integers(0, total + 1, int(rng.integers(1, 8))))
    offsets = np.concatenate([[0], cuts]).astype(np.int64)
    last = bool(seed % 2)
    pad = int(idx[0]) if total and seed % 3 == 0 else None
    w = rng.standard_normal((n, d))
    psw = rng.standard_normal(total) if mode == "sum" and seed % 2 == 0 else None
    outs = []
    for T in (dt, torch):
        wt = T.tensor(w, requires_grad=True)
        y = T.nn.functional.embedding_bag(
            T.tensor(idx), wt, T.tensor(offsets), mode=mode, include_last_offset=last,
            padding_idx=pad, per_sample_weights=None if psw is None else T.tensor(psw))
        (y * T.tensor(np.arange(y.numel()).reshape(tuple(y.shape)) % 3 - 1.0)).sum().backward()
        outs.append((y.detach().numpy(), wt.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-14, atol=1e-15)


def test_2d_input_bags_match_torch():
    rng = np.random.default_rng(9)
    idx, w = rng.integers(0, 20, (64, 10)), rng.standard_normal((20, 8)).astype(np.float32)
    for mode in ("sum", "mean", "max"):
        got = dt.nn.functional.embedding_bag(dt.tensor(idx), dt.tensor(w), mode=mode)
        want = torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w), mode=mode)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
