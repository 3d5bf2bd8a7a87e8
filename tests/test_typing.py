"""mypy on the three packages reports no errors (issue 16, "Packaging"): the configuration is
pyproject.toml's [tool.mypy] (third-party libraries without type information are listed by
module there, nothing is silenced globally).  CI runs this with the rest of the suite.

mypy's incremental cache lives beside dlcore's generated-code cache (``~/.cache/dlcore/mypy``,
or under ``$DLCORE_CACHE_DIR``), so a fresh clone reuses what earlier runs learnt about NumPy's
and the standard library's stubs: 2.6 s against 11.4 s with an empty cache (idle machine)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parent.parent


def _cache_dir() -> str:
    from dlcore.jitcache import cache_dir
    return str(cache_dir().parent / "mypy")


def _mypy(*args: str) -> tuple[str, str, int]:
    here = os.getcwd()
    os.chdir(ROOT)                   # [tool.mypy] in pyproject.toml, the packages by name
    try:
        return api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-pretty",
                        "--no-error-summary", "--cache-dir", _cache_dir(), *args])
    finally:
        os.chdir(here)


#: The two tests read one mypy run (one worker, one run): checking the user program in a run of
#: its own re-read the packages' cache, 2.7 s of CPU (and all of the packages again, 16-25 s,
#: whenever another checkout had left the shared cache out of date).
ONE_RUN = pytest.mark.xdist_group("mypy")


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, int]:
    """mypy on the three packages (``[tool.mypy] packages``) and on ``USER_PROGRAM`` as the
    module ``user_program`` (found on ``MYPYPATH``), in one run: (stdout, stderr, exit status)."""
    folder = tmp_path_factory.mktemp("mypy")
    program = folder / "user_program.py"
    program.write_text(USER_PROGRAM)
    saved = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = str(folder)
    # the packages [tool.mypy] names, named again: a module as well needs the command line
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["packages"]
    try:
        stdout, stderr, status = _mypy(*[a for p in packages for a in ("-p", p)],
                                       "-m", "user_program")
    finally:
        if saved is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = saved
    return stdout, stderr, status


def _errors(stdout: str, in_program: bool) -> list[str]:
    """The error lines about the user program (``in_program``) or about the packages.  The
    program is told apart by its file's name: mypy may name it by the path its cache recorded
    for the module ``user_program`` in an earlier run."""
    return [ln for ln in stdout.splitlines() if ": error:" in ln
            and (Path(ln.split(":", 1)[0]).name == "user_program.py") == in_program]


@pytest.mark.slow
@ONE_RUN
def test_mypy_reports_no_errors_in_the_packages(mypy_run):
    stdout, stderr, status = mypy_run
    errors = _errors(stdout, in_program=False)
    shown = "\n".join(errors[:30]) + (f"\n... and {len(errors) - 30} more"
                                      if len(errors) > 30 else "")
    assert not errors, f"mypy found {len(errors)} errors:\n{shown}"
    expected = 1 if _errors(stdout, in_program=True) else 0   # the program's error
    assert status == expected, f"mypy exited with {status}:\n{stdout[-3000:]}\n{stderr[-3000:]}"


USER_PROGRAM = """
import numpy as np
import dlcore_static as tf
import dlcore_eager as torch
import dlcore_eager.nn.functional as F
from dlcore_eager import nn

x = tf.placeholder(tf.float32, [None, 3])
w = tf.Variable(np.ones((3, 2), np.float32))
loss = tf.reduce_mean(tf.nn.relu(tf.matmul(x, w)) * 2.0 + 1.0)
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(train, {x: np.ones((4, 3), np.float32)})

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
a = torch.randn(8, 3)
y: torch.Tensor = (model(a) - 1.0) ** 2 + F.relu(a).sum()
y.mean().backward()
opt.step()
mask: torch.Tensor = a == a          # elementwise, a Tensor as in PyTorch
a += 1
text: str = a * 2                    # the one error: an operator gives a Tensor
"""


@ONE_RUN
def test_user_programs_type_check_against_the_public_api(mypy_run):
    # operators and the functions installed at import time are declared for type checkers:
    # a typical program of each front end checks, and a Tensor is not taken for a str
    stdout, stderr, _ = mypy_run
    errors = _errors(stdout, in_program=True)
    assert len(errors) == 1, "\n".join(errors) or stderr
    assert 'expression has type "Tensor", variable has type "str"' in errors[0]
    line = next(i for i, ln in enumerate(USER_PROGRAM.splitlines(), 1) if ln.startswith("text"))
    assert f"user_program.py:{line}:" in errors[0], errors[0]
