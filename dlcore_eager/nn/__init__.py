"""``dlcore_eager.nn``: modules (layers, containers, losses), ``functional`` and ``init``.

A ``Module`` owns ``Parameter``s (leaf tensors with ``requires_grad=True``) and child modules;
its ``forward`` is ordinary eager code, so the tape records it like any other computation.
"""

from . import functional, init
from .layers import (
                     Dropout,
                     Flatten,
                     Identity,
                     LeakyReLU,
                     Linear,
                     LogSoftmax,
                     ModuleList,
                     ReLU,
                     Sequential,
                     Sigmoid,
                     Softmax,
                     Tanh,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter

__all__ = [
                     "BCELoss",
                     "BCEWithLogitsLoss",
                     "CrossEntropyLoss",
                     "Dropout",
                     "Flatten",
                     "Identity",
                     "L1Loss",
                     "LeakyReLU",
                     "Linear",
                     "LogSoftmax",
                     "MSELoss",
                     "Module",
                     "ModuleList",
                     "NLLLoss",
                     "Parameter",
                     "ReLU",
                     "Sequential",
                     "Sigmoid",
                     "Softmax",
                     "Tanh",
                     "functional",
                     "init",
]
