"""``kl_divergence(p, q)`` and ``register_kl``: KL(p || q) by the pair of types, as PyTorch's
registry (the most specific registered pair wins)."""

from __future__ import annotations

_KL: dict = {}


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(Normal, Normal) def _kl(p, q): ...``."""
    def deco(fn):
        _KL[(type_p, type_q)] = fn
        return fn
    return deco


def kl_divergence(p, q):
    """KL(p || q), batched over the distributions' batch shape."""
    best = None
    for (tp, tq), fn in _KL.items():
        if isinstance(p, tp) and isinstance(q, tq):
            depth = type(p).__mro__.index(tp) + type(q).__mro__.index(tq)
            if best is None or depth < best[0]:
                best = (depth, fn)
    if best is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{type(p).__name__} and q type {type(q).__name__}")
    return best[1](p, q)
