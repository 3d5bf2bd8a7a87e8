"""JAX with ``jax.jit`` (a peer, optional): a functional training step compiled by XLA.

Parameters are a dict of arrays; ``step(params, x, y) -> (params, loss)`` is written with
``jax.value_and_grad`` and jitted once, with the old parameters donated so XLA may update them in
place.  The data-dependent branch is ``lax.cond``; the loop's trip count is a static argument, so
XLA compiles one version per depth (all compiled during warm-up).  JAX dispatches asynchronously:
reading the loss back with ``float()`` waits for the step to finish.
"""

from __future__ import annotations

import os

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from .base import Prepared, Unsupported, import_version

NAME = "jax"
LABEL = "JAX jit"


def available() -> tuple[bool, str]:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no GPU probing noise; cuda is opted into
    return import_version("jax")


def setup(workload, device: str) -> Prepared:
    import jax

    if device != "cpu":
        raise Unsupported("the installed jax runs on the CPU only")
    if isinstance(workload, MLPStep):
        return _mlp(jax, workload)
    if isinstance(workload, ControlFlow):
        return _control_flow(jax, workload)
    if isinstance(workload, Classifier):
        return _classifier(jax, workload)
    if isinstance(workload, TinyOp):
        a, b = jax.numpy.asarray(workload.arrays["a"]), jax.numpy.asarray(workload.arrays["b"])
        if workload.op == "add":
            return Prepared(lambda: (a + b).block_until_ready(), note="jax.numpy eager op")
        fn = jax.jit(lambda t: t + 1.0)
        return Prepared(lambda: fn(a).block_until_ready())
    raise Unsupported(type(workload).__name__)


def _sgd(jax, params: dict, grads: dict, lr: float) -> dict:
    return jax.tree_util.tree_map(lambda w, g: w - lr * g, params, grads)


def _mlp(jax, wl: MLPStep) -> Prepared:
    jnp = jax.numpy
    arr = wl.arrays
    x, y = jnp.asarray(arr["x"]), jnp.asarray(arr["y"])
    scale = wl.loss_scale

    def loss_fn(p, x, y):
        y_pred = jnp.maximum(x @ p["w1"], 0) @ p["w2"]
        return scale * jnp.sum((y_pred - y) ** 2)

    def train(p, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        return _sgd(jax, p, grads, wl.lr), loss

    train = jax.jit(train, donate_argnums=0)
    state = {"p": {"w1": jnp.asarray(arr["w1"]), "w2": jnp.asarray(arr["w2"])}}

    def step() -> float:
        state["p"], loss = train(state["p"], x, y)
        return float(loss)

    return Prepared(step)


def _control_flow(jax, wl: ControlFlow) -> Prepared:
    jnp, lax = jax.numpy, jax.lax

    def loss_fn(p, x, y, depth):
        h = jnp.maximum(x @ p["w_in"], 0)
        h = lax.cond(jnp.mean(x) > 0, lambda h: h @ p["w_a"], lambda h: h @ p["w_b"], h)
        for _ in range(depth):  # depth is static: one compiled version per depth
            h = jnp.tanh(h @ p["w_r"])
        return jnp.sum((h @ p["w_out"] - y) ** 2)

    def train(p, x, y, depth):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y, depth)
        return _sgd(jax, p, grads, wl.lr), loss

    train = jax.jit(train, static_argnums=3, donate_argnums=0)
    batches = [(jnp.asarray(x), jnp.asarray(y), d) for x, y, d in wl.batches]
    state = {"p": {k: jnp.asarray(v) for k, v in wl.weights.items()}, "i": 0}

    def step() -> float:
        batch = batches[state["i"] % len(batches)]
        state["i"] += 1
        state["p"], loss = train(state["p"], *batch)
        return float(loss)

    return Prepared(step, note="loop depth static: one compile per depth")


def _classifier(jax, wl: Classifier) -> Prepared:
    jnp = jax.numpy

    def forward(p, x):
        return jnp.maximum(x @ p["w1"] + p["b1"], 0) @ p["w2"] + p["b2"]

    def loss_fn(p, x, labels):
        logp = jax.nn.log_softmax(forward(p, x))
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    def train(p, x, labels):
        grads = jax.grad(loss_fn)(p, x, labels)
        return _sgd(jax, p, grads, wl.lr)

    train = jax.jit(train, donate_argnums=0)
    predict = jax.jit(forward)
    fresh = lambda: {k: jnp.asarray(v) for k, v in wl.weights.items()}  # noqa: E731
    state = {"p": fresh(), "epoch": 0}

    def step() -> None:
        for x, labels in wl.epoch_batches(state["epoch"]):
            state["p"] = train(state["p"], x, labels)
        jax.block_until_ready(state["p"])
        state["epoch"] += 1

    def reset() -> None:
        state["p"], state["epoch"] = fresh(), 0

    return Prepared(step, evaluate=lambda: wl.accuracy(predict(state["p"], wl.data["x_test"])),
                    reset=reset)
