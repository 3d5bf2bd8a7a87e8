"""TF1's stateful optimizers in a compiled step (issue 19): each variable's update is one loop.

``MomentumOptimizer`` (plain and Nesterov) and ``AdamOptimizer`` write their update rules as
TF1's ApplyMomentum/ApplyAdam kernels compute them, the update of the weight reading the new
slot values themselves; the fusion pass merges the slot chains and the weight's chain into one
loop per variable (``fusion._merge_producers``), which reads the gradient, the slots and the
weight once and writes each new value into a spare buffer of its variable (``codegen``'s
in-place updates, no new array per step); so do RMSProp (centered, with momentum), Adagrad,
Adadelta and Ftrl.  GradientDescent with a decayed or a fed learning rate reads it once per
step.  The values equal the interpreter's (to float32 rounding) and NumPy's maths by hand in
float64.  One graph holds every optimizer's copy of a tiny ReLU MLP, so one plan is compiled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import dlcore_static as tf

SHAPE = (4, 6, 5, 3)            # N, D, H, D_out
OPTS = ("momentum", "nesterov", "adam", "decay", "fed")
MORE = ("rmsprop", "adagrad", "adadelta", "ftrl")     # (checked against the interpreter; NumPy: test_tf_train_extra)
STEPS = 3


def _data():
    n, d, h, o = SHAPE
    rng = np.random.default_rng(7)
    return (rng.standard_normal((n, d)).astype(np.float32),
            rng.standard_normal((n, o)).astype(np.float32),
            (rng.standard_normal((d, h)) / 2).astype(np.float32),
            (rng.standard_normal((h, o)) / 2).astype(np.float32))


def _graph():
    """{opt: (w1, w2, slot variables)}, the train ops, feed and init in a fresh graph."""
    x_, y_, w1_, w2_ = _data()
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, x_.shape)
        y = tf.placeholder(tf.float32, y_.shape)
        lr = tf.placeholder(tf.float32, ())
        step = tf.train.get_or_create_global_step()
        made, trains = {}, []
        for name in OPTS + MORE:
            with tf.variable_scope(name):
                w1, w2 = tf.Variable(w1_, name="w1"), tf.Variable(w2_, name="w2")
                loss = tf.reduce_sum((tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y) ** 2)
                opt: Any
                if name in ("momentum", "nesterov"):
                    opt = tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=name == "nesterov")
                elif name == "adam":
                    opt = tf.train.AdamOptimizer(0.01)
                elif name == "rmsprop":
                    opt = tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True)
                elif name == "adagrad":
                    opt = tf.train.AdagradOptimizer(0.05)
                elif name == "adadelta":
                    opt = tf.train.AdadeltaOptimizer(1.0)
                elif name == "ftrl":
                    opt = tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)
                elif name == "decay":
                    opt = tf.train.GradientDescentOptimizer(
                        tf.train.exponential_decay(0.05, step, 2, 0.5))
                else:
                    opt = tf.train.GradientDescentOptimizer(lr)
                trains.append(opt.minimize(loss))
                made[name] = (w1, w2, opt)
        with tf.control_dependencies(trains):
            train = step.assign_add(1)
        init = tf.global_variables_initializer()
    return g, made, train, init, {x: x_, y: y_, lr: np.float32(0.03)}


def _run(passes):
    g, made, train, init, feed = _graph()
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for _ in range(STEPS):
            sess.run(train, feed)
        out = {}
        for name, (w1, w2, opt) in made.items():
            slots = [opt.get_slot(w, s) for w in (w1, w2) for s in opt.get_slot_names()]
            out[name] = sess.run([w1, w2, *slots])
        fused = None
        if passes:
            report = sess.plan(train, feed).compiler
            fused = [n for n in report.programs["fusion"].nodes if n.kind == "fused"]
            fused.append(report.codegen["inplace"])         # (last: the variables in place)
    return out, fused


def _by_hand():
    """The same steps in float64 NumPy: TF1's kernels' maths."""
    x, y, w1_, w2_ = (a.astype(np.float64) for a in _data())
    out = {}
    for name in OPTS:
        ws = [w1_.copy(), w2_.copy()]
        s1 = [np.zeros_like(w) for w in ws]
        s2 = [np.zeros_like(w) for w in ws]
        for t in range(STEPS):
            h = x @ ws[0]
            hr = np.maximum(h, 0)
            gy = 2 * (hr @ ws[1] - y)
            gh = (gy @ ws[1].T) * (h > 0)
            grads = [x.T @ gh, hr.T @ gy]
            for w, gw, a, b in zip(ws, grads, s1, s2):
                if name in ("momentum", "nesterov"):
                    a[...] = 0.9 * a + gw
                    w -= 0.05 * (gw + 0.9 * a) if name == "nesterov" else 0.05 * a
                elif name == "adam":
                    a += (gw - a) * 0.1
                    b += (gw * gw - b) * 0.001
                    lr_t = 0.01 * np.sqrt(1 - 0.999 ** (t + 1)) / (1 - 0.9 ** (t + 1))
                    w -= lr_t * a / (np.sqrt(b) + 1e-8)
                else:
                    w -= (0.05 * 0.5 ** (t / 2) if name == "decay" else 0.03) * gw
        slots = {"momentum": [s1[0], s1[1]], "nesterov": [s1[0], s1[1]],
                 "adam": [s1[0], s2[0], s1[1], s2[1]]}.get(name, [])
        out[name] = [*ws, *slots]
    return out


def test_compiled_updates_equal_the_interpreter_and_numpy():
    plain, _ = _run(())
    compiled, fused = _run("all")
    ref = _by_hand()
    for name in MORE:
        assert len(compiled[name]) == len(plain[name]) > 2, name
        for a, b in zip(plain[name], compiled[name]):
            np.testing.assert_allclose(b, a, rtol=2e-6, atol=1e-6, err_msg=name)
    for name in OPTS:
        assert len(compiled[name]) == len(ref[name]), name
        for a, b, r in zip(plain[name], compiled[name], ref[name]):
            np.testing.assert_allclose(b, a, rtol=2e-6, atol=1e-6, err_msg=name)
            np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-5, err_msg=name)
    # one loop per variable makes the new weight together with its new slots: Adam's three
    # assigned values come out of one fused node, momentum's two
    assert fused is not None
    inplace = fused.pop()
    updates: dict = {}
    for n in fused:
        for v in n.params["outputs"]:
            scope = v.node.name.split("/")[0]
            if "update_" in v.node.name and scope in OPTS + MORE:
                updates.setdefault((scope, n), 0)
                updates[(scope, n)] += 1
    per_opt: dict = {}
    for (scope, _), k in updates.items():
        per_opt.setdefault(scope, []).append(k)
    assert sorted(per_opt["adam"]) == [3, 3], per_opt
    assert sorted(per_opt["momentum"]) == [2, 2], per_opt
    assert sorted(per_opt["nesterov"]) == [2, 2], per_opt
    assert sorted(per_opt["rmsprop"]) == [4, 4], per_opt         # ms, mg, mom, w
    assert sorted(per_opt["adagrad"]) == [2, 2], per_opt
    assert sorted(per_opt["adadelta"]) == [3, 3], per_opt        # accum, accum_update, w
    assert sorted(per_opt["ftrl"]) == [3, 3], per_opt            # linear (z), accum (n), w
    # ... and writes each of them into a spare buffer of its variable, not a new array
    for scope, ks in per_opt.items():
        if scope not in ("decay", "fed"):       # (their updates are folded into the GEMM)
            assert sum(name.split("/")[0] == scope for name in inplace) == sum(ks), scope
