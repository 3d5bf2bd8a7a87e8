"""``python -m benchmarks.cpu_compare``: CPU time per step of a few engines on a few workloads,
measured in one process, interleaved, at one thread: the figure to quote on a shared machine.

``python -m benchmarks`` reports wall time (median of samples, with CPU/wall beside it); on a
machine that other processes keep busy, wall time moves with the load.  This script times each
engine's ``Prepared.step`` with ``time.process_time`` (this process's CPU time, every thread of
it), in ``--rounds`` rounds whose engine order rotates, after a warm-up (which is where
torch.compile, JAX and dlcore's compiled Session compile: their compile time is printed, as
CPU seconds of setup plus the first steps).  Every pool is pinned to one thread and the process to
one core first (``benchmarks/threads.py``), as ``python -m benchmarks --threads 1`` does.

    python -m benchmarks.cpu_compare --workloads seed_static,lenet5 \\
        --engines torch,torch_compile,jax,dlcore_static_passes
    python -m benchmarks.cpu_compare --size quick --workloads resnet_small --rounds 9

Printed per workload: each engine's median CPU ms per step (per epoch for the digits
classifiers), the spread (min..max of the rounds), its ratio to the first engine given, and its
setup CPU seconds (building, and for compiling engines their first steps' compilation).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from . import threads


def _warm(prep, n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        prep.step()
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.cpu_compare", description=__doc__)
    p.add_argument("--workloads", required=True, help="comma-separated workload names")
    p.add_argument("--engines", default="torch,torch_compile,jax,dlcore_static_passes,numpy",
                   help="comma-separated engine names; ratios are to the first")
    p.add_argument("--size", default="full", choices=("full", "quick", "tiny"))
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--sample-s", type=float, default=0.25,
                   help="CPU seconds per engine per round (steps are repeated to fill it)")
    args = p.parse_args(argv)
    policy = threads.choose(1)
    threads.apply_before_imports(policy)
    from . import engines as registry
    from .engines.base import Unsupported
    from .workloads import Classifier, suite

    wanted = args.workloads.split(",")
    wls = {w.name: w for w in suite(args.size)}
    unknown = [w for w in wanted if w not in wls]
    if unknown:
        p.error(f"unknown workloads for size {args.size}: {', '.join(unknown)}")
    engines = registry.load_all(args.engines.split(","))
    order = args.engines.split(",")
    engines = sorted((e for e in engines if e.available()[0]), key=lambda e: order.index(e.NAME))
    threads.apply_after_imports(policy)
    print(policy.describe(), "; pools:", "; ".join(policy.applied), flush=True)
    for name in wanted:
        wl = wls[name]
        unit = "epoch" if isinstance(wl, Classifier) else "step"
        preps, setup_s = {}, {}
        for e in engines:
            t0 = time.process_time()
            try:
                prep = e.setup(wl, "cpu")
                _warm(prep, 3 if unit == "step" else 1)
            except Unsupported:
                continue
            except Exception as exc:  # noqa: BLE001 (reported; the run goes on, as the harness)
                print(f"  {e.NAME}: failed ({type(exc).__name__}: {exc})", flush=True)
                continue
            threads.pin_process(policy.cpus)    # threads a compiler started meanwhile
            preps[e.NAME], setup_s[e.NAME] = prep, time.process_time() - t0
        reps = {}
        for n, prep in preps.items():
            per = _warm(prep, 2) / 2
            reps[n] = max(1, int(args.sample_s / max(per, 1e-6)))
        samples: dict[str, list[float]] = {n: [] for n in preps}
        names = list(preps)
        for r in range(args.rounds):
            k = r % max(len(names), 1)
            for n in names[k:] + names[:k]:
                samples[n].append(_warm(preps[n], reps[n]) / reps[n])
        print(f"{wl.name}: {wl.title}  (CPU ms per {unit}, median of {args.rounds} "
              f"interleaved rounds)", flush=True)
        base = statistics.median(samples[names[0]]) if names else 1.0
        for n in names:
            v = samples[n]
            med = statistics.median(v)
            print(f"  {n:22s} {med * 1e3:10.3f} ms  ({min(v) * 1e3:.3f}..{max(v) * 1e3:.3f})"
                  f"  {med / base:5.2f}x  setup+first {setup_s[n]:7.2f} s CPU", flush=True)
        for prep in preps.values():
            if prep.close is not None:
                prep.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
