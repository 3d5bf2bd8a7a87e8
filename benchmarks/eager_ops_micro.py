"""Per-operation overhead of dlcore_eager against PyTorch on tiny tensors (issue 19).

    python -m benchmarks.eager_ops_micro                 # every row, pinned to one thread
    python -m benchmarks.eager_ops_micro view getitem    # rows whose name contains a word

First the everyday ops on 1-element tensors (add, mul, sub, neg, relu, exp, a number added,
sum, a 1x1 product, torch.add), where only per-call overhead is left.  Then the ops that
programs made of thousands of small steps use most (a BiLSTM-CRF, a char-RNN, a
tree network): elementwise add/mul, mm/matmul, F.linear, cat/stack, indexing (int, slice,
tensor), view/t, activations, log_softmax, reductions, and the backward of a small chain; on
shapes 1xH and HxH (H = 32); then the eager lane's targets on 4x8 tensors without grad
(reductions, softmaxes, joins, unary ops, transpose/view/reshape, clamp/clamp_min/clamp_max
with number bounds, also on 1 element), some of them again on
tensors that require grad, and a 10-op chain's backward; then backward-only rows (a mean, a
cross-entropy, grad() of a small layer) and create_graph gradients.  Both libraries run in the same process, one thread each (the
thread policy of ``benchmarks.threads``), interleaved row by row, and each row keeps the best
of several rounds of CPU time (``time.process_time``: another process on a shared machine adds
wall time, not CPU time).  Measured, never asserted in tests.
"""

from __future__ import annotations

import sys
import time

from .threads import apply_after_imports, apply_before_imports, choose

_POLICY = None
if __name__ == "__main__":
    _POLICY = choose(1)
    apply_before_imports(_POLICY)

import numpy as np  # noqa: E402 - after the thread policy


def rows(T, H: int = 32) -> dict:
    """Row name -> a zero-argument step for library ``T`` (torch or dlcore_eager)."""
    F = T.nn.functional
    rng = np.random.default_rng(0)

    def t(*shape, rg=False):
        x = T.from_numpy(rng.standard_normal(shape).astype(np.float32))
        return x.requires_grad_(True) if rg else x

    v1, v2 = t(1, H, rg=True), t(1, H, rg=True)
    W, b, M = t(H, H, rg=True), t(H, rg=True), t(H, H)
    E = t(100, H, rg=True)
    idx = T.from_numpy(np.array([1, 3, 5]))

    def chain():
        T.tanh(F.linear(v1, W, b)).sum().backward()

    x, y = t(4, 8), t(4, 8)                     # the lane's targets (issue 19): 4x8, no grad
    g, h = t(4, 8, rg=True), t(4, 8, rg=True)

    def chain10():                              # ten ops on 4x8 tensors, then backward
        z = (g * h).exp().neg().relu() + g
        (z * h).softmax(1).log().mean(0).sum().backward()

    tgt = T.from_numpy(np.array([1, 0, 7, 3]))

    def grad_linear():                          # grad() of a small layer's loss (no .grad)
        T.autograd.grad(T.tanh(F.linear(v1, W, b)).sum(), (W, b))

    def cg_square_mean():                       # create_graph: a gradient penalty's pattern
        T.autograd.grad((g * g).mean(), g, create_graph=True)

    def cg_softmax():
        T.autograd.grad(T.softmax(g, 1).pow(2).sum(), g, create_graph=True)

    s1, s2, m1 = t(1), t(1), t(1, 1)           # 1-element tensors (issue 19's everyday ops)
    v20, y20 = t(20), t(20)                     # the everyday API's long tail (20 values)
    mask20 = v20 > 0.0
    i20 = T.arange(20)
    w8, u8 = t(8, 8), t(8)

    def fill(z):
        return lambda: z.fill_(0.5)

    return {
        "add 1 element": lambda: s1 + s2,
        "mul 1 element": lambda: s1 * s2,
        "sub 1 element": lambda: s1 - s2,
        "neg 1 element": lambda: -s1,
        "relu 1 element": lambda: T.relu(s1),
        "exp 1 element": lambda: s1.exp(),
        "add number 1 element": lambda: s1 + 2.0,
        "sum 1 element": lambda: s1.sum(),
        "matmul 1x1 @ 1x1": lambda: m1 @ m1,
        "torch.add 1 element": lambda: T.add(s1, s2),
        "add 1xH": lambda: v1 + v2,
        "mul 1xH": lambda: v1 * v2,
        "add HxH no grad": lambda: M + M,
        "mm 1xH @ HxH": lambda: v1.mm(W),
        "matmul 1xH @ HxH": lambda: T.matmul(v1, W),
        "F.linear 1xH": lambda: F.linear(v1, W, b),
        "cat 2 x 1xH": lambda: T.cat([v1, v2], 1),
        "stack 2 x 1xH": lambda: T.stack([v1, v2]),
        "getitem int": lambda: E[3],
        "getitem slice": lambda: E[3:4],
        "getitem tensor": lambda: E[idx],
        "view(-1) HxH": lambda: W.view(-1),
        "t() HxH": lambda: W.t(),
        "tanh 1xH": lambda: T.tanh(v1),
        "sigmoid 1xH": lambda: T.sigmoid(v1),
        "relu 1xH": lambda: T.relu(v1),
        "log_softmax 1xH": lambda: F.log_softmax(v1, dim=1),
        "sum 1xH": lambda: v1.sum(),
        "max(x, 1) 1xH": lambda: v1.max(1),
        "argmax 1xH": lambda: v1.argmax(),
        "backward linear-tanh-sum": chain,
        "sum 4x8": lambda: x.sum(),
        "sum(1) 4x8": lambda: x.sum(1),
        "mean 4x8": lambda: x.mean(),
        "max(x, 1) 4x8": lambda: x.max(1),
        "argmax(1) 4x8": lambda: x.argmax(1),
        "cat 2 x 4x8": lambda: T.cat([x, y], 1),
        "stack 2 x 4x8": lambda: T.stack([x, y]),
        "softmax 4x8": lambda: T.softmax(x, 1),
        "log_softmax 4x8": lambda: F.log_softmax(x, dim=1),
        "relu 4x8": lambda: T.relu(x),
        "exp 4x8": lambda: x.exp(),
        "neg 4x8": lambda: -x,
        "transpose 4x8": lambda: x.transpose(0, 1),
        "view(-1) 4x8": lambda: x.view(-1),
        "reshape(-1) 4x8": lambda: x.reshape(-1),
        "clamp(-0.5, 0.5) 1 element": lambda: s1.clamp(-0.5, 0.5),
        "clamp(-0.5, 0.5) 4x8": lambda: x.clamp(-0.5, 0.5),
        "torch.clamp(min=0) 4x8": lambda: T.clamp(x, min=0.0),
        "clamp_min(0) 4x8": lambda: x.clamp_min(0.0),
        "clamp_max(0) 4x8": lambda: x.clamp_max(0.0),
        # the same targets on 4x8 tensors that require grad (the tape node recorded)
        "sum(1) 4x8 grad": lambda: g.sum(1),
        "max(x, 1) 4x8 grad": lambda: g.max(1),
        "cat 2 x 4x8 grad": lambda: T.cat([g, h], 1),
        "stack 2 x 4x8 grad": lambda: T.stack([g, h]),
        "softmax 4x8 grad": lambda: T.softmax(g, 1),
        "relu 4x8 grad": lambda: T.relu(g),
        "exp 4x8 grad": lambda: g.exp(),
        "view(-1) 4x8 grad": lambda: g.view(-1),
        "clamp(-0.5, 0.5) 4x8 grad": lambda: g.clamp(-0.5, 0.5),
        "backward 10-op chain 4x8": chain10,
        # backward-only cases (the forward is one or two ops) and create_graph's
        "backward mean 4x8": lambda: g.mean().backward(),
        "backward cross_entropy 4x8": lambda: F.cross_entropy(g, tgt).backward(),
        "backward grad() linear-tanh-sum": grad_linear,
        "backward create_graph (x*x).mean() 4x8": cg_square_mean,
        "backward create_graph softmax 4x8": cg_softmax,
        # the everyday long tail (sixty-fourth session): factories, truth tests, integer
        # index arithmetic, in-place writes, vector products, diag/unique/repeat_interleave
        "torch.zeros(20, 4)": lambda: T.zeros(20, 4),
        "torch.full((20,), -1)": lambda: T.full((20,), -1),
        "torch.tensor([1., 2., 3.])": lambda: T.tensor([1.0, 2.0, 3.0]),
        "torch.arange(2, 10)": lambda: T.arange(2, 10),
        "x.new_zeros(3)": lambda: v20.new_zeros(3),
        "mask.any() 20": lambda: mask20.any(),
        "mask.all() 20": lambda: mask20.all(),
        "torch.isnan 20": lambda: T.isnan(v20),
        "int64 % 3 20": lambda: i20 % 3,
        "x.fill_(0.5) 20": fill(t(20)),
        "x.copy_(y) 20": lambda: v20.copy_(y20),
        "x.masked_fill_(m, 0) 20": lambda: t(20).masked_fill_(mask20, 0.0),
        "torch.mv 8x8 @ 8": lambda: T.mv(w8, u8),
        "torch.diag 20": lambda: T.diag(v20),
        "torch.unique int64 20": lambda: T.unique(i20 % 4),
        "repeat_interleave(2) 20": lambda: v20.repeat_interleave(2),
    }


def cpu_us(fn, number: int) -> float:
    c = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - c) / number * 1e6


def compare(only=None, number: int = 2000, rounds: int = 5) -> dict:
    """Row -> (torch us, dlcore us), best of ``rounds`` interleaved rounds."""
    import torch

    import dlcore_eager
    if _POLICY is not None:
        apply_after_imports(_POLICY)
    else:
        torch.set_num_threads(1)
    rt, rd = rows(torch), rows(dlcore_eager)
    out = {}
    for name in rt:
        if only and not any(w in name for w in only):
            continue
        ft, fd = rt[name], rd[name]
        for _ in range(50):                     # warm: compilation, rule caches
            ft()
            fd()
        n = number // 10 if name.startswith("backward") else number
        bt = bd = float("inf")
        for _ in range(rounds):
            bt = min(bt, cpu_us(ft, n))
            bd = min(bd, cpu_us(fd, n))
        out[name] = (bt, bd)
    return out


def main() -> None:
    import os
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU time per call, "
          "best of 5 interleaved rounds, 1 thread each")
    if _POLICY is not None:
        print(_POLICY.describe())
    for name, (bt, bd) in compare(sys.argv[1:] or None).items():
        print(f"{name:38s} torch {bt:7.2f} us   dlcore {bd:7.2f} us   ratio {bd / bt:5.2f}",
              flush=True)


if __name__ == "__main__":
    main()
