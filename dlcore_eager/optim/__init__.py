"""``dlcore_eager.optim``: SGD (momentum, dampening, nesterov, weight decay), Adam, AdamW and
RMSprop, with PyTorch's update formulas (see each module's docstring)."""

from .adam import Adam, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]
