"""PyTorch's ``nn.utils.parametrizations``: weight norm and spectral norm as parametrizations
(see ``parametrize``), with PyTorch's state-dict keys.

``weight_norm(module, name, dim)``: ``original0 = g = norm_except_dim(w, 2, dim)``,
``original1 = v = w``; ``w = v * (g / ||v||)`` on every access.  A state dict of the older
hook form (``weight_g``, ``weight_v``) loads into it.

``spectral_norm(module, name, n_power_iterations, eps, dim)``: ``original = W``; buffers ``_u``
and ``_v`` of the parametrization module.  With ``M`` the weight as a matrix (``dim`` first,
the rest flattened), each access in training mode first runs, without gradient::

    u = normalize(M v, eps);  v = normalize(M^T u, eps)    (n_power_iterations times)

then returns ``W / (u . M v)``; in evaluation mode ``u`` and ``v`` are used unchanged.  At
registration the estimates start from normalised normal samples and take 15 iterations.  A 1-D
weight is simply normalised.

``orthogonal(module, name, orthogonal_map, use_trivialization)``: the weight (a matrix, or a
batch of them; a wide one is handled transposed) is an orthonormal-column matrix ``Q`` made from
the unconstrained ``original`` ``X``::

    matrix_exp:   Q = expm(L - L^T)             L the lower triangle of X (padded to square)
    cayley:       Q = (I - A/2)^-1 (I + A/2),   A = L - L^T
    householder:  Q = H_1 ... H_k[:, :k] * int(diag X),  H_i = I - tau_i v_i v_i^T, v_i the
                  strictly lower column i of X with a unit diagonal, tau_i = 2 / (1 + |v_i|^2)

(default: matrix_exp for square weights, householder otherwise).  With ``use_trivialization``
the buffer ``base`` holds an orthogonal matrix and ``Q = base @ map(X)``; assigning a weight
stores it in ``base`` (made orthogonal by a sign-fixed QR when it is not) and sets ``X`` to
``-I``.  Without it, only householder accepts assignment (``X`` from a QR factorisation).  The
QR factorisations run in NumPy (LAPACK's, as PyTorch's); the maps are dlcore ops, so gradients
reach ``original``.
"""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import finfo

from ..._host import host as _host
from ...autograd import no_grad
from ...creation import empty, eye, tensor
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from . import parametrize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``module.<name> = g * v / ||v||`` with ``g`` and ``v`` as ``original0``/``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def compat(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
               error_msgs) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(compat)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = mat.shape
            with no_grad():
                u = empty(h, dtype=mat.dtype, device=mat.device).normal_(0, 1)
                v = empty(w, dtype=mat.dtype, device=mat.device).normal_(0, 1)
                self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            m = mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(m.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(m.t().mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / u.dot(mat.mv(v))

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration (see the
    module docstring)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")  # noqa: TRY004
    if dim is None:
        from .spectral_norm import _is_transposed_conv
        dim = 1 if _is_transposed_conv(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ---------------------------------------------------------------------- orthogonal
def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """LAPACK's orgqr as dlcore ops: the first k columns of ``H_1 ... H_k`` (real tensors)."""
    n, k = a.shape[-2], tau.shape[-1]
    q = eye(n, dtype=a.dtype, device=a.device)
    rows = np.arange(n)
    for i in range(k):
        below = tensor((rows > i).astype(np.float64)[:, None], dtype=a.dtype, device=a.device)
        unit = tensor((rows == i).astype(np.float64)[:, None], dtype=a.dtype, device=a.device)
        v = a[..., :, i:i + 1] * below + unit
        h = eye(n, dtype=a.dtype, device=a.device) - tau[..., i:i + 1].unsqueeze(-1) * (
            v @ v.mT)
        q = q @ h
    return q[..., :, :k]


def _np_qr_raw(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's geqrf of each matrix of ``a``: (reflectors with R above, tau)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    hs, taus = [], []
    for m in flat:
        h, t = np.linalg.qr(m, mode="raw")
        hs.append(h.T)
        taus.append(t)
    return (np.stack(hs).reshape(a.shape), np.stack(taus).reshape(a.shape[:-2] +
                                                                    (taus[0].shape[0],)))


def _make_orthogonal(a: np.ndarray) -> np.ndarray:
    flat = a.reshape((-1,) + a.shape[-2:])
    out = []
    for m in flat:
        q, r = np.linalg.qr(m)
        out.append(q * np.sign(np.diagonal(r))[None, :])
    return np.stack(out).reshape(a.shape[:-1] + (out[0].shape[-1],))


def _is_orthogonal(q: np.ndarray) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * finfo(q.dtype).eps
    return bool(np.all(np.abs(np.swapaxes(q, -1, -2) @ q - np.eye(k)) <= eps + 1e-5 *
                       np.eye(k)))


_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def _trivial(self) -> bool:
        return "base" in self._buffers

    def forward(self, x: Tensor) -> Tensor:
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                from ... import _shape_ops as S
                pad = x.new_zeros(*x.shape[:-2], n, n - k)
                x = S.cat([x, pad], -1)
            a = x - x.mT
            if self.orthogonal_map == "matrix_exp":
                from ...linalg import matrix_exp
                q = matrix_exp(a)
            else:
                from ...linalg import solve
                ident = eye(n, dtype=a.dtype, device=a.device)
                q = solve(ident - a * 0.5, ident + a * 0.5)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = _householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).detach().int().to(q.dtype).unsqueeze(-2)
        if self._trivial() and self.base is not None:
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        if tuple(q.shape) != tuple(self.shape):
            raise ValueError("Expected a matrix or batch of matrices of shape "
                             f"{self.shape}. Got a tensor of shape {q.shape}.")
        with no_grad():
            q_init = q
            qn = np.array(_host(q))
            n, k = qn.shape[-2], qn.shape[-1]
            transpose = n < k
            if transpose:
                qn = np.swapaxes(qn, -1, -2)
                n, k = k, n
            if not self._trivial():
                if self.orthogonal_map in ("cayley", "matrix_exp"):
                    raise NotImplementedError("It is not possible to assign to the matrix "
                                              "exponential or the Cayley parametrizations when "
                                              "use_trivialization=False.")
                a, tau = _np_qr_raw(qn)
                d = np.sign(np.diagonal(a, axis1=-2, axis2=-1)).copy()
                d[tau == 0.0] *= -1
                idx = np.arange(k)
                a[..., idx, idx] = d
                if transpose:
                    a = np.swapaxes(a, -1, -2)
                return tensor(np.ascontiguousarray(a), dtype=q.dtype, device=q.device)
            if n == k:
                qn = qn if _is_orthogonal(qn) else _make_orthogonal(qn)
            else:
                from ...creation import randn
                extra = np.array(_host(randn(*(qn.shape[:-2] + (n, n - k)), dtype=q.dtype)))
                qn = _make_orthogonal(np.concatenate([qn, extra], -1))
            self.base = tensor(np.ascontiguousarray(qn), dtype=q.dtype, device=q.device)
            neg = np.zeros(tuple(q_init.shape))
            idx = np.arange(min(q_init.shape[-2:]))
            neg[..., idx, idx] = -1.0
            return tensor(neg, dtype=q.dtype, device=q.device)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Constrain ``module.<name>`` to orthonormal columns (rows, for a wide matrix); see the
    module docstring for the maps."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")  # noqa: TRY004
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
