"""Side-by-side timings of dlcore_eager and PyTorch eager (when installed), in one process.

    python -m dlcore_eager.bench            # tiny-op dispatch and the seed training step

Measured, never asserted in tests.  Prints microseconds per operation or step, the ratio to
PyTorch, and the settings that matter (threads, BLAS).  The best of several repeats is taken,
since a shared machine adds noise only upwards.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np


def best_us(fn, number: int, repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best * 1e6


def tiny_op(torch) -> float:
    a, b = torch.ones(1), torch.ones(1)
    return best_us(lambda: a + b, 20000)


def tiny_op_grad(torch) -> float:
    a, b = torch.ones(1, requires_grad=True), torch.ones(1)
    return best_us(lambda: a * b, 20000)


def seed_step(torch, n_steps: int = 50) -> float:
    """The seed's autograd training step: (N, D_in, H, D_out) = (64, 1000, 100, 10)."""
    N, D_in, H, D_out = 64, 1000, 100, 10
    torch.manual_seed(0)
    x = torch.randn(N, D_in)
    y = torch.randn(N, D_out)
    w1 = torch.randn(D_in, H, requires_grad=True)
    w2 = torch.randn(H, D_out, requires_grad=True)
    lr = 1e-6

    def step():
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        w1.grad = None
        w2.grad = None
        loss.backward()
        w1.data -= lr * w1.grad.data
        w2.data -= lr * w2.grad.data

    for _ in range(5):
        step()
    return best_us(step, n_steps, repeat=5)


def nn_step(torch, n_steps: int = 50) -> float:
    """The seed's nn + Adam step."""
    N, D_in, H, D_out = 64, 1000, 100, 10
    torch.manual_seed(0)
    x, y = torch.randn(N, D_in), torch.randn(N, D_out)
    model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(),
                                torch.nn.Linear(H, D_out))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    return best_us(step, n_steps, repeat=5)


def main() -> None:
    import dlcore_eager
    engines = {"dlcore_eager": dlcore_eager}
    try:
        import torch
        engines["torch"] = torch
    except ImportError:
        torch = None
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, cores {os.cpu_count()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
          + (f", torch {torch.__version__} threads {torch.get_num_threads()}" if torch else ""))
    rows = [("tiny add (1 element), us", tiny_op), ("tiny mul, input requires grad, us",
                                                   tiny_op_grad),
            ("seed autograd step (64,1000,100,10), us", seed_step),
            ("seed nn + Adam step, us", nn_step)]
    for label, fn in rows:
        res = {name: fn(mod) for name, mod in engines.items()}
        line = f"{label:42s}" + "".join(f"  {k} {v:9.1f}" for k, v in res.items())
        if "torch" in res:
            line += f"   ratio {res['dlcore_eager'] / res['torch']:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
