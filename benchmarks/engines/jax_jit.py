"""JAX with ``jax.jit`` (a peer, optional): a functional training step compiled by XLA.

Parameters are a dict of arrays; ``step(params, x, y) -> (params, loss)`` is written with
``jax.value_and_grad`` and jitted once, with the old parameters donated so XLA may update them in
place.  The data-dependent branch is ``lax.cond``; the loop's trip count is a static argument, so
XLA compiles one version per depth (all compiled during warm-up).  JAX dispatches asynchronously:
reading the loss back with ``float()`` waits for the step to finish.

The CNN steps keep PyTorch's layout (NCHW data, OIHW kernels: ``lax.conv_general_dilated``
with PyTorch's explicit padding) and the workload's arrays as they are; the ResNet's batch norm
runs in training mode and carries its running statistics (PyTorch's unbiased-variance update,
momentum 0.1) through the jitted step as PyTorch's modules do.
"""

from __future__ import annotations

import os
import sys

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from ..workloads.cnn import LeNet5Step, ResNetStep
from ..workloads.digits_cnn import DigitsCNN
from .base import Prepared, Unsupported, import_version

NAME = "jax"
LABEL = "JAX jit"


#: One line for the run's notes (set by ``available``): where XLA's compiled code is kept.
NOTE = ""


def compile_cache() -> str:
    """Turn on XLA's persistent compilation cache (before jax is imported), in
    ``<dlcore cache>/jax`` unless ``$JAX_COMPILATION_CACHE_DIR`` names one, for every
    compilation (JAX's default keeps only those over 1 s).  Later runs then load the compiled
    steps, as dlcore's engines load their Numba kernels from disk: on the 2-core machine the
    small ResNet's setup and first step took 7.8 s of CPU time compiling, 1.0 s from the cache
    (LeNet-5: 3.5 s, 0.45 s).  Returns the folder."""
    folder = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if not folder:
        from dlcore.jitcache import cache_root
        folder = os.environ["JAX_COMPILATION_CACHE_DIR"] = str(cache_root() / "jax")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    return folder


def available() -> tuple[bool, str]:
    global NOTE
    os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no GPU probing noise; cuda is opted into
    if "jax" not in sys.modules:
        NOTE = (f"JAX jit: XLA's persistent compilation cache in {compile_cache()}: the first "
                "steps compile on the first run and load the compiled code on later ones "
                "(as the dlcore engines load their Numba kernels)")
    return import_version("jax")


def setup(workload, device: str) -> Prepared:
    import jax

    if device != "cpu":
        raise Unsupported("the installed jax runs on the CPU only")
    if isinstance(workload, MLPStep):
        return _mlp(jax, workload)
    if isinstance(workload, ControlFlow):
        return _control_flow(jax, workload)
    if isinstance(workload, DigitsCNN):          # (before Classifier: it derives from it)
        return _digits_cnn(jax, workload)
    if isinstance(workload, Classifier):
        return _classifier(jax, workload)
    if isinstance(workload, LeNet5Step):
        return _lenet(jax, workload)
    if isinstance(workload, ResNetStep):
        return _resnet(jax, workload)
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


def _cross_entropy(jax, logits, labels):
    logp = jax.nn.log_softmax(logits)
    return -jax.numpy.mean(jax.numpy.take_along_axis(logp, labels[:, None], axis=1))


def _conv(jax, x, w, stride=1, pad=0):
    """PyTorch's conv2d (NCHW, OIHW, symmetric padding), no bias."""
    return jax.lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)],
                                        dimension_numbers=("NCHW", "OIHW", "NCHW"))


def _lenet(jax, wl: LeNet5Step) -> Prepared:
    jnp, lax = jax.numpy, jax.lax

    def pool(h):
        return lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def loss_fn(p, x, y):
        h = pool(jax.nn.relu(_conv(jax, x, p["c1.weight"], pad=2)
                             + p["c1.bias"][None, :, None, None]))
        h = pool(jax.nn.relu(_conv(jax, h, p["c2.weight"]) + p["c2.bias"][None, :, None, None]))
        h = h.reshape(h.shape[0], -1)                    # (C, H, W) order, as torch.flatten
        for k in ("f1", "f2"):
            h = jax.nn.relu(h @ p[k + ".weight"].T + p[k + ".bias"])
        return _cross_entropy(jax, h @ p["f3.weight"].T + p["f3.bias"], y)

    def train(p, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        return _sgd(jax, p, grads, wl.lr), loss

    train = jax.jit(train, donate_argnums=0)
    a = wl.arrays
    x, y = jnp.asarray(a["x"]), jnp.asarray(a["y"].astype("int32"))
    state = {"p": {k: jnp.asarray(v) for k, v in a.items() if k not in ("x", "y")}}

    def step() -> float:
        state["p"], loss = train(state["p"], x, y)
        return float(loss)

    return Prepared(step)


def _resnet(jax, wl: ResNetStep) -> Prepared:
    jnp = jax.numpy
    convs = wl._convs()
    stride = {f"b{i}": (2 if i and w != wl.widths[i - 1] else 1)
              for i, w in enumerate(wl.widths)}

    def bn(p, stats, name, h):
        """Training-mode batch norm (biased variance, eps 1e-5) and the new running stats."""
        mean, var = jnp.mean(h, (0, 2, 3)), jnp.var(h, (0, 2, 3))
        n = h.size // h.shape[1]
        rm, rv = stats[name]
        new = (0.9 * rm + 0.1 * mean, 0.9 * rv + 0.1 * var * (n / (n - 1)))
        y = (h - mean[None, :, None, None]) * jax.lax.rsqrt(var + 1e-5)[None, :, None, None]
        return y * p[name + ".g"][None, :, None, None] + p[name + ".b"][None, :, None, None], new

    def loss_fn(p, stats, x, y):
        new = {}

        def conv_bn(name, h, s=1):
            out, new[name] = bn(p, stats, name, _conv(jax, h, p[name], s, 1))
            return out

        h = jax.nn.relu(conv_bn("stem", x))
        for i in range(len(wl.widths)):
            b, s = f"b{i}", stride[f"b{i}"]
            out = jax.nn.relu(conv_bn(b + ".c1", h, s))
            out = conv_bn(b + ".c2", out)
            sc = _conv(jax, h, p[b + ".sc"], s) if b + ".sc" in p else h
            h = jax.nn.relu(out + sc)
        logits = jnp.mean(h, (2, 3)) @ p["fc.weight"].T + p["fc.bias"]
        return _cross_entropy(jax, logits, y), new

    def train(p, stats, x, y):
        (loss, new), grads = jax.value_and_grad(loss_fn, has_aux=True)(p, stats, x, y)
        return _sgd(jax, p, grads, wl.lr), new, loss

    train = jax.jit(train, donate_argnums=(0, 1))
    a = wl.arrays
    x, y = jnp.asarray(a["x"]), jnp.asarray(a["y"].astype("int32"))
    p = {name: jnp.asarray(a[name]) for name, *_ in convs}
    p.update({k: jnp.asarray(a[k]) for k in ("fc.weight", "fc.bias")})
    stats = {}
    for name, _, cout, _ in convs:
        if not name.endswith(".sc"):
            p[name + ".g"], p[name + ".b"] = jnp.ones(cout), jnp.zeros(cout)
            stats[name] = (jnp.zeros(cout), jnp.ones(cout))
    state = {"p": p, "stats": stats}

    def step() -> float:
        state["p"], state["stats"], loss = train(state["p"], state["stats"], x, y)
        return float(loss)

    return Prepared(step)


def _digits_cnn(jax, wl: DigitsCNN) -> Prepared:
    """The digits CNN in PyTorch's layout; one jitted SGD step per minibatch."""
    jnp, lax = jax.numpy, jax.lax

    def pool(h):
        return lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def forward(p, x):
        h = pool(jax.nn.relu(_conv(jax, x, p["c1.weight"], pad=1)
                             + p["c1.bias"][None, :, None, None]))
        h = pool(jax.nn.relu(_conv(jax, h, p["c2.weight"], pad=1)
                             + p["c2.bias"][None, :, None, None]))
        return h.reshape(h.shape[0], -1) @ p["fc.weight"].T + p["fc.bias"]

    def train(p, x, labels):
        grads = jax.grad(lambda q: _cross_entropy(jax, forward(q, x), labels))(p)
        return _sgd(jax, p, grads, wl.lr)

    train = jax.jit(train, donate_argnums=0)
    predict = jax.jit(forward)
    fresh = lambda: {k: jnp.asarray(v) for k, v in wl.weights.items()}
    state = {"p": fresh(), "epoch": 0}

    def step() -> None:
        for x, labels in wl.epoch_batches(state["epoch"]):
            state["p"] = train(state["p"], x, labels.astype("int32"))
        jax.block_until_ready(state["p"])
        state["epoch"] += 1

    def reset() -> None:
        state["p"], state["epoch"] = fresh(), 0

    return Prepared(step, evaluate=lambda: wl.accuracy(predict(state["p"], wl.data["x_test"])),
                    reset=reset)
