"""``python -m benchmarks.programs``: the PyTorch tutorial programs, as their authors wrote them,
timed under PyTorch and under ``dlcore_eager`` with only the import lines changed.

The programs are the suite's (``tests/programs/eager/``: the PyTorch tutorials and well-known
examples, shrunk to run in a second or less; ``tests/eager/test_tutorial_programs.py`` holds
their printed output to PyTorch's).  Each runs in this process, once under each library to
warm it (dlcore compiles its kernels there), then ``--repeat`` times each, interleaved, with
the same seed; a program's time is the least CPU time (``time.process_time``) of its runs, its
output discarded.  Every pool is pinned to one thread and the process to one core first
(``benchmarks/threads.py``), as ``python -m benchmarks --threads 1`` does.

    python -m benchmarks.programs                      # every program, the 25 worst printed
    python -m benchmarks.programs --programs char_rnn_generation,mnist_rnn --repeat 5

Printed: each program's CPU ms under each library and the ratio (dlcore / PyTorch), worst
first, then the totals and the geometric mean of the ratios.  A program that fails under either
library is listed with its error and left out of the totals.  Without PyTorch installed the
dlcore times alone are printed.

Measured (forty-eighth session, 2-core Intel Xeon, 147 programs, one run each): dlcore 28.0 s
against PyTorch's 29.5 s in all, the char-level RNN tutorials (per-step ``NLLLoss``, a running
``loss += l``) 1.6-2.1x before that session's ``nll_loss`` fast path and 1.3-1.5x after;
``torch.func.vmap`` programs run a per-sample loop (PyTorch's values, not its speed: the
neural tangent kernel example 7.6x).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import linecache
import math
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

from . import threads

PROGRAMS = Path(__file__).resolve().parent.parent / "tests" / "programs" / "eager"


def to_dlcore(source: str) -> str:
    """The only edit a user makes: the import lines (``import torch`` -> ``import dlcore_eager
    as torch``, ``import torch.nn as nn``, ``from torch.X import ...``)."""
    source = re.sub(r"^import torch\.([\w.]+) as (\w+)$", r"import dlcore_eager.\1 as \2",
                    source, flags=re.M)          # import torch.nn as nn, ...functional as F
    source = re.sub(r"^import torch$", "import dlcore_eager as torch", source, flags=re.M)
    source = re.sub(r"^from torch(\.| )", r"from dlcore_eager\1", source, flags=re.M)
    return source


def run(source: str, name: str) -> str:
    """Run ``source`` as the program ``name`` (a fresh ``__main__`` namespace) and return what
    it printed."""
    out = io.StringIO()
    ns = {"__name__": "__main__", "__file__": name}
    # the source, as a file's would be, for inspect.getsource (torch.jit.script reads it)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, name, "exec"), ns)
    finally:
        # a program's torch.set_printoptions(...) (d2l's precision=2) is process state: the
        # next program in this process starts from the defaults, as it would in its own
        for mod in ("dlcore_eager", "torch"):
            if mod in sys.modules:
                sys.modules[mod].set_printoptions(profile="default")
    return out.getvalue()


def _timed(source: str, name: str, lib) -> float:
    lib.manual_seed(0)
    gc.collect()
    t0 = time.process_time()
    run(source, name)
    return time.process_time() - t0


@contextlib.contextmanager
def own_tempdir():
    """``tempfile``'s folder pointed at a folder of this run's own, removed at the end: the
    programs' ``tempfile.mkdtemp()`` checkpoints and event logs (about 600 folders a full run)
    were left in /tmp, as the suite's were before tests/conftest.py did the same."""
    before = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="dlcore-programs-") as folder:
        tempfile.tempdir = folder
        try:
            yield folder
        finally:
            tempfile.tempdir = before


def measure(names: list[str], repeat: int, report=print) -> list[dict]:
    """Each program's least CPU seconds under dlcore (``dlcore``) and PyTorch (``torch``, None
    without it), or its ``error``; ``report`` gets each program's line as it is done."""
    with own_tempdir():
        return _measure(names, repeat, report)


def _measure(names: list[str], repeat: int, report) -> list[dict]:
    import dlcore_eager
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    for name in names:
        src = (PROGRAMS / name).read_text()
        row: dict = {"program": name.removesuffix(".py"), "dlcore": None, "torch": None,
                     "error": None}
        libs = [("dlcore", dlcore_eager, to_dlcore(src))]
        if torch is not None:
            libs.append(("torch", torch, src))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _, lib, s in libs:
                    _timed(s, name, lib)                # warm: dlcore compiles its kernels
                best = {key: math.inf for key, _, _ in libs}
                for _ in range(repeat):
                    for key, lib, s in libs:            # (interleaved)
                        best[key] = min(best[key], _timed(s, name, lib))
        except Exception as exc:  # noqa: BLE001 - reported, and the next program runs
            row["error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
        else:
            row.update(best)
        rows.append(row)
        report(_line(row))
    return rows


def _ratio(row: dict) -> float | None:
    d, t = row["dlcore"], row["torch"]
    return None if d is None or not t else d / t


def _line(row: dict) -> str:
    if row["error"]:
        return f"{row['program']:40s} failed: {row['error']}"
    r = _ratio(row)
    torch = "" if row["torch"] is None else f"  torch {row['torch'] * 1e3:9.1f} ms"
    return (f"{row['program']:40s} dlcore {row['dlcore'] * 1e3:9.1f} ms{torch}"
            + ("" if r is None else f"  {r:5.2f}x"))


def summary(rows: list[dict], worst: int) -> str:
    """The ``worst`` programs by ratio (dlcore / PyTorch), the totals and the geometric mean."""
    done = [r for r in rows if r["error"] is None]
    paired = [r for r in done if _ratio(r) is not None]
    lines = []
    if paired:
        lines.append(f"The {min(worst, len(paired))} slowest against PyTorch (dlcore / PyTorch, "
                     "CPU time):")
        for r in sorted(paired, key=_ratio, reverse=True)[:worst]:
            lines.append("  " + _line(r))
        gm = math.exp(sum(math.log(_ratio(r)) for r in paired) / len(paired))
        d = sum(r["dlcore"] for r in paired)
        t = sum(r["torch"] for r in paired)
        lines.append(f"{len(paired)} programs: dlcore {d:.2f} s, PyTorch {t:.2f} s in all "
                     f"({d / t:.2f}x); geometric mean of the ratios {gm:.2f}x")
    elif done:
        lines.append(f"{len(done)} programs: dlcore {sum(r['dlcore'] for r in done):.2f} s in all "
                     "(PyTorch not installed: no ratios)")
    failed = [r for r in rows if r["error"] is not None]
    if failed:
        lines.append(f"{len(failed)} failed: " + ", ".join(r["program"] for r in failed))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.programs", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--programs", help="comma-separated program names (default: every one)")
    p.add_argument("--repeat", type=int, default=2, help="timed runs per library (least taken)")
    p.add_argument("--worst", type=int, default=25, help="how many of the slowest to list")
    args = p.parse_args(argv)
    every = sorted(f.name for f in PROGRAMS.glob("*.py"))
    if args.programs:
        names = [n if n.endswith(".py") else n + ".py" for n in args.programs.split(",")]
        unknown = [n for n in names if n not in every]
        if unknown:
            p.error(f"unknown program(s) {', '.join(n[:-3] for n in unknown)} (see "
                    f"{PROGRAMS})")
    else:
        names = every
    if args.repeat < 1:
        p.error(f"--repeat must be at least 1, got {args.repeat}")
    policy = threads.choose(1)
    threads.apply_before_imports(policy)
    import dlcore_eager  # noqa: F401 - the pools it loads, pinned below
    with contextlib.suppress(ImportError):
        import torch  # noqa: F401
    threads.apply_after_imports(policy)
    print(policy.describe(), "; pools:", "; ".join(policy.applied), flush=True)
    rows = measure(names, args.repeat, report=lambda s: print(s, flush=True))
    print()
    print(summary(rows, args.worst))
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
