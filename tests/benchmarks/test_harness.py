"""The benchmark harness works end to end: files written, table printed, skipped engines named.

No timing is asserted anywhere: sizes are toys (``--tiny``) and numbers mean nothing here.  The
end-to-end test runs ``python -m benchmarks --quick --tiny`` in a subprocess, as a user would,
with a few engines (torch.compile and JAX are left out: their compile times alone would exceed
this file's budget).  The in-process tests check that a broken engine never ends a run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import engines, runner
from benchmarks.engines.base import Prepared, Unsupported
from benchmarks.progress import Progress
from benchmarks.workloads import Classifier, suite

ROOT = Path(__file__).resolve().parents[2]
QUIET = Progress(1, io.StringIO())  # the in-process runs draw their bar into a buffer
ENGINES = "numpy,torch,tf1,no_such_engine"  # the last is always skipped, with its reason


def _run_cli(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)  # the harness looks for a real GPU only
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks", "--quick", "--tiny", "--out", str(tmp_path),
           *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
                          check=False)


#: The tests reading ``cli_run`` form one xdist group, so one worker runs the CLI once (the
#: module-scoped fixture ran on both workers, 30 s of CPU each, when they were spread).
ONE_CLI_RUN = pytest.mark.xdist_group("benchmarks-cli-run")


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("bench")
    return _run_cli(out, "--engines", ENGINES), out


@ONE_CLI_RUN
def test_cli_writes_table_files_and_pictures(cli_run) -> None:
    proc, out = cli_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"results written to {out}" in proc.stdout
    assert "| workload | " in proc.stdout and "NumPy by hand" in proc.stdout
    assert "## Setup + first step" in proc.stdout and "## Environment" in proc.stdout
    assert "OMP_WAIT_POLICY=" in proc.stdout
    assert "thread policy: " in proc.stdout and "chosen automatically" in proc.stdout
    assert "| load |" in proc.stdout and " c/w " in proc.stdout
    for name in ("results.json", "results.csv", "table.md"):
        assert (out / name).stat().st_size > 0
    pytest.importorskip("matplotlib")
    assert (out / "ratios.png").read_bytes()[:4] == b"\x89PNG"


@ONE_CLI_RUN
def test_cli_results_cover_every_workload(cli_run) -> None:
    proc, out = cli_run
    data = json.loads((out / "results.json").read_text())
    rows = [r for r in data["results"] if r["engine"] == "numpy"]
    names = {r["workload"] for r in rows}
    expected = {w.name for w in suite("tiny")}
    try:
        import sklearn  # noqa: F401
    except ImportError:
        expected -= {w.name for w in suite("tiny") if isinstance(w, Classifier)}
        assert "scikit-learn not installed" in proc.stdout
    assert names == expected
    assert all(r["status"] == "ok" and r["median_s"] > 0 for r in rows)
    assert all(r["first_s"] is not None and r["setup_s"] is not None for r in rows)
    with open(out / "results.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(data["results"])


@ONE_CLI_RUN
def test_cli_names_skipped_engines_with_reasons(cli_run) -> None:
    proc, out = cli_run
    meta = json.loads((out / "results.json").read_text())["meta"]
    assert set(meta["engines"]) == set(ENGINES.split(","))
    for name, info in meta["engines"].items():
        if not info["available"]:
            assert re.search(rf"skipped {name}: .+", proc.stdout), name
    assert "skipped no_such_engine: unknown engine" in proc.stdout
    assert "skipped cuda" in proc.stdout or "[cuda]" in proc.stdout


def test_every_adapter_answers_available_without_raising() -> None:
    for module in engines.ENGINE_MODULES:
        ok, why = engines.load(module).available()
        assert isinstance(ok, bool) and isinstance(why, str) and why


@ONE_CLI_RUN
def test_cli_prints_a_progress_bar(cli_run) -> None:
    proc, _ = cli_run
    assert re.search(r"\[#*\s*\]\s+\d+/\d+", proc.stderr)
    assert "done in" in proc.stderr


# -- a broken engine never ends the run ---------------------------------------------------------

class FakeEngine:
    """An adapter whose behaviour is chosen by the test: 'ok', 'setup', 'step', 'unsupported'."""

    def __init__(self, name: str, mode: str) -> None:
        self.NAME, self.LABEL, self.mode, self.calls = name, name.title(), mode, 0

    def available(self) -> tuple[bool, str]:
        return True, "test"

    def setup(self, workload, device: str) -> Prepared:
        if self.mode == "setup":
            raise RuntimeError("cannot build\nsecond line")
        if self.mode == "unsupported":
            raise Unsupported("not this one")

        def step() -> float:
            self.calls += 1
            if self.mode == "step" and self.calls > 2:
                raise ValueError("broke in round one")
            return 1.0

        return Prepared(step)


def test_failures_are_reported_not_raised() -> None:
    wl = suite("tiny")[0]
    fakes = [FakeEngine("numpy", "ok"), FakeEngine("a", "setup"), FakeEngine("b", "step"),
             FakeEngine("c", "unsupported")]
    results = runner.run_steps(fakes, wl, "cpu", runner.CONFIGS["tiny"], QUIET)
    runner.add_ratios(results)
    status = {r.engine: r for r in results}
    assert status["numpy"].status == "ok" and status["numpy"].ratio == 1.0
    assert status["a"].status == "failed" and "RuntimeError: cannot build" in status["a"].note
    assert "second line" not in status["a"].note and "Traceback" in status["a"].error
    assert status["b"].status == "failed" and "broke in round one" in status["b"].note
    assert status["c"].status == "n/a" and status["c"].note == "not this one"


def test_mismatched_first_loss_is_flagged() -> None:
    class Off(FakeEngine):
        def setup(self, workload, device):
            return Prepared(lambda: 2.0)

    results = runner.run_steps([FakeEngine("numpy", "ok"), Off("off", "ok")], suite("tiny")[0],
                               "cpu", runner.CONFIGS["tiny"], QUIET)
    assert "first loss 2 != Numpy's 1" in results[1].note


def test_missing_adapter_becomes_a_skip() -> None:
    missing = engines.load("no_such_engine")
    ok, why = missing.available()
    assert not ok and "adapter failed to import" in why


def test_classifier_reaches_target_with_numpy() -> None:
    pytest.importorskip("sklearn")
    wl = next(w for w in suite("tiny") if isinstance(w, Classifier))
    results = runner.run_classifier([engines.load("numpy_hand")], wl, "cpu",
                                    runner.CONFIGS["tiny"], QUIET)
    r = results[0]
    assert r.status == "ok" and r.extra["reached"] and 1 <= r.extra["epochs"] <= wl.max_epochs
