"""Data-parallel training on 2 MPI ranks (issue 18), both front ends.

Two launches of ``mpiexec -n 2`` for the whole file (each rank pays its imports and kernel loads,
a few seconds): ``_ranks_main.py`` runs every scenario (eager, static, SyncBatchNorm) and rank 0
writes the results as JSON,
which the tests below read; ``_ranks_dead.py`` kills a rank and checks that the other fails with
the timeout error instead of hanging.  Skipped, with the reason, only where MPI cannot start
(mpi4py missing, no mpiexec, or a 2-rank hello-world failing).

Tolerance: after 4 (eager, static) or 8 (Keras) float32 SGD steps the parameters of every rank
must equal single-process training on the concatenated batches within 1e-5 absolute (the
averages are summed in another order; seen: up to 6e-8), and the ranks must hold bitwise
identical parameters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from dlcore.distributed import find_mpiexec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOL = 1e-5
#: Every test here reads the one two-rank run of the module fixture ``results``: one xdist group,
#: so one worker starts it (spread over two workers, each ran it: 18 s twice).
pytestmark = pytest.mark.xdist_group("mpi-ranks")


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    env.update(extra)
    return env


def _mpi_problem() -> str | None:
    """Why 2 MPI ranks cannot start here, or None."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install 'dlcore[distributed]')"
    mpiexec = find_mpiexec()
    if mpiexec is None:
        return "no mpiexec next to this Python or on PATH (the mpich wheel installs one)"
    probe = "from mpi4py import MPI; assert MPI.COMM_WORLD.Get_size() == 2"
    try:
        r = subprocess.run([mpiexec, "-n", "2", sys.executable, "-c", probe], env=_env(),
                           capture_output=True, text=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"mpiexec -n 2 could not run: {e}"
    if r.returncode != 0:
        return f"mpiexec -n 2 failed: {(r.stdout + r.stderr)[-500:]}"
    return None


@pytest.fixture(scope="module")
def mpiexec() -> str:
    problem = _mpi_problem()
    if problem is not None:
        pytest.skip(f"MPI cannot start here: {problem}")
    return find_mpiexec()


@pytest.fixture(scope="module")
def results(mpiexec, tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("ranks")
    out = d / "results.json"
    cmd = [mpiexec, "-n", "2", sys.executable, os.path.join(HERE, "_ranks_main.py"), str(out),
           str(d)]
    r = subprocess.run(cmd, env=_env(DLCORE_DIST_TIMEOUT="120"), capture_output=True,
                       text=True, timeout=600, check=False)
    errors = [p.read_text() for p in d.glob("results.json.rank*")]
    if r.returncode != 0 or not out.exists():
        pytest.fail(f"the ranks failed (exit {r.returncode}):\n{r.stdout[-3000:]}\n"
                    f"{r.stderr[-3000:]}\n{''.join(errors)[-3000:]}")
    res = json.loads(out.read_text())
    for part in ("eager", "static", "sync_bn"):
        assert "error" not in res[part], res[part].get("error")
    return res


# ----------------------------------------------------------------------------- collectives
def test_group_and_collectives(results):
    assert results["world"] == 2 and results["rank"] == 0 and results["backend"] == "mpi"
    c = results["eager"]["collectives"]
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(c["all_reduce_sum"], base * 2 + 1)
    np.testing.assert_array_equal(c["all_reduce_avg"], base + 0.5)
    assert c["all_reduce_max_async"] == [1, 0]
    assert c["all_reduce_min"] == [1.0]
    assert c["broadcast_from_last"] == [10.0] * 3
    assert c["all_gather"] == [[0.0, 0.5], [1.0, 1.5]]
    assert c["all_gather_into_tensor"] == [0.0, 0.5, 1.0, 1.5]
    assert c["core_allgather_ragged"] == [[0, 0], [1, 1], [1, 1]]
    assert c["allgather_mismatch_error"].startswith("DistributedError")
    assert "rank 0: float32[1, 2]; rank 1: float32[1, 3]" in c["allgather_mismatch_error"]
    assert c["local_rank"] == 0
    # a CUDA tensor: staged through the host (one copy each way), the result back on the device
    assert c["cuda_all_reduce"] == {"value": [3.0, 4.0], "is_cuda": True, "d2h": 1, "h2d": 1}


# ----------------------------------------------------------------------------- eager
@pytest.mark.parametrize("variant", ["overlap_small_buckets", "deferred_default_buckets"])
def test_ddp_matches_single_process(results, variant):
    r = results["eager"]["ddp_mlp"][variant]
    assert r["init_differed"] and r["init_synced"]          # rank 0's weights were broadcast
    assert r["identical_across_ranks"]
    assert r["max_abs_diff_vs_single"] < TOL
    assert r["syncs"] == 4
    assert len(r["buckets"]) == (2 if variant == "overlap_small_buckets" else 1)


def test_ddp_no_sync_accumulates_then_reduces_once(results):
    r = results["eager"]["ddp_no_sync"]
    assert r["identical_across_ranks"] and r["max_abs_diff_vs_single"] < TOL
    assert r["syncs"] == 4                                   # one allreduce per 2 micro-batches


def test_ddp_unused_parameters_and_errors(results):
    r = results["eager"]["ddp_unused"]
    assert r["unused_grad_is_none"] and r["identical_across_ranks"]
    assert r["strict_error"].startswith("Expected to have finished reduction in the prior "
                                        "iteration")
    assert "find_unused_parameters=True" in r["strict_error"]
    assert "the ranks' modules differ" in r["mismatch_error"]


def test_distributed_sampler_partitions_equal_torch(results):
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    s = results["eager"]["sampler"]
    for name in ("shuffle_seed3_epoch1", "shuffle_drop_last", "ordered_pad"):
        c = s[name]["case"]
        for rank, got in enumerate(s[name]["per_rank"]):
            ts = TorchSampler(list(range(c["n"])), num_replicas=2, rank=rank,
                              shuffle=c["shuffle"], seed=c["seed"], drop_last=c["drop_last"])
            ts.set_epoch(c["epoch"])
            assert got == list(ts), (name, rank)
    ts = [list(TorchSampler(list(range(10)), num_replicas=2, rank=r, seed=5)) for r in (0, 1)]
    assert s["loader_per_rank"] == [[float(i) for i in t] for t in ts]
    assert torch.__version__


def test_checkpoint_written_by_rank0_read_by_all(results):
    r = results["eager"]["checkpoint"]
    assert r["loaded_equals_module"] and r["keys"] == ["0.bias", "0.weight"]


# ----------------------------------------------------------------------------- static
@pytest.mark.parametrize("passes", ["all", "none"])
def test_static_distributed_optimizer_matches_single_process(results, passes):
    r = results["static"]["static_mlp"][passes]
    assert r["init_differed"] and r["identical_across_ranks"]
    assert r["max_abs_diff_vs_single"] < TOL
    if passes == "all":                 # the allreduce op survived every pass and ran in Python
        assert r["compiled"]
        for name, kinds in r["horovod_nodes_after_each_pass"].items():
            assert kinds == ["HorovodAllreduce"], name
        assert "DistributedAllreduce" in r["python_nodes"]


def test_static_collective_ops_and_gradients(results):
    r = results["static"]["static_ops"]
    assert r["avg"] == [1.5, 3.0] and r["sum"] == [3.0, 6.0] and r["bcast"] == [2.0, 4.0]
    assert r["gather"] == [[1.0, 2.0], [2.0, 4.0], [2.0, 4.0]]
    # d/dv of sum(avg^2) + 2 sum(gather) + sum(bcast): averaged 2*avg, the sum over ranks of
    # the gathered cotangent cut to each rank's rows, and the broadcast's on the root only
    assert r["grad_per_rank"] == [[7.0, 10.0], [13.0, 16.0]]


def test_keras_distributed_optimizer_and_callbacks(results):
    r = results["static"]["keras_mlp"]
    assert r["init_differed"] and r["identical_across_ranks"]
    assert r["max_abs_diff_vs_single"] < TOL
    local = np.array(r["local_losses_per_rank"])
    np.testing.assert_allclose(r["history_loss"], local.mean(axis=0), rtol=1e-12)
    assert not np.allclose(local[0], local[1])           # the averaging did something
    assert r["checkpoint_matches"]


# ----------------------------------------------------------------------------- SyncBatchNorm
def test_sync_batch_norm_on_two_ranks_equals_whole_batch(results):
    """SyncBatchNorm across 2 ranks equals BatchNorm over the whole batch in one process:
    outputs, input gradients, summed parameter gradients and running statistics (float64, two
    training steps; ``_sync_bn_ranks.py``).  It had a launch of its own: 4.2 s of CPU."""
    res = results["sync_bn"]
    assert res["world"] == 2 and res["batches"] == 2
    for name, diff in res["diffs"].items():
        assert diff < 1e-12, (name, diff)
    assert set(res["diffs"]) == {"out", "dx", "dw", "db", "running"}


# ----------------------------------------------------------------------------- failures
def test_killed_rank_fails_the_other_with_the_timeout_error(mpiexec, tmp_path):
    version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, check=False,
                             timeout=30).stdout
    if "HYDRA" not in version:
        pytest.skip("needs MPICH's mpiexec (hydra) for -disable-auto-cleanup, which keeps the "
                    "surviving rank alive when the other dies")
    out = tmp_path / "dead.json"
    t0 = time.monotonic()
    r = subprocess.run([mpiexec, "-disable-auto-cleanup", "-n", "2", sys.executable,
                        os.path.join(HERE, "_ranks_dead.py"), str(out)],
                       env=_env(DLCORE_DIST_TIMEOUT="2"), capture_output=True, text=True, check=False,
                       timeout=120)
    wall = time.monotonic() - t0
    log = f"exit {r.returncode}, {wall:.1f} s\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    assert out.exists(), log
    seen = json.loads(out.read_text())
    static = seen["static"]
    assert static["type"] == "HorovodTimeoutError", static
    assert static["is_deadline_exceeded"] and static["is_core_timeout"]
    assert "did not complete on rank 0 of 2 within the timeout of 2 s" in static["message"]
    assert "DLCORE_DIST_TIMEOUT" in static["message"] and "HorovodAllreduce" in static["message"]
    assert 2.0 <= seen["static_seconds"] < 20.0, log       # the timeout, not a hang
    assert seen["eager"]["type"] == "DistributedError"
    assert "the communicator is broken" in seen["eager"]["message"]
    assert seen["eager_seconds"] < 1.0, log                  # no second wait
    assert r.returncode != 0, log                            # MPI_Abort at exit
    assert "aborts the MPI job" in r.stderr, log
