"""``python -m benchmarks.cold_start``: the first training step of the seed programs, timed from
process start, with an empty kernel cache (a first run) and then with the cache it filled.

Each program runs in a fresh Python process whose ``DLCORE_CACHE_DIR`` is a new temporary
folder (so the shared per-user cache is neither read nor touched): ``cold`` is the first
process, ``warm`` a second one on the cache the first wrote.  Two programs, as the seed notes
write them:

* eager: ``import dlcore_eager as torch``; the two-layer ``nn.Sequential`` MLP (64, 1000, 100,
  10), summed MSE and Adam: one step (forward, backward, ``optimizer.step()``, ``loss.item()``);
* static: ``import dlcore_static as tf``; the seed's MLP (64, 1000, 100, 1000) with
  ``GradientDescentOptimizer(1e-5).minimize`` in a ``Session(passes="all")`` (the compiled
  engine): one ``sess.run([loss, updates])``.  A Session optimises a plan on its second run;
  the process runs with ``DLCORE_OPTIMIZE_AFTER=1`` so that this first step is the compiled
  one (passes, code generation and Numba's compilation or cache load included).

Printed per program and cache state: wall and CPU time (the process's own, user + system) from
the interpreter's start to the first step's result, and how much of it was the import.  CPU
time is the figure to compare on a shared machine (wall time then includes waiting for a core).
Targets (issue 17): eager under 1.5 s, static under 4 s.

Python's own bytecode cache counts too: with ``PYTHONDONTWRITEBYTECODE`` set (as on the
sandboxes where dlcore is developed) no ``.pyc`` is written for an editable checkout, and every
import compiles dlcore's modules from source again: 0.42 s of the eager import's CPU time.  The
run says so; an installed package (pip writes the ``.pyc`` files) or
``PYTHONPYCACHEPREFIX=/some/folder`` without that setting measures what users get.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CLOCK = """
import os, time
def _since_start():
    t = os.times()
    return time.time() - START, t.user + t.system
"""

EAGER = _CLOCK + """
import dlcore_eager as torch
w0, c0 = _since_start()
N, D_in, H, D_out = 64, 1000, 100, 10
x, y = torch.randn(N, D_in), torch.randn(N, D_out)
model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
loss = loss_fn(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
loss.item()
w1, c1 = _since_start()
print(w0, c0, w1, c1)
"""

STATIC = _CLOCK + """
import numpy as np
import dlcore_static as tf
w0, c0 = _since_start()
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.Variable(tf.random_normal((D, H)))
w2 = tf.Variable(tf.random_normal((H, D)))
h = tf.maximum(tf.matmul(x, w1), 0)
diff = tf.matmul(h, w2) - y
loss = tf.reduce_mean(tf.reduce_sum(diff * diff, axis=1))
updates = tf.train.GradientDescentOptimizer(1e-5).minimize(loss)
sess = tf.Session(passes="all")
sess.run(tf.global_variables_initializer())
sess.run([loss, updates], feed_dict={x: np.random.randn(N, D), y: np.random.randn(N, D)})
w1, c1 = _since_start()
print(w0, c0, w1, c1)
"""

PROGRAMS = {"eager": (EAGER, 1.5), "static": (STATIC, 4.0)}


def run_once(source: str, cache: str) -> tuple[float, float, float, float]:
    """(import wall, import CPU, total wall, total CPU) of one fresh process, in seconds."""
    env = dict(os.environ, DLCORE_CACHE_DIR=cache, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_CACHE_DIR", None)                  # would bypass the dlcore cache folder
    start = time.time()
    code = f"START = {start!r}\n" + source
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    if out.returncode:
        raise RuntimeError(f"the program failed:\n{out.stderr[-2000:]}")
    w0, c0, w1, c1 = (float(v) for v in out.stdout.split()[-4:])
    return w0, c0, w1, c1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.cold_start",
                                description=__doc__.split("\n")[0])
    p.add_argument("--programs", default="eager,static", help="comma-separated: eager, static")
    p.add_argument("--repeat", type=int, default=1, help="cold/warm pairs per program")
    args = p.parse_args(argv)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: unless .pyc files exist, each import "
              "compiles dlcore from source (see the module docstring)")
    print(f"{'program':8s} {'cache':5s} {'import wall/CPU':>17s} {'to 1st step wall/CPU':>21s}"
          f"  target")
    for name in args.programs.split(","):
        source, target = PROGRAMS[name]
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="dlcore-cold-") as cache:
                for state in ("cold", "warm"):
                    w0, c0, w1, c1 = run_once(source, cache)
                    print(f"{name:8s} {state:5s} {w0:8.2f}/{c0:5.2f} s {w1:10.2f}/{c1:5.2f} s"
                          f"  {target} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
