"""The seed MLP's training step with TF1's stateful optimizers (issue 19): dlcore_static's
compiled Session (``passes="all"``) against the same maths written by hand in NumPy and against
PyTorch eager (``torch.optim``), CPU time, 1 thread, interleaved repeats in one process.

Optimizers: ``momentum`` (MomentumOptimizer(0.01, 0.9) / SGD(momentum=0.9)), ``nesterov``,
``adam`` (AdamOptimizer(1e-3) / Adam), ``rmsprop`` (RMSPropOptimizer(1e-3, 0.9, 0.9) /
RMSprop(alpha=0.9, momentum=0.9)), ``adadelta`` (AdadeltaOptimizer(1.0) / Adadelta(rho=0.95,
eps=1e-8)), ``ftrl`` (FtrlOptimizer(0.1); torch has none), ``decay`` (GradientDescent with
``exponential_decay(0.01, global_step, 100, 0.96)``, the step counted by ``minimize``) and ``fed``
(GradientDescent with a placeholder learning rate fed each step).  Shapes: the seed's static
step (64, 1000, 100, 1000) with the mean row-sum loss and its eager step (64, 1000, 100, 10) with
the sum loss; weights N(0, 1/fan_in).

    python -m benchmarks.optimizer_step [--rounds 7] [--steps 20] [--opt adam,momentum]
        [--shape static,eager,wide] [--nofold] [--no-torch]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from functools import partial
from typing import Any

from .threads import apply_after_imports, apply_before_imports, choose

SHAPES = {"static": (64, 1000, 100, 1000, "mean_rowsum"), "eager": (64, 1000, 100, 10, "sum"),
          "wide": (64, 1000, 2048, 10, "sum")}
OPTS = ("momentum", "nesterov", "adam", "rmsprop", "adadelta", "ftrl", "decay", "fed")
LR = {"momentum": 0.01, "nesterov": 0.01, "adam": 1e-3, "rmsprop": 1e-3, "adadelta": 1.0,
      "ftrl": 0.1, "decay": 0.01, "fed": 0.01}
ADAPTIVE = ("adam", "rmsprop", "adadelta", "ftrl")      # learning rates not scaled (``_lr``)


def _lr(shape, opt) -> float:
    """The learning rate; divided by N under the sum loss and by H/100 (the ADAPTIVE ones excepted) so no
    run diverges."""
    if opt in ADAPTIVE:
        return LR[opt]
    return LR[opt] * 100 / shape[2] / (1 if shape[4] == "mean_rowsum" else shape[0])


def _arrays(shape):
    import numpy as np
    n, d, h, o, _ = shape
    rng = np.random.default_rng(0)
    f = np.float32
    return (rng.standard_normal((n, d)).astype(f), rng.standard_normal((n, o)).astype(f),
            (rng.standard_normal((d, h)) / np.sqrt(d)).astype(f),
            (rng.standard_normal((h, o)) / np.sqrt(h)).astype(f))


def numpy_step(shape, opt):
    """The step written by hand in NumPy, in place (TF1's update rules)."""
    import numpy as np
    x, y, w1, w2 = _arrays(shape)
    scale = np.float32(1.0 / shape[0] if shape[4] == "mean_rowsum" else 1.0)
    ws = [w1, w2]
    s1 = [np.zeros_like(w) for w in ws]
    s1 = [np.full_like(w, 0.1) for w in ws] if opt == "ftrl" else s1       # (n starts at 0.1)
    s2 = [np.zeros_like(w) if opt != "rmsprop" else np.ones_like(w) for w in ws]
    st = {"t": 0, "b1p": 1.0, "b2p": 1.0}

    def step():
        h = x @ w1
        hr = np.maximum(h, 0)
        diff = hr @ w2 - y
        loss = float(np.sum(diff * diff)) * float(scale)
        gy = (2.0 * scale) * diff
        g2 = hr.T @ gy
        gh = gy @ w2.T
        gh[h < 0] = 0
        g1 = x.T @ gh
        t = st["t"]
        st["t"] = t + 1
        for w, g, a, b in zip(ws, (g1, g2), s1, s2):
            if opt in ("momentum", "nesterov"):
                a *= np.float32(0.9)
                a += g
                if opt == "nesterov":
                    w -= np.float32(_lr(shape, opt)) * (g + np.float32(0.9) * a)
                else:
                    w -= np.float32(_lr(shape, opt)) * a
            elif opt == "adam":
                b1p, b2p = st["b1p"] * 0.9, st["b2p"] * 0.999
                lr_t = np.float32(_lr(shape, opt) * np.sqrt(1 - b2p) / (1 - b1p))
                a *= np.float32(0.9)
                a += np.float32(0.1) * g
                b *= np.float32(0.999)
                b += np.float32(0.001) * (g * g)
                w -= lr_t * a / (np.sqrt(b) + np.float32(1e-8))
            elif opt == "rmsprop":          # TF1: ms from 1, mom = 0.9 mom + lr g/sqrt(ms+eps)
                b *= np.float32(0.9)
                b += np.float32(0.1) * (g * g)
                a *= np.float32(0.9)
                a += np.float32(_lr(shape, opt)) * g / np.sqrt(b + np.float32(1e-10))
                w -= a
            elif opt == "adadelta":         # a: accum, b: accum_update (rho 0.95, eps 1e-8)
                a *= np.float32(0.95)
                a += np.float32(0.05) * (g * g)
                u = np.sqrt(b + np.float32(1e-8)) / np.sqrt(a + np.float32(1e-8)) * g
                b *= np.float32(0.95)
                b += np.float32(0.05) * (u * u)
                w -= np.float32(_lr(shape, opt)) * u
            elif opt == "ftrl":             # a: n (from 0.1), b: z; l1 = l2 = 0
                lr = np.float32(_lr(shape, opt))
                root_old = np.sqrt(a)
                a += g * g
                root = np.sqrt(a)
                b += g - (root - root_old) / lr * w
                w[...] = np.where(b != 0, -b / (root / lr), np.float32(0))
            else:
                lr = _lr(shape, opt) * 0.96 ** (t / 100) if opt == "decay" else _lr(shape, opt)
                w -= np.float32(lr) * g
        if opt == "adam":
            st["b1p"] *= 0.9
            st["b2p"] *= 0.999
        return loss
    return step


def torch_step(shape, opt):
    import torch
    x, y, w1, w2 = (torch.from_numpy(a.copy()) for a in _arrays(shape))
    ws = [w1.requires_grad_(), w2.requires_grad_()]
    mean = shape[4] == "mean_rowsum"
    o: Any
    if opt in ("momentum", "nesterov"):
        o = torch.optim.SGD(ws, lr=_lr(shape, opt), momentum=0.9, nesterov=opt == "nesterov")
    elif opt == "adam":
        o = torch.optim.Adam(ws, lr=_lr(shape, opt))
    elif opt == "rmsprop":
        o = torch.optim.RMSprop(ws, lr=_lr(shape, opt), alpha=0.9, momentum=0.9)
    elif opt == "adadelta":
        o = torch.optim.Adadelta(ws, lr=_lr(shape, opt), rho=0.95, eps=1e-8)
    else:
        o = torch.optim.SGD(ws, lr=_lr(shape, opt))
    st = {"t": 0}

    def step():
        if opt == "decay":
            o.param_groups[0]["lr"] = _lr(shape, opt) * 0.96 ** (st["t"] / 100)
        st["t"] += 1
        o.zero_grad()
        diff = torch.relu(x @ w1) @ w2 - y
        loss = (diff * diff).sum(1).mean() if mean else (diff * diff).sum()
        loss.backward()
        o.step()
        return loss.item()
    return step


def dlcore_step(shape, opt, passes="all", fold=True):
    """The compiled step; ``fold=False``: compiled with ``DLCORE_FOLD_UPDATE_GEMM=0``."""
    import dlcore_static as tf
    x_, y_, w1_, w2_ = _arrays(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=x_.shape)
        y = tf.placeholder(tf.float32, shape=y_.shape)
        w1, w2 = tf.Variable(w1_), tf.Variable(w2_)
        diff = tf.matmul(tf.maximum(tf.matmul(x, w1), 0), w2) - y
        sq = tf.reduce_sum(diff ** 2, axis=1) if shape[4] == "mean_rowsum" else diff ** 2
        loss = tf.reduce_mean(sq) if shape[4] == "mean_rowsum" else tf.reduce_sum(sq)
        feed = {x: x_, y: y_}
        gs = None
        o: Any
        if opt in ("momentum", "nesterov"):
            o = tf.train.MomentumOptimizer(_lr(shape, opt), 0.9, use_nesterov=opt == "nesterov")
        elif opt == "adam":
            o = tf.train.AdamOptimizer(_lr(shape, opt))
        elif opt == "rmsprop":
            o = tf.train.RMSPropOptimizer(_lr(shape, opt), decay=0.9, momentum=0.9)
        elif opt == "adadelta":
            o = tf.train.AdadeltaOptimizer(_lr(shape, opt), rho=0.95, epsilon=1e-8)
        elif opt == "ftrl":
            o = tf.train.FtrlOptimizer(_lr(shape, opt))
        elif opt == "decay":
            gs = tf.train.get_or_create_global_step()
            o = tf.train.GradientDescentOptimizer(
                tf.train.exponential_decay(_lr(shape, opt), gs, 100, 0.96))
        else:
            lr = tf.placeholder(tf.float32, shape=())
            feed[lr] = _lr(shape, opt)
            o = tf.train.GradientDescentOptimizer(lr)
        train = o.minimize(loss, global_step=gs)
        from .engines.dlcore_static import measured_session
        sess = measured_session(tf, passes or None)      # (None: the default passes)
        sess.run(tf.global_variables_initializer())

    def step():
        return float(sess.run([loss, train], feed_dict=feed)[0])
    old = os.environ.get("DLCORE_FOLD_UPDATE_GEMM")
    os.environ["DLCORE_FOLD_UPDATE_GEMM"] = "1" if fold else "0"
    try:
        for _ in range(3):              # compiled here (the plan is compiled on a later run)
            step()
    finally:
        if old is None:
            del os.environ["DLCORE_FOLD_UPDATE_GEMM"]
        else:
            os.environ["DLCORE_FOLD_UPDATE_GEMM"] = old
    return step


def measure(makers: dict, rounds: int, steps: int) -> dict:
    """Median CPU microseconds per step of each engine, interleaved."""
    fns = {k: m() for k, m in makers.items()}
    for f in fns.values():              # warm-up: compile, caches
        for _ in range(5):
            f()
    times: dict = {k: [] for k in fns}
    last: dict = {}
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.process_time()
            for _ in range(steps):
                last[k] = f()
            times[k].append((time.process_time() - t0) / steps * 1e6)
    bad = [k for k, v in last.items() if not math.isfinite(v)]
    if bad:
        print(f"  (loss not finite at the end: {', '.join(bad)})")
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--opt", default=",".join(OPTS))
    ap.add_argument("--shape", default="static,eager")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--nofold", action="store_true",
                    help="also time the step compiled with DLCORE_FOLD_UPDATE_GEMM=0")
    args = ap.parse_args(argv)
    policy = choose(1)
    apply_before_imports(policy)
    import numpy  # noqa: F401

    import dlcore_static  # noqa: F401
    if not args.no_torch:
        import torch  # noqa: F401
    apply_after_imports(policy)
    print(policy.describe())
    print(f"{'shape':7} {'opt':9} {'numpy us':>9} {'torch us':>9} {'dlcore us':>10} "
          f"{'/numpy':>7} {'/torch':>7}")
    for sname in args.shape.split(","):
        shape = SHAPES[sname]
        for opt in args.opt.split(","):
            makers = {"numpy": partial(numpy_step, shape, opt),
                      "dlcore": partial(dlcore_step, shape, opt)}
            if not args.no_torch and opt != "ftrl":      # (torch.optim has no FTRL)
                makers["torch"] = partial(torch_step, shape, opt)
            if args.nofold:
                makers["nofold"] = partial(dlcore_step, shape, opt, fold=False)
            r = measure(makers, args.rounds, args.steps)
            tt = r.get("torch", float("nan"))
            print(f"{sname:7} {opt:9} {r['numpy']:9.0f} {tt:9.0f} {r['dlcore']:10.0f} "
                  f"{r['dlcore'] / r['numpy']:7.2f} {r['dlcore'] / tt:7.2f}" +
                  (f"  (no fold {r['nofold']:.0f} us, {r['nofold'] / r['numpy']:.2f})"
                   if "nofold" in r else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
