"""tests/_xdist_recycle.py: a test worker past its memory limit is replaced, no test lost.

The end-to-end test runs a small pytest project under ``-n 2 --dist loadgroup`` with the
README run's scheduler and recycler and a 1 MB limit, so that every worker is retired after its
first test while work is left: each test must run once, pass, and the run must have used more
than two workers; with the recycler off (limit 0) the same run keeps its two.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("xdist")

from _xdist_recycle import (  # noqa: E402 - after the skip
    ENV,
    FLOOR_MB,
    Recycler,
    auto_workers,
    limit_mb,
    reap,
    rss_mb,
)

TESTS = Path(__file__).resolve().parent


def test_limit_is_half_the_memory_shared_among_the_workers_with_a_floor():
    assert limit_mb(2, {}, total_mb=24_000) == 6_000
    assert limit_mb(4, {}, total_mb=16_384) == FLOOR_MB == 2_048
    assert limit_mb(8, {}, total_mb=16_384) == FLOOR_MB        # (1 GB each: the floor)
    assert limit_mb(1, {}, total_mb=64_000) == 32_000
    assert limit_mb(2, {}, total_mb=0) == 0                     # (unknown: never)


def test_auto_workers_one_per_core_at_most_8_and_one_per_4_gb():
    assert auto_workers(2, 24_000) == 2                 # (this machine)
    assert auto_workers(8, 16_384) == 4
    assert auto_workers(16, 128_000) == 8
    assert auto_workers(4, 6_000) == 1 == auto_workers(0, 24_000)
    assert auto_workers(4, None) == 4                   # (memory unknown: the cores)


def test_limit_from_the_environment():
    assert limit_mb(2, {ENV: "900"}, total_mb=24_000) == 900
    assert limit_mb(2, {ENV: "0"}, total_mb=24_000) == 0
    assert limit_mb(2, {ENV: " "}, total_mb=24_000) == 6_000    # (blank: the default)
    with pytest.raises(ValueError, match=f"{ENV} must be a whole number of MB .*'lots'"):
        limit_mb(2, {ENV: "lots"})


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux's /proc")
def test_rss_is_this_processs_resident_set():
    with open("/proc/self/status") as f:
        vm = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    mb = rss_mb()
    assert mb is not None and abs(mb - vm // 1024) <= 64
    block = bytearray(200 << 20)                   # 200 MB touched: resident
    try:
        assert rss_mb() - mb >= 150
    finally:
        del block


def _child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


def test_a_retired_workers_process_is_waited_for_then_killed():
    quick = _child("pass")
    assert reap(quick, 30.0) == "exited" and quick.returncode == 0
    stuck = _child("import time; time.sleep(60)")
    assert reap(stuck, 0.2) == "killed" and stuck.returncode == -9


class _Gateway:
    def __init__(self, gid, popen):
        self.id, self._io = gid, type("IO", (), {"popen": popen})()


class _Node:
    def __init__(self, gid, popen):
        self.gateway, self.torn_down = _Gateway(gid, popen), False

    def ensure_teardown(self):
        self.torn_down = True


def test_only_a_retired_node_is_torn_down_and_reaped_when_it_reports_its_end(monkeypatch):
    import _xdist_recycle
    monkeypatch.setattr(_xdist_recycle, "REAP_S", 0.2)
    rec = Recycler(config=None)
    rec.retired.append(("gw0", 3000, "gw2"))
    kept, retired = _child("import time; time.sleep(60)"), _child("import time; time.sleep(60)")
    try:
        other = _Node("gw1", kept)
        rec.pytest_testnodedown(other, None)
        mine = _Node("gw0", retired)
        rec.pytest_testnodedown(mine, None)
        assert mine.torn_down and not other.torn_down
        assert retired.wait(timeout=20) == -9           # (killed after REAP_S by the thread)
        assert kept.poll() is None
    finally:
        kept.kill(), retired.kill(), kept.wait(), retired.wait()


_PROJECT_CONFTEST = """
import sys
sys.path.insert(0, {tests!r})
import pytest
from _xdist_recycle import add_rss, install

def pytest_configure(config):
    if not hasattr(config, "workerinput") and config.getoption("tx", None):
        install(config)

@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    from _xdist_loadgroup import LoadGroupSchedulingCounted
    return LoadGroupSchedulingCounted(config, log)

@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config, report):
    data = yield
    if hasattr(config, "workerinput") and isinstance(data, dict):
        add_rss(data)
    return data
"""

_PROJECT_TESTS = """
import os
import pytest

@pytest.mark.parametrize("i", range(10))
def test_one(i):
    with open(os.path.join(os.environ["RECYCLE_OUT"], f"{{i}}-{{os.getpid()}}"), "w") as f:
        f.write(os.environ["PYTEST_XDIST_WORKER"])
"""


def _run(tmp_path: Path, limit: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    project = tmp_path / f"project{limit}"
    out = project / "out"
    out.mkdir(parents=True)
    (project / "conftest.py").write_text(_PROJECT_CONFTEST.format(tests=str(TESTS)))
    (project / "test_many.py").write_text(_PROJECT_TESTS.format())
    (project / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_XDIST_", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"))}
    env.update({ENV: limit, "RECYCLE_OUT": str(out)})
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
                           "-p", "no:cacheprovider", "-p", "no:randomly", "test_many.py"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=240)
    return proc, sorted(os.listdir(out))


@pytest.mark.slow
def test_every_worker_past_the_limit_is_replaced_and_every_test_runs_once(tmp_path):
    if rss_mb() is None:
        pytest.skip("no resident-set reading here (Linux's /proc)")
    proc, runs = _run(tmp_path, "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10 passed" in proc.stdout
    assert sorted(int(r.split("-")[0]) for r in runs) == list(range(10))     # each once
    workers = {(tmp_path / "project1" / "out" / r).read_text() for r in runs}
    assert len(workers) > 2, workers
    assert "test workers retired past 1 MB of memory" in proc.stdout
    assert "gw0 at " in proc.stdout and "-> gw2" in proc.stdout

    proc, runs = _run(tmp_path, "0")               # the recycler off: the two workers
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workers = {(tmp_path / "project0" / "out" / r).read_text() for r in runs}
    assert sorted(int(r.split("-")[0]) for r in runs) == list(range(10))
    assert workers <= {"gw0", "gw1"} and "retired" not in proc.stdout
