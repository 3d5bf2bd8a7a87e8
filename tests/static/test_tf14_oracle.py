"""Issue 14's functions against real TensorFlow (tf.compat.v1 graph mode) where it is installed;
skipped otherwise (the NumPy references in the other test files always run)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as dl

tf = pytest.importorskip("tensorflow")
v1 = tf.compat.v1
RNG = np.random.default_rng(77)


def both(build, *arrays):
    """Run ``build(module, *constants)`` in TF1 graph mode and in dlcore_static."""
    g = tf.Graph()
    with g.as_default():
        out_tf = build(v1, *[v1.constant(a) for a in arrays])
        with v1.Session(graph=g) as s:
            s.run(v1.global_variables_initializer())
            ref = s.run(out_tf)
    dg = dl.Graph()
    with dg.as_default():
        out = build(dl, *[dl.constant(a) for a in arrays])
        with dl.Session(graph=dg) as s:
            s.run(dl.global_variables_initializer())
            got = s.run(out)
    return got, ref


CASES = {
    "pad_reflect": (lambda m, x: m.pad(x, [[1, 1], [2, 2]], "REFLECT"), ((3, 4),)),
    "tile": (lambda m, x: m.tile(x, [2, 3]), ((2, 3),)),
    "reverse": (lambda m, x: m.reverse(x, [0, 1]), ((2, 3),)),
    "strided": (lambda m, x: m.strided_slice(x, [0, 1], [3, 4], [2, 2]), ((3, 4),)),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), ((3, 4), (4, 2))),
    "tensordot": (lambda m, a, b: m.tensordot(a, b, 1), ((3, 4), (4, 2))),
    "band": (lambda m, x: m.matrix_band_part(x, 1, 0), ((4, 4),)),
    "gather_nd": (lambda m, x: m.gather_nd(x, [[0, 1], [2, 3]]), ((3, 4),)),
    "prod": (lambda m, x: m.reduce_prod(x, 1), ((3, 4),)),
    "clip_norm": (lambda m, x: m.clip_by_norm(x, 1.0), ((3, 4),)),
    "l2n": (lambda m, x: m.nn.l2_normalize(x, 1), ((3, 4),)),
    "softplus": (lambda m, x: m.nn.softplus(x), ((3, 4),)),
    "selu": (lambda m, x: m.nn.selu(x), ((3, 4),)),
    "leaky": (lambda m, x: m.nn.leaky_relu(x), ((3, 4),)),
    "huber": (lambda m, a, b: m.losses.huber_loss(a, b), ((3, 4), (3, 4))),
    "log_loss": (lambda m, a, b: m.losses.log_loss(m.sigmoid(a), m.sigmoid(b)),
                 ((3, 4), (3, 4))),
    "decay": (lambda m, x: m.train.exponential_decay(0.1, 37, 10, 0.5, staircase=True),
              ((1,),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name):
    build, shapes = CASES[name]
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    got, ref = both(build, *arrays)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", ["rmsprop", "adagrad", "adadelta", "ftrl"])
def test_optimizer_steps_match_tensorflow(make):
    x = RNG.standard_normal((8, 3)).astype(np.float32)
    y = RNG.standard_normal((8, 1)).astype(np.float32)

    def build(m):
        w = m.Variable(np.ones((3, 1), np.float32))
        loss = m.reduce_mean(m.square(m.matmul(m.constant(x), w) - y))
        opt = {"rmsprop": lambda: m.train.RMSPropOptimizer(0.01, momentum=0.5),
               "adagrad": lambda: m.train.AdagradOptimizer(0.1),
               "adadelta": lambda: m.train.AdadeltaOptimizer(1.0),
               "ftrl": lambda: m.train.FtrlOptimizer(0.1)}[make]()
        return w, opt.minimize(loss)

    vals = []
    for mod, graph, sess in ((v1, tf.Graph(), v1.Session), (dl, dl.Graph(), dl.Session)):
        with graph.as_default():
            w, train = build(mod)
            with sess(graph=graph) as s:
                s.run(mod.global_variables_initializer())
                for _ in range(3):
                    s.run(train)
                vals.append(s.run(w))
    np.testing.assert_allclose(vals[1], vals[0], rtol=1e-5, atol=1e-6)
