"""Side-by-side comparison benchmarks: the same workloads on dlcore's two front ends and on peers.

Run ``python -m benchmarks`` (full, about 10 minutes on an idle 2-core machine) or
``python -m benchmarks --quick`` (under a minute: 35 s measured on the 2-core machine with a
load of 2.3, 87 s before the thread policy and the frozen heap); see ``cli.py`` for the options.

How it is built, one concept per module:

* ``workloads/``      what is run, as data, one module per family (shapes, loss, learning rate,
                      seeded arrays); a new family is a new file (see its docstring).
* ``engines/``        one adapter per engine (``setup(workload, device) -> Prepared`` and
                      ``available()``); the TF1-style and PyTorch-style programs are written once
                      (``_tf1_programs.py``, ``_torch_programs.py``) and run by every engine that
                      speaks that API, dlcore's front ends included.
* ``threads.py``      the thread policy: threads chosen from the cores and the load (or
                      ``--threads``), held for every engine by CPU affinity and pool sizes.
* ``runner.py``       how it is timed: setup and first step apart, warm-up, interleaved rounds,
                      medians, CPU/wall, the spread check and rerun, ratios to a baseline.
* ``environment.py``  the machine and thread settings printed with every result.
* ``report.py``       tables, JSON, CSV and PNG pictures.
* ``kernels.py``      a separate micro-benchmark of the CPU kernels (``python -m
                      benchmarks.kernels``); ``passes.py`` times each graph-pass configuration
                      of the static front end (``python -m benchmarks.passes``);
                      ``eager_micro.py`` times eager ops and steps against PyTorch
                      (``python -m benchmarks.eager_micro``).

The harness is not installed with the wheel: run it from the repository root.

To add an engine: write ``engines/<name>.py`` with ``NAME``, ``LABEL``, ``available()`` and
``setup()``, and list it in ``engines.ENGINE_MODULES``.
"""
