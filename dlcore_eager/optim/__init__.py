"""``dlcore_eager.optim``: SGD (momentum, dampening, nesterov, weight decay), Adam, AdamW,
RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD, Adafactor, SparseAdam and LBFGS,
with PyTorch's update formulas (see each module's docstring), and ``lr_scheduler``."""

from . import lr_scheduler, swa_utils
from .adam import Adam, AdamW, RMSprop
from .adaptive import Adadelta, Adagrad, Adamax, NAdam, RAdam
from .extra import ASGD, Adafactor, Rprop, SparseAdam
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW",
           "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SparseAdam", "lr_scheduler",
           "swa_utils"]
