"""``python -m benchmarks.cold_start`` plumbing: a program runs in a fresh process on the
temporary cache folder it is given, and its marks and Numba dispatcher counts come back (no
timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_after_warmup_runs_each_program_on_a_copy_of_the_warmed_cache(monkeypatch, capsys):
    """``--after-warmup``: the warm-up runs once into its own folder, and each program's 'wup'
    run starts from a copy of it (what the warm-up wrote is there; what the run writes is not
    written back); a failed warm-up stops the command with its error."""
    calls = []

    def fake_warmup(cache_dir):
        calls.append(cache_dir)
        monkeypatch.setenv("WARMED", cache_dir)
        Path(cache_dir, "from-warmup").write_text("w")
        return []

    source = (
        "import os, pathlib\n"
        "root = pathlib.Path(os.environ['DLCORE_CACHE_DIR'])\n"
        "_mark('import'); _mark('built')\n"
        "assert (root / 'from-warmup').exists() == (root.name == 'after-warmup')\n"
        "(root / 'written').write_text('x')\n"
        "if root.name == 'after-warmup':\n"
        "    assert not pathlib.Path(os.environ['WARMED'], 'written').exists()\n"
        "_mark('step')\n")
    monkeypatch.setattr(cold_start, "warmup", fake_warmup)
    monkeypatch.setitem(cold_start.PROGRAMS, "tiny", (source, None))
    assert cold_start.main(["--programs", "tiny", "--warm", "0", "--after-warmup"]) == 0
    out = capsys.readouterr().out
    assert len(calls) == 1 and "warm-up (python -m dlcore.warmup)" in out
    assert [ln.split()[1] for ln in out.splitlines() if ln.startswith("tiny")] == ["cold", "wup"]

    class Failed:
        program, tier, error = "keras_cnn", "compiled", "exit status 1:\nboom"

    monkeypatch.setattr(cold_start, "warmup", lambda cache_dir: [Failed()])
    with pytest.raises(RuntimeError, match="the warm-up failed: keras_cnn \\(compiled\\)"):
        cold_start.main(["--programs", "tiny", "--after-warmup"])
