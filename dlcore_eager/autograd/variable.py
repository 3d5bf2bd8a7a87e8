"""``torch.autograd.variable``: where pre-0.4 programs import ``Variable`` from (``from
torch.autograd.variable import Variable``); the class is ``dlcore_eager.autograd.Variable``."""

from __future__ import annotations

from . import Variable

__all__ = ["Variable"]
