"""dlcore_eager: the PyTorch-style front end, running the very same program text as PyTorch.

``import dlcore_eager as torch`` and the functions in ``_torch_programs`` run unchanged; if the
front end lacks something they use, the adapter reports the failing call as a note.
"""

from __future__ import annotations

from . import _torch_programs
from .base import Prepared, Unsupported, import_version

NAME = "dlcore_eager"
LABEL = "dlcore eager"


def available() -> tuple[bool, str]:
    ok, version = import_version("dlcore_eager")
    if not ok:
        return ok, version
    import dlcore_eager

    missing = [name for name in ("from_numpy", "no_grad", "tanh", "optim", "nn")
               if not hasattr(dlcore_eager, name)]
    if missing:
        return False, f"dlcore_eager is not ready yet (no {', '.join(missing)})"
    return True, version


def setup(workload, device: str) -> Prepared:
    import dlcore_eager as torch

    if device != "cpu":
        import dlcore

        if not dlcore.cuda_available() or dlcore.cuda_simulator():
            raise Unsupported("no CUDA GPU for dlcore")
    return _torch_programs.setup(torch, workload, device)
