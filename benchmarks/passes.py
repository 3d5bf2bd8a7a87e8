"""Per-pass benchmark: the same training steps with each pass configuration, side by side.

    python -m benchmarks.passes [--workloads seed_static,seed_eager,large]
                                [--rounds 15] [--configs all,none,...]

Uses the workloads and the TF1 programs of the benchmark harness, so the
graphs are exactly the ones ``python -m benchmarks`` times, and PyTorch eager and torch.compile
(when installed) through the harness's own adapters.  Engines are *interleaved*: each round runs
a few steps of every engine in turn, and the table reports the median over rounds, so a busy
machine slows every engine alike.  Setup and compile time (the first step, Numba compilation
included) is reported apart from the steady state.

Configurations: ``none`` (the interpreter), ``all``, ``all-<pass>`` (every pass but one), and
the cumulative prefixes of the pipeline.
"""

from __future__ import annotations

import argparse
import statistics
import time

from dlcore_static.compiler import PASSES


def configurations(names: list[str] | None = None) -> dict[str, object]:
    configs: dict[str, object] = {"none": (), "all": "all"}
    for p in PASSES:
        configs[f"all-{p}"] = {p: False}
    for k in range(1, len(PASSES)):
        configs["+".join(PASSES[:k])] = PASSES[:k]
    if names:
        configs = {k: v for k, v in configs.items() if k in names}
    return configs


def _setup_static(workload, passes):
    import dlcore_static as tf
    from .engines import _tf1_programs
    from .engines.dlcore_static import measured_session

    def make_session(tf_module, graph):
        return measured_session(tf_module, passes, graph=graph)
    return _tf1_programs.setup(tf, workload, "cpu", make_session)


def _peer(name: str, workload):
    import importlib
    mod = importlib.import_module(f"{__package__}.engines.{name}")
    ok, _why = mod.available()
    if not ok:
        return None
    return mod.setup(workload, "cpu")


def run(workload_names: list[str], config_names: list[str] | None, rounds: int,
        steps: int, peers: bool = True) -> list[dict]:
    from .workloads import suite
    wls = {w.name: w for w in suite("full")}
    results = []
    for wname in workload_names:
        wl = wls[wname]
        engines = {}
        first = {}
        for cname, passes in configurations(config_names).items():
            t0 = time.perf_counter()
            prep = _setup_static(wl, passes)
            prep.step()
            first[f"static[{cname}]"] = time.perf_counter() - t0
            engines[f"static[{cname}]"] = prep
        if peers:
            for peer in ("torch_eager", "torch_compile"):
                t0 = time.perf_counter()
                prep = _peer(peer, wl)
                if prep is not None:
                    prep.step()
                    first[peer] = time.perf_counter() - t0
                    engines[peer] = prep
        for prep in engines.values():            # warm up
            for _ in range(3):
                prep.step()
        samples: dict[str, list] = {k: [] for k in engines}
        for _ in range(rounds):
            for k, prep in engines.items():
                t0 = time.perf_counter()
                for _ in range(steps):
                    prep.step()
                samples[k].append((time.perf_counter() - t0) / steps)
        for k, s in samples.items():
            results.append({"workload": wname, "engine": k, "median_us": statistics.median(s) * 1e6,
                            "min_us": min(s) * 1e6, "first_step_s": first[k]})
        for prep in engines.values():
            if prep.close:
                prep.close()
    return results


def table(results: list[dict]) -> str:
    lines = []
    by_wl: dict = {}
    for r in results:
        by_wl.setdefault(r["workload"], []).append(r)
    for wl, rs in by_wl.items():
        ref = {r["engine"]: r["median_us"] for r in rs}
        te, tc = ref.get("torch_eager"), ref.get("torch_compile")
        lines.append(f"\n{wl}")
        lines.append(f"  {'engine':44s} {'median us':>10s} {'min us':>9s} {'vs eager':>9s} "
                     f"{'vs compile':>10s} {'first step s':>12s}")
        for r in rs:
            ve = f"{r['median_us'] / te:.2f}x" if te else "-"
            vc = f"{r['median_us'] / tc:.2f}x" if tc else "-"
            lines.append(f"  {r['engine']:44s} {r['median_us']:10.1f} {r['min_us']:9.1f} "
                         f"{ve:>9s} {vc:>10s} {r['first_step_s']:12.3f}")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default="seed_static,seed_eager,large")
    ap.add_argument("--configs", default=None)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true")
    a = ap.parse_args(argv)
    import dlcore
    print(dlcore.runtime_info())
    res = run(a.workloads.split(","), a.configs.split(",") if a.configs else None, a.rounds,
              a.steps, peers=not a.no_peers)
    print(table(res))


if __name__ == "__main__":
    main()
