"""``torch.ao``: PyTorch's architecture-optimisation namespace; here its quantization part
(``torch.ao.quantization``, with ``torch.quantization`` as its alias) and ``torch.ao.nn``
(``torch.ao.nn.quantized.dynamic`` is ``dlcore_eager.nn.quantized.dynamic``).

The quantized tensor itself (``_qbase``, ``_qtensor``, its ops ``_qops``/``_qwrite`` and its
save format ``_qsave``) lives one layer down, in ``dlcore_eager``'s own modules: ``torch.save``
and ``nn.quantized`` use it without running this namespace, which imports ``nn`` (it lived
here, and serialization -> ao -> nn -> distributed -> serialization was a cycle)."""

from . import nn, quantization

__all__ = ["nn", "quantization"]
