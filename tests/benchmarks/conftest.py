"""The harness is not an installed package (the wheel leaves ``benchmarks/`` out): it runs from
the repository, so its tests put the repository root first on ``sys.path``, as
``python -m benchmarks`` does from there."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
