"""PyTorch's keyword names: each call below passes its arguments by the names torch 2.13 takes
(``F.linear(input=x, weight=w)``, ``x.matmul(other=y)``, ``x.pow(exponent=2)``, ...) to both
the installed torch and dlcore_eager, and compares the values. A keyword dlcore named otherwise
(``x``, ``a``/``b``, ``t``) was a TypeError here.

Not covered yet (their parameters are still named otherwise, or are ``*args``):
``torch.clone``/``torch.broadcast_to``/``torch.swapaxes`` (``input``, ``size``, ``axis0``),
``Tensor.reshape(shape=)``, ``Tensor.permute(dims=)``, ``Tensor.expand(size=)``,
``Tensor.broadcast_to(size=)``, ``Tensor.swapaxes(axis0=)``, ``torch.tensor_split``/``hsplit``/
``vsplit``/``dsplit`` (``sections=``/``indices=``), ``Tensor.repeat(repeats=)``,
``torch.cdist(x1=)``, ``F.bilinear(input1=)``, and torch's NumPy aliases of ``input`` (``x``,
``a``, ``x1``) and ``other`` (``x2``) on its builtins."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager  # noqa: E402

T: Any = dlcore_eager

RNG = np.random.default_rng(11)
A33 = RNG.standard_normal((3, 3)).astype(np.float32)
B33 = RNG.standard_normal((3, 3)).astype(np.float32)
A34 = RNG.standard_normal((3, 4)).astype(np.float32)
V3 = RNG.standard_normal(3).astype(np.float32)
W3 = RNG.standard_normal(3).astype(np.float32)
B234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
B245 = RNG.standard_normal((2, 4, 5)).astype(np.float32)
W54 = RNG.standard_normal((5, 4)).astype(np.float32)
IMG = RNG.standard_normal((2, 3, 6, 6)).astype(np.float32)
K = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
TGT = np.array([0, 2, 1], dtype=np.int64)
SPD = (A33 @ A33.T + 3 * np.eye(3)).astype(np.float32)
LOWER = np.tril(A33) + 4 * np.eye(3, dtype=np.float32)


def t(lib, a, grad=False):
    """A fresh tensor of ``a`` in ``lib`` (torch or dlcore_eager)."""
    out = lib.from_numpy(np.array(a, copy=True))
    return out.requires_grad_() if grad else out


def F(lib):
    return lib.nn.functional


# name -> fn(lib) calling the op with torch's keyword names
CASES: dict[str, Callable[[Any], Any]] = {
    # ---- torch.*
    "torch.matmul": lambda L: L.matmul(input=t(L, A34.T), other=t(L, A33)),
    "torch.mm": lambda L: L.mm(input=t(L, A33), mat2=t(L, A34)),
    "torch.bmm": lambda L: L.bmm(input=t(L, B234), mat2=t(L, B245)),
    "torch.dot": lambda L: L.dot(input=t(L, V3), tensor=t(L, W3)),
    "torch.outer": lambda L: L.outer(input=t(L, V3), vec2=t(L, W3)),
    "torch.cat": lambda L: L.cat(tensors=[t(L, A33), t(L, B33)], dim=1),
    "torch.stack": lambda L: L.stack(tensors=[t(L, A33), t(L, B33)], dim=0),
    "torch.sum": lambda L: L.sum(input=t(L, A34), dim=1, keepdim=True),
    "torch.mean": lambda L: L.mean(input=t(L, A34), dim=0),
    "torch.max(dim)": lambda L: tuple(L.max(input=t(L, A34), dim=1, keepdim=False)),
    "torch.max(other)": lambda L: L.max(input=t(L, A33), other=t(L, B33)),
    "torch.transpose": lambda L: L.transpose(input=t(L, A34), dim0=0, dim1=1),
    "torch.permute": lambda L: L.permute(input=t(L, B234), dims=(2, 0, 1)),
    "torch.reshape": lambda L: L.reshape(input=t(L, A34), shape=(4, 3)),
    "torch.softmax": lambda L: L.softmax(input=t(L, A34), dim=1),
    "torch.log_softmax": lambda L: L.log_softmax(input=t(L, A34), dim=0),
    "torch.pow": lambda L: L.pow(input=t(L, A33), exponent=2),
    "torch.pow(scalar base)": lambda L: L.pow(2, exponent=t(L, V3)),
    "torch.eq": lambda L: L.eq(input=t(L, A33), other=t(L, B33)),
    "torch.lt": lambda L: L.lt(input=t(L, A33), other=0.0),
    "torch.zeros_like": lambda L: L.zeros_like(input=t(L, A34)),
    "torch.ones_like": lambda L: L.ones_like(input=t(L, A34), dtype=L.float64),
    "torch.empty_like(shape)": lambda L: tuple(L.empty_like(input=t(L, A34)).shape),
    "torch.full_like": lambda L: L.full_like(input=t(L, A34), fill_value=2.5),
    "torch.allclose": lambda L: L.allclose(input=t(L, A33), other=t(L, A33) + 1e-9),
    "torch.equal": lambda L: L.equal(input=t(L, A33), other=t(L, B33)),
    "torch.cholesky_solve": lambda L: L.cholesky_solve(
        input=t(L, B33), input2=L.linalg.cholesky(t(L, SPD))),
    "torch.cholesky_inverse": lambda L: L.cholesky_inverse(
        input=L.linalg.cholesky(t(L, SPD))),
    "torch.triangular_solve": lambda L: tuple(L.triangular_solve(
        input=t(L, B33), A=t(L, LOWER), upper=False)),
    "torch.lu_solve": lambda L: L.lu_solve(
        input=t(L, B33), LU_data=L.linalg.lu_factor(t(L, SPD))[0],
        LU_pivots=L.linalg.lu_factor(t(L, SPD))[1]),
    "torch.relu": lambda L: L.relu(input=t(L, A33)),
    # ---- torch.nn.functional
    "F.linear": lambda L: F(L).linear(input=t(L, B234), weight=t(L, W54),
                                      bias=t(L, W54[:, 0].copy())),
    "F.linear(no bias)": lambda L: F(L).linear(input=t(L, A34), weight=t(L, W54)),
    "F.relu": lambda L: F(L).relu(input=t(L, A33)),
    "F.softmax": lambda L: F(L).softmax(input=t(L, A34), dim=1),
    "F.log_softmax": lambda L: F(L).log_softmax(input=t(L, A34), dim=1),
    "F.cross_entropy": lambda L: F(L).cross_entropy(input=t(L, A33), target=t(L, TGT)),
    "F.nll_loss": lambda L: F(L).nll_loss(input=t(L, A33), target=t(L, TGT)),
    "F.mse_loss": lambda L: F(L).mse_loss(input=t(L, A33), target=t(L, B33)),
    "F.dropout(p=0)": lambda L: F(L).dropout(input=t(L, A33), p=0.0),
    "F.dropout(eval)": lambda L: F(L).dropout(input=t(L, A33), p=0.5, training=False),
    "F.conv2d": lambda L: F(L).conv2d(input=t(L, IMG), weight=t(L, K), bias=t(L, V3[:1].repeat(4)),
                                      stride=1, padding=1),
    "F.max_pool2d": lambda L: F(L).max_pool2d(input=t(L, IMG), kernel_size=2, stride=2),
    "F.embedding": lambda L: F(L).embedding(input=t(L, TGT), weight=t(L, A34)),
    "F.layer_norm": lambda L: F(L).layer_norm(input=t(L, A34), normalized_shape=(4,),
                                              weight=t(L, A34[0]), bias=t(L, A34[1])),
    "F.batch_norm": lambda L: F(L).batch_norm(input=t(L, A34.T), running_mean=t(L, V3),
                                              running_var=t(L, np.abs(W3) + 1), weight=t(L, V3),
                                              bias=t(L, W3), training=False),
    "F.one_hot": lambda L: F(L).one_hot(input=t(L, TGT), num_classes=4),
    "F.elu_": lambda L: F(L).elu_(t(L, A33), alpha=0.5),
    "F.celu_": lambda L: F(L).celu_(t(L, A33), alpha=0.5),
    "F.leaky_relu_": lambda L: F(L).leaky_relu_(t(L, A33), negative_slope=0.2),
    "F.hardtanh_": lambda L: F(L).hardtanh_(t(L, A33), min_val=-0.5, max_val=0.25),
    "F.threshold_": lambda L: F(L).threshold_(t(L, A33), threshold=0.1, value=20.0),
    # ---- Tensor methods
    "Tensor.matmul": lambda L: t(L, A33).matmul(other=t(L, A34)),
    "Tensor.matmul(vector)": lambda L: t(L, A33).matmul(other=t(L, V3)),
    "Tensor.mm": lambda L: t(L, A33).mm(mat2=t(L, A34)),
    "Tensor.bmm": lambda L: t(L, B234).bmm(mat2=t(L, B245)),
    "Tensor.dot": lambda L: t(L, V3).dot(tensor=t(L, W3)),
    "Tensor.outer": lambda L: t(L, V3).outer(vec2=t(L, W3)),
    "Tensor.sum": lambda L: t(L, A34).sum(dim=0, keepdim=True),
    "Tensor.mean": lambda L: t(L, A34).mean(dim=1),
    "Tensor.max(dim)": lambda L: tuple(t(L, A34).max(dim=0)),
    "Tensor.max(other)": lambda L: t(L, A33).max(other=t(L, B33)),
    "Tensor.view": lambda L: t(L, A34).view(size=(4, 3)),
    "Tensor.transpose": lambda L: t(L, A34).transpose(dim0=1, dim1=0),
    "Tensor.softmax": lambda L: t(L, A34).softmax(dim=1),
    "Tensor.log_softmax": lambda L: t(L, A34).log_softmax(dim=1),
    "Tensor.pow": lambda L: t(L, A33).pow(exponent=3),
    "Tensor.allclose": lambda L: t(L, A33).allclose(other=t(L, B33)),
    "Tensor.equal": lambda L: t(L, A33).equal(other=t(L, A33)),
    "Tensor.type_as": lambda L: t(L, A33).type_as(other=t(L, TGT)),
    "Tensor.new_zeros": lambda L: t(L, A33).new_zeros(size=(2, 3)),
    "Tensor.new_ones": lambda L: t(L, A33).new_ones(size=[4], dtype=L.float64),
    "Tensor.new_empty(shape)": lambda L: tuple(t(L, A33).new_empty(size=(2, 1)).shape),
    "Tensor.new_zeros(varargs)": lambda L: t(L, A33).new_zeros(2, 3),
    "Tensor.sum_to_size": lambda L: t(L, A34).sum_to_size(size=(1, 4)),
    "Tensor.sum_to_size(varargs)": lambda L: t(L, A34).sum_to_size(3, 1),
    "Tensor.sparse_mask": lambda L: t(L, A33).sparse_mask(mask=t(L, np.eye(3, dtype=np.float32))
                                                            .to_sparse()).to_dense(),
    "Tensor.det": lambda L: t(L, SPD).det(),
    "torch.det": lambda L: L.det(input=t(L, SPD)),
    "torch.linalg.det": lambda L: L.linalg.det(A=t(L, SPD)),
    "torch.matrix_exp": lambda L: L.matrix_exp(input=t(L, A33 / 4)),
    "torch.linalg.matrix_exp": lambda L: L.linalg.matrix_exp(input=t(L, A33 / 4)),
    "torch.is_neg": lambda L: L.is_neg(input=t(L, A33)),
    # composites whose core functions name them otherwise (_keyword_names)
    "torch.addmm": lambda L: L.addmm(t(L, A33), mat1=t(L, A33), mat2=t(L, B33), beta=0.5),
    "Tensor.addmm": lambda L: t(L, A33).addmm(mat1=t(L, A33), mat2=t(L, B33)),
    "Tensor.addmm_": lambda L: t(L, A33).addmm_(mat1=t(L, A33), mat2=t(L, B33), alpha=2),
    "torch.baddbmm": lambda L: L.baddbmm(t(L, B234[:, :, :3].copy()), batch1=t(L, B234),
                                         batch2=t(L, B234.transpose(0, 2, 1)[:, :, :3].copy())),
    "torch.cross": lambda L: L.cross(t(L, A33), other=t(L, B33), dim=1),
    "Tensor.cross": lambda L: t(L, A33).cross(other=t(L, B33), dim=0),
    "torch.dist": lambda L: L.dist(t(L, A33), other=t(L, B33), p=3),
    "torch.mv": lambda L: L.mv(t(L, A33), vec=t(L, V3)),
    "Tensor.mv": lambda L: t(L, A34.T.copy()).mv(vec=t(L, V3)),
    "torch.cdist": lambda L: L.cdist(t(L, A34), x2=t(L, A34[::-1].copy())),
    "F.bilinear": lambda L: F(L).bilinear(t(L, A33), input2=t(L, B33),
                                          weight=t(L, B234[:, :, :3].copy())),
    "torch.orgqr": lambda L: L.orgqr(L.geqrf(t(L, SPD))[0], input2=L.geqrf(t(L, SPD))[1]),
    "special.airy_ai": lambda L: L.special.airy_ai(x=t(L, A33)),
    "special.spherical_bessel_j0": lambda L: L.special.spherical_bessel_j0(x=t(L, A33)),
    "special.scaled_modified_bessel_k0": lambda L: L.special.scaled_modified_bessel_k0(
        x=t(L, np.abs(A33) + 0.1)),
    "special.scaled_modified_bessel_k1(out)": lambda L: L.special.scaled_modified_bessel_k1(
        t(L, np.abs(A33) + 0.1), out=L.empty(3, 3)),
    "special.bessel_j0": lambda L: L.special.bessel_j0(input=t(L, A33)),
    # torch.linalg: A= where its schema says A, input= where it says self
    "linalg.cholesky": lambda L: L.linalg.cholesky(input=t(L, SPD)),
    "linalg.cholesky_ex": lambda L: tuple(L.linalg.cholesky_ex(input=t(L, SPD))),
    "linalg.eigvalsh": lambda L: L.linalg.eigvalsh(input=t(L, SPD)),
    "linalg.eigh(values)": lambda L: L.linalg.eigh(input=t(L, SPD))[0],
    "linalg.eigvals": lambda L: L.linalg.eigvals(input=t(L, SPD.astype(np.float64))).abs(),
    "linalg.pinv": lambda L: L.linalg.pinv(input=t(L, SPD)),
    "linalg.matrix_rank": lambda L: L.linalg.matrix_rank(input=t(L, SPD)),
    "linalg.matrix_norm": lambda L: L.linalg.matrix_norm(input=t(L, A34), ord="fro"),
    "linalg.cond": lambda L: L.linalg.cond(input=t(L, SPD)),
    "linalg.ldl_factor(shape)": lambda L: tuple(L.linalg.ldl_factor(input=t(L, SPD))[0].shape),
    "linalg.inv": lambda L: L.linalg.inv(A=t(L, SPD)),
    "linalg.solve": lambda L: L.linalg.solve(A=t(L, SPD), B=t(L, B33)),
    "Tensor.cholesky_solve": lambda L: t(L, B33).cholesky_solve(
        input2=L.linalg.cholesky(t(L, SPD))),
    **{f"Tensor.{name}": (lambda name: lambda L: getattr(t(L, A33), name)(other=t(L, B33)))(name)
       for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                    "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor")},
}


def _values(out):
    if isinstance(out, (tuple, list)):
        return [_values(o) for o in out]
    if hasattr(out, "detach"):
        return out.detach().cpu().numpy()
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_torch_keyword_names(name):
    fn = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # (torch.lu_solve, triangular_solve: deprecated)
        want = _values(fn(torch))
        got = _values(fn(T))

    def check(g, w):
        if isinstance(w, list):
            assert isinstance(g, list) and len(g) == len(w)
            for gi, wi in zip(g, w):
                check(gi, wi)
        elif isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray) and g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=2e-6, atol=2e-6)
        else:
            assert g == w
    check(got, want)


@pytest.mark.parametrize("call", [
    lambda L: F(L).dropout(x=t(L, A34)),
    lambda L: t(L, A33).matmul(b=t(L, B33)),
    lambda L: t(L, A33).mm(b=t(L, B33)),
    lambda L: t(L, A33).eq(b=t(L, B33)),
    lambda L: t(L, A33).pow(other=2),
    lambda L: L.zeros_like(t=t(L, A33)),
    lambda L: F(L).one_hot(tensor=t(L, TGT)),
    lambda L: L.det(A=t(L, SPD)),
    lambda L: L.linalg.cholesky(A=t(L, SPD)),
    lambda L: L.linalg.matrix_exp(A=t(L, SPD)),
    lambda L: L.special.airy_ai(input=t(L, SPD)),
    lambda L: t(L, A33).new_zeros(2, size=(3,)),
    lambda L: t(L, A33).sum_to_size(1, size=(1, 3)),
])
def test_old_names_refused_as_torch_does(call):
    """The names dlcore used before (not torch's) are a TypeError in both. (Not ``x=`` for
    a builtin's ``input``: torch's argument parser takes ``x``/``a``/``x1`` for ``input`` and
    ``x2`` for ``other``, NumPy's names, which dlcore does not yet.)"""
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(T)


def test_signatures_name_torch_parameters():
    """inspect.signature (what the autocast entries build their wrappers from) shows torch's
    names."""
    import inspect
    f = T.nn.functional
    assert list(inspect.signature(f.linear).parameters)[:3] == ["input", "weight", "bias"]
    assert list(inspect.signature(f.dropout).parameters)[0] == "input"
    assert list(inspect.signature(T.Tensor.mm).parameters) == ["self", "mat2"]
    assert list(inspect.signature(T.Tensor.matmul).parameters) == ["self", "other"]
    assert list(inspect.signature(T.Tensor.pow).parameters) == ["self", "exponent"]
    assert list(inspect.signature(T.pow).parameters)[:2] == ["input", "exponent"]


SHAPE_KEYWORDS = {
    "x.permute(dims=)": lambda L, x: x.permute(dims=(1, 0)),
    "x.reshape(shape=)": lambda L, x: x.reshape(shape=(3, 2)),
    "x.expand(size=)": lambda L, x: x.expand(size=(2, 2, 3)),
    "x.broadcast_to(size=)": lambda L, x: x.broadcast_to(size=(2, 2, 3)),
    "x.repeat(repeats=)": lambda L, x: x.repeat(repeats=(2, 1)),
    "torch.clone(input=)": lambda L, x: L.clone(input=x),
    "torch.broadcast_to(input=, size=)": lambda L, x: L.broadcast_to(input=x, size=(2, 2, 3)),
    "torch.swapaxes(axis0=, axis1=)": lambda L, x: L.swapaxes(x, axis0=0, axis1=1),
    "x.swapaxes(axis0=, axis1=)": lambda L, x: x.swapaxes(axis0=0, axis1=1),
    "torch.swapdims(dim0=, dim1=)": lambda L, x: L.swapdims(x, dim0=0, dim1=1),
    "x.permute(1, 0)": lambda L, x: x.permute(1, 0),
    "x.reshape(3, 2)": lambda L, x: x.reshape(3, 2),
    "x.repeat(2, 1)": lambda L, x: x.repeat(2, 1),
}


@pytest.mark.parametrize("name", sorted(SHAPE_KEYWORDS))
def test_shape_functions_take_torchs_keywords(name):
    """The varargs shape methods take their sizes as torch's keyword too (positional forms
    unchanged), with the same values and grad_fn."""
    out = []
    for L in (torch, T):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        r = SHAPE_KEYWORDS[name](L, x)
        out.append((tuple(r.shape), r.detach().numpy().tolist(), type(r.grad_fn).__name__))
    assert out[0] == out[1]


@pytest.mark.parametrize("call", [lambda L, x: x.reshape(2, shape=(3, 2)),
                                  lambda L, x: x.permute(1, dims=(1, 0)),
                                  lambda L, x: x.expand(2, size=(2, 3)),
                                  lambda L, x: x.repeat(2, repeats=(1, 1))])
def test_a_size_given_twice_is_a_type_error(call):
    for L in (torch, T):
        with pytest.raises(TypeError, match="got multiple values for argument"):
            call(L, L.ones(2, 3))
