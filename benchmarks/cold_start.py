"""``python -m benchmarks.cold_start``: real programs' first training step, timed from process
start, with an empty kernel cache (a first run) and then with the cache it filled.

Each program runs in a fresh Python process whose ``DLCORE_CACHE_DIR`` is a new temporary
folder (so the shared per-user cache is neither read nor touched): ``cold`` is the first
process, ``warm`` a second one on the cache the first wrote.  The programs
(:mod:`benchmarks.cold_start_programs`), as the seed notes and the PyTorch/Keras tutorials write
them:

* ``eager``: the seed's two-layer ``nn.Sequential`` MLP (64, 1000, 100, 10), summed MSE, Adam;
* ``static``: the seed's MLP (64, 1000, 100, 1000), ``GradientDescentOptimizer.minimize`` in a
  ``Session(passes="all")``;
* ``lenet_eager``: LeNet-5 as PyTorch's "Neural Networks" tutorial writes it (conv 5x5, relu,
  max-pool, three Linear layers, ``CrossEntropyLoss``, SGD with momentum), a batch of 16 32x32;
* ``lenet_static``: the same LeNet-5 as a ``keras.Sequential`` (``Conv2D``/``MaxPooling2D``/
  ``Flatten``/``Dense``), sparse categorical cross-entropy from logits, SGD with momentum,
  ``train_on_batch``;
* ``lstm_eager``: ``nn.LSTM(16, 32, batch_first=True)`` and a ``Linear`` on the last step,
  cross-entropy, Adam (batch 16, 20 steps);
* ``lstm_static``: ``keras.Sequential([LSTM(32), Dense(4)])``, Adam, ``train_on_batch``.

One step is forward, backward, the optimizer's update and the loss read back.  The processes run
with ``DLCORE_OPTIMIZE_AFTER=1`` (a static plan, the Keras ones included, is optimised and
compiled before its first run instead of its second, so the first step is the compiled engine's:
passes, code generation and Numba's compilation or cache load included) and with every thread
pool at one thread (``--threads``).

Printed per program and cache state, as CPU time of the process (user + system; the figure to
compare on a shared machine, where wall time includes waiting for a core) from the interpreter's
start: the whole first step (and its wall time), then its parts: ``import`` (the framework),
``build`` (model, optimizer, data; the graph for the static programs), ``step`` (the first
training step), and, overlapping those, the Numba dispatcher signatures *compiled* and *loaded*
from the disk cache, with the CPU time spent in each (a dispatcher's own time, without the
nested compilations of what it calls; Numba's one-time start-up, its typing and lowering
registries, falls in the first one).  ``--detail N`` lists the N costliest signatures of each run.
Targets: every program's warm first step within 1.0 s; with an empty cache, the seed programs
within 1.5 s (eager) and 4 s (static) (issue 17).

``--after-warmup`` runs ``python -m dlcore.warmup`` once into a folder of its own first, and
adds a state ``wup`` per program: its first run on a copy of that folder (a machine where the
warm-up ran, then this program, whose shapes are not the warm-up's).  Session 47, the 2-core
Intel Xeon, CPU s, cold -> wup (the warm-up: 41 s of wall time): eager 1.36 -> 0.63, static
1.88 -> 1.28, lenet_eager 6.58 -> 0.69, lstm_eager 4.89 -> 0.58 (nothing compiled),
lenet_static 9.97 -> 4.07, lstm_static 8.33 -> 3.89 (their plans' own segments compiled, 10
and 8 signatures).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcore.warmup import warmup

from .cold_start_programs import PRELUDE, PROGRAMS, WARM_TARGET_S

ROOT = Path(__file__).resolve().parent.parent
POOL_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def run_once(source: str, cache: str, threads: int = 1) -> dict:
    """Run ``PRELUDE + source`` in a fresh process on the kernel cache folder ``cache``; returns
    its report: ``marks`` (name -> [wall, CPU] seconds since the process started) and ``jit``
    (one ``[kind, function, signature, own CPU seconds]`` per dispatcher signature)."""
    env = dict(os.environ, DLCORE_CACHE_DIR=cache, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update({k: str(threads) for k in POOL_VARS})
    env.pop("NUMBA_CACHE_DIR", None)                  # would bypass the dlcore cache folder
    start = time.time()
    code = f"START = {start!r}\n" + PRELUDE + source
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=900, check=False)
    if out.returncode:
        raise RuntimeError(f"the program failed:\n{out.stderr[-2000:]}")
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("COLD_START ")]
    if not lines:
        raise RuntimeError(f"the program printed no report:\n{out.stdout[-2000:]}")
    return json.loads(lines[-1][len("COLD_START "):])


def summary(report: dict) -> dict:
    """The table's figures of one run's report (seconds, counts)."""
    m = report["marks"]
    row = {"wall": m["step"][0], "cpu": m["step"][1], "import": m["import"][1],
           "build": m["built"][1] - m["import"][1], "step": m["step"][1] - m["built"][1]}
    for kind in ("compiled", "loaded"):
        own = [j[3] for j in report["jit"] if j[0] == kind]
        row[kind] = len(own)
        row[kind + "_s"] = sum(own)
    return row


HEADER = (f"{'program':13s} {'cache':5s} {'CPU':>6s} {'wall':>6s} {'import':>6s} {'build':>6s}"
          f" {'step':>6s} {'compiled n/CPU':>15s} {'loaded n/CPU':>13s}  target")


def format_row(name: str, state: str, r: dict, target: float | None) -> str:
    return (f"{name:13s} {state:5s} {r['cpu']:6.2f} {r['wall']:6.2f} {r['import']:6.2f}"
            f" {r['build']:6.2f} {r['step']:6.2f} {r['compiled']:6d}/{r['compiled_s']:6.2f} s"
            f" {r['loaded']:4d}/{r['loaded_s']:5.2f} s  "
            + (f"{target} s" if target is not None else "-"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.cold_start",
                                description=__doc__.split("\n")[0])
    p.add_argument("--programs", default=",".join(PROGRAMS),
                   help=f"comma-separated, of: {', '.join(PROGRAMS)}")
    p.add_argument("--repeat", type=int, default=1, help="cold/warm pairs per program")
    p.add_argument("--warm", type=int, default=1, help="warm runs after each cold one")
    p.add_argument("--threads", type=int, default=1, help="threads of every pool (default 1)")
    p.add_argument("--detail", type=int, default=0, metavar="N",
                   help="list the N costliest dispatcher signatures of each run")
    p.add_argument("--after-warmup", action="store_true",
                   help="also run each program once on a copy of a cache filled by "
                        "'python -m dlcore.warmup' (state 'wup'; the warm-up runs first, once)")
    args = p.parse_args(argv)
    names = args.programs.split(",")
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        p.error(f"unknown program(s) {', '.join(unknown)}; known: {', '.join(PROGRAMS)}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: unless .pyc files exist, each import "
              "compiles dlcore from source (see the module docstring)")
    print("CPU seconds from process start (wall for 'wall'); compiled/loaded: Numba dispatcher "
          "signatures and their own CPU time")
    with contextlib.ExitStack() as stack:
        warmed = None
        if args.after_warmup:
            warmed = stack.enter_context(tempfile.TemporaryDirectory(prefix="dlcore-wup-"))
            start = time.perf_counter()
            failed = [r for r in warmup(cache_dir=warmed) if r.error is not None]
            if failed:
                raise RuntimeError(f"the warm-up failed: {failed[0].program} "
                                   f"({failed[0].tier}): {failed[0].error}")
            print(f"warm-up (python -m dlcore.warmup): {time.perf_counter() - start:.1f} s of "
                  "wall time; state 'wup': a copy of its cache, the program's first run on it")
        print(HEADER)
        for name in names:
            source, cold_target = PROGRAMS[name]
            for _ in range(args.repeat):
                _states(name, source, cold_target, args, warmed)
    return 0


def _states(name: str, source: str, cold_target, args, warmed: str | None) -> None:
    """One program's cold run, its warm runs after it, and (``warmed``: a warm-up's cache
    folder) its first run on a copy of that folder."""
    with tempfile.TemporaryDirectory(prefix="dlcore-cold-") as cache:
        runs = [("cold", cache)] + [("warm", cache)] * args.warm
        if warmed is not None:
            copy = os.path.join(cache, "after-warmup")
            shutil.copytree(warmed, copy)
            runs.append(("wup", copy))
        for state, folder in runs:
            report = run_once(source, folder, args.threads)
            target = cold_target if state == "cold" else WARM_TARGET_S
            print(format_row(name, state, summary(report), target), flush=True)
            for kind, fn, sig, own in sorted(report["jit"], key=lambda j: -j[3])[:args.detail]:
                print(f"    {own:6.3f} s {kind:8s} {fn}{sig}")


if __name__ == "__main__":
    sys.exit(main())
