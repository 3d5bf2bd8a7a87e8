"""``torch.quantization``: PyTorch's older name of ``torch.ao.quantization`` (the same
objects; see ``dlcore_eager.ao.quantization``)."""

# ruff: noqa: F401
from .ao.quantization import *
from .ao.quantization import __all__
