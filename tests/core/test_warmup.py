"""``python -m dlcore.warmup`` (dlcore/warmup.py): the warm-up programs fill the kernel cache
that another program, of other shapes, then loads instead of compiling; failures are reported
per program; bad arguments are refused."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from dlcore import warmup as W

#: a program the warm-up does not run: other widths, batch and optimizer settings than
#: ``eager_mlp``'s (run after ``benchmarks.cold_start``'s PRELUDE, which counts the Numba
#: signatures a process compiles and loads)
CHECK = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
_mark("import")
model = nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
x, y = torch.randn(3, 7), torch.randint(0, 2, (3,))
_mark("built")
opt.zero_grad()
loss = nn.CrossEntropyLoss()(model(x), y)
loss.backward()
opt.step()
assert loss.item() == loss.item()
_mark("step")
"""


def _check(cache) -> dict:
    """dlcore's kernels (its modules' and generated ones) that ``CHECK`` compiled and loaded,
    in a fresh process on the cache folder ``cache``."""
    from benchmarks.cold_start import run_once
    seen: dict = {"compiled": [], "loaded": []}
    for kind, fn, _sig, _own in run_once(CHECK, str(cache))["jit"]:
        if fn.startswith(("dlcore", "_dlcore")):
            seen[kind].append(fn)
    return seen


def test_a_warmed_cache_serves_another_programs_kernels(tmp_path):
    """After the ``eager_mlp`` warm-up into an empty cache, a program of other shapes compiles
    none of dlcore's kernels: every one it needs is loaded from what the warm-up wrote."""
    results = W.warmup({"eager_mlp": W.PROGRAMS["eager_mlp"]}, jobs=1, cache_dir=str(tmp_path))
    assert [(r.program, r.tier, r.error) for r in results] == [("eager_mlp", "default", None)]
    seen = _check(tmp_path)
    assert seen["compiled"] == []
    assert len(seen["loaded"]) >= 5, seen     # (linear, relu, cross-entropy, SGD, ...)


def test_each_program_is_reported_and_a_failure_does_not_stop_the_others(tmp_path):
    progs = {"bad": "import sys\nprint('boom', file=sys.stderr)\nraise SystemExit(3)",
             "good": "print('fine')"}
    seen: list = []
    results = W.warmup(progs, jobs=2, cache_dir=str(tmp_path), report=seen.append)
    by_name = {r.program: r for r in results}
    assert by_name["good"].error is None
    assert by_name["bad"].error.startswith("exit status 3:") and "boom" in by_name["bad"].error
    assert sorted(r.program for r in seen) == ["bad", "good"]
    assert all(r.tier == "default" and r.seconds > 0 for r in results)


def test_static_programs_also_run_compiled_from_their_first_run(tmp_path, monkeypatch):
    """A static program runs twice, the longest first: as a Session runs it by default, and
    with DLCORE_OPTIMIZE_AFTER=1 (the compiled plans' kernels); the environment says which."""
    prog = ("import os\n"
            "assert os.environ.get('DLCORE_OPTIMIZE_AFTER', 'unset') == os.environ['EXPECT']")
    assert W._jobs_of({"static_mlp": prog, "eager_mlp": prog}) == [
        ("static_mlp", "compiled"), ("static_mlp", "default"), ("eager_mlp", "default")]
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "3")         # (the user's own: not passed on)
    for tier, expect in (("compiled", "1"), ("default", "unset")):
        monkeypatch.setenv("EXPECT", expect)
        assert W.run_program("static_mlp", prog, tier, str(tmp_path), 120).error is None
        monkeypatch.setenv("EXPECT", "2")
        assert W.run_program("static_mlp", prog, tier, str(tmp_path), 120).error is not None


def test_a_program_past_its_timeout_is_reported(tmp_path):
    r = W.run_program("slow", "import time\ntime.sleep(30)", "default", str(tmp_path), 0.5)
    assert r.error == "did not finish within 0.5 s"


def test_the_command_line_lists_refuses_and_exits_1_on_a_failure(tmp_path, monkeypatch,
                                                                 capsys):
    assert W.main(["--list"]) == 0
    listed = capsys.readouterr().out.split("\n")
    assert [ln.split()[0] for ln in listed if ln] == list(W.PROGRAMS)
    assert "keras_cnn    default and compiled" in listed
    with pytest.raises(SystemExit) as e:
        W.main(["--programs", "eager_mlp,nope"])
    assert e.value.code == 2
    assert "unknown program(s) nope; known: eager_mlp" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        W.main(["--jobs", "0"])
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="jobs must be at least 1, got 0"):
        W.warmup({"good": "pass"}, jobs=0)
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(W, "PROGRAMS", {"good": "pass", "bad": "raise SystemExit(4)"})
    assert W.main(["--programs", "good,bad", "--jobs", "2"]) == 1
    out = capsys.readouterr().out
    assert f"2 program(s), 2 at a time, into {tmp_path}" in out
    assert "good         default" in out and "ok" in out
    assert "bad          default" in out and "FAILED" in out and "exit status 4" in out
    assert out.rstrip().endswith("; 1 failed")


@pytest.mark.parametrize("name", list(W.PROGRAMS))
def test_each_warmup_program_runs(name):
    """Each warm-up program runs as written, on the suite's cache (warm after a first run):
    the eager ones as they are, the static ones compiled from their first run (the default
    tier is the interpreter every static test runs)."""
    tier = "compiled" if name in W.STATIC else "default"
    r = W.run_program(name, W.PROGRAMS[name], tier, None, 600)
    assert r.error is None, r.error


def test_an_interrupt_stops_the_running_programs_and_starts_no_other(tmp_path):
    """Ctrl-C while the warm-up waits: the running processes are killed at once (not waited
    for), the queued ones never start, and the KeyboardInterrupt reaches the caller."""
    prog = ("import os, pathlib, time\n"
            "pathlib.Path(os.environ['DLCORE_CACHE_DIR'], str(os.getpid())).write_text('')\n"
            "time.sleep(60)\n")
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            W.warmup({f"p{i}": prog for i in range(5)}, jobs=2, cache_dir=str(tmp_path))
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 20
    pids = [int(p.name) for p in tmp_path.iterdir()]
    assert 1 <= len(pids) <= 2                     # (two at a time; none started after)
    time.sleep(0.2)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)                       # killed and reaped


def test_the_default_jobs_are_the_cores_as_memory_allows(monkeypatch):
    monkeypatch.setattr(W, "_cores", lambda: 8)
    monkeypatch.setattr(W, "_available_bytes", lambda: 20 * W.JOB_BYTES)
    assert W.default_jobs() == 8
    monkeypatch.setattr(W, "_available_bytes", lambda: 3 * W.JOB_BYTES + 1)
    assert W.default_jobs() == 3
    monkeypatch.setattr(W, "_available_bytes", lambda: W.JOB_BYTES // 2)
    assert W.default_jobs() == 1
    monkeypatch.setattr(W, "_available_bytes", lambda: None)      # (not Linux)
    assert W.default_jobs() == 8
    free = W._available_bytes()
    assert free is None or free > 0
