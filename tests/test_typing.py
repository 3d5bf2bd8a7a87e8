"""mypy on the three packages reports no errors (issue 16, "Packaging"): the configuration is
pyproject.toml's [tool.mypy] (third-party libraries without type information are listed by
module there, nothing is silenced globally).  CI runs this with the rest of the suite.

mypy's incremental cache (.mypy_cache in the repository, git-ignored) makes a rerun take a
few seconds; a cold run takes about 15 s."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors_in_the_packages():
    here = os.getcwd()
    os.chdir(ROOT)                   # [tool.mypy] in pyproject.toml, the packages by name
    try:
        stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                          "--no-pretty", "--no-error-summary"])
    finally:
        os.chdir(here)
    errors = [ln for ln in stdout.splitlines() if ": error:" in ln]
    shown = "\n".join(errors[:30]) + (f"\n... and {len(errors) - 30} more"
                                      if len(errors) > 30 else "")
    assert not errors, f"mypy found {len(errors)} errors:\n{shown}"
    assert status == 0, f"mypy exited with {status}:\n{stdout[-3000:]}\n{stderr[-3000:]}"
