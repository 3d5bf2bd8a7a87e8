"""The harness tells the truth: the thread policy (chosen from cores and load, held by CPU
affinity for every engine), the spread check, the load and CPU/wall in every row, pictures a
reader understands, pluggable workload families, and a wheel without ``benchmarks``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from benchmarks import environment, report, runner, threads
from benchmarks import workloads as wl_pkg
from benchmarks.engines.base import Prepared
from benchmarks.progress import Progress
from benchmarks.workloads import suite

ROOT = Path(__file__).resolve().parents[2]
QUIET = Progress(1, io.StringIO())


# -- the thread policy ---------------------------------------------------------------------------

def _machine(monkeypatch, cpus: list[int], load: float, busy: dict[int, float]) -> None:
    monkeypatch.setattr(threads, "allowed_cpus", lambda: cpus)
    monkeypatch.setattr(threads, "load_1min", lambda: load)
    monkeypatch.setattr(threads, "core_busy", lambda interval=0.2: busy)


def test_auto_policy_leaves_the_busy_cores_to_their_owners(monkeypatch):
    _machine(monkeypatch, [0, 1], 1.3, {0: 0.9, 1: 0.1})
    p = threads.choose()
    assert (p.threads, p.cpus, p.source) == (1, [1], "auto")      # the idle core, one thread
    assert "one core each" in p.reason and "1 thread per engine, pinned to core 1" in \
        p.describe()
    _machine(monkeypatch, [0, 1, 2, 3], 1.2, {0: 0.0, 1: 0.2, 2: 0.9, 3: 0.1})
    p = threads.choose()
    assert (p.threads, p.cpus) == (3, [0, 1, 3])                     # 4 - 1.2 -> 3
    _machine(monkeypatch, [0, 1], 0.05, {})
    assert threads.choose().threads == 2                             # a quiet machine


def test_requested_threads_win_and_are_capped_by_the_allowed_cores(monkeypatch):
    _machine(monkeypatch, [2, 5], 0.0, {2: 0.5, 5: 0.0})
    p = threads.choose(1)
    assert (p.threads, p.cpus, p.source) == (1, [5], "--threads")
    p = threads.choose(8)
    assert (p.threads, p.cpus) == (2, [2, 5]) and "only 2 cores allowed" in p.reason
    with pytest.raises(ValueError, match="--threads must be at least 1, got 0"):
        threads.choose(0)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux CPU affinity only")
def test_affinity_holds_for_threads_started_before_and_after(tmp_path):
    """In a child process: pin to one core, then every thread (an old one, a new one, the
    pools numpy starts) may only run there."""
    code = textwrap.dedent("""
        import os, threading, time, json
        from benchmarks import threads
        stop = threading.Event()
        old = threading.Thread(target=stop.wait); old.start()    # started before pinning
        policy = threads.choose(1, sample_s=0.01)
        threads.apply_before_imports(policy)
        import numpy as np
        np.ones((300, 300)) @ np.ones((300, 300))
        new = threading.Thread(target=stop.wait); new.start()
        masks = {t: sorted(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")}
        stop.set()
        print(json.dumps({"cpus": policy.cpus, "masks": masks,
                          "env": os.environ["OPENBLAS_NUM_THREADS"],
                          "xla": os.environ["XLA_FLAGS"]}))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(data["cpus"]) == 1 and len(data["masks"]) >= 3
    assert all(m == data["cpus"] for m in data["masks"].values()), data["masks"]
    assert data["env"] == "1" and "--xla_cpu_multi_thread_eigen=false" in data["xla"]


def test_busy_warning_suggests_one_thread_only_when_more_are_used(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.0, 0.5))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    one = threads.ThreadPolicy(1, [0], "--threads", "1 requested")
    two = threads.ThreadPolicy(2, [0, 1], "auto", "quiet")
    assert "--threads 1" not in environment.busy_warning(one)
    assert "already pinned to 1 thread" in environment.busy_warning(one)
    assert "--threads 1 is steadier" in environment.busy_warning(two)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert environment.busy_warning(two) == ""


# -- the spread check ----------------------------------------------------------------------------

def test_too_wide_flags_a_low_minimum_or_a_wide_iqr():
    assert not runner.too_wide([1.0, 1.02, 0.98, 1.01])
    assert runner.too_wide([1.0, 1.0, 1.0, 0.3])                     # min far below median
    assert runner.too_wide([1.0, 1.5, 2.0, 2.5, 3.0])                # IQR 50% of the median
    assert not runner.too_wide([1.0, 5.0])                           # too few to judge


def test_a_noisy_engine_is_rerun_then_marked(monkeypatch):
    """Scripted sample times: 'steady' is tight, 'jumpy' alternates 1 ms / 3 ms."""
    script = {"steady": iter([1e-3] * 50), "jumpy": iter([1e-3, 3e-3] * 25)}

    def fake_sample(step, inner):
        name = step()
        return next(script[name]), 1.0

    monkeypatch.setattr(runner, "_sample", fake_sample)
    engines = [type("E", (), {"NAME": n, "LABEL": n.title(), "available": lambda s: (True, ""),
                              "setup": lambda s, w, d, n=n: Prepared(lambda n=n: n)})()
               for n in ("steady", "jumpy")]
    cfg = runner.Config("test", rounds=4, sample_s=0.0, warmup_s=0.0, min_warmup=1,
                        classifier_runs=1, engine_budget_s=10.0)
    res = {r.engine: r for r in runner.run_steps(engines, suite("tiny")[0], "cpu", cfg, QUIET)}
    assert len(res["steady"].samples) == 4 and not res["steady"].noisy
    assert len(res["jumpy"].samples) == 8 and res["jumpy"].noisy     # rerun, still too wide
    assert "spread too wide, rerun: 8 samples" in res["jumpy"].note
    assert "noisy: IQR" in res["jumpy"].note
    assert res["steady"].cpu_wall == 1.0 and res["steady"].load == res["jumpy"].load
    assert report._cell(res["jumpy"]).startswith("~") and "c/w 1.0" in report._cell(res["jumpy"])


# -- the table, files and pictures ---------------------------------------------------------------

def test_time_labels_scale_their_unit():
    assert [report.time_label(s) for s in (6e-5, 1.5e-3, 2.0, 4e-7)] == \
        ["60 µs", "1.5 ms", "2 s", "400 ns"]
    assert report.ratio_label(0.5) == "0.5x"


def _result(workload, engine, label, status="ok", median=None, ratio=None, baseline=None,
            title=None):
    r = runner.Result(workload, "mlp", title or f"{workload} step (64,1000,100,10)", "cpu",
                      engine, label, status=status, median_s=median, ratio=ratio,
                      baseline=baseline, first_s=median, load=1.25, cpu_wall=1.0)
    return r


def test_table_has_a_load_column_and_csv_a_load_in_every_row(tmp_path):
    rows = [_result("a", "torch", "PyTorch eager", median=1e-3, ratio=1.0, baseline="torch"),
            _result("a", "jax", "JAX jit", status="n/a")]
    table = report.markdown_table(rows)
    assert table.splitlines()[0].endswith("| load |") and table.splitlines()[2].endswith(
        "| 1.25 |")
    report.write_files(tmp_path, rows, {}, table)
    import csv

    with open(tmp_path / "results.csv", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [r["load"] for r in got] == ["1.25", "1.25"] and got[0]["cpu_wall"] == "1.0"
    assert "noisy" in got[0] and "spread" in got[0]


def test_ratio_picture_names_the_baseline_marks_na_and_uses_table_titles():
    plt = report._plt()
    rows = [_result("seed", "torch", "PyTorch eager", median=1e-3, ratio=1.0, baseline="torch",
                    title="seed eager step (64,1000,100,10)"),
            _result("seed", "dlcore", "dlcore eager", median=2e-3, ratio=2.0, baseline="torch",
                    title="seed eager step (64,1000,100,10)"),
            _result("seed", "static", "dlcore static", status="n/a",
                    title="seed eager step (64,1000,100,10)")]
    fig = report.ratios_figure(plt, rows)
    ax = fig.axes[0]
    assert "PyTorch eager" in ax.get_ylabel() and "PyTorch eager" in ax.get_title()
    assert "n/a" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["seed eager step\n(64,1000,100,10)"]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("x") and "10^" not in t and "$" not in t for t in ticks)
    plt.close(fig)


def test_scaling_picture_labels_times_in_us_or_ms():
    plt = report._plt()
    rows = []
    for n, t in ((16, 6e-5), (256, 9e-4)):
        for eng, label, k in (("torch", "PyTorch eager", 1.0), ("dlcore", "dlcore eager", 1.5)):
            r = _result(f"batch_{n}", eng, label, median=t * k, ratio=k, baseline="torch",
                        title=f"batch sweep N={n} (N,1000,100,10)")
            r.group = "scale_batch"
            rows.append(r)
    fig = report.scaling_figure(plt, rows, "N")
    fig.canvas.draw()
    top = fig.axes[0]
    ticks = [t.get_text() for t in top.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith(("µs", "ms")) for t in ticks), ticks
    assert "(N,1000,100,10)" in top.get_title() and "PyTorch eager" in fig.axes[1].get_ylabel()
    plt.close(fig)


# -- pluggable workloads and packaging -----------------------------------------------------------

def test_a_new_workload_file_is_found_with_no_other_edit(tmp_path, monkeypatch):
    (tmp_path / "zz_conv.py").write_text(textwrap.dedent("""
        from dataclasses import dataclass
        from benchmarks.workloads.base import Workload
        ORDER = 25

        @dataclass(frozen=True)
        class ConvStep(Workload):
            channels: int = 3

        def workloads(size):
            return [ConvStep("conv_test", "cnn", "a conv step")] if size != "full" else []
    """))
    monkeypatch.setattr(wl_pkg, "__path__", [*wl_pkg.__path__, str(tmp_path)])
    try:
        names = [w.name for w in wl_pkg.suite("quick")]
        assert names.index("conv_test") == names.index("control_flow") + 1   # ORDER 25
        assert "conv_test" not in [w.name for w in wl_pkg.suite("full")]
    finally:
        sys.modules.pop("benchmarks.workloads.zz_conv", None)


def test_duplicate_workload_names_are_an_error(monkeypatch):
    fam = type(sys)("fake")
    fam.workloads = lambda size: [wl_pkg.TinyOp("tiny_add", "overhead", "again")]
    overhead = sys.modules["benchmarks.workloads.overhead"]
    monkeypatch.setattr(wl_pkg, "families", lambda: [overhead, fam])
    with pytest.raises(ValueError, match="'tiny_add' is defined by both"):
        wl_pkg.suite("quick")
    with pytest.raises(ValueError, match="unknown suite size 'huge'"):
        wl_pkg.suite("huge")


def test_the_wheel_does_not_install_a_benchmarks_package():
    from setuptools import find_packages

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]
    found = find_packages(str(ROOT), include=cfg["include"], exclude=cfg.get("exclude", ()))
    assert {"dlcore", "dlcore.viz", "dlcore_static", "dlcore_eager"} <= set(found)
    assert not [p for p in found if p.split(".")[0] in ("benchmarks", "tests")]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux CPU affinity only")
def test_threads_1_holds_for_every_engine_jax_included(tmp_path):
    """With --threads 1 no engine keeps more than one core busy (XLA included), and the
    policy, CPU/wall and load are stored with every result."""
    pytest.importorskip("jax")
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--threads", "1", "--no-plots",
         "--engines", "jax,numpy", "--workloads", "seed_static,tiny_graph", "--device", "cpu",
         "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "thread policy: 1 thread per engine, pinned to core" in proc.stdout
    assert "set by --threads" in proc.stdout and "--threads 1 is steadier" not in proc.stdout
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["meta"]["thread_policy"]["threads"] == 1
    assert len(data["meta"]["thread_policy"]["cpus"]) == 1
    rows = [r for r in data["results"] if r["status"] == "ok"]
    assert {r["engine"] for r in rows} == {"jax", "numpy"}
    assert all(r["load"] is not None and r["cpu_wall"] is not None for r in data["results"]
               if r["status"] == "ok")
    # one core: CPU/wall is 1 at most; --tiny samples last ~1 ms, so allow measurement noise
    # well below the ~1.9 an unpinned XLA pool shows on two cores
    assert all(r["cpu_wall"] <= 1.4 for r in rows), [(r["engine"], r["cpu_wall"]) for r in rows]
