"""``nn.quantized.dynamic`` (PyTorch's ``torch.ao.nn.quantized.dynamic``): modules whose
weights are stored as int8 and whose activations are quantized on the fly at each call;
inputs and outputs are float.  Made by ``torch.quantization.quantize_dynamic``."""

from .linear import Linear, LinearPackedParams
from .rnn import GRU, LSTM, PackedParameter, RNNBase

__all__ = ["GRU", "LSTM", "Linear", "LinearPackedParams", "PackedParameter", "RNNBase"]
