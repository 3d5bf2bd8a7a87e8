"""``einsum``'s plans (``dlcore/ops/einsum.py``): a call with an equation, shapes and dtypes
seen before replays the ops the first call made.  Every call's values and gradients are
PyTorch's, an operand repeated is told apart from two equal-shaped ones, a failing call leaves
no plan, and threads each get their own recording."""

import importlib
import threading

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")
_einsum = importlib.import_module("dlcore.ops.einsum")

EQUATIONS = [("bdn,bn->bd", [(2, 5, 3), (2, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
             ("ii->i", [(4, 4)]), ("i,j->ij", [(3,), (4,)]), ("...ij,...jk", [(2, 3, 4), (4, 2)]),
             ("bn,bn->b", [(3, 5), (3, 5)]), ("ij->", [(3, 4)]), ("ijk,jl->ikl", [(2, 3, 1),
                                                                                (3, 5)])]


def _run(lib, eq, shapes, seed):
    rng = np.random.default_rng(seed)
    xs = [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
          for s in shapes]
    y = lib.einsum(eq, *xs)
    (y * y).sum().backward()
    return y.detach().numpy(), [x.grad.numpy() for x in xs], y.grad_fn.name()


@pytest.mark.parametrize("eq,shapes", EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_every_call_is_torchs(eq, shapes):
    _einsum._PLANS.clear()
    for seed in range(3):                   # (the first records, the others replay)
        (yd, gd, nd), (yt, gt, nt) = _run(E, eq, shapes, seed), _run(torch, eq, shapes, seed)
        np.testing.assert_allclose(yd, yt, rtol=1e-5, atol=1e-5)
        for a, b in zip(gd, gt):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
        assert nd == nt
    assert any(k[0] == eq for k in _einsum._PLANS)


def test_a_repeated_operand_and_two_operands_have_their_own_plans():
    a = E.tensor(np.arange(6.0).reshape(2, 3))
    b = E.tensor(np.ones((2, 3)))
    assert E.einsum("ij,ij->", a, a).item() == 55.0
    assert E.einsum("ij,ij->", a, b).item() == 15.0
    assert E.einsum("ij,ij->", b, b).item() == 6.0
    assert E.einsum("ij,ij->", b, a).item() == 15.0


def test_a_failing_call_leaves_no_plan_and_fails_again():
    _einsum._PLANS.clear()
    a, b = E.ones(2, 3), E.ones(4, 5)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="subscript j has size 4"):
            E.einsum("ij,jk->ik", a, b)
    assert not _einsum._PLANS


def test_threads_record_and_replay_their_own_calls():
    _einsum._PLANS.clear()
    rng = np.random.default_rng(0)
    cases = [("bij,bjk->bik", (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5)))),
             ("i,j->ij", (rng.standard_normal(7), rng.standard_normal(6))),
             ("ii->i", (rng.standard_normal((5, 5)),))]
    want = [np.einsum(eq, *xs) for eq, xs in cases]
    errors = []

    def work(k):
        eq, xs = cases[k % 3]
        for _ in range(30):
            got = E.einsum(eq, *[E.tensor(x) for x in xs]).numpy()
            if not np.allclose(got, want[k % 3]):
                errors.append(k)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_a_static_graph_with_an_unknown_size_builds_without_a_plan():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, (None, 3))
        b = tf.placeholder(tf.float32, (3, 4))
        y = tf.einsum("ij,jk->ik", a, b)
        with tf.Session() as sess:
            x1, x2 = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
            np.testing.assert_allclose(sess.run(y, {a: x1, b: x2}), x1 @ x2)
