"""Complete programs written the way the PyTorch tutorials write them (tests/programs/eager/),
each run twice in this process: with real PyTorch (when installed) and with its imports renamed
to dlcore_eager.  The printed outputs must agree: the same lines and words, and every number
within a relative 2e-3 (float32 training over hundreds of steps in two libraries)."""

from __future__ import annotations

import contextlib
import io
import linecache
import re
import sys
from pathlib import Path

import numpy as np
import pytest

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "eager"
NAMES = sorted(p.name for p in PROGRAMS.glob("*.py"))
_NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def to_dlcore(source: str) -> str:
    """The only edit a user makes: the import lines."""
    source = re.sub(r"^import torch\.([\w.]+) as (\w+)$", r"import dlcore_eager.\1 as \2",
                    source, flags=re.M)          # import torch.nn as nn, ...functional as F
    source = re.sub(r"^import torch$", "import dlcore_eager as torch", source, flags=re.M)
    source = re.sub(r"^from torch(\.| )", r"from dlcore_eager\1", source, flags=re.M)
    return source


def run(source: str, name: str) -> str:
    out = io.StringIO()
    ns = {"__name__": "__main__", "__file__": name}
    # the source, as a file's would be, for inspect.getsource (torch.jit.script reads it)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    with contextlib.redirect_stdout(out):
        exec(compile(source, name, "exec"), ns)
    return out.getvalue()


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
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    want = run(source, name)
    compare(got, want)


def test_the_rename_touches_only_imports():
    src = "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\nx = 1\n"
    assert to_dlcore(src) == ("import dlcore_eager as torch\nfrom dlcore_eager import nn\n"
                              "from dlcore_eager.utils.data import DataLoader\nx = 1\n")
    assert to_dlcore("import torch.nn as nn\nimport torch.nn.functional as F\n") == (
        "import dlcore_eager.nn as nn\nimport dlcore_eager.nn.functional as F\n")
    assert "dlcore_eager" not in sys.modules.get("__main__", sys).__dict__.get("__file__", "")
