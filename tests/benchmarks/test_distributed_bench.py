"""``python -m benchmarks.distributed``'s table (issue 18): images/s over all ranks, scaling
efficiency against the same front end at 1 rank, the allreduce time apart (the launches
themselves run in tests/distributed and by hand)."""

from __future__ import annotations

from benchmarks.distributed import _HorovodTF, report


def test_report_rows_and_efficiency():
    row = {"workload": "lenet5", "title": "LeNet-5", "images": 64}
    runs = {1: {"rows": [{**row, "engine": "dlcore_eager DDP", "step_s": 0.020,
                          "comm_s": 0.0, "grad_bytes": 247_000, "buckets": 1}]},
            2: {"rows": [{**row, "engine": "dlcore_eager DDP, 64 kB buckets, overlapped",
                          "step_s": 0.025, "comm_s": 0.005, "grad_bytes": 247_000,
                          "cpu_s": 0.020,
                          "buckets": 4}],
                "library": "MPICH Version: 5.0.2",
                "bandwidth": [{"bytes": 1 << 20, "seconds": 1e-3, "algbw_GBps": 1.048576,
                               "busbw_GBps": 1.048576}]}}
    lines = report(runs)
    assert lines[2] == ("| LeNet-5 | dlcore_eager DDP | 1 | 20.00 ms | 3,200 | 100% | "
                        "0.00 ms (0%) | 247 kB (1) | 0.00 |")
    # 2 ranks: 128 images in 25 ms = 5,120/s against 2 x 3,200: 80 %
    assert lines[3] == ("| LeNet-5 | dlcore_eager DDP, 64 kB buckets, overlapped | 2 | 25.00 ms "
                        "| 5,120 | 80% | 5.00 ms (20%) | 247 kB (4) | 0.80 |")
    assert "| 1,048,576 | 1,000 us | 1.05 GB/s | 1.05 GB/s |" in lines


def test_horovod_proxy_wraps_only_the_optimizer():
    class Train:
        @staticmethod
        def GradientDescentOptimizer(lr):
            return ("gd", lr)

        Saver = "saver"

    class TF:
        train = Train
        float32 = "f32"

    class HVD:
        @staticmethod
        def DistributedOptimizer(opt):
            return ("hvd", opt)

    tf = _HorovodTF(TF, HVD)
    assert tf.float32 == "f32" and tf.train.Saver == "saver"
    assert tf.train.GradientDescentOptimizer(0.1) == ("hvd", ("gd", 0.1))


def test_projection_arithmetic():
    from benchmarks.distributed import projection
    bw = [{"bytes": 8, "seconds": 20e-6, "busbw_GBps": 0.0},
          {"bytes": 1 << 20, "seconds": 1e-3, "busbw_GBps": 1.0}]
    lines = projection({"cpu_s": 0.1, "param_bytes": 400_000, "batch": 32}, bw, ranks=(8,))
    # 2*7/8 * 400 kB = 700 kB at 1 GB/s = 0.70 ms; 14 steps x 10 us = 0.14 ms; 100/(100.84)
    assert lines[-1] == "| 8 | 700.0 kB | 0.70 ms | 0.14 ms | 0.84 ms | 99.2% |"
