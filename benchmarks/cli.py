"""``python -m benchmarks``: run the side-by-side comparison and write the results.

    python -m benchmarks            # full comparison (about 10 minutes on 2 cores)
    python -m benchmarks --quick    # smaller sizes, under a minute (35 s on 2 busy cores)
    python -m benchmarks --tiny     # toy sizes, for the harness's own tests (numbers mean nothing)
    python -m benchmarks --list     # engines and workloads, with availability
    python -m benchmarks --engines numpy,torch --workloads seed_static,seed_eager

Threads: by default each engine gets the cores that other processes leave free (one on a busy
2-core machine), pinned by CPU affinity; ``--threads N`` sets it for every engine, JAX/XLA
included.  The policy is printed first (``benchmarks/threads.py``).

Results go to ``benchmarks/results/<timestamp>/`` (or ``--out``): ``results.json``,
``results.csv``, ``table.md`` and PNG pictures.  The folder is printed at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

from . import environment, threads

environment.fix_thread_settings()  # before any engine imports numba, torch or jax

DEFAULT_ROOT = Path(__file__).resolve().parent / "results"

#: left out of --quick unless named with --engines: each workload costs it 5-20 s of compiling
#: on a 2-core machine, which alone would break the one-minute promise.
QUICK_EXCLUDE = {"torch_compile": "left out of --quick (TorchInductor compiles for 5-20 s per "
                                  "workload here); run the full comparison or pass --engines"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    p.add_argument("--tiny", action="store_true",
                   help="toy sizes and few rounds, for the harness's tests (wins over --quick)")
    p.add_argument("--engines", help="comma-separated engine names (default: all)")
    p.add_argument("--workloads", help="comma-separated workload names or groups "
                   "(default: all)")
    p.add_argument("--threads", type=int, help="threads per engine, held for every engine by "
                   "CPU affinity and pool sizes (default: chosen from the cores and the load, "
                   "see benchmarks/threads.py)")
    p.add_argument("--device", choices=("cpu", "cuda", "all"), default="all",
                   help="cuda runs only when a GPU exists (default: all)")
    p.add_argument("--out", type=Path, help="results folder (default: benchmarks/results/<time>)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG pictures")
    p.add_argument("--list", action="store_true", help="list engines and workloads, then exit")
    return p.parse_args(argv)


def gpu_present() -> tuple[bool, str]:
    """A real CUDA GPU for any engine (the simulator does not count)."""
    reasons = []
    # torch is asked only when a torch engine of this run has imported it (its import is
    # 2-4 s of CPU that a numpy/dlcore-only run does not need)
    if importlib.util.find_spec("torch") is None:
        reasons.append("torch not installed")
    elif "torch" not in sys.modules:
        reasons.append("no torch engine in this run")
    else:
        import torch

        if torch.cuda.is_available():
            return True, "torch sees a GPU"
        reasons.append("torch.cuda.is_available() is False")
    try:
        import dlcore

        if dlcore.cuda_available() and not dlcore.cuda_simulator():
            return True, "numba.cuda sees a GPU"
        reasons.append("numba.cuda sees no GPU")
    except Exception as exc:
        reasons.append(f"dlcore: {exc.__class__.__name__}")
    return False, "no CUDA GPU on this machine (" + "; ".join(reasons) + ")"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    policy = threads.choose(args.threads)
    threads.apply_before_imports(policy)     # affinity + pool sizes before the engines load
    from . import engines as engine_registry
    from . import runner
    from .progress import Progress
    from .workloads import Classifier, MLPStep, suite

    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    cfg = runner.CONFIGS[size]
    workloads = suite(size)
    if args.workloads:
        wanted = set(args.workloads.split(","))
        workloads = [w for w in workloads if w.name in wanted or w.group in wanted]
    engines = engine_registry.load_all(args.engines.split(",") if args.engines else None)
    from .engines import base
    base.FIND_ONLY[0] = args.list        # --list: packages found and versions read, not imported
    try:
        availability = {e.NAME: e.available() for e in engines}
    finally:
        base.FIND_ONLY[0] = False
    skipped = {n: why for n, (ok, why) in availability.items() if not ok}
    if size != "full" and not args.engines:
        for name, why in QUICK_EXCLUDE.items():
            if availability.get(name, (False, ""))[0]:
                availability[name], skipped[name] = (False, why), why
    if any(isinstance(w, Classifier) for w in workloads):   # the digits MLP and digits CNN
        if importlib.util.find_spec("sklearn") is None:     # found, not imported: 8 s of it
            skipped["digits workloads"] = "scikit-learn not installed (pip install scikit-learn)"
            workloads = [w for w in workloads if not isinstance(w, Classifier)]
    if args.list:
        for e in engines:
            ok, why = availability[e.NAME]
            print(f"engine {e.NAME:22s} {e.LABEL:22s} {'yes' if ok else 'no '}  {why}")
        for w in workloads:
            print(f"workload {w.name:16s} {w.group:12s} {w.title}")
        return 0
    live = [e for e in engines if availability[e.NAME][0]]
    threads.apply_after_imports(policy)      # pools loaded meanwhile (available() imports them)
    devices = ["cpu"]
    if args.device in ("cuda", "all"):
        has_gpu, why = gpu_present()
        if has_gpu:
            devices.append("cuda")
        else:
            skipped["cuda"] = why
        if args.device == "cuda":
            devices.remove("cpu")
    print(f"dlcore benchmarks ({size}): {len(live)} engines x {len(workloads)} workloads "
          f"on {', '.join(devices) or 'no device'}", flush=True)
    print(policy.describe(), flush=True)
    busy = environment.busy_warning(policy)
    if busy:
        print(busy, flush=True)
    plan = [(d, w) for d in devices for w in workloads
            if d == "cpu" or isinstance(w, MLPStep) and w.group == "mlp"]
    progress = Progress(runner.work_units(len(live), [w for _, w in plan], cfg))
    results: list[Any] = []
    for device, wl in plan:
        run = runner.run_classifier if isinstance(wl, Classifier) else runner.run_steps
        results += run(live, wl, device, cfg, progress)
    progress.close()
    runner.add_ratios(results)
    return finish(args, size, cfg, results, skipped, availability, workloads, policy)


def finish(args: argparse.Namespace, size: str, cfg: Any, results: list,
           skipped: dict[str, str], availability: dict[str, tuple[bool, str]],
           workloads: list, policy: threads.ThreadPolicy) -> int:
    """Print the tables, notes and environment; write the files and pictures."""
    from . import engines as engine_registry
    from . import report

    env = environment.collect()
    env["thread_policy"] = policy.as_dict()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = args.out or DEFAULT_ROOT / f"{stamp}-{size}"
    table = report.markdown_table(results)
    first = report.markdown_table(results, first=True)
    note_lines = report.notes(results, skipped)
    for engine in engine_registry.load_all():     # an adapter's own line (JAX's cache)
        note = getattr(engine, "NOTE", None)
        if note and availability.get(engine.NAME, (False, ""))[0]:
            note_lines.append(str(note))
    busy = environment.busy_warning(policy)
    if busy:
        note_lines.append(busy)
    env_lines = [policy.describe(), "pools: " + "; ".join(policy.applied),
                 *environment.summary_lines(env)]
    baseline = next((b for b in engine_registry.BASELINES
                     if any(r.baseline == b for r in results)), None)
    base_label = next((r.label for r in results if r.engine == baseline), "no baseline")
    text = "\n".join([
        f"## Steady state: median time (ratio to {base_label}; lower is faster)", "",
        report.LEGEND, "", table, "",
        "## Setup + first step (compilation; dlcore Sessions compile on the 2nd run)", "",
        first, "",
        "## Notes", "", *[f"- {n}" for n in note_lines], "",
        f"## Environment ({size} run, {cfg.rounds_text()}, ~{cfg.sample_s}s per sample)", "",
        *[f"- {line}" for line in env_lines], ""])
    meta = {"size": size, "config": cfg.__dict__, "baseline": baseline,
            "baseline_label": base_label, "thread_policy": policy.as_dict(), "skipped": skipped,
            "engines": {n: {"available": ok, "detail": why}
                        for n, (ok, why) in availability.items()},
            "workloads": {w.name: w.describe() for w in workloads},
            "environment": env, "time": stamp}
    files = report.write_files(folder, results, meta, text) if results else []
    pictures, plot_note = ([], "--no-plots") if args.no_plots else report.plot_all(folder,
                                                                                 results)
    print()
    print(text)
    if plot_note:
        print(plot_note)
    print(f"results written to {folder}/ ({', '.join(p.name for p in files + pictures)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
