"""PyTorch eager (a peer, optional): the baseline every ratio is divided by when it is installed.

The programs are in ``_torch_programs``; this module only imports torch and picks the device.
"""

from __future__ import annotations

from . import _torch_programs
from .base import Prepared, Unsupported, import_version

NAME = "torch"
LABEL = "PyTorch eager"


def available() -> tuple[bool, str]:
    return import_version("torch")


def check_device(torch, device: str) -> None:
    if device != "cpu" and not torch.cuda.is_available():
        raise Unsupported("torch.cuda.is_available() is False")


def setup(workload, device: str) -> Prepared:
    import torch

    check_device(torch, device)
    return _torch_programs.setup(torch, workload, device)
