"""``torch.compile`` (a peer, optional): the same PyTorch programs, each step function compiled.

The whole training step (forward, ``backward()``, the ``no_grad`` update) is handed to
``torch.compile`` with default settings, as a user would.  TorchDynamo splits it at
``backward()`` and at data-dependent ``if``s (graph breaks) and compiles each piece with
TorchInductor (C++ on the CPU, which needs a C++ compiler).  Compile time lands in the first step,
which the harness reports apart from the steady state.
"""

from __future__ import annotations

from . import _torch_programs
from .base import Prepared, Unsupported, import_version
from .torch_eager import check_device

NAME = "torch_compile"
LABEL = "torch.compile"


def available() -> tuple[bool, str]:
    ok, version = import_version("torch")
    if not ok:
        return ok, version
    import shutil

    if shutil.which("g++") is None and shutil.which("c++") is None:
        return False, "no C++ compiler found for TorchInductor"
    return True, version


def setup(workload, device: str) -> Prepared:
    import torch

    check_device(torch, device)
    if type(workload).__name__ == "TinyOp" and workload.op == "add":
        raise Unsupported("eager dispatch is measured on PyTorch eager")
    torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 16)
    return _torch_programs.setup(torch, workload, device, wrap=torch.compile, graph_call=True)
