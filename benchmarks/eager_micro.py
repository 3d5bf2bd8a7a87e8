"""Side-by-side timings of dlcore_eager and PyTorch eager (when installed), in one process.

    python -m benchmarks.eager_micro               # each library's own thread settings
    python -m benchmarks.eager_micro --threads 1   # pinned to one core (affinity), every pool 1

Measured, never asserted in tests.  Prints microseconds per operation or step, the ratio to
PyTorch, and the settings that matter (threads, BLAS).  The two libraries run in interleaved
rounds and the best round of each is kept, since a shared machine adds noise only upwards.
"""

from __future__ import annotations

import os
import sys
import time

from .threads import apply_after_imports, apply_before_imports, choose

_POLICY = None
if __name__ == "__main__" and "--threads" in sys.argv:
    # the harness's thread policy: CPU affinity and pool sizes, before numpy/torch load
    _POLICY = choose(int(sys.argv[sys.argv.index("--threads") + 1]))
    apply_before_imports(_POLICY)

import numpy as np  # noqa: E402 - after the thread policy


def best_us(fn, number: int, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best * 1e6


def interleaved(makers: dict, number: int, rounds: int = 7) -> dict:
    """``makers[name]()`` builds a step function; rounds alternate between the engines."""
    fns = {name: make() for name, make in makers.items()}
    for fn in fns.values():                      # warm up (compilation, caches)
        for _ in range(3):
            fn()
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], best_us(fn, number))
    return best


def tiny_op(torch):
    a, b = torch.ones(1), torch.ones(1)
    return lambda: a + b


def tiny_op_grad(torch):
    a, b = torch.ones(1, requires_grad=True), torch.ones(1)
    return lambda: a * b


def seed_step(torch, N=64, D_in=1000, H=100, D_out=10):
    """The seed's autograd training step: (N, D_in, H, D_out) = (64, 1000, 100, 10)."""
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
    return step


def seed_step_tiny(torch):
    """The same step at (2, 3, 4, 2): what is left is per-operation overhead."""
    return seed_step(torch, 2, 3, 4, 2)


def nn_step(torch):
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
    return step


def transformer_step(torch):
    """Forward and backward of a 2-layer TransformerEncoder (d_model 64, 4 heads, feed-forward
    256, sequence 32, batch 16) with the causal mask, dropout 0."""
    import warnings
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # enable_nested_tensor's notice
        model = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
            64, 4, dim_feedforward=256, dropout=0.0), 2)
    x = torch.tensor(np.random.default_rng(0).standard_normal((32, 16, 64)).astype(np.float32))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(32)

    def step():
        model.zero_grad()
        model(x, mask).sum().backward()
    return step


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
    if _POLICY is not None:
        apply_after_imports(_POLICY)
        print(_POLICY.describe())
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows = [("seed autograd step (64,1000,100,10), us", seed_step, 20),
            ("seed nn + Adam step, us", nn_step, 20),
            ("transformer encoder fwd+bwd (d64, 2 layers), us", transformer_step, 10),
            ("seed autograd step at (2,3,4,2), us", seed_step_tiny, 200),
            ("tiny add (1 element), us", tiny_op, 5000),
            ("tiny mul, input requires grad, us", tiny_op_grad, 5000)]
    # What the kernel alone costs, so the front end's own share of "tiny add" can be read off.
    from dlcore.ops.elementwise import add_p
    a = np.ones(1, np.float32)
    kernel = add_p.kernels["cpu"]
    k = min(best_us(lambda: kernel(a, a), 5000) for _ in range(7))
    n = min(best_us(lambda: np.add(a, a), 5000) for _ in range(7))
    print(f"{'tiny add: dlcore CPU kernel alone, us':42s}  {k:9.2f}   (np.add {n:.2f})")
    for label, fn, number in rows:
        res = interleaved({name: (lambda m=mod, f=fn: f(m)) for name, mod in engines.items()},
                          number)
        line = f"{label:42s}" + "".join(f"  {k} {v:9.1f}" for k, v in res.items())
        if "torch" in res:
            line += f"   ratio {res['dlcore_eager'] / res['torch']:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
