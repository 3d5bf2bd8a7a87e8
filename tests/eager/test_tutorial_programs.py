"""Complete programs written the way the PyTorch tutorials write them (tests/programs/eager/),
each run twice in this process: with real PyTorch (when installed) and with its imports renamed
to dlcore_eager.  The printed outputs must agree: the same lines and words, and every number
within a relative 2e-3 (float32 training over hundreds of steps in two libraries).  A program
with an entry in ``OUTCOMES`` (test_programs_p18.py, test_programs_quant7.py) also has dlcore's output checked for its
real outcome there (so the program runs once in the suite).

PyTorch's printed output is recorded in ``torch_outputs.json`` (next to this file), keyed by the
SHA-256 of each program's source and by the torch and NumPy versions that printed it; a program
whose source or versions differ from the record runs under torch live, as does every program
in ``ALWAYS_LIVE`` (whose live output must also agree with the record, as dlcore's must: the
record is PyTorch's own output).  The torch half was ~40% of this file's 47 s of CPU.  Refresh
the record after editing a program: ``python tests/eager/test_tutorial_programs.py --record``;
``DLCORE_LIVE_TORCH=1`` runs every program under torch live."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from test_fideager10_programs import OUTCOMES as _FE10
from test_programs_p18 import OUTCOMES as _P18
from test_programs_quant7 import OUTCOMES as _QUANT7

# the rename and the run, shared with python -m benchmarks.programs
from benchmarks.programs import run, to_dlcore

OUTCOMES = {**_P18, **_QUANT7, **_FE10}

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "eager"
NAMES = sorted(p.name for p in PROGRAMS.glob("*.py"))
_NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RECORD = Path(__file__).with_name("torch_outputs.json")
#: Programs run under torch live on every run, their output checked against the record too.
ALWAYS_LIVE = {"quickstart_dataloader.py", "d2l_softmax_regression_scratch.py"}


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("torch", "numpy"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = ""
    return out


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def recorded(name: str, source: str) -> str | None:
    """What torch printed for this exact source with the installed torch and NumPy, or None."""
    if os.environ.get("DLCORE_LIVE_TORCH") == "1" or not RECORD.exists():
        return None
    record = json.loads(RECORD.read_text())
    entry = record["outputs"].get(name)
    if record["versions"] != _versions() or not entry or entry["sha256"] != _digest(source):
        return None
    return entry["stdout"]


def run_torch(source: str, name: str) -> str:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return run(source, name)


def compare(got: str, want: str) -> None:
    gl, wl = got.strip().splitlines(), want.strip().splitlines()
    assert len(gl) == len(wl), (got, want)
    for g, w in zip(gl, wl):
        assert _NUM.sub("#", g).replace("dlcore_eager", "torch") == _NUM.sub("#", w), (g, w)
        gn = [float(v) for v in _NUM.findall(g)]
        wn = [float(v) for v in _NUM.findall(w)]
        np.testing.assert_allclose(gn, wn, rtol=2e-3, atol=1e-4, err_msg=f"{g!r} vs {w!r}")


@pytest.mark.parametrize("name", NAMES)
def test_program_prints_what_torch_prints(name):
    source = (PROGRAMS / name).read_text()
    assert "dlcore" not in source                 # written for PyTorch
    import dlcore_eager
    dlcore_eager.manual_seed(0)                   # the same default stream as torch's below
    got = run(to_dlcore(source), name)
    assert got.strip(), "the program printed nothing"
    if name in OUTCOMES:                          # its real outcome (run once, checked here)
        OUTCOMES[name](got)
    want = recorded(name, source)
    if want is None or name in ALWAYS_LIVE:
        live = run_torch(source, name)
        if want is not None:
            compare(want, live)                   # the record is what torch prints
        want = live
    compare(got, want)


def test_the_rename_touches_only_imports():
    src = "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\nx = 1\n"
    assert to_dlcore(src) == ("import dlcore_eager as torch\nfrom dlcore_eager import nn\n"
                              "from dlcore_eager.utils.data import DataLoader\nx = 1\n")
    assert to_dlcore("import torch.nn as nn\nimport torch.nn.functional as F\n") == (
        "import dlcore_eager.nn as nn\nimport dlcore_eager.nn.functional as F\n")
    assert "dlcore_eager" not in sys.modules.get("__main__", sys).__dict__.get("__file__", "")


def test_a_record_is_used_only_for_the_source_and_versions_it_was_made_from(monkeypatch):
    name = "quickstart_dataloader.py"
    source = (PROGRAMS / name).read_text()
    if recorded(name, source) is None:
        pytest.skip("no current record for it (re-record: see the module docstring)")
    assert recorded(name, source + "\n# an edit\n") is None
    monkeypatch.setenv("DLCORE_LIVE_TORCH", "1")
    assert recorded(name, source) is None
    monkeypatch.delenv("DLCORE_LIVE_TORCH")
    monkeypatch.setattr(sys.modules[__name__], "_versions", lambda: {"torch": "0", "numpy": "0"})
    assert recorded(name, source) is None


def record_torch_outputs() -> None:
    """Run every program under torch (one thread, as the tests run) and write the record."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)
    outputs = {}
    for name in NAMES:
        source = (PROGRAMS / name).read_text()
        outputs[name] = {"sha256": _digest(source), "stdout": run_torch(source, name)}
        print(name, flush=True)
    RECORD.write_text(json.dumps({"versions": _versions(), "outputs": outputs}, indent=1,
                                 sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record")
    record_torch_outputs()
