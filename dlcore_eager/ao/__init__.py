"""``torch.ao``: PyTorch's architecture-optimisation namespace; here its quantization part
(``torch.ao.quantization``, with ``torch.quantization`` as its alias) and ``torch.ao.nn``
(``torch.ao.nn.quantized.dynamic`` is ``dlcore_eager.nn.quantized.dynamic``)."""

from . import nn, quantization

__all__ = ["nn", "quantization"]
