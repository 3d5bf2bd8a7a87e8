"""``torch.ao.nn``: ``quantized`` (and ``quantized.dynamic``) are ``dlcore_eager.nn``'s, the
same modules under PyTorch's second name (registered in ``sys.modules`` so that
``import torch.ao.nn.quantized.dynamic as nnqd`` works too)."""

import sys

from ...nn import quantized
from ...nn.quantized import dynamic as _dynamic

sys.modules[__name__ + ".quantized"] = quantized
sys.modules[__name__ + ".quantized.dynamic"] = _dynamic

__all__ = ["quantized"]
