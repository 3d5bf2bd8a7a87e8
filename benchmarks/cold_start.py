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

Measured on the 2-core shared machine (session 9, CPU seconds to the first step's result, one
run each; wall time was 3-4x CPU there, the machine being busy), before and after session 9's
cuts (Numba's BLAS probe deferred whichever module imports Numba first; a cache load that
initialises Numba's runtime only, not every typing/lowering registry; the stamps' parsed imports
kept on disk)::

    program        cold before  cold after   warm before  warm after   signatures (cold)
    eager              5.14        4.28          1.66         1.02          7
    static             3.41        3.36          1.23         1.01         10
    lenet_eager       21.11       21.14          1.97         1.19         27
    lenet_static      31.56       27.75          1.78         1.35         53
    lstm_eager        14.58       12.94          1.70         1.04         26
    lstm_static       24.25       15.96          1.51         1.17         37

The import is 0.44-0.50 s of each (Python 0.08, NumPy 0.14, a front end 0.27), Numba's own import
0.33 s of the rest, and a warm load 9-14 ms per signature.  With an empty cache nearly all of it
is Numba compiling, 0.15 s for a trivial loop and 0.5-2.5 s for a kernel: by ``--detail``, the
2x2 max pool's two signatures (values, indices) 2.5 s each, the direct convolutions and filter
gradients 1.2-2 s each, PyTorch's bit-exact Box-Muller 2 s, the cross-entropy's six dispatchers
3 s; ``inline="always"`` helpers cost Numba an IR copy per call site (3 s of LeNet-5's 21).
(lstm_static's and lenet_static's cold figures moved with other changes to the Keras RNN and
compiler code made at the same time, not only these.)

The fortieth session's runs (the AMD EPYC Zen 4 machine, CPU seconds; warm in parentheses),
at its start: eager 3.24 (0.66), static 1.66 (0.66), lenet_eager 15.90 (0.74), lenet_static
16.01 (0.82), lstm_eager 6.78 (0.70), lstm_static 8.92 (0.58); at its end: eager 1.86 (0.64),
static 1.34 (0.52), lenet_eager 12.09 (0.75), lenet_static 14.51 (0.56), lstm_eager 4.78
(0.52), lstm_static 8.20 (0.52).  Its cuts: a process's first ``uniform_`` and ``randn``
draws computed by NumPy twins of PyTorch's bit-exact kernels (``_torch_rng._exact_in_double``,
``dlcore_eager/_box_muller_numpy.py``: ``uniform32`` 0.4 s and ``box_muller_avx2`` 0.6-1.1 s
no longer compiled by a program whose only draws are its data and initial weights); MKL's
sgemm called from Python through one 'A'-layout signature (``_gemm_mkl_jit.gemm_any``: the
seed MLP's four products compiled 1.81-1.86 s before, 1.09-1.16 s after); no parallel loop
compiled where Numba has one thread (``runtime.parallel_ok``; the pinned Keras IMDB LSTM
10.4 -> 7.9 s of compilation).

Then (helper-C9b, same machine, one run each, CPU s cold/warm): the 2x2 max pool compiles one
signature for values and indices (was two of ~2.2 s), the LSTM gate kernels one layout each
(``c0`` passed with the later steps' layout), Box-Muller's ``_f``/``_fma`` not inlined by Numba:
lenet_eager 17.5/1.09 (29 signatures), lenet_static 24.3/1.35 (52), lstm_eager 10.9/0.99,
lstm_static 15.7/1.19, eager 3.93/0.98, static 3.13/0.97.  Left: the direct convolutions and
their gradients (~7 s of LeNet-5's cold step, ``inline="always"`` block kernels whose constant
``acc`` LLVM folds), the cross-entropy's dispatchers (~3 s).

Python's own bytecode cache counts too: with ``PYTHONDONTWRITEBYTECODE`` set (as on the
sandboxes where dlcore is developed) no ``.pyc`` is written for an editable checkout, and every
import compiles dlcore's modules from source again: 0.42 s of the eager import's CPU time.  The
run says so; an installed package (pip writes the ``.pyc`` files) or
``PYTHONPYCACHEPREFIX=/some/folder`` without that setting (run once first to fill it) measures
what users get.

Re-measured by helper verify19 on the Zen 5 EPYC (family 26), ``--programs eager,static
--repeat 3 --warm 2`` under ``taskset -c 1``, load 1.5-3, CPU s from process start (import
0.9-1.0 of each, bytecode not cached): eager cold 2.18-2.33, warm 1.11-1.19 (0.19-0.23 after
the import: issue 19's "first eager step under 2 s once Numba's cache is warm"); static cold
1.92-1.99 (the compiled first step 0.93-1.01; issue 19's 4 s), warm 1.16-1.46.

Session 24 (helper cold24), a fresh Intel Xeon (AVX-512, 2 cores) whose kernel cache started
empty, CPU s from process start.  First run (10:15 UTC, load 2-4, no ``.pyc``, at 372b3276):
cold/warm eager 1.77/0.81, static 1.29/0.80, lenet_eager 6.06/0.86, lenet_static 9.09/0.93,
lstm_eager 4.12/0.80, lstm_static 6.52/0.89; import 0.63 of each, 0.48 of it ml_dtypes' (its
import registers a dozen dtypes with every NumPy ufunc).  ml_dtypes is now imported when
bfloat16 is first needed (71a1c877, see dlcore.dtypes).  Before and after, side by side
(3f3a22d4 and 71a1c877, ``.pyc`` files present as a pip install has them; load 6-9 from the
cold test suite; one cold and two warm runs each)::

    program        cold before  cold after   warm before  warm after   import before/after
    eager              1.84        1.38       0.84-0.84    0.35-0.35      0.65 / 0.18
    static             1.38        0.87       0.85-0.87    0.36-0.36      0.65 / 0.18
    lenet_eager        6.48        6.09       0.87-0.88    0.42-0.44      0.64 / 0.17
    lenet_static       9.12        8.75       0.94-0.95    0.49-0.49      0.67 / 0.18
    lstm_eager         4.08        3.68       0.83-0.86    0.37-0.38      0.64 / 0.18
    lstm_static        6.77        6.40       0.96-0.96    0.47-0.48      0.65 / 0.18

Every warm first step is now within issue 17's 1.0 s with room (0.35-0.49), and the seed
programs' cold ones within 1.5 s / 4 s.  Without ``.pyc`` files (this sandbox's
``PYTHONDONTWRITEBYTECODE``) the import is 0.4 s more: eager warm 1.23-1.36 -> 0.79-0.81 and
static 1.35-1.47 -> 0.90-0.93 at load 6-8, interleaved.  What is left of a warm step: the
import (0.17-0.19: NumPy 0.06, ~430 dlcore modules), Numba's own import (0.10) and the cache
loads (3-21 signatures, 0.02-0.07); the cold steps are Numba compiling (the 2x2 max pool 1.0 s,
the direct convolutions and filter gradients 0.45-0.6 s each, box_muller_avx2 0.4 s).
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
