"""Data-parallel scaling on MPI (issue 18): ``python -m benchmarks.distributed [--ranks 1,2]``.

A separate command, because the harness times engines side by side in one process and this needs
one process per rank: for each rank count it launches ``mpiexec -n N python -m
benchmarks.distributed --worker``; every rank trains the same workload on its own batch of the
benchmark's size (weak scaling: the global batch grows with the ranks) and rank 0 reports.

Rows: the seed MLP (64 x 1000 -> 100 -> 10, the eager notes' step) and LeNet-5 (batch 64), each
in dlcore_eager with ``DistributedDataParallel`` (default buckets; at 2+ ranks also 64 kB buckets
with their allreduce overlapped with backward, and after it) and in dlcore_static with
``hvd.DistributedOptimizer`` (one fused allreduce op after backward; the Session's default
passes).  Each figure is the fastest of ``--repeats`` timed runs.  Columns: step time, images
per second over all ranks, scaling efficiency (images/s at N ranks over N times images/s at 1
rank) and the allreduce time per step shown apart: for DDP the time backward could not hide
(hooks + the final wait), for the static graph the allreduce op's time.  ``c/w``: rank 0's CPU
time over wall time (1.0: it had a core to itself; less: it waited for a peer or for the
machine).  Then an allreduce bandwidth sweep (bus bandwidth ``2 (N-1)/N * bytes / time``, the
ring's traffic per rank) and, at 1 rank, the small ResNet's step time and parameter bytes, from
which the README works out 8, 64 and 512 ranks.

Every rank runs one thread (not pinned: on a shared machine a pinned rank can land on a core
that another pinned process holds); the figures include whatever else the machine is doing, so
the load average is printed, and a row "ranks alone" (each rank trains by itself, no allreduce)
shows what N simultaneous processes get from the machine, apart from communication.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POOL_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


# ============================================================================ worker (each rank)
class _HorovodTF:
    """``dlcore_static`` with ``tf.train.GradientDescentOptimizer`` wrapped in
    ``hvd.DistributedOptimizer``: the workloads' own TF1 programs, made data-parallel."""

    def __init__(self, tf, hvd):
        self._tf = tf
        self.train = _HorovodTrain(tf.train, hvd)

    def __getattr__(self, name):
        return getattr(self._tf, name)


class _HorovodTrain:
    def __init__(self, train, hvd):
        self._train, self._hvd = train, hvd

    def __getattr__(self, name):
        return getattr(self._train, name)

    def GradientDescentOptimizer(self, lr, **kw):
        return self._hvd.DistributedOptimizer(self._train.GradientDescentOptimizer(lr, **kw))


def _eager_model(torch, wl):
    """The workload as an ``nn.Module`` with its arrays (DDP wraps modules)."""
    from .workloads import MLPStep
    nn, F = torch.nn, torch.nn.functional
    a = wl.arrays
    if isinstance(wl, MLPStep):
        m = nn.Sequential(nn.Linear(wl.D, wl.H, bias=False), nn.ReLU(),
                          nn.Linear(wl.H, wl.D_out, bias=False))
        with torch.no_grad():
            m[0].weight.copy_(torch.from_numpy(a["w1"].T.copy()))
            m[2].weight.copy_(torch.from_numpy(a["w2"].T.copy()))

        def loss_of(out, y):
            return ((out - y) ** 2).sum() * wl.loss_scale
        return m, torch.from_numpy(a["x"]), torch.from_numpy(a["y"]), loss_of

    m = wl.torch_model(torch)                  # the CNN workload's own LeNet-5
    return m, torch.from_numpy(a["x"]), torch.from_numpy(a["y"]), F.cross_entropy


def _time(step, warmup: int, steps: int, repeats: int, barrier, comm_seconds) -> tuple:
    """(step time, communication time per step, CPU time per step) of the fastest of
    ``repeats`` timed runs of ``steps`` steps; ``comm_seconds()`` reads a running total.  The
    fastest, not the median: on a shared machine the other runs measure the other processes."""
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        barrier()
        c0, p0 = comm_seconds(), time.process_time()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        samples.append(((time.perf_counter() - t0) / steps, (comm_seconds() - c0) / steps,
                        (time.process_time() - p0) / steps))
    return min(samples)


def _row_eager(torch, dist, wl, mode: str, steps: int, repeats: int,
               bucket_mb: float | None = None) -> dict:
    """``mode``: "overlap" or "deferred" (DDP), or "alone" (each rank trains by itself: what
    the machine gives N simultaneous processes, without any communication)."""
    from dlcore_eager.nn.parallel import DistributedDataParallel as DDP
    model, x, y, loss_of = _eager_model(torch, wl)
    net = model if mode == "alone" else DDP(model, overlap=mode == "overlap",
                                            bucket_cap_mb=bucket_mb)
    opt = torch.optim.SGD(net.parameters(), lr=wl.lr)

    def step():
        opt.zero_grad()
        loss = loss_of(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def comm_seconds():
        st = getattr(net, "stats", None)
        return 0.0 if st is None else st["hook_seconds"] + st["sync_seconds"]

    for _ in range(3):
        step()
    t, comm, cpu = _time(step, 2, steps, repeats, dist.barrier, comm_seconds)
    grad_bytes = sum(4 * p.numel() for p in model.parameters())
    buckets = len(net.bucket_sizes()) if hasattr(net, "bucket_sizes") else 0
    return {"step_s": t, "comm_s": comm, "cpu_s": cpu, "grad_bytes": grad_bytes,
            "buckets": buckets}


def _row_static(tf, hvd, wl, alone: bool, steps: int, repeats: int) -> dict:
    import dlcore.distributed as core

    from .engines._tf1_programs import setup
    prep = setup(tf if alone else _HorovodTF(tf, hvd), wl, "cpu")
    comm = core.communicator()
    for _ in range(5):                       # the 2nd run optimises the plan (default passes)
        prep.step()
    t, comm_s, cpu = _time(prep.step, 2, steps, repeats, comm.barrier,
                           lambda: comm.stats["allreduce_seconds"])
    if prep.close:
        prep.close()
    return {"step_s": t, "comm_s": comm_s, "cpu_s": cpu}


def _bandwidth(comm, sizes_bytes: list[int]) -> list[dict]:
    import numpy as np
    out = []
    for nbytes in sizes_bytes:
        a = np.ones(max(nbytes // 4, 1), np.float32)
        reps = max(3, min(100, int(2e7 // max(nbytes, 1))))
        for _ in range(3):
            comm.allreduce(a, "sum", out=a)
        samples = []
        for _ in range(15):              # many short samples: some land in a quiet moment
            comm.barrier()
            t0 = time.perf_counter()
            for _ in range(reps):
                comm.allreduce(a, "sum", out=a)
            samples.append((time.perf_counter() - t0) / reps)
        t = min(samples)
        n = comm.size
        out.append({"bytes": nbytes, "seconds": t, "algbw_GBps": nbytes / t / 1e9,
                    "busbw_GBps": 2 * (n - 1) / n * nbytes / t / 1e9})
    return out


def _resnet(torch) -> dict:
    """The small ResNet's eager step time (no DDP) and its parameter bytes (one rank)."""
    from .workloads.cnn import ResNetStep
    wl = ResNetStep("resnet_small", "cnn", "small ResNet step")
    prep = wl.torch_program(torch, "cpu")
    t, _, cpu = _time(prep.step, 2, 1, 7, lambda: None, lambda: 0.0)
    convs = wl._convs()
    n_params = sum(cout * cin * k * k for _, cin, cout, k in convs)
    n_params += sum(2 * cout for name, _, cout, _ in convs if not name.endswith(".sc"))
    n_params += wl.widths[-1] * 10 + 10
    return {"step_s": t, "cpu_s": cpu, "params": n_params, "param_bytes": 4 * n_params,
            "batch": wl.N}


def worker(args) -> int:
    # before numpy (OpenBLAS), numba or anything else starts a thread pool
    for var in POOL_VARS:
        os.environ[var] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import dlcore_eager as torch
    import dlcore_eager.distributed as dist
    import dlcore_static as tf
    import dlcore_static.distributed as hvd
    dist.init_process_group("mpi")
    hvd.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    import numba
    numba.set_num_threads(1)
    from .workloads import SEED_EAGER, MLPStep
    from .workloads.cnn import LeNet5Step
    rows = []
    for wl, steps in ((MLPStep("seed_eager", "mlp", "seed MLP (64,1000,100,10)",
                               **SEED_EAGER), 10),
                      (LeNet5Step("lenet5", "cnn", "LeNet-5 (batch 64)"), 3)):
        base = {"workload": wl.name, "title": wl.title, "images": wl.N}
        modes = [("overlap", None, "dlcore_eager DDP")]
        if world > 1:                 # 64 kB buckets: several reductions to overlap or not
            modes += [("overlap", 1 / 16, "dlcore_eager DDP, 64 kB buckets, overlapped"),
                      ("deferred", 1 / 16, "dlcore_eager DDP, 64 kB buckets, after backward"),
                      ("alone", None, "dlcore_eager, ranks alone (no allreduce)")]
        for mode, mb, label in modes:
            rows.append({**base, "engine": label,
                         **_row_eager(torch, dist, wl, mode, steps, args.repeats, mb)})
        for alone in ((False, True) if world > 1 else (False,)):
            label = "dlcore_static, ranks alone (no allreduce)" if alone else "dlcore_static hvd"
            rows.append({**base, "engine": label,
                         **_row_static(tf, hvd, wl, alone, steps, args.repeats)})
    comm = dist._comm()
    result = {"world": world, "rows": rows, "load_end": os.getloadavg()[0],
              "library": getattr(comm, "library", "none"), "hosts": getattr(comm, "hosts", 1)}
    if world > 1:
        sizes = [8, 4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20]
        result["bandwidth"] = _bandwidth(comm, sizes)
    elif args.resnet:
        result["resnet"] = _resnet(torch)
    if rank == 0:
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


# ============================================================================ driver
def _launch(n: int, out: Path, args) -> dict:
    from dlcore.distributed import find_mpiexec
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise SystemExit("no mpiexec found: pip install 'dlcore[distributed]'")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [mpiexec, "-n", str(n), sys.executable, "-m", "benchmarks.distributed", "--worker",
           "--out", str(out), "--repeats", str(args.repeats)] + ([] if args.resnet
                                                                 else ["--no-resnet"])
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"{n} rank(s) failed (exit {r.returncode}):\n{r.stdout[-3000:]}\n"
                         f"{r.stderr[-3000:]}")
    res = json.loads(out.read_text())
    res["wall_s"] = time.perf_counter() - t0
    return res


def _fmt_ms(s: float) -> str:
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def projection(resnet: dict, bandwidth: list[dict], ranks=(8, 64, 512)) -> list[str]:
    """What a ring allreduce of the ResNet's gradients would cost at scale, from the measured
    1-rank step (its CPU time: the step on a core of its own), parameter bytes, bus bandwidth
    (the best of the sweep) and latency (half an 8-byte allreduce between 2 ranks: 2 ring
    steps): ``t = 2(N-1) alpha + 2(N-1)/N S / B``, efficiency without overlap ``T / (T + t)``."""
    small = min(bandwidth, key=lambda b: b["bytes"])
    alpha = small["seconds"] / 2
    bw = max(b["busbw_GBps"] for b in bandwidth) * 1e9
    T, S = resnet["cpu_s"], resnet["param_bytes"]
    lines = [(f"ring allreduce of the small ResNet's {S / 1e3:.1f} kB of gradients, from a "
              f"1-rank step of T = {T * 1e3:.0f} ms (batch {resnet['batch']} per rank), "
              f"B = {bw / 1e9:.2f} GB/s and alpha = {alpha * 1e6:.1f} us measured here:"), "",
             ("| ranks | bytes sent per rank 2(N-1)/N S | bandwidth term | latency term "
             "2(N-1) alpha | allreduce | efficiency without overlap |"),
             "|---|---|---|---|---|---|"]
    for n in ranks:
        sent = 2 * (n - 1) / n * S
        t_bw, t_lat = sent / bw, 2 * (n - 1) * alpha
        t = t_bw + t_lat
        lines.append(f"| {n} | {sent / 1e3:.1f} kB | {t_bw * 1e3:.2f} ms | {t_lat * 1e3:.2f} ms "
                     f"| {t * 1e3:.2f} ms | {T / (T + t):.1%} |")
    return lines


def report(runs: dict[int, dict]) -> list[str]:
    def family(engine: str) -> str:
        return engine.split(",")[0].split(" ")[0]

    one = {(r["workload"], family(r["engine"])): r for r in runs.get(1, {}).get("rows", [])}
    lines = [("| workload | engine | ranks | step | images/s | scaling efficiency | "
              "allreduce per step (share of step) | gradient bytes (buckets) | c/w |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for n in sorted(runs):
        for r in runs[n]["rows"]:
            ips = r["images"] * n / r["step_s"]
            base = one.get((r["workload"], family(r["engine"])))
            eff = ips / (n * base["images"] / base["step_s"]) if base else None
            grad = r.get("grad_bytes")
            grad_txt = "" if grad is None else f"{grad / 1e3:,.0f} kB ({r['buckets']})"
            lines.append(f"| {r['title']} | {r['engine']} | {n} | {_fmt_ms(r['step_s'])} | "
                         f"{ips:,.0f} | {'' if eff is None else f'{eff:.0%}'} | "
                         f"{_fmt_ms(r['comm_s'])} ({r['comm_s'] / r['step_s']:.0%}) | "
                         f"{grad_txt} | {r.get('cpu_s', 0) / r['step_s']:.2f} |")
    for n, res in sorted(runs.items()):
        if "bandwidth" in res:
            lines += ["", (f"allreduce of float32 over {n} ranks ({res['library']}; bus "
                           "bandwidth = 2(N-1)/N x bytes / time):"), "",
                      "| bytes | time | algorithm bandwidth | bus bandwidth |",
                      "|---|---|---|---|"]
            for b in res["bandwidth"]:
                lines.append(f"| {b['bytes']:,} | {b['seconds'] * 1e6:,.0f} us | "
                             f"{b['algbw_GBps']:.2f} GB/s | {b['busbw_GBps']:.2f} GB/s |")
        if "resnet" in res:
            rn = res["resnet"]
            lines += ["", (f"small ResNet (batch {rn['batch']}), dlcore_eager, 1 rank: step "
                           f"{_fmt_ms(rn['step_s'])} (CPU time {_fmt_ms(rn['cpu_s'])}: the "
                           f"step on a core of its own), {rn['params']:,} parameters = "
                           f"{rn['param_bytes'] / 1e6:.3f} MB of float32 gradients")]
    rn = next((r["resnet"] for r in runs.values() if "resnet" in r), None)
    bw = next((r["bandwidth"] for r in runs.values() if "bandwidth" in r), None)
    if rn is not None and bw is not None:
        lines += [""] + projection(rn, bw)
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ranks", default="1,2", help="rank counts to run (default 1,2)")
    p.add_argument("--repeats", type=int, default=7,
                   help="timed repeats per row (the fastest is reported)")
    p.add_argument("--no-resnet", dest="resnet", action="store_false",
                   help="skip the ResNet step at 1 rank")
    p.add_argument("--out", default=None, help="results folder (default benchmarks/results/"
                                                "<time>-distributed)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args)
    out = Path(args.out or ROOT / "benchmarks" / "results" /
               (time.strftime("%Y%m%d-%H%M%S") + "-distributed"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; each rank: one "
          f"thread ({', '.join(f'{v}=1' for v in POOL_VARS)}, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY', 'PASSIVE')}; not pinned: the OS places the ranks)")
    runs = {}
    for n in (int(x) for x in args.ranks.split(",")):
        runs[n] = _launch(n, out / f"ranks{n}.json", args)
        print(f"{n} rank(s): {runs[n]['wall_s']:.1f} s, load average at the end "
              f"{runs[n]['load_end']:.2f}", flush=True)
    lines = report(runs)
    print("\n".join(lines))
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
