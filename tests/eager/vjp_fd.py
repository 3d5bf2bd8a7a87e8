"""A primitive's vjp against central differences (shared by the fused-RNN tests)."""

from __future__ import annotations

import numpy as np

from dlcore import functional as F
from dlcore.registry import bind


def fd_check(prim, args, rng, eps=1e-6, **params):
    """<w, d prim(args) / d args_i> against central differences for a random cotangent w
    (``params``: the primitive's parameters)."""
    out, pullback = F.vjp(lambda *a: bind(prim, *a, **params), *args)
    w = rng.standard_normal(out.buf.shape)
    grads = [g.buf for g in pullback(w)]
    for i, a in enumerate(args):
        num = np.empty_like(a)
        for k in range(a.size):
            up, dn = a.copy(), a.copy()
            up.flat[k] += eps
            dn.flat[k] -= eps
            args_up, args_dn = list(args), list(args)
            args_up[i], args_dn[i] = up, dn
            num.flat[k] = np.sum(w * (bind(prim, *args_up, **params) -
                                      bind(prim, *args_dn, **params))) / (2 * eps)
        np.testing.assert_allclose(grads[i], num, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{prim.name} input {i}")
