"""The static front end's own test suite, run again with the passes applied to every plan.

By default a ``tf.Session()`` optimises a plan on its second run, so most of tests/static (which
runs each plan once or twice) exercises the interpreter.  Here the suite runs in a subprocess
with ``DLCORE_OPTIMIZE_AFTER=1`` (optimise every plan before its first run) under two
configurations: every pass, and every pass but ``compile`` (the fused interpreter).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("passes", ["all", "prune,constant_folding,simplify,cse,fusion"])
def test_static_suite_with_passes(passes):
    env = dict(os.environ, DLCORE_PASSES=passes, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        "tests/static"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1800, check=False)
    tail = "\n".join(r.stdout.splitlines()[-15:])
    assert r.returncode == 0, tail
