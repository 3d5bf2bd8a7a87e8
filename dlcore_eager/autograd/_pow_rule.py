"""Temporary: the names _cg_rules imports, now the core's (dlcore/ops/pow.py)."""
from dlcore.ops.power import torch_pow_lean as eager_pow_lean
from dlcore.ops.power import torch_pow_vjp as eager_pow_vjp

__all__ = ["eager_pow_lean", "eager_pow_vjp"]
