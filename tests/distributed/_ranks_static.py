"""Static (Horovod-style) scenarios run by every rank of ``_ranks_main.py``.

As in ``_ranks_eager.py``: one seed for the data on every rank, each rank trains on its rows,
the single-process references on the concatenated rows."""

from __future__ import annotations

import os

import numpy as np

import dlcore_static as tf
import dlcore_static.distributed as hvd
import dlcore_static.distributed.keras as hvdk
from dlcore_static import keras
from dlcore_static.compiler import Pipeline, explain

N_PER_RANK, D, H, O, STEPS = 4, 6, 8, 3, 4


def _same_on_all_ranks(flat: np.ndarray) -> bool:
    everyone = hvd._comm().allgather(np.asarray(flat, np.float64).reshape(1, -1))
    return bool((everyone == everyone[0]).all())


def _data(world: int, steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((steps, N_PER_RANK * world, D)).astype(np.float32)
    Y = rng.standard_normal((steps, N_PER_RANK * world, O)).astype(np.float32)
    return X, Y


def _mlp_graph(init: list, distributed: bool):
    x = tf.placeholder(tf.float32, (None, D))
    y = tf.placeholder(tf.float32, (None, O))
    w1, b1, w2, b2 = (tf.Variable(v) for v in init)
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) + b2 - y))
    opt = tf.train.MomentumOptimizer(0.05, 0.9)
    if distributed:
        opt = hvd.DistributedOptimizer(opt)
    return x, y, [w1, b1, w2, b2], loss, opt.minimize(loss)


def static_mlp() -> dict:
    rank, world = hvd.rank(), hvd.size()
    X, Y = _data(world, STEPS)
    rows = slice(rank * N_PER_RANK, (rank + 1) * N_PER_RANK)
    rng = np.random.default_rng(50 + rank)         # different initial values on each rank
    init = [rng.standard_normal((D, H)).astype(np.float32) * 0.5, np.zeros(H, np.float32),
            rng.standard_normal((H, O)).astype(np.float32) * 0.5, np.zeros(O, np.float32)]
    out: dict = {}
    with tf.Graph().as_default():
        x, y, vs, _, train = _mlp_graph(init, True)
        bcast = hvd.broadcast_global_variables(0)
        for passes in ("all", "none"):
            sess = tf.Session(passes=passes)
            sess.run(tf.global_variables_initializer())
            differed = not _same_on_all_ranks(np.concatenate([v.reshape(-1) for v in
                                                              sess.run(vs)]))
            sess.run(bcast)
            start = sess.run(vs)
            for s in range(STEPS):
                sess.run(train, {x: X[s, rows], y: Y[s, rows]})
            final = np.concatenate([v.reshape(-1) for v in sess.run(vs)]).astype(np.float64)
            report = explain(sess, train, {x: X[0, rows], y: Y[0, rows]})
            kinds = {name: sorted({n.type for n in prog.nodes if n.type.startswith("Horovod")})
                     for name, prog in report.programs.items()}
            with tf.Graph().as_default():
                rx, ry, rvs, _, rtrain = _mlp_graph(start, False)
                with tf.Session(passes="none") as ref:
                    ref.run(tf.global_variables_initializer())
                    for s in range(STEPS):
                        ref.run(rtrain, {rx: X[s], ry: Y[s]})
                    expect = np.concatenate([v.reshape(-1) for v in ref.run(rvs)])
            out[passes] = {"init_differed": differed,
                           "max_abs_diff_vs_single": float(np.abs(final - expect).max()),
                           "identical_across_ranks": _same_on_all_ranks(final),
                           "horovod_nodes_after_each_pass": kinds,
                           "compiled": bool(report.compiled),
                           "python_nodes": report.codegen.get("python_nodes", [])
                           if report.codegen else []}
            sess.close()
    return out


def static_ops() -> dict:
    """hvd.allreduce / broadcast / allgather as graph ops, and their gradients."""
    rank, world = hvd.rank(), hvd.size()
    out: dict = {}
    with tf.Graph().as_default():
        v = tf.Variable(np.array([1.0, 2.0], np.float32) * (rank + 1))
        avg = hvd.allreduce(v)
        total = hvd.allreduce(v * 1.0, op=hvd.Sum)
        b = hvd.broadcast(v * 1.0, root_rank=world - 1)
        g = hvd.allgather(tf.reshape(v, (1, 2)) * tf.ones((rank + 1, 1)))
        grads = tf.gradients(tf.reduce_sum(avg * avg) + tf.reduce_sum(g) * 2.0
                             + tf.reduce_sum(b), [v])
        with tf.Session(pipeline=Pipeline("all", after=1)) as sess:
            sess.run(tf.global_variables_initializer())
            r = sess.run({"avg": avg, "sum": total, "bcast": b, "gather": g, "grad": grads[0]})
    for k, val in r.items():
        out[k] = np.asarray(val).tolist()
    out["grad_per_rank"] = hvd._comm().allgather(np.asarray(r["grad"]).reshape(1, -1)).tolist()
    return out


def keras_mlp(directory: str) -> dict:
    rank, world = hvd.rank(), hvd.size()
    X, Y = _data(world, STEPS, seed=3)                      # (steps, rows, D)
    rows = slice(rank * N_PER_RANK, (rank + 1) * N_PER_RANK)
    mine_x = X[:, rows].reshape(-1, D)
    mine_y = Y[:, rows].reshape(-1, O)

    def build():
        return keras.models.Sequential([keras.layers.Dense(H, activation="relu", input_dim=D),
                                        keras.layers.Dense(O)])

    model = build()
    opt = hvdk.DistributedOptimizer(keras.optimizers.SGD(learning_rate=0.1, momentum=0.5))
    model.compile(optimizer=opt, loss="mse")
    before = np.concatenate([w.reshape(-1) for w in model.get_weights()])
    local: dict = {}

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            local["start"] = self.model.get_weights()

        def on_epoch_end(self, epoch, logs=None):
            local.setdefault("loss", []).append(logs["loss"])

    hist = model.fit(mine_x, mine_y, batch_size=N_PER_RANK, epochs=2, shuffle=False, verbose=0,
                     callbacks=[hvdk.callbacks.BroadcastGlobalVariablesCallback(0), Record(),
                                hvdk.callbacks.MetricAverageCallback()])
    final = np.concatenate([w.reshape(-1) for w in model.get_weights()]).astype(np.float64)
    ref = build()
    ref.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.5), loss="mse")
    ref.set_weights(local["start"])
    ref.fit(X.reshape(-1, D), Y.reshape(-1, O), batch_size=N_PER_RANK * world, epochs=2,
            shuffle=False, verbose=0)
    expect = np.concatenate([w.reshape(-1) for w in ref.get_weights()])
    local_losses = hvd._comm().allgather(np.array([local["loss"]], np.float64))
    path = os.path.join(directory, "keras.weights.h5")
    hvdk.on_root(model.save_weights, path)
    check = build()
    check.compile(optimizer="sgd", loss="mse")
    check.load_weights(path)
    loaded = np.concatenate([w.reshape(-1) for w in check.get_weights()])
    return {"init_differed": not _same_on_all_ranks(before),
            "max_abs_diff_vs_single": float(np.abs(final - expect).max()),
            "identical_across_ranks": _same_on_all_ranks(final),
            "history_loss": [float(v) for v in hist.history["loss"]],
            "local_losses_per_rank": local_losses.tolist(),
            "checkpoint_matches": bool(np.array_equal(loaded, final.astype(np.float32)))}


def run_all(directory: str) -> dict:
    hvd.init()
    return {"static_mlp": static_mlp(), "static_ops": static_ops(),
            "keras_mlp": keras_mlp(directory)}
