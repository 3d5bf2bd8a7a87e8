"""``torch.nn.modules``: the package PyTorch's layers live in, so that programs importing
from its submodules (``from torch.nn.modules.loss import _Loss``, ``from torch.nn.modules.module
import Module``, ``torch.nn.modules.conv._ConvNd``, ``torch.nn.modules.batchnorm._BatchNorm``)
run; every class is the one defined in ``dlcore_eager.nn`` (one class, two addresses)."""

from __future__ import annotations

from . import (  # noqa: F401
    activation,
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
    utils,
)
from .activation import *
from .adaptive import *
from .batchnorm import *
from .channelshuffle import *
from .container import *
from .conv import *
from .distance import *
from .dropout import *
from .flatten import *
from .fold import *
from .instancenorm import *
from .lazy import *
from .linear import *
from .loss import *
from .module import *
from .normalization import *
from .padding import *
from .pixelshuffle import *
from .pooling import *
from .rnn import *
from .sparse import *
from .transformer import *
from .upsampling import *
