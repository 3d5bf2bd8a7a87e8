"""The sequence workloads (LSTM LM step, variable-length LSTM, recursive net over trees) run on
PyTorch, dlcore_eager and dlcore_static (with and without passes) from the same arrays and
agree on the first loss; a few steps of SGD lower it.  Toy shapes; no timing asserted."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.engines import _tf1_programs, _torch_programs
from benchmarks.workloads.sequence import LSTMLanguageModel, VariableLength
from benchmarks.workloads.trees import TreeRNN

torch = pytest.importorskip("torch")

TINY = [LSTMLanguageModel("lm", "sequence", "lm", B=2, T=3, V=11, H=4),
        VariableLength("var", "sequence", "var", N=3, D=2, H=3, min_len=1, max_len=4, lr=0.5),
        TreeRNN("tree", "sequence", "tree", trees=2, min_leaves=2, max_leaves=5, V=10, H=3,
                batches=1, lr=0.5),
        TreeRNN("tree_graph_per_batch", "sequence", "tree", trees=2, min_leaves=2,
                max_leaves=5, V=10, H=3, batches=1, lr=0.5, static_program="graph_per_batch")]


def _engines():
    import dlcore_eager
    import dlcore_static as tf
    yield "torch", lambda wl: _torch_programs.setup(torch, wl, "cpu")
    yield "dlcore_eager", lambda wl: _torch_programs.setup(dlcore_eager, wl, "cpu")
    for passes in (None, "all"):
        yield f"dlcore_static[{passes}]", lambda wl, p=passes: _tf1_programs.setup(
            tf, wl, "cpu", lambda m, g: m.Session(graph=g, passes=p))


@pytest.mark.parametrize("wl", TINY, ids=[w.name for w in TINY])
def test_engines_agree_on_the_first_loss_and_train(wl):
    firsts, lasts = {}, {}
    for name, setup in _engines():
        prepared = setup(wl)
        losses = [prepared.step() for _ in range(4)]
        firsts[name], lasts[name] = losses[0], losses[-1]
        assert np.isfinite(losses).all(), name
    ref = firsts["torch"]
    for name, first in firsts.items():
        np.testing.assert_allclose(first, ref, rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(lasts[name], lasts["torch"], rtol=1e-3, err_msg=name)
    assert lasts["torch"] < ref
