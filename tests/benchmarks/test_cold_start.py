"""``python -m benchmarks.cold_start`` plumbing: a program runs in a fresh process on the
temporary cache folder it is given, and its clock readings come back (no timing asserted)."""

from __future__ import annotations

from benchmarks import cold_start


def test_run_once_uses_the_given_cache_and_reads_the_clocks(tmp_path):
    source = cold_start._CLOCK + (
        "import os, pathlib\n"
        "pathlib.Path(os.environ['DLCORE_CACHE_DIR'], 'seen').write_text('1')\n"
        "w, c = _since_start()\n"
        "print(w, c, w + 1, c + 1)\n")
    w0, c0, w1, c1 = cold_start.run_once(source, str(tmp_path))
    assert (tmp_path / "seen").read_text() == "1"
    assert 0 <= w0 < w1 and 0 <= c0 < c1
    assert set(cold_start.PROGRAMS) == {"eager", "static"}
