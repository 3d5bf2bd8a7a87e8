"""``nn.quantized`` (PyTorch's ``torch.ao.nn.quantized``): quantized modules.  dlcore_eager has
the dynamic ones (``nn.quantized.dynamic``: Linear, LSTM, GRU), those of PyTorch's dynamic
quantization tutorials; static quantization (observers on activations, calibration, quantized
conv) is not built."""

from . import dynamic

__all__ = ["dynamic"]
