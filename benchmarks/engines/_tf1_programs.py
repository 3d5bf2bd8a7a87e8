"""The workloads written once in TensorFlow 1's API, run by three engines.

``tf1`` (``tensorflow.compat.v1``), ``dlcore_static`` and ``dlcore_static_passes``
(``import dlcore_static as tf``) call these functions with their own module as ``tf``.  Each
workload is built in its own ``tf.Graph`` with its own ``Session`` (so one workload's variables
never reach another's initializer), then ``step()`` is one ``Session.run`` with a ``feed_dict``,
exactly the seed's loop body.  API used: ``Graph``, ``placeholder``, ``Variable`` from a NumPy
array, ``matmul``, ``maximum``, ``reduce_sum``/``reduce_mean``, ``**``, ``nn.relu``, ``tanh``,
``cond``, ``while_loop``, ``greater``/``less``, ``nn.sparse_softmax_cross_entropy_with_logits``,
``train.GradientDescentOptimizer(lr).minimize``, ``global_variables_initializer``, ``Session.run``.

``make_session(tf, graph)`` lets an adapter pass Session options (the compiler's passes).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from types import ModuleType
from typing import Any

import numpy as np

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from .base import Prepared, Unsupported

SessionFactory = Callable[[ModuleType, Any], Any]


def default_session(tf: ModuleType, graph: Any) -> Any:
    return tf.Session(graph=graph)


def setup(tf: ModuleType, workload: Any, device: str,
          make_session: SessionFactory = default_session) -> Prepared:
    builders = {MLPStep: _mlp, ControlFlow: _control_flow, Classifier: _classifier,
                TinyOp: _tiny}
    build = builders.get(type(workload)) or getattr(workload, "tf1_program", None)
    if build is None:
        raise Unsupported(type(workload).__name__)
    if isinstance(workload, TinyOp) and workload.op == "add":
        raise Unsupported("no eager ops in a Session; see the one-op graph row")
    graph = tf.Graph()
    with graph.as_default(), tf.device("/gpu:0") if device != "cpu" else nullcontext():
        run_step, extra = build(tf, workload)
        init = tf.global_variables_initializer() if extra.get("variables", True) else None
    sess = make_session(tf, graph)
    if init is not None:
        sess.run(init)
    bound = {k: (lambda fn=fn: fn(sess)) for k, fn in extra.items() if callable(fn)}
    reset = None
    if "reset" in bound:
        def reset() -> None:
            sess.run(init)
            bound["reset"]()
    return Prepared(lambda: run_step(sess), evaluate=bound.get("evaluate"), reset=reset,
                    close=sess.close)


def _variables(tf: ModuleType, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    return {name: tf.Variable(value, name=name) for name, value in arrays.items()}


def _mlp(tf: ModuleType, wl: MLPStep) -> tuple[Callable, dict]:
    arr = wl.arrays
    x = tf.placeholder(tf.float32, shape=(wl.N, wl.D))
    y = tf.placeholder(tf.float32, shape=(wl.N, wl.D_out))
    w = _variables(tf, {"w1": arr["w1"], "w2": arr["w2"]})
    h = tf.maximum(tf.matmul(x, w["w1"]), 0)
    y_pred = tf.matmul(h, w["w2"])
    diff = y_pred - y
    if wl.loss == "mean_rowsum":
        loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    else:
        loss = tf.reduce_sum(diff ** 2)
    updates = tf.train.GradientDescentOptimizer(wl.lr).minimize(loss)
    feed = {x: arr["x"], y: arr["y"]}

    def run(sess: Any) -> float:
        loss_val, _ = sess.run([loss, updates], feed_dict=feed)
        return float(loss_val)

    return run, {}


def _control_flow(tf: ModuleType, wl: ControlFlow) -> tuple[Callable, dict]:
    x = tf.placeholder(tf.float32, shape=(wl.N, wl.D))
    y = tf.placeholder(tf.float32, shape=(wl.N, wl.D_out))
    depth = tf.placeholder(tf.int32, shape=())
    w = _variables(tf, wl.weights)
    h = tf.nn.relu(tf.matmul(x, w["w_in"]))
    h = tf.cond(tf.greater(tf.reduce_mean(x), 0.0),
                lambda: tf.matmul(h, w["w_a"]), lambda: tf.matmul(h, w["w_b"]))
    _, h = tf.while_loop(lambda i, h: tf.less(i, depth),
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w["w_r"]))),
                         [tf.constant(0), h])
    loss = tf.reduce_sum((tf.matmul(h, w["w_out"]) - y) ** 2)
    updates = tf.train.GradientDescentOptimizer(wl.lr).minimize(loss)
    feeds = [{x: bx, y: by, depth: d} for bx, by, d in wl.batches]
    state = {"i": 0}

    def run(sess: Any) -> float:
        feed = feeds[state["i"] % len(feeds)]
        state["i"] += 1
        loss_val, _ = sess.run([loss, updates], feed_dict=feed)
        return float(loss_val)

    return run, {}


def _classifier(tf: ModuleType, wl: Classifier) -> tuple[Callable, dict]:
    x = tf.placeholder(tf.float32, shape=(None, 64))
    labels = tf.placeholder(tf.int64, shape=(None,))
    p = _variables(tf, wl.weights)
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, p["w1"]) + p["b1"]), p["w2"]) + p["b2"]
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train = tf.train.GradientDescentOptimizer(wl.lr).minimize(loss)
    state = {"epoch": 0}

    def run(sess: Any) -> None:
        for bx, bl in wl.epoch_batches(state["epoch"]):
            sess.run(train, feed_dict={x: bx, labels: bl})
        state["epoch"] += 1

    def evaluate(sess: Any) -> float:
        return wl.accuracy(sess.run(logits, feed_dict={x: wl.data["x_test"]}))

    def reset(sess: Any) -> None:
        state["epoch"] = 0

    return run, {"evaluate": evaluate, "reset": reset}


def _tiny(tf: ModuleType, wl: TinyOp) -> tuple[Callable, dict]:
    a = tf.placeholder(tf.float32, shape=(wl.size,))
    out = a + 1.0
    feed = {a: wl.arrays["a"]}
    return (lambda sess: sess.run(out, feed_dict=feed)), {"variables": False}
