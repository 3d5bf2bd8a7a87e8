"""``torch.jit.annotations``: the typing names TorchScript code imports from it.

dlcore does not compile TorchScript, so these are the ``typing`` module's own objects (what
they are in eager PyTorch too, for ``List``, ``Dict``, ``Optional``, ``Tuple``, ``Union``,
``Any``); ``BroadcastingList1/2/3`` are ``List`` as the eager interpreter reads them.
"""

from typing import Any, Dict, List, Optional, Tuple, Union  # noqa: UP035 (TorchScript's names)

BroadcastingList1 = BroadcastingList2 = BroadcastingList3 = List  # noqa: UP006

__all__ = ["Any", "BroadcastingList1", "BroadcastingList2", "BroadcastingList3", "Dict", "List",
           "Optional", "Tuple", "Union"]
