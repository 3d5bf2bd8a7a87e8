"""The optimizers' updates for sparse COO gradients (``nn.Embedding(sparse=True)``), with
PyTorch's formulas, in its order of operations, on the rows the gradient touches:

SGD::        g = -g (maximize);  b = clone(g) (first step), b = mu b + (1 - dampening) g;
             g = g + mu b (nesterov) or g = b;  p[rows] -= lr g      (b stays sparse)
Adagrad::    g = coalesce(g);  s[rows] += g^2;  p[rows] -= clr g / (sqrt(s[rows]) + eps)
SparseAdam:: g = coalesce(g);  dm = (g - m[rows]) (1 - b1);  m[rows] += dm;
             dv = (g^2 - v[rows]) (1 - b2);  v[rows] += dv;
             p[rows] -= lr sqrt(1 - b2^t) / (1 - b1^t) (dm + m_old) / (sqrt(dv + v_old) + eps)

Weight decay is refused with PyTorch's errors (SGD: ``add(sparse, dense)``; Adagrad:
"weight_decay option is not compatible with sparse gradients"), and optimizers without a
sparse path raise "<Name> does not support sparse gradients" (Adam and AdamW: "... please
consider SparseAdam instead"); every check runs before any parameter changes
(``check_sparse``).
"""

from __future__ import annotations

import math

import numpy as np

from .._sparse import SparseTensor, _sparse, add_dense, add_into_, add_sparse
from ._state_scalars import advance_step, install, scalar_tensor, step_count


def is_sparse(g) -> bool:
    return type(g) is SparseTensor


def check_sparse(opt, group: dict) -> None:
    """Raise PyTorch's error if ``opt`` cannot step ``group`` with a sparse gradient."""
    name = type(opt).__name__
    if name == "SGD" and group["weight_decay"] != 0:
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                           "instead.")
    if name == "Adagrad" and group["weight_decay"] != 0:
        raise RuntimeError("weight_decay option is not compatible with sparse gradients")
    if name in ("SGD", "Adagrad", "SparseAdam"):
        return
    if any(c.__name__ == "Adam" for c in type(opt).__mro__):
        raise RuntimeError("Adam does not support sparse gradients, please consider SparseAdam "
                           "instead")
    raise RuntimeError(f"{name} does not support sparse gradients")


def sgd(p, grad, state: dict, group: dict) -> None:
    g = -grad if group["maximize"] else grad
    mom = group["momentum"]
    if mom != 0:
        buf = state.get("momentum_buffer")
        step = g * (1 - group["dampening"]) if group["dampening"] else g
        if buf is None:
            buf = g.clone()
        elif isinstance(buf, SparseTensor):      # in place, as PyTorch's buf.mul_().add_()
            new = add_sparse(buf * mom, step).coalesce()
            buf._buf = new._buf
            buf._vc[0] += 1
        else:
            buf = add_dense(buf * mom, step)
        install(state, {"momentum_buffer": buf})   # a dense buffer: in place, as PyTorch's
        if group["nesterov"]:
            g = add_sparse(g, buf * mom) if isinstance(buf, SparseTensor) else \
                add_dense(buf * mom, g)
        else:
            g = buf
    if isinstance(g, SparseTensor):
        add_into_(p, g, -group["lr"])
    else:
        p.data -= group["lr"] * g


def _rows(grad: SparseTensor):
    g = grad.coalesce()._buf
    return tuple(g.indices), g.values


def _host(t) -> np.ndarray:
    b = t._buf
    if type(b) is not np.ndarray:
        raise RuntimeError("sparse gradients are supported for CPU parameters only")
    return b


def adagrad(p, grad, state: dict, group: dict) -> None:
    g = -grad if group["maximize"] else grad
    step = step_count(state) + 1
    clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
    rows, vals = _rows(g)
    s = _host(state["sum"])
    new_rows = s[rows] + vals * vals          # the touched rows only: O(nnz), not O(size)
    std = np.sqrt(new_rows) + np.asarray(group["eps"], s.dtype)
    upd = _sparse(np.stack(rows), vals / std, g.shape, True)
    s[rows] = new_rows                        # (everything computed: now the state changes)
    state["sum"]._vc[0] += 1
    advance_step(state, step)
    add_into_(p, upd, -clr)


def sparse_adam(p, grad, state: dict, group: dict) -> None:
    from ..creation import zeros_like
    g = -grad if group["maximize"] else grad
    rows, vals = _rows(g)
    if vals.shape[0] == 0:
        return
    if not state:
        state.update(step=scalar_tensor(0), exp_avg=zeros_like(p.detach()),
                     exp_avg_sq=zeros_like(p.detach()))
    step = step_count(state) + 1
    b1, b2 = group["betas"]
    eps = group["eps"]
    m, v = _host(state["exp_avg"]), _host(state["exp_avg_sq"])
    dt = m.dtype
    old_m = m[rows]
    dm = (vals - old_m) * np.asarray(1 - b1, dt)
    old_v = v[rows]
    dv = (vals * vals - old_v) * np.asarray(1 - b2, dt)
    numer = dm + old_m
    new_v = dv + old_v
    denom = np.sqrt(new_v) + np.asarray(eps, dt)
    step_size = group["lr"] * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
    upd = np.asarray(-step_size, dt) * (numer / denom)
    m[rows] = numer                           # the touched rows, in place (PyTorch's add_)
    v[rows] = new_v
    state["exp_avg"]._vc[0] += 1
    state["exp_avg_sq"]._vc[0] += 1
    advance_step(state, step)
    add_into_(p, _sparse(np.stack(rows), upd, g.shape, True))
