"""``python -m benchmarks.programs``: the tutorial programs timed under dlcore and PyTorch (the
measuring and the report; ``main``'s thread pinning is the harness's, tested there)."""

import math

import pytest

from benchmarks import programs as P


def test_two_programs_are_timed_under_each_library_and_summed():
    lines: list = []
    rows = P.measure(["blitz_autograd.py", "blitz_tensors.py"], 1, report=lines.append)
    assert [r["program"] for r in rows] == ["blitz_autograd", "blitz_tensors"]
    assert all(r["error"] is None and 0 < r["dlcore"] < 30 for r in rows), rows
    assert len(lines) == 2 and lines[0].startswith("blitz_autograd ")
    text = P.summary(rows, worst=1)
    try:
        import torch  # noqa: F401
    except ImportError:
        assert all(r["torch"] is None for r in rows)
        assert "2 programs: dlcore" in text and "PyTorch not installed" in text
        return
    assert all(r["torch"] > 0 for r in rows)
    assert lines[0].endswith("x") and " torch " in lines[0]
    worst = max(rows, key=lambda r: r["dlcore"] / r["torch"])
    head, first, total = text.split("\n")
    assert head == "The 1 slowest against PyTorch (dlcore / PyTorch, CPU time):"
    assert first.strip().startswith(worst["program"])
    d, t = sum(r["dlcore"] for r in rows), sum(r["torch"] for r in rows)
    gm = math.sqrt(rows[0]["dlcore"] / rows[0]["torch"] * rows[1]["dlcore"] / rows[1]["torch"])
    assert total == (f"2 programs: dlcore {d:.2f} s, PyTorch {t:.2f} s in all ({d / t:.2f}x); "
                     f"geometric mean of the ratios {gm:.2f}x")


def test_a_failing_program_is_reported_and_the_others_run(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text("import torch\nraise ValueError('no data here')\n")
    (tmp_path / "good.py").write_text("import torch\nprint(torch.ones(2).sum().item())\n")
    monkeypatch.setattr(P, "PROGRAMS", tmp_path)
    rows = P.measure(["bad.py", "good.py"], 1, report=lambda s: None)
    assert rows[0]["error"] == "ValueError: no data here" and rows[0]["dlcore"] is None
    assert rows[1]["error"] is None and rows[1]["dlcore"] > 0
    assert P.summary(rows, 5).endswith("1 failed: bad")
    assert P._line(rows[0]) == f"{'bad':40s} failed: ValueError: no data here"


def test_the_rename_is_the_import_lines_only():
    src = ("import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n"
           "from torch import optim\nx = torch.ones(1)  # import torch\n")
    assert P.to_dlcore(src) == (
        "import dlcore_eager as torch\nimport dlcore_eager.nn as nn\n"
        "from dlcore_eager.utils.data import DataLoader\nfrom dlcore_eager import optim\n"
        "x = torch.ones(1)  # import torch\n")


def test_the_command_line_refuses_unknown_programs_and_bad_repeats(capsys):
    with pytest.raises(SystemExit) as e:
        P.main(["--programs", "blitz_tensors,nope"])
    assert e.value.code == 2
    assert "unknown program(s) nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        P.main(["--programs", "blitz_tensors", "--repeat", "0"])
    assert "--repeat must be at least 1, got 0" in capsys.readouterr().err
