"""``torch.nn.parameter``: the module older programs import ``Parameter`` from
(``from torch.nn.parameter import Parameter``, as pygcn and many tutorials do).  The classes
live in :mod:`.module` and :mod:`.lazy`; this module only gives them PyTorch's address."""

from .buffer import Buffer
from .lazy import UninitializedBuffer, UninitializedParameter, UninitializedTensorMixin, is_lazy
from .module import Parameter

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter",
           "UninitializedTensorMixin", "is_lazy"]
