"""``python -m benchmarks.gpu_check``: exits cleanly without a GPU, and its ``--tiny`` run works
end to end under Numba's CUDA simulator (the times mean nothing there; the counts do)."""

from __future__ import annotations

import pytest

import dlcore
from benchmarks import gpu_check


def test_without_a_gpu_it_says_so_and_exits_0(monkeypatch, capsys):
    monkeypatch.setattr(dlcore, "cuda_available", lambda: False)
    assert gpu_check.main([]) == 0
    assert "no CUDA GPU here" in capsys.readouterr().out
    monkeypatch.undo()
    if dlcore.cuda_simulator():                 # the test suite's setting
        assert gpu_check.main(["--out", "unused.md"]) == 0
        assert "run with --tiny" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.cuda
def test_the_tiny_run_writes_the_four_tables(tmp_path):
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    out = tmp_path / "gpu.md"
    assert gpu_check.main(["--tiny", "--out", str(out), "--profile", str(tmp_path / "p")]) == 0
    text = out.read_text()
    assert text.count("\n## ") == 4 and "failed:" not in text and "skipped:" not in text
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ")
            for line in text.splitlines() if line.startswith("| ")}
    compiled, interpreted = rows["compiled (every pass)"], rows[
        "interpreted (every pass but compile)"]
    # the compiled plan is one interpreter step, makes fewer of dlcore's Python calls and
    # launches fewer kernels (the weight gradients' transposes are read by the products)
    assert compiled[5] == "1" and int(interpreted[5]) > 10
    assert int(compiled[3]) < int(interpreted[3])
    assert 0 < int(compiled[4]) < int(interpreted[4])
    assert {"4", "8", "seed static step (tiny)", "seed eager step (tiny)"} <= set(rows)
    # every matmul kernel, each as exact as float32 allows on these toy products
    kernels = [r[1] for r in (line.strip("| ").split(" | ") for line in text.splitlines())
               if r[0] in ("4", "8")]
    assert kernels == [v[0] for v in gpu_check.MATMUL_VARIANTS] * 2
    assert all(float(line.strip("| ").split(" | ")[-1]) < 1e-6 for line in text.splitlines()
               if line.startswith("| 4 |") or line.startswith("| 8 |"))
    assert "x + y, one-element tensors" in rows
    for kind in ("static", "eager"):                     # --profile's reports
        assert "function calls" in (tmp_path / f"p.{kind}.txt").read_text()
