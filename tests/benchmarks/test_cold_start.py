"""``python -m benchmarks.cold_start`` plumbing: a program runs in a fresh process on the
temporary cache folder it is given, and its marks and Numba dispatcher counts come back (no
timing asserted)."""

from __future__ import annotations

from benchmarks import cold_start


def test_run_once_uses_the_given_cache_and_counts_dispatchers(tmp_path):
    source = (
        "import os, pathlib\n"
        "pathlib.Path(os.environ['DLCORE_CACHE_DIR'], 'seen').write_text('1')\n"
        "_mark('import')\n"
        "from numba import njit\n"
        "f = njit(lambda a: a + 1)\n"
        "_mark('built')\n"
        "f(1); f(1.0); f(2)\n"
        "_mark('step')\n")
    report = cold_start.run_once(source, str(tmp_path))
    assert (tmp_path / "seen").read_text() == "1"
    row = cold_start.summary(report)
    assert 0 <= row["import"] <= row["cpu"] and row["build"] >= 0 and row["step"] > 0
    assert row["compiled"] == 2 and row["loaded"] == 0         # int64 and float64, once each
    assert [j[2] for j in report["jit"]] == ["(int64,)", "(float64,)"]
    assert {"eager", "static", "lenet_eager", "lstm_static"} <= set(cold_start.PROGRAMS)
