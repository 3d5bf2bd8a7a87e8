"""Eager scenarios run by every rank of ``_ranks_main.py`` (launched with mpiexec by the tests).

Each function returns a JSON-friendly dict; rank 0's dicts become the results file.  The data
are made from one seed on every rank, and each rank takes its own rows; the single-process
references train on the concatenated rows (computed on every rank: they are small)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

import dlcore_eager as torch
import dlcore_eager.distributed as dist
from dlcore_eager.nn.parallel import DistributedDataParallel as DDP
from dlcore_eager.utils.data import DataLoader, TensorDataset
from dlcore_eager.utils.data.distributed import DistributedSampler

N_PER_RANK, D, H, O, STEPS = 4, 6, 8, 3, 4


def _flat(params) -> np.ndarray:
    return np.concatenate([p.detach().numpy().reshape(-1) for p in params]).astype(np.float64)


def _same_on_all_ranks(flat: np.ndarray) -> bool:
    everyone = dist._comm().allgather(flat.reshape(1, -1))
    return bool((everyone == everyone[0]).all())


def _mlp(seed: int):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H),
                               torch.nn.Tanh(), torch.nn.Linear(H, O))


def _data(world: int, steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((steps, N_PER_RANK * world, D)).astype(np.float32)
    Y = rng.standard_normal((steps, N_PER_RANK * world, O)).astype(np.float32)
    return X, Y


def collectives() -> dict:
    rank, world = dist.get_rank(), dist.get_world_size()
    out: dict = {}
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3) + rank
    dist.all_reduce(t)
    out["all_reduce_sum"] = t.tolist()
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3) + rank
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    out["all_reduce_avg"] = t.tolist()
    t = torch.tensor([rank, -rank], dtype=torch.int64)
    work = dist.all_reduce(t, op=dist.ReduceOp.MAX, async_op=True)
    work.wait()
    out["all_reduce_max_async"] = t.tolist()
    t = torch.tensor([float(rank + 1)])
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    out["all_reduce_min"] = t.tolist()
    t = torch.full((3,), float(rank * 10))
    dist.broadcast(t, src=world - 1)
    out["broadcast_from_last"] = t.tolist()
    parts = [torch.zeros(2) for _ in range(world)]
    dist.all_gather(parts, torch.tensor([rank, rank + 0.5]))
    out["all_gather"] = [p.tolist() for p in parts]
    into = torch.zeros(world * 2)
    dist.all_gather_into_tensor(into, torch.tensor([rank, rank + 0.5]))
    out["all_gather_into_tensor"] = into.tolist()
    core = dist._comm()
    out["core_allgather_ragged"] = core.allgather(np.full((rank + 1, 2), rank, np.int64)).tolist()
    try:
        core.allgather(np.zeros((1, 2 + rank), np.float32))
    except Exception as e:                                   # noqa: BLE001
        out["allgather_mismatch_error"] = f"{type(e).__name__}: {e}"
    dist.barrier()
    out["local_rank"] = dist.get_node_local_rank()
    import dlcore  # a CUDA tensor (the simulator in tests)
    t = torch.tensor([rank + 1.0, 2.0]).cuda()
    dlcore.reset_transfer_stats()
    dist.all_reduce(t)
    stats = dlcore.transfer_stats()
    out["cuda_all_reduce"] = {"value": t.cpu().tolist(), "is_cuda": t.is_cuda,
                              "d2h": stats["device_to_host"], "h2d": stats["host_to_device"]}
    return out


def _train_ddp(overlap: bool, bucket_cap_mb: float | None) -> dict:
    rank, world = dist.get_rank(), dist.get_world_size()
    X, Y = _data(world, STEPS)
    model = _mlp(100 + rank)                 # different on each rank: DDP broadcasts rank 0's
    before = _flat(model.parameters())
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb, overlap=overlap)
    init = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    rows = slice(rank * N_PER_RANK, (rank + 1) * N_PER_RANK)
    for s in range(STEPS):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(ddp(torch.from_numpy(X[s, rows])),
                                            torch.from_numpy(Y[s, rows]))
        loss.backward()
        opt.step()
    ref = _mlp(0)
    with torch.no_grad():
        for p, v in zip(ref.parameters(), init):
            p.copy_(v)
    ropt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    for s in range(STEPS):
        ropt.zero_grad()
        torch.nn.functional.mse_loss(ref(torch.from_numpy(X[s])), torch.from_numpy(Y[s])).backward()
        ropt.step()
    mine = _flat(model.parameters())
    return {"buckets": ddp.bucket_sizes(), "max_abs_diff_vs_single": float(
        np.abs(mine - _flat(ref.parameters())).max()), "identical_across_ranks":
        _same_on_all_ranks(mine), "init_differed": not _same_on_all_ranks(before),
        "init_synced": _same_on_all_ranks(_flat(init)), "syncs": ddp.stats["backward_syncs"]}


def ddp_mlp() -> dict:
    return {"overlap_small_buckets": _train_ddp(True, 0.0005),
            "deferred_default_buckets": _train_ddp(False, None)}


def ddp_no_sync() -> dict:
    """Two micro-batches per step, the first inside no_sync(): one allreduce per step."""
    rank, world = dist.get_rank(), dist.get_world_size()
    X, Y = _data(world, 2 * STEPS, seed=1)
    model = _mlp(7)
    ddp = DDP(model, bucket_cap_mb=0.0005)
    init = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05)
    rows = slice(rank * N_PER_RANK, (rank + 1) * N_PER_RANK)
    mse = torch.nn.functional.mse_loss
    for s in range(STEPS):
        opt.zero_grad()
        with ddp.no_sync():
            mse(ddp(torch.from_numpy(X[2 * s, rows])), torch.from_numpy(Y[2 * s, rows])).backward()
        mse(ddp(torch.from_numpy(X[2 * s + 1, rows])),
            torch.from_numpy(Y[2 * s + 1, rows])).backward()
        opt.step()
    ref = _mlp(0)
    with torch.no_grad():
        for p, v in zip(ref.parameters(), init):
            p.copy_(v)
    ropt = torch.optim.SGD(ref.parameters(), lr=0.05)
    for s in range(STEPS):
        ropt.zero_grad()
        for m in (2 * s, 2 * s + 1):
            mse(ref(torch.from_numpy(X[m])), torch.from_numpy(Y[m])).backward()
        ropt.step()
    mine = _flat(model.parameters())
    return {"max_abs_diff_vs_single": float(np.abs(mine - _flat(ref.parameters())).max()),
            "identical_across_ranks": _same_on_all_ranks(mine),
            "syncs": ddp.stats["backward_syncs"]}


class _Branchy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(D, H)
        self.b = torch.nn.Linear(H, O)
        self.unused = torch.nn.Linear(H, O)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


def ddp_unused() -> dict:
    rank, world = dist.get_rank(), dist.get_world_size()
    X, Y = _data(world, 2, seed=2)
    rows = slice(rank * N_PER_RANK, (rank + 1) * N_PER_RANK)
    torch.manual_seed(3)
    net = _Branchy()
    ddp = DDP(net, find_unused_parameters=True)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    for s in range(2):
        opt.zero_grad()
        torch.nn.functional.mse_loss(ddp(torch.from_numpy(X[s, rows])),
                                     torch.from_numpy(Y[s, rows])).backward()
        opt.step()
    out = {"unused_grad_is_none": net.unused.weight.grad is None,
           "identical_across_ranks": _same_on_all_ranks(_flat(net.parameters()))}
    torch.manual_seed(3)
    strict = DDP(_Branchy())                  # default: every parameter must get a gradient
    torch.nn.functional.mse_loss(strict(torch.from_numpy(X[0, rows])),
                                 torch.from_numpy(Y[0, rows])).backward()
    try:
        strict(torch.from_numpy(X[1, rows]))
    except RuntimeError as e:
        out["strict_error"] = str(e)
    torch.manual_seed(4 + rank)               # rank 1 builds another model: a clear error
    try:
        DDP(torch.nn.Linear(D, O + rank))
    except RuntimeError as e:
        out["mismatch_error"] = str(e)
    return out


def sampler() -> dict:
    world = dist.get_world_size()
    out = {}
    cases = {"shuffle_seed3_epoch1": {"shuffle": True, "seed": 3, "epoch": 1, "n": 11,
                                      "drop_last": False},
             "shuffle_drop_last": {"shuffle": True, "seed": 0, "epoch": 0, "n": 11,
                                   "drop_last": True},
             "ordered_pad": {"shuffle": False, "seed": 0, "epoch": 0, "n": 7, "drop_last": False}}
    for name, c in cases.items():
        s = DistributedSampler(list(range(c["n"])), shuffle=c["shuffle"], seed=c["seed"],
                               drop_last=c["drop_last"])
        s.set_epoch(c["epoch"])
        mine = np.array([list(s)], np.int64)
        out[name] = {"case": c, "per_rank": dist._comm().allgather(mine).tolist()}
    ds = TensorDataset(torch.arange(10, dtype=torch.float32))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, seed=5))
    seen = np.array([[float(v) for (b,) in loader for v in b.tolist()]], np.float64)
    out["loader_per_rank"] = dist._comm().allgather(seen).tolist()
    out["world"] = world
    return out


def checkpoint(directory: str) -> dict:
    model = _mlp(11 + dist.get_rank())
    ddp = DDP(model)
    path = os.path.join(directory, "ddp.pt")
    dist.save_on_rank0(ddp.module.state_dict(), path)
    loaded = torch.load(path)
    same = all(np.array_equal(loaded[k].numpy(), v.numpy())
               for k, v in ddp.module.state_dict().items())
    return {"loaded_equals_module": bool(_same_on_all_ranks(np.array([float(same)]))),
            "keys": sorted(loaded)[:2]}


def run_all(directory: str | None = None) -> dict:
    directory = directory or tempfile.mkdtemp()
    return {"collectives": collectives(), "ddp_mlp": ddp_mlp(), "ddp_no_sync": ddp_no_sync(),
            "ddp_unused": ddp_unused(), "sampler": sampler(),
            "checkpoint": checkpoint(directory)}
