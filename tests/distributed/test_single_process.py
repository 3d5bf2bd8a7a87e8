"""The distributed APIs as one process, without mpiexec (issue 18): the size-1 fallback (also
without mpi4py), errors before initialisation and for bad arguments, DDP and Horovod's
optimizers as the identity on training, the DistributedSampler's lists against PyTorch's for
many shapes, the post-accumulate-grad hook against PyTorch, and device buffers staged through
the host."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

import dlcore.distributed as core
import dlcore_eager as torch
import dlcore_eager.distributed as dist
from dlcore_eager.nn.parallel import DistributedDataParallel as DDP
from dlcore_eager.utils.data.distributed import DistributedSampler

NOT_INIT = ("Default process group has not been initialized, please make sure to call "
            "init_process_group.")


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """No communicator before or after each test; no launcher variables in the environment."""
    for var in core._LAUNCHER_SIZE_VARS + core._LAUNCHER_RANK_VARS:
        monkeypatch.delenv(var, raising=False)
    dist._STATE["comm"] = None
    core.finalize()
    yield
    dist._STATE["comm"] = None
    core.finalize()


# ----------------------------------------------------------------------------- the core
def test_size_one_without_a_launcher():
    comm = core.init()
    assert (comm.backend, comm.rank, comm.size, comm.local_rank) == ("single", 0, 1, 0)
    assert core.init() is comm                                     # once
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for op in ("sum", "average", "avg", "max", "min", "prod"):
        r = core.allreduce(x, op)
        assert r is not x and np.array_equal(r, x)
    assert core.allreduce(x, "sum", out=x) is x
    req = core.allreduce_async(x, "average")
    assert req.test() and np.array_equal(req.wait(), x)
    assert core.broadcast(x, 0) is x
    np.testing.assert_array_equal(core.allgather(x), x)
    core.barrier()
    assert core.on_root(lambda a: a + 1, 41) == 42


def test_without_mpi4py(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)             # as if not installed
    assert not core.mpi_available() and not dist.is_mpi_available()
    assert core.init("mpi").backend == "single"                  # runs alone, unchanged
    core.finalize()
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setenv("PMI_SIZE", "2")                          # but started as 1 of 2 ranks
    with pytest.raises(core.DistributedError, match="mpi4py is not installed"):
        core.init()


def test_core_errors(monkeypatch):
    with pytest.raises(core.DistributedError, match="has not been initialized"):
        core.rank()
    with pytest.raises(ValueError, match="unknown backend 'tcp'"):
        core.init("tcp")
    comm = core.init()
    with pytest.raises(ValueError, match="unknown reduction 'median'"):
        core.allreduce(np.ones(2), "median")
    with pytest.raises(TypeError, match="'average' needs a floating-point buffer, got int64"):
        core.allreduce(np.ones(2, np.int64), "average")
    with pytest.raises(ValueError, match=r"root rank 1 is outside the job's ranks 0..0"):
        core.broadcast(np.ones(2), 1)
    monkeypatch.setenv("DLCORE_DIST_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="DLCORE_DIST_TIMEOUT='soon': expected a number"):
        core.default_timeout()
    monkeypatch.setenv("DLCORE_DIST_TIMEOUT", "0")
    with pytest.raises(ValueError, match="must be positive"):
        core.default_timeout()
    monkeypatch.setenv("DLCORE_DIST_BACKEND", "tcp")
    with pytest.raises(ValueError, match="DLCORE_DIST_BACKEND=.tcp.: use .mpi. or .single."):
        core.finalize() or core.init()
    monkeypatch.setenv("DLCORE_DIST_TIMEOUT", "2.5")
    assert core.default_timeout() == 2.5 and comm.timeout == core.DEFAULT_TIMEOUT


def test_select_local_gpu(monkeypatch):
    comm = core.init()
    # CUDA not yet started in this process (on a real GPU an earlier test may have started it)
    monkeypatch.setattr(core, "_cuda_started", lambda: False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert core.select_local_gpu() == "0"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    monkeypatch.setattr(comm, "local_rank", 1)
    assert core.select_local_gpu() == "5"
    import os
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "5"


def test_select_local_gpu_changes_nothing_once_cuda_has_started(monkeypatch):
    core.init()
    import os
    monkeypatch.setitem(sys.modules, "numba.cuda", sys.modules.get("numba.cuda") or object())
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "0")
    monkeypatch.setattr(core, "_cuda_started", lambda: True)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    assert core.select_local_gpu() is None
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3,5"


def test_launcher_detection(monkeypatch):
    assert core.launched_size() is None
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "3")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "8")
    assert core.launched_size() == 8


# ----------------------------------------------------------------------------- eager
def test_eager_group_of_one_and_errors():
    for f in (dist.get_rank, dist.get_world_size, dist.barrier,
              lambda: dist.all_reduce(torch.ones(2)), lambda: DDP(torch.nn.Linear(2, 2)),
              lambda: DistributedSampler(list(range(4)))):
        with pytest.raises(ValueError) as e:
            f()
        assert str(e.value) == NOT_INIT
    with pytest.raises(RuntimeError, match="supports the 'mpi' backend only"):
        dist.init_process_group("nccl")
    dist.init_process_group(backend="mpi", world_size=1, rank=0)
    assert dist.is_initialized() and dist.get_backend() == "single"
    with pytest.raises(RuntimeError, match="trying to initialize the default process group "
                                           "twice!"):
        dist.init_process_group("mpi")
    t = torch.tensor([1.0, 2.0])
    v = t._version
    assert dist.all_reduce(t, op=dist.ReduceOp.AVG) is None and t.tolist() == [1.0, 2.0]
    assert t._version == v + 1                                  # an in-place change
    with pytest.raises(ValueError, match="ReduceOp.BAND is not supported"):
        dist.all_reduce(t, op=dist.ReduceOp.BAND)
    parts = [torch.zeros(2)]
    dist.all_gather(parts, t)
    assert parts[0].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="tensor_list must have world_size"):
        dist.all_gather([], t)
    with pytest.raises(NotImplementedError, match="only the default group"):
        dist.get_rank(group=object())
    dist.destroy_process_group()
    assert not dist.is_initialized()


def test_post_accumulate_grad_hook_matches_torch():
    pt = pytest.importorskip("torch")
    seen = {}
    for lib in (torch, pt):
        w = lib.ones(3, requires_grad=True)
        calls: list = []
        w.register_hook(lambda g: g * 2)
        h = w.register_post_accumulate_grad_hook(
            lambda p, calls=calls: calls.append(p.grad.tolist()))
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        h.remove()
        (w * 3).sum().backward()
        seen[lib.__name__] = calls
        with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered "
                                               "on non-leaf tensors"):
            (w * 2).register_post_accumulate_grad_hook(print)
    assert seen["dlcore_eager"] == seen["torch"] == [[6.0] * 3, [12.0] * 3]


def test_ddp_of_one_process_trains_like_the_module():
    dist.init_process_group("mpi")
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((5, 4)).astype(np.float32))
    y = torch.from_numpy(rng.standard_normal((5, 2)).astype(np.float32))
    finals = []
    for wrap in (False, True):
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
        net = DDP(m, bucket_cap_mb=0.00002) if wrap else m
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            opt.step()
        finals.append([p.detach().numpy().copy() for p in m.parameters()])
        if wrap:
            assert len(net.bucket_sizes()) == 4
            assert net.stats["backward_syncs"] == 0        # one rank: no hooks, no copies
            assert next(iter(net.state_dict())) == "module.0.weight"
            assert net.module is m
    for a, b in zip(*finals):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        DDP(torch.nn.Linear(2, 2), bucket_cap_mb=0)


def test_sampler_lists_equal_torch():
    pt = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for n, world, shuffle, drop_last, seed, epoch in itertools.product(
            (0, 1, 3, 10, 13, 5000), (1, 2, 3, 4, 7), (True, False), (True, False), (0, 42),
            (0, 2)):
        for rank in range(world):
            ours = DistributedSampler(range(n), world, rank, shuffle, seed, drop_last)
            ref = TorchSampler(range(n), world, rank, shuffle, seed, drop_last)
            ours.set_epoch(epoch)
            ref.set_epoch(epoch)
            assert list(ours) == list(ref) and len(ours) == len(ref), \
                (n, world, rank, shuffle, drop_last, seed, epoch)
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    assert pt.__version__


@pytest.mark.cuda
def test_device_buffers_alone():
    """A job of one copies nothing for an in-place collective; an out-of-place one returns a
    host copy (the MPI path, which stages device buffers both ways, runs in test_mpi.py)."""
    import dlcore
    dist.init_process_group("mpi")
    t = torch.tensor([1.0, 2.0]).cuda()
    dlcore.reset_transfer_stats()
    dist.all_reduce(t)
    assert dlcore.transfer_stats()["device_to_host"] == 0
    r = core.allreduce(t._buf, "sum")
    assert isinstance(r, np.ndarray) and r.tolist() == [1.0, 2.0]
    assert dlcore.transfer_stats()["device_to_host"] == 1


# ----------------------------------------------------------------------------- static
def test_horovod_of_one_process():
    import dlcore_static as tf
    import dlcore_static.distributed as hvd
    with pytest.raises(ValueError, match=r"Horovod has not been initialized; use hvd.init\(\)"):
        hvd.rank()
    hvd.init()
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.mpi_enabled()) == (0, 1, 0, False)
    with pytest.raises(TypeError, match="wraps a tf.train optimizer"):
        hvd.DistributedOptimizer(object())
    with pytest.raises(NotImplementedError, match="Adasum"):
        hvd.allreduce(1.0, op=hvd.Adasum)
    with tf.Graph().as_default():
        v = tf.Variable(np.array([1.0, 3.0], np.float32))
        loss = tf.reduce_sum(v * v)
        opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.25))
        train = opt.minimize(loss)
        avg = hvd.allreduce(v * 2.0)
        with pytest.raises(TypeError, match="averaging needs a floating-point tensor"):
            hvd.allreduce(tf.constant([1, 2]))
        bcast = hvd.broadcast_global_variables(0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(bcast)
            sess.run(train)
            np.testing.assert_allclose(sess.run(v), [0.5, 1.5])      # w -= 0.25 * 2w
            np.testing.assert_allclose(sess.run(avg), [1.0, 3.0])
        # a job of one: no allreduce op in the optimizer's graph (Horovod's rule)
        assert not [o for o in tf.get_default_graph().get_operations()
                    if o.type == "HorovodAllreduce" and "Distributed" in o.name]


def test_keras_optimizer_of_one_process():
    import dlcore_static.distributed.keras as hvd
    from dlcore_static import keras
    hvd.init()
    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.5)
    opt = hvd.DistributedOptimizer(sgd)
    assert isinstance(opt, keras.optimizers.SGD) and opt.momentum == 0.5
    assert hvd.allreduce(np.array([2.0, 4.0])).tolist() == [2.0, 4.0]
    assert hvd.broadcast(3.0, 0) == 3.0
    with pytest.raises(TypeError, match="expected a Keras optimizer"):
        hvd.DistributedOptimizer(object())
    cb = hvd.callbacks.MetricAverageCallback()
    logs = {"loss": 2.0, "acc": 0.5}
    cb.on_epoch_end(0, logs)
    assert logs == {"loss": 2.0, "acc": 0.5}


def test_mpi_collective_after_finalize_is_a_clear_error():
    # an MPI communicator of one process (MPI's singleton start), in its own interpreter so
    # this worker never initialises MPI; a collective after finalize() used to fail with
    # AttributeError ('NoneType' object has no attribute 'Ibarrier')
    pytest.importorskip("mpi4py")
    import subprocess
    code = ("from dlcore.distributed.mpi import MPIComm\n"
            "from dlcore.distributed import DistributedError\n"
            "c = MPIComm()\n"
            "c.barrier()\n"
            "c.finalize()\n"
            "try:\n"
            "    c.barrier()\n"
            "except DistributedError as e:\n"
            "    print('refused:', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "refused: dlcore.distributed: cannot run barrier on rank 0: the communicator was " \
           "finalized" in r.stdout
