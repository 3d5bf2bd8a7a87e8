"""``python -m benchmarks.gpu_check``: the first thing to run on a machine with an NVIDIA GPU.

One short script (well under 3 minutes of GPU time) that measures what dlcore's CUDA side does,
side by side with PyTorch's CUDA build when it is installed::

    python -m benchmarks.gpu_check --out gpu_check.md     # on a machine with a GPU
    python -m benchmarks.gpu_check --tiny                 # Numba's CUDA simulator, toy sizes

1. **matmul**: dlcore's numba.cuda tiled kernel (``dlcore.kernels.cuda.linalg.matmul``)
   against ``torch.matmul`` (cuBLAS), float32 squares of 256, 1024 and 4096: GFLOP/s, the
   percentage of cuBLAS, and the largest error against float64 NumPy (256 only);
2. **seed steps**: the seed's static step (64, 1000, 100, 1000; a ``tf.Session(device='cuda')``
   with every pass, so the compiled plan) and eager step (64, 1000, 100, 10; ``dlcore_eager``
   tensors ``.cuda()``) against the same programs in PyTorch on CUDA (the benchmark harness's
   programs, ``engines/_tf1_programs.py`` and ``engines/_torch_programs.py``): ms per step
   (median, each step reads its loss back to the host) and the ratio to PyTorch;
3. **compiled vs interpreted plan**: the seed's static step in a CUDA Session with every pass
   (the compile pass's glue, ``dlcore_static/compiler/cuda_glue.py``), with every pass but
   ``compile`` (the optimised plan in the interpreter) and with none: ms per step, the Python
   function calls per step (cProfile: all of them, and those in dlcore's own files and its
   generated glue), the numba.cuda kernel launches per step and the steps of the Session's
   interpreter loop per run.

Without a GPU (no driver, or the simulator switched on without ``--tiny``) it says so and exits
with status 0.  ``--tiny`` runs every section on toy sizes under the simulator (switched on
here when no real GPU is wanted): it checks that the script works, its times mean nothing.
The table is printed and, with ``--out PATH``, written there as markdown.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

MATMUL_SIZES = (256, 1024, 4096)
TINY_MATMUL_SIZES = (4, 8)
#: --tiny's steps: the seed's programs on toy shapes (the simulator runs a Python thread per
#: CUDA thread, so the shapes are kept to a few elements)
TINY_N, TINY_D, TINY_H = 2, 3, 2
#: seconds after which the sections still to run are skipped (the budget is 3 minutes)
BUDGET_S = 150.0


def _median_ms(fn: Callable[[], Any], sync: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _torch_cuda():
    """PyTorch when it is installed with a usable CUDA device, else (None, why)."""
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} has no CUDA device"
    return torch, ""


#: the kernels the matmul section compares: (label, linalg.CHOICE, linalg.BLOCKED)
MATMUL_VARIANTS = (("tiled 16x16", "tiled", None), ("blocked 64x64", "blocked", (4, 16)),
                   ("blocked 128x128", "blocked", (8, 8)))


def matmul_rows(tiny: bool, reps: int) -> tuple[list[list[str]], str]:
    from numba import cuda

    from dlcore.kernels.cuda import linalg
    torch, why = _torch_cuda()
    rows = []
    saved = linalg.CHOICE, linalg.BLOCKED
    try:
        for n in TINY_MATMUL_SIZES if tiny else MATMUL_SIZES:
            rng = np.random.default_rng(n)
            a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
            da, db = cuda.to_device(a), cuda.to_device(b)
            ref = a.astype(np.float64) @ b.astype(np.float64)
            runs, errs = {}, {}
            for label, choice, blocked in MATMUL_VARIANTS:
                linalg.CHOICE, linalg.BLOCKED = choice, blocked or saved[1]
                got = linalg.matmul(da, db).copy_to_host()      # compiles (or loads its cache)
                errs[label] = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
                runs[label] = (choice, linalg.BLOCKED)
            times: dict = {label: [] for label in runs}
            theirs: list[float] = []
            run_theirs = None
            if torch is not None:
                ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
                run_theirs = functools.partial(torch.matmul, ta, tb)
                run_theirs()
            for _ in range(reps):                           # interleaved repeats
                for label, (choice, blocked) in runs.items():
                    linalg.CHOICE, linalg.BLOCKED = choice, blocked
                    times[label].append(_median_ms(functools.partial(linalg.matmul, da, db),
                                                   cuda.synchronize, 1))
                if run_theirs is not None:
                    theirs.append(_median_ms(run_theirs, torch.cuda.synchronize, 1))
            flop = 2.0 * n ** 3
            tgf = flop / statistics.median(theirs) / 1e6 if theirs else None
            for label in runs:
                ms = statistics.median(times[label])
                gf = flop / ms / 1e6
                rows.append([f"{n}", label, f"{ms:.3f}", f"{gf:.1f}",
                             f"{flop / tgf / 1e6:.3f}" if tgf else "n/a",
                             f"{tgf:.1f}" if tgf else "n/a",
                             f"{100 * gf / tgf:.1f}%" if tgf else "n/a", f"{errs[label]:.1e}"])
    finally:
        linalg.CHOICE, linalg.BLOCKED = saved
    return rows, why


def launch_rows(tiny: bool, reps: int) -> tuple[list[list[str]], str]:
    """What one small CUDA op costs from Python: a numba.cuda kernel launch (dlcore's fill,
    one element), the same kernel configured once and launched again, and dlcore_eager's
    ``x + y`` on one-element CUDA tensors, against PyTorch's ``x + y`` there."""
    from numba import cuda

    import dlcore_eager
    from dlcore.kernels.cuda import _launch
    from dlcore.kernels.cuda._kernels import fill
    torch, why = _torch_cuda()
    out = cuda.device_array(1, np.float32)
    fill[1, 32](out, np.float32(0), 1)
    configured = fill[1, 32]
    x = dlcore_eager.ones(1).cuda()
    y = dlcore_eager.ones(1).cuda()
    per = 20 if tiny else 2000
    short = _launch.fast(fill)
    # (label, call, dlcore's short launch path on)
    cases = [("numba.cuda launch, fill[1, 32](...)", lambda: fill[1, 32](out, np.float32(0), 1),
              False),
             ("the same, configured once", lambda: configured(out, np.float32(0), 1), False),
             ("dlcore's short path, fast(fill)[1, 32](...)",
              lambda: short[1, 32](out, np.float32(0), 1), True),
             ("x + y, one-element tensors", lambda: x + y, True),
             ("x + y, Numba's launch path", lambda: x + y, False)]
    rows = []
    tx = ty = None
    if torch is not None:
        tx, ty = torch.ones(1, device="cuda"), torch.ones(1, device="cuda")
    before = _launch.set_enabled(True)          # (the short path is opt-in: on for this)
    on = _launch.enabled()
    for label, fn, short_path in cases:
        _launch.set_enabled(short_path and on)
        fn()

        def many(fn=fn):
            for _ in range(per):
                fn()
        ours = statistics.median(_median_ms(many, cuda.synchronize, 1) for _ in range(5))
        theirs = "n/a"
        if torch is not None and label.startswith("x + y"):
            def many_t():
                for _ in range(per):
                    tx + ty
            t_ms = statistics.median(_median_ms(many_t, torch.cuda.synchronize, 1)
                                     for _ in range(5))
            theirs = f"{t_ms * 1e3 / per:.1f}"
        rows.append([label, f"{ours * 1e3 / per:.1f}", theirs])
    _launch.set_enabled(before)
    return rows, why


def _workloads(tiny: bool) -> dict[str, Any]:
    from .workloads import mlp
    if tiny:
        return {"static": mlp.MLPStep("seed_static", "mlp", "seed static step (tiny)",
                                      N=TINY_N, D=TINY_D, H=TINY_H, D_out=2,
                                      loss="mean_rowsum", lr=1e-3),
                "eager": mlp.MLPStep("seed_eager", "mlp", "seed eager step (tiny)", N=TINY_N,
                                     D=TINY_D, H=TINY_H, D_out=1, lr=1e-3)}
    static, eager = mlp.workloads("quick")[:2]
    return {"static": static, "eager": eager}


def static_session(workload, passes):
    """The seed's static program (the harness's) in a ``tf.Session(device='cuda')``; its
    Session and step.  Plans are optimised before their first run (``after=1``)."""
    import dlcore_static as tf
    from dlcore_static import compiler

    from .engines import _tf1_programs

    made: list = []

    def make_session(tf_module, graph):
        made.append(tf_module.Session(graph=graph, device="cuda",
                                      pipeline=compiler.Pipeline(passes, after=1)))
        return made[0]
    prep = _tf1_programs.setup(tf, workload, "cpu", make_session)   # "cpu": no tf.device scope
    return made[0], prep


def seed_rows(tiny: bool, reps: int) -> tuple[list[list[str]], str]:
    from numba import cuda

    import dlcore_eager
    from dlcore.kernels.cuda import _launch

    from .engines import _torch_programs
    torch, why = _torch_cuda()
    wls = _workloads(tiny)
    rows = []
    before = _launch.set_enabled(True)              # (the short path is opt-in: on for this)
    on = _launch.enabled()
    for kind, wl in wls.items():
        if kind == "static":
            _, ours = static_session(wl, "all")
        else:
            ours = _torch_programs.setup(dlcore_eager, wl, "cuda")
        theirs = _torch_programs.setup(torch, wl, "cuda") if torch is not None else None
        for short_path in (False, on):                      # compiles, then the plan's glue
            _launch.set_enabled(short_path)
            for _ in range(1 if tiny else 2):
                ours.step()
        if theirs is not None:
            theirs.step()
        a, a_numba, b = [], [], []
        for _ in range(reps):                               # interleaved repeats
            _launch.set_enabled(False)
            a_numba.append(_median_ms(ours.step, cuda.synchronize, 1))
            _launch.set_enabled(on)
            a.append(_median_ms(ours.step, cuda.synchronize, 1))
            if theirs is not None:
                b.append(_median_ms(theirs.step, torch.cuda.synchronize, 1))
        if PROFILE_OUT[0]:
            _profile(ours.step, f"{PROFILE_OUT[0]}.{kind}.txt", 1 if tiny else 20)
        ms, ms_numba = statistics.median(a), statistics.median(a_numba)
        if b:
            tms = statistics.median(b)
            rows.append([wl.title, f"{ms:.3f}", f"{ms_numba:.3f}", f"{tms:.3f}",
                         f"{ms / tms:.2f}x"])
        else:
            rows.append([wl.title, f"{ms:.3f}", f"{ms_numba:.3f}", "n/a", "n/a"])
    _launch.set_enabled(before)
    return rows, why


#: --profile's path prefix: the seed steps' cProfile reports go to <prefix>.<static|eager>.txt
PROFILE_OUT: list = [None]


def _profile(step: Callable[[], Any], path: str, steps: int) -> None:
    """cProfile of ``steps`` steps: the 40 functions with the most time of their own, and the
    40 with the most cumulative time, written to ``path``."""
    import io
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    buf.write(f"{steps} steps\n")
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(40)
    with open(path, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())


def _own_files() -> tuple[str, ...]:
    import dlcore
    import dlcore_eager
    import dlcore_static
    roots = [os.path.dirname(m.__file__ or "") for m in (dlcore, dlcore_static, dlcore_eager)]
    return tuple(roots) + ("_dlcore_gen_",)


def _launches(stats: dict) -> int:
    """Kernel launches in a profile: dlcore's short path (``_launch._Configured.__call__``)
    and numba.cuda's (a configured kernel's ``__call__`` on a GPU, the simulator's kernel
    ``__call__``) when not made by the short path's own fallback."""
    n = 0
    for (filename, _, name), (_, ncalls, _tt, _ct, callers) in stats.items():
        path = filename.replace("\\", "/")
        if name != "__call__" or "/cuda/" not in path:
            continue
        if path.endswith("/kernels/cuda/_launch.py"):
            n += ncalls
        elif path.endswith("/numba/cuda/dispatcher.py") or \
                path.endswith("/simulator/kernel.py"):
            n += ncalls - sum(c[1] for (f, _, _), c in callers.items()
                              if f.replace("\\", "/").endswith("/kernels/cuda/_launch.py"))
    return n


def python_calls(step: Callable[[], Any], steps: int) -> tuple[float, float, float]:
    """Python function calls per step under cProfile (this thread): all, dlcore's own (its
    packages' files and its generated glue), and numba.cuda kernel launches."""
    own = _own_files()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    stats = pstats.Stats(prof).stats                     # type: ignore[attr-defined]
    total = mine = 0
    for (filename, _, name), (_, ncalls, *_rest) in stats.items():
        total += ncalls
        if any(r in filename for r in own):
            mine += ncalls
    return total / steps, mine / steps, _launches(stats) / steps


def interpreter_steps(plan) -> int:
    """Steps of the Session's interpreter loop per run: the plan's own, plus the optimised
    steps when they run in the interpreter (no compiled glue)."""
    if getattr(plan, "compiled_run", None) is not None:
        return len(plan.steps)
    inner = getattr(plan, "optimized_steps", None)
    return len(plan.steps) + (len(inner) if inner is not None and inner is not plan.steps
                              else 0)


PLAN_MODES = (("compiled (every pass)", "all"),
              ("interpreted (every pass but compile)", {"compile": False}),
              ("interpreted (no pass)", ()))


def plan_rows(tiny: bool, reps: int) -> list[list[str]]:
    from numba import cuda
    wl = _workloads(tiny)["static"]
    preps = []
    for label, passes in PLAN_MODES:
        sess, prep = static_session(wl, passes)
        for _ in range(1 if tiny else 2):
            prep.step()
        preps.append((label, sess, prep))
    times: dict = {label: [] for label, *_ in preps}
    for _ in range(reps):                                   # interleaved repeats
        for label, _, prep in preps:
            times[label].append(_median_ms(prep.step, cuda.synchronize, 1))
    rows = []
    for label, sess, prep in preps:
        total, mine, launches = python_calls(prep.step, 1 if tiny else 5)
        plan = _step_plan(sess)
        rows.append([label, f"{statistics.median(times[label]):.3f}", f"{total:.0f}",
                     f"{mine:.0f}", f"{launches:.0f}", f"{interpreter_steps(plan)}"])
    return rows


def _step_plan(sess):
    """The cached plan of the training step (the one fetching two leaves)."""
    for plan, _ in sess._cache.values():
        if len(plan.fetch_slots) == 2:
            return plan
    raise LookupError("no training-step plan in the Session's cache")


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _environment(tiny: bool) -> str:
    import numba
    from numba import cuda

    import dlcore
    if dlcore.cuda_simulator():
        dev = "Numba's CUDA simulator (times mean nothing)"
    else:
        d = cuda.get_current_device()
        dev = f"{d.name.decode() if isinstance(d.name, bytes) else d.name}"
    torch, why = _torch_cuda()
    peer = f"torch {torch.__version__} (CUDA {torch.version.cuda})" if torch else why
    return (f"device: {dev}; numba {numba.__version__}; peer: {peer}; "
            f"sizes: {'tiny' if tiny else 'full'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__
                                 .split("\n\n")[0])
    ap.add_argument("--out", help="write the markdown table to this path")
    ap.add_argument("--tiny", action="store_true",
                    help="toy sizes under Numba's CUDA simulator (checks the script only)")
    ap.add_argument("--profile", help="write the seed steps' cProfile reports to "
                    "PROFILE.static.txt and PROFILE.eager.txt")
    ap.add_argument("--reps", type=int, default=None, help="timed repeats (default 20; 1 tiny)")
    args = ap.parse_args(argv)
    if args.tiny:
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")     # before numba is imported
    import dlcore
    if not dlcore.cuda_available():
        print("gpu_check: no CUDA GPU here (no driver or no device): nothing to measure")
        return 0
    if dlcore.cuda_simulator() and not args.tiny:
        print("gpu_check: NUMBA_ENABLE_CUDASIM is set, so there is no real GPU to measure; "
              "run with --tiny to check the script on the simulator")
        return 0
    reps = args.reps or (1 if args.tiny else 20)
    PROFILE_OUT[0] = args.profile
    t0 = time.perf_counter()
    parts = [f"# dlcore GPU check\n\n{_environment(args.tiny)}\n"]
    sections: list[tuple[str, Callable[[], str]]] = [
        ("matmul, float32: dlcore's numba.cuda kernel vs cuBLAS (torch.matmul)",
         lambda: _with_note(*matmul_rows(args.tiny, reps), [
             "n", "kernel", "dlcore ms", "dlcore GFLOP/s", "cuBLAS ms", "cuBLAS GFLOP/s",
             "% of cuBLAS", "max rel err"])),
        ("launch overhead: one small op, steady state (us per call, median)",
         lambda: _with_note(*launch_rows(args.tiny, reps), ["call", "dlcore us", "torch us"])),
        ("seed steps on CUDA: dlcore vs PyTorch (ms per step, median)",
         lambda: _with_note(*seed_rows(args.tiny, reps), [
             "step", "dlcore ms", "dlcore ms, Numba's launch path", "torch ms",
             "dlcore / torch"])),
        ("the seed static step on CUDA: compiled plan vs interpreted plan",
         lambda: _table(["plan", "ms per step", "Python calls per step",
                         "of them dlcore's", "kernel launches per step",
                         "interpreter steps per run"],
                        plan_rows(args.tiny, reps))),
    ]
    for title, make in sections:
        if time.perf_counter() - t0 > BUDGET_S:
            parts.append(f"## {title}\n\nskipped: the {BUDGET_S:.0f} s budget is spent\n")
            continue
        try:
            parts.append(f"## {title}\n\n{make()}\n")
        except Exception as e:                  # noqa: BLE001 - report it, measure the rest
            parts.append(f"## {title}\n\nfailed: {type(e).__name__}: {e}\n")
    parts.append(f"total {time.perf_counter() - t0:.1f} s\n")
    text = "\n".join(parts)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


def _with_note(rows: list[list[str]], why: str, head: list[str]) -> str:
    return _table(head, rows) + (f"\n\n(no cuBLAS/PyTorch column: {why})" if why else "")


if __name__ == "__main__":
    sys.exit(main())
