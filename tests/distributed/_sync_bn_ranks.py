"""Run by ``_ranks_main.py`` on 2 MPI ranks (``test_mpi.py``'s one launch): SyncBatchNorm on each
rank's half of a global batch against BatchNorm on the whole batch in one process (float64).
``run_all`` returns the largest differences; the caller writes them, or the exception."""

from __future__ import annotations

import numpy as np


def run_all(directory: str) -> dict:
    """The process group is initialised (``_ranks_main.py``); ``directory`` is unused here."""
    import dlcore_eager as torch
    import dlcore_eager.distributed as dist
    rank, world = dist.get_rank(), dist.get_world_size()
    res: dict = {"world": world}
    rng = np.random.default_rng(0)
    sync = torch.nn.SyncBatchNorm(3, momentum=0.3).double()
    ref = torch.nn.BatchNorm2d(3, momentum=0.3).double()
    w, b = rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    for m in (sync, ref):
        m.load_state_dict({**m.state_dict(), "weight": torch.tensor(w),
                           "bias": torch.tensor(b)})
    diffs = {"out": 0.0, "dx": 0.0, "dw": 0.0, "db": 0.0, "running": 0.0}
    for _ in range(2):
        x = rng.standard_normal((4 * world, 3, 2, 2)) * 2 + 1
        c = rng.standard_normal(x.shape)
        part = slice(4 * rank, 4 * rank + 4)
        xs = torch.tensor(x[part], requires_grad=True)
        xr = torch.tensor(x, requires_grad=True)
        ys, yr = sync(xs), ref(xr)
        (ys * torch.tensor(c[part])).sum().backward()
        (yr * torch.tensor(c)).sum().backward()
        diffs["out"] = max(diffs["out"], float(np.abs(ys.detach().numpy() -
                                                      yr.detach().numpy()[part]).max()))
        diffs["dx"] = max(diffs["dx"], float(np.abs(xs.grad.numpy() -
                                                    xr.grad.numpy()[part]).max()))
        for name in ("weight", "bias"):
            g = getattr(sync, name).grad.clone()
            dist.all_reduce(g)                      # the ranks' losses add up
            key = "dw" if name == "weight" else "db"
            diffs[key] = max(diffs[key], float(np.abs(
                g.numpy() - getattr(ref, name).grad.numpy()).max()))
        sync.zero_grad()
        ref.zero_grad()
    for name in ("running_mean", "running_var"):
        diffs["running"] = max(diffs["running"], float(np.abs(
            getattr(sync, name).numpy() - getattr(ref, name).numpy()).max()))
    res["diffs"] = diffs
    res["batches"] = int(sync.num_batches_tracked.item())
    return res
