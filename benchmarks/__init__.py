"""Side-by-side comparison benchmarks: the same workloads on dlcore's two front ends and on peers.

Run ``python -m benchmarks`` (full, about 10 minutes on an idle 2-core machine) or
``python -m benchmarks --quick`` (under a minute); see ``cli.py`` for the options.

How it is built, one concept per module:

* ``workloads.py``    what is run, as data: shapes, loss, learning rate, seeded arrays.
* ``engines/``        one adapter per engine (``setup(workload, device) -> Prepared`` and
                      ``available()``); the TF1-style and PyTorch-style programs are written once
                      (``_tf1_programs.py``, ``_torch_programs.py``) and run by every engine that
                      speaks that API, dlcore's front ends included.
* ``runner.py``       how it is timed: setup and first step apart, warm-up, interleaved rounds,
                      medians, ratios to a baseline.
* ``environment.py``  the machine and thread settings printed with every result.
* ``report.py``       tables, JSON, CSV and PNG pictures.
* ``kernels.py``      a separate micro-benchmark of the CPU kernels (``python -m
                      benchmarks.kernels``).

To add an engine: write ``engines/<name>.py`` with ``NAME``, ``LABEL``, ``available()`` and
``setup()``, and list it in ``engines.ENGINE_MODULES``.
"""
