"""``torch.nn.modules.rnn``: PyTorch's import path for these classes (``from
torch.nn.modules.rnn import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    RNNBase,
    RNNCell,
    RNNCellBase,
)

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
]
