"""``python -m benchmarks.compile_time``: how the static compiler's compile time grows with depth
(issue 19: a plan of any depth compiles in seconds, a 10,000-deep chain within 10x of the
1,000-deep one, the cold first compiled step under 4 s).

Each (workload, depth) runs twice in fresh Python processes sharing a new temporary
``DLCORE_CACHE_DIR`` (the shared per-user cache is neither read nor touched): ``cold`` is the
first process (Numba compiles every generated segment), ``warm`` the second (Numba loads the
compiled segments from the disk cache the first process wrote).  Per process, CPU time
(``time.process_time``: the figure to compare on a shared machine) of each phase:

=========  ==================================================================================
build      building the graph (ops, and for ``train`` the gradients and the optimizer step)
plan       the Session's plan (pruning to the fetches, the interpreter's steps)
ir         the plan copied into the compiler's IR (``ir.from_plan``) and lowered back
passes     the graph passes: prune, constant_folding, simplify, cse, fusion (their sum)
codegen    the compile pass: scheduling, segments' source, writing and importing the modules
first      the first ``Session.run``: Numba compiles (cold) or loads (warm) every segment
step       a later ``Session.run`` (the steady state)
=========  ==================================================================================

and the number of generated segments and of distinct segment texts (equal layers share one
compiled file).  Workloads:

* ``ew``: ``h = tanh(h * c_i + d_i)`` on a (16,) placeholder, constants alternating between
  two values (so layers repeat), ``reduce_sum(h * h)``; N ops in the chain (2 per layer);
* ``train``: N/4 layers ``h = tanh(h @ W_i + b_i)`` (8x8 variables, batch 4), MSE loss,
  ``GradientDescentOptimizer(0.01).minimize``: forward, gradient and update of every layer.

    python -m benchmarks.compile_time                      # ew and train at 100, 1000, 10000
    python -m benchmarks.compile_time --depths 100 1000 --workloads ew

Measured on the shared 2-core machine (load 3-8), CPU seconds, total of the phases before the
steady step (first step alone in brackets), before -> after issue 19's fixes (0bc34f1: segment
arity bound, linear scheduler; 062b43c: glue binds names as default arguments; 15f0855: at most
5 inlined _fast32 forms per loop):

===========  =================================  ======================  ========
run          cold                               warm                    distinct
===========  =================================  ======================  ========
ew 100       2.40 (2.04)  -> 2.13 (1.81)        0.71 -> 0.62            1
ew 1000      11.6 (10.9)  -> 10.0 (9.39)        0.95 -> 0.88            4
ew 10000     (not run)    -> 12.5 (8.89)        -> 4.01                 4
train 100    16.5 (16.0)  -> 6.73 (6.33)        0.81 -> 0.73            5
train 1000   162.5 (160.2) -> 11.1 (9.60)       3.07 -> 1.87            6 -> 7
train 10000  (28.4 after 0bc34f1) -> 22.8       (22.8) -> 14.5          7
===========  =================================  ======================  ========

10,000 against 1,000 deep: ew cold 1.25x, warm 4.6x; train cold 2.1x, warm 7.7x (the warm
remainder is linear Python: graph build 3.3 s, IR 2.2 s, passes 2.6 s, code generation 5.5 s
for 2,500 layers with gradients).  Between 0bc34f1 and 15f0855 the float32 tanh chains took
60 s cold at N=100 (each inlined _fast32 form made LLVM slower, superlinearly).

The warm Python phases, profiled by phase with cProfile (helper-D, 234e1a8..a4dc518): the
cyclic garbage collector walked every live object (1.8 million at train 10000) many times
while the plan was built (now paused: dlcore_static/_gc_pause.py, around plan building,
tf.gradients and minimize, with one full collection after when CPython would soon run one);
constant folding inserted and redirected per folded node (quadratic; now one scan); classify
emitted every node on trial (now once per distinct node); prune made a new control list per
node; the passes' input program was copied for ``Report.programs`` (now remade on demand);
np.dtype.name per emitted cast.  Warm cache, CPU s, two interleaved rounds of old (5df7a49)
and new (ff72c52) trees at load 7-8 (higher than the table above's):

===========  =====  =====  =====  ======  =======  =====  =====  ============
run          build  plan   ir     passes  codegen  first  total  (before)
===========  =====  =====  =====  ======  =======  =====  =====  ============
ew 1000      0.13   0.04   0.03   0.06    0.39     0.35   1.0    1.03-1.14
ew 10000     1.25   0.29   0.36   0.67    0.67     0.35   3.6    4.82-5.04
train 1000   0.35   0.05   0.11   0.16    0.76     0.47   1.9    2.29-2.46
train 10000  3.75   0.86   1.25   1.78    4.81     0.52   13.0   17.84-18.29
===========  =====  =====  =====  ======  =======  =====  =====  ============

(train 10000 before: build 4.2, plan 0.73, ir 2.6, passes 3.1, codegen 6.9, first 0.53.)
Every phase now grows about linearly with depth (10,000 against 1,000: ew 3.6x, train 6.8x;
7.7x before).  Of train 10000's code generation, ~1.2 s is CPython compiling the 2.5 MB glue
module because this machine sets PYTHONDONTWRITEBYTECODE=1: with bytecode caching on (a user's
default) the warm import takes 0.04 s.  Left: the segments' emission (~1.8 s: one
``Emitter.node`` per node of 5,577 segments that have 7 distinct texts; caching a segment's
text by its structure would skip it) and the graph build itself (3.7 s for 70,000 ops).


Re-measured by helper verify19 on the 2-core AMD EPYC (Zen 5, family 26), pinned
``taskset -c 1``, load 3-6, CPU s total before the steady step (cold / warm): ew 100 0.96 / 0.17,
ew 1000 3.75 / 0.28, ew 10000 5.01 / 1.30 (10000/1000: 1.3x / 4.6x; 59 segments, 4 distinct);
train 100 1.44 / 0.29, train 1000 2.56 / 1.31, train 10000 115.9 / - (code generation 111 s,
45x the 1,000-deep plan: ``source._zero_update`` scanned every node of the plan for each SGD
update, quadratic in depth).  With that scan run last (only a cond gradient's update reaches
it): train 1000 2.05 / 0.82, train 10000 6.87 / 6.39 (10000/1000: 3.4x / 7.8x; 9,999 segments,
5 distinct).  Of train 10000's warm 6.4 s: code generation 2.7, the plan 1.2 (mostly the
full garbage collection after building, by cProfile), the IR 1.1 (by cProfile half of it
``_locations.line_at``, which scans the building frame's line table once per node), build
0.6, passes 0.7."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("build", "plan", "ir", "passes", "codegen", "first", "step")

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
import numpy as np
import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import codegen, ir

workload, n = sys.argv[1], int(sys.argv[2])
for kv in sys.argv[3:]:                 # experiments: source.NAME=value
    from dlcore_static.compiler import segments, source
    k, v = kv.split("=")
    for mod in (source, segments):      # (segments.py holds MAX_SEGMENT_ARGS too)
        if hasattr(mod, k.split(".")[1]):
            setattr(mod, k.split(".")[1], int(v))
T = {"ir": 0.0, "passes": 0.0, "codegen": 0.0}
clock = time.process_time

def timed(mod, name, key):
    f = getattr(mod, name)
    def wrapper(*a, **k):
        t0 = clock()
        try:
            return f(*a, **k)
        finally:
            T[key] += clock() - t0
    setattr(mod, name, wrapper)

timed(compiler, "from_plan", "ir")
timed(compiler, "lower", "ir")
timed(compiler, "_apply_pass", "passes")
timed(codegen, "compile_plan", "codegen")

rng = np.random.default_rng(0)
t0 = clock()
if workload == "ew":
    x = tf.placeholder(tf.float32, (16,))
    h = x
    for i in range(n // 2):
        h = tf.tanh(h * (0.9 if i % 2 else 1.1) + (0.1 if i % 2 else -0.1))
    fetches = tf.reduce_sum(h * h)
    feed = {x: rng.standard_normal(16).astype(np.float32)}
else:
    x = tf.placeholder(tf.float32, (4, 8))
    y = tf.placeholder(tf.float32, (4, 8))
    h = x
    for i in range(max(1, n // 4)):
        w = tf.Variable(rng.standard_normal((8, 8)).astype(np.float32) * 0.3)
        b = tf.Variable(np.zeros(8, np.float32))
        h = tf.tanh(tf.matmul(h, w) + b)
    loss = tf.reduce_mean((h - y) ** 2)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    fetches = [loss, train]
    feed = {x: rng.standard_normal((4, 8)).astype(np.float32),
            y: rng.standard_normal((4, 8)).astype(np.float32)}
T["build"] = clock() - t0
sess = tf.Session(passes="all")
if workload == "train":
    sess.run(tf.global_variables_initializer())
t0 = clock()
plan = sess.plan(fetches, feed)
rep = plan.compiler          # a Session's plan is optimised on demand: this runs the passes
total = clock() - t0
T["plan"] = total - T["passes"] - T["ir"] - T["codegen"]
t0 = clock()
sess.run(fetches, feed)
T["first"] = clock() - t0
t0 = clock()
for _ in range(3):
    sess.run(fetches, feed)
T["step"] = (clock() - t0) / 3
T["segments"] = rep.codegen.get("segments", 0)
T["distinct"] = rep.codegen.get("distinct_segments", 0)
T["compiled"] = bool(rep.compiled)
print("RESULT " + json.dumps(T))
"""


def measure(workload: str, depth: int, cache: str, timeout: float, extra=()) -> dict:
    env = dict(os.environ, DLCORE_CACHE_DIR=cache, OMP_WAIT_POLICY="PASSIVE",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, workload, str(depth), *extra], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=timeout, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{workload} N={depth} failed:\n{out.stderr[-3000:]}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depths", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--workloads", nargs="+", default=["ew", "train"], choices=["ew", "train"])
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--set", nargs="*", default=[], metavar="source.NAME=N",
                    help="override a bound of compiler/source.py or segments.py (experiments)")
    args = ap.parse_args(argv)
    print("CPU seconds per phase (process_time), one thread, fresh DLCORE_CACHE_DIR per row")
    head = f"{'workload':8s} {'N':>6s} {'cache':5s} " + " ".join(f"{p:>8s}" for p in PHASES) + \
        f" {'total':>8s} {'segs':>5s} {'distinct':>8s}"
    print(head)
    for wl in args.workloads:
        for n in args.depths:
            with tempfile.TemporaryDirectory(prefix="dlcore_compile_time_") as cache:
                for state in ("cold", "warm"):
                    r = measure(wl, n, cache, args.timeout, args.set)
                    tot = sum(r[p] for p in PHASES if p != "step")
                    print(f"{wl:8s} {n:6d} {state:5s} " +
                          " ".join(f"{r[p]:8.3f}" for p in PHASES) +
                          f" {tot:8.2f} {r['segments']:5d} {r['distinct']:8d}"
                          + ("" if r["compiled"] else "  (not compiled)"), flush=True)


if __name__ == "__main__":
    main()
