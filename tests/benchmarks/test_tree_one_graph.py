"""The tree workload's one-graph TF1 program (trees fed as arrays, a ``tf.while_loop`` over the
nodes reading and writing a ``tf.TensorArray``) gives the loss and gradients of the recursive
eager program, on dlcore_static with and without passes, against real PyTorch and dlcore_eager.
Tiny trees; no timing asserted."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.engines.dlcore_static import measured_session
from benchmarks.workloads.trees import TreeRNN, forest

torch = pytest.importorskip("torch")

WL = TreeRNN("tree", "sequence", "tree", trees=3, min_leaves=1, max_leaves=5, V=12, H=4,
             batches=3, lr=0.5)
NAMES = ("E", "W", "b", "w_out")


def _eager(module, batch):
    p = {k: module.from_numpy(v.copy()).requires_grad_(True) for k, v in WL.arrays.items()}
    loss = WL.torch_loss(module, p, batch)
    loss.backward()
    return float(loss.item()), [np.zeros(WL.arrays[k].shape) if p[k].grad is None  # unused
                                else p[k].grad.numpy() for k in NAMES]


@pytest.mark.parametrize("passes", ["none", "all"])
def test_one_graph_loss_and_gradients_match_the_recursive_programs(passes):
    import dlcore_eager
    import dlcore_static as tf

    g = tf.Graph()
    with g.as_default():
        prog = WL.tf1_graph(tf)
        init = tf.global_variables_initializer()
    # (the benchmark's Session: compiled from the second run on; a Session's default waits
    # for the run by which its runs are expected to have paid for a compilation, issue 19)
    with measured_session(tf, passes, graph=g) as sess:
        sess.run(init)
        for i, batch in enumerate(WL.data):     # three forests (the last: leaves only, the
                                                # loop runs 0 times), one plan (padded feeds)
            for _ in range(2):                  # with passes: the second run is compiled
                out = sess.run([prog["loss"]] + prog["grads"], prog["feed"](i))
            for module in (torch, dlcore_eager):
                loss, grads = _eager(module, batch)
                np.testing.assert_allclose(out[0], loss, rtol=1e-5, err_msg=module.__name__)
                for name, got, want in zip(NAMES, out[1:], grads):
                    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6,
                                               err_msg=f"{module.__name__} d{name}")
        if passes == "all":     # the loop and its gradient: compiled, no node left to Python
            from dlcore_static import compiler
            fetches = [prog["loss"]] + prog["grads"]
            control = compiler.explain(sess, fetches, prog["feed"](0)).codegen["control"]
            assert sorted(s.type for s in control.values()) == ["While", "WhileGrad"]
            for status in control.values():
                assert status.compiled and status.left_to_python == [], status


def test_forest_numbers_nodes_bottom_up_leaves_first():
    batch = [(((3, 4), 5), np.float32(1.0)), (7, np.float32(-2.0))]
    f = forest(batch, 9, 6)
    assert f["leaf_word"].tolist() == [3, 4, 5, 7, 0, 0]
    assert f["leaf_slot"].tolist() == [0, 1, 2, 3, 6, 7]    # padding: past n_nodes, distinct
    assert (int(f["n_leaves"]), int(f["n_nodes"])) == (4, 6)
    assert f["left"][4:6].tolist() == [0, 4] and f["right"][4:6].tolist() == [1, 2]
    assert f["roots"].tolist() == [5, 3]
    assert f["y"].tolist() == [[1.0], [-2.0]]
    with pytest.raises(ValueError, match=r"forest: 6 nodes \(4 leaves\) do not fit in 5 slots "
                                         r"with 6 leaf entries"):
        forest(batch, 5, 6)


def test_static_program_is_checked():
    with pytest.raises(ValueError, match="unknown static_program 'eager'"):
        TreeRNN("t", "s", "t", static_program="eager")
