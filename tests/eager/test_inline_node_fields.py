"""The view and join entries build their node and tensor with ``Node.__init__``'s and
``tensor._make``'s stores written inline (issue 19: no class call per op).  These tests keep
them in step: every slot of the node and of the tensor is set as ``Node(...)`` and ``_make``
set them (a field added to either must be added to the entries too), and the results are
PyTorch's (values, grad_fn names, versions after an in-place change, gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops import shape as _shape
from dlcore.ops.stacking import stack_p
from dlcore_eager import _views
from dlcore_eager._graph import Node, leaf_node
from dlcore_eager.tensor import Tensor, _make

torch = pytest.importorskip("torch")

_A = np.random.default_rng(1).standard_normal((4, 8)).astype(np.float32)
_UNSET = object()


def _slots(cls) -> list:
    out = []
    for k in cls.__mro__:
        out += [s for s in getattr(k, "__slots__", ()) if s != "__weakref__"]
    return out


def _same_fields(a, b, cls, skip=()) -> None:
    """Every slot of ``cls`` set on ``a`` exactly where it is set on ``b``, to an equal value
    (arrays by value, lists and Tensors by identity)."""
    for s in _slots(cls):
        if s in skip:
            continue
        va, vb = getattr(a, s, _UNSET), getattr(b, s, _UNSET)
        assert (va is _UNSET) == (vb is _UNSET), s
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb)
            assert va.dtype == vb.dtype and va.shape == vb.shape
        elif isinstance(va, (list, Tensor)) or s == "_view":
            assert va is vb or (s == "_view" and va[0] is vb[0] and va[1:] == vb[1:]), s
        else:
            assert va == vb, s


@pytest.mark.parametrize("version", [0, 3])
def test_view_of_node_has_node_init_fields(version):
    x = dl.from_numpy(_A.copy()).requires_grad_(True)
    x._vc[0] = version
    params = {"shape": (-1,)}
    out = x._buf.reshape(-1)
    t = _views.view_of(x, _shape.reshape_p, params, out)
    ref = Node(_shape.reshape_p, params, (leaf_node(x),), (x,), (version,), out, x._vc)
    _same_fields(t._node, ref, Node)
    assert t._node.parents[0] is ref.parents[0]
    assert type(t._node.versions) is tuple and t._node.versions == (version,)
    labelled = _views.view_of(x, _shape.reshape_p, params, out, "TBackward0")
    assert labelled._node.label == "TBackward0" and labelled.grad_fn.name() == "TBackward0"


@pytest.mark.parametrize("op", ["cat", "stack"])
@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True), (False, False),
                                "no_grad"])
@pytest.mark.parametrize("version", [0, 2])
def test_join_entry_node_and_tensor_have_the_constructors_fields(op, rg, version):
    grad_mode = rg != "no_grad"
    rg = rg if grad_mode else (True, True)
    a = dl.from_numpy(_A.copy()).requires_grad_(rg[0])
    b = dl.from_numpy(_A[::-1].copy()).requires_grad_(rg[1])
    b._vc[0] = version
    f = getattr(dl, op)
    with dl.set_grad_enabled(grad_mode):
        f([a, b], 1)                        # (the plan made)
        y = f((a, b), 1)
    if not (grad_mode and any(rg)):
        _same_fields(y, _make(y._buf), Tensor, skip=("_vc",))
        assert y._vc == [0] and y._vc is not a._vc and y.grad_fn is None
        assert not y.requires_grad
        return
    prim = _shape.concatenate_p if op == "cat" else stack_p
    params = {"axis": 1}
    ref_node = Node(prim, params, (leaf_node(a) if rg[0] else None,
                                   leaf_node(b) if rg[1] else None),
                    (a, b), (0, version), y._buf, y._vc)
    _same_fields(y._node, ref_node, Node)
    ref = _make(y._buf, y._vc, y._node)
    _same_fields(y, ref, Tensor)
    assert y.grad_fn.name() == ("CatBackward0" if op == "cat" else "StackBackward0")


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_join_entry_gradients_and_versions_are_torchs(op):
    da, ta = dl.from_numpy(_A.copy()).requires_grad_(True), \
        torch.from_numpy(_A.copy()).requires_grad_(True)
    db, tb = dl.from_numpy(_A.copy() * 2), torch.from_numpy(_A.copy() * 2)
    db.add_(1.0)
    tb.add_(1.0)                            # (an input at version 1)
    w = np.arange(64, dtype=np.float32).reshape((4, 16) if op == "cat" else (4, 2, 8))
    for _ in range(2):                      # (the plan's first call, then the entry's)
        yd = getattr(dl, op)([da, db], 1)
        yt = getattr(torch, op)([ta, tb], 1)
        np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
        assert yd._version == yt._version == 0
        (yd * dl.from_numpy(w)).sum().backward()
        (yt * torch.from_numpy(w)).sum().backward()
        np.testing.assert_array_equal(da.grad.numpy(), ta.grad.numpy())
    yd = getattr(dl, op)([da, db], 1)
    yt = getattr(torch, op)([ta, tb], 1)
    db.add_(1.0)                            # (a non-saved input changed: backward still runs)
    tb.add_(1.0)
    yd.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(da.grad.numpy(), ta.grad.numpy())


def test_view_of_a_viewed_leaf_changed_in_place_is_torchs():
    xd, xt = dl.from_numpy(_A.copy()).requires_grad_(True), \
        torch.from_numpy(_A.copy()).requires_grad_(True)
    for x in (xd, xt):
        with (dl if x is xd else torch).no_grad():
            x.mul_(2.0)                     # (the leaf at version 1)
    vd, vt = xd.view(-1), xt.view(-1)
    assert vd._version == vt._version == 1
    assert vd.grad_fn.name() == type(vt.grad_fn).__name__ == "ViewBackward0"
    (vd * vd).sum().backward()
    (vt * vt).sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("args", [(4, 8, 1), (1, 4, 8), (2, 2, 8), (-1,)])
def test_view_of_a_non_contiguous_array_that_owns_its_memory_is_torchs(args):
    """``view``'s first lines take NumPy's reshape where its result's base is the buffer (a
    view of an array that owns its memory), contiguous or not: a Fortran-ordered leaf, once
    the call's plan exists, views as PyTorch's where the strides allow, and raises its error
    where they do not."""
    c = dl.from_numpy(_A.copy()).requires_grad_(True)
    for _ in range(2):
        c.view(*args)                       # (the plan made on a contiguous (4, 8) tensor)
    fa = np.asfortranarray(_A)
    assert fa.base is None and not fa.flags.c_contiguous
    xd = dl.from_numpy(fa.copy(order="F")).requires_grad_(True)
    xt = torch.from_numpy(fa.copy(order="F")).requires_grad_(True)
    try:
        vt = xt.view(*args)
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as ed:
            xd.view(*args)
        assert str(ed.value) == str(e)
        return
    vd = xd.view(*args)
    np.testing.assert_array_equal(vd.detach().numpy(), vt.detach().numpy())
    assert vd.grad_fn.name() == type(vt.grad_fn).__name__
    assert np.shares_memory(vd._buf, xd._buf) and vd._vc is xd._vc
    w = np.arange(32, dtype=np.float32).reshape(vt.shape)
    (vd * dl.from_numpy(w)).sum().backward()
    (vt * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())
    with dl.no_grad():
        vd.mul_(3.0)
    with torch.no_grad():
        vt.mul_(3.0)
    np.testing.assert_array_equal(xd.detach().numpy(), xt.detach().numpy())
    assert xd._version == xt._version


@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("op", ["add", "mul"])
def test_small_binary_node_and_tensor_have_the_constructors_fields(op, rg):
    """``_dispatch.small_binary``'s recorded result (x + y of two small CPU tensors): its node
    and tensor set every field as ``Node(...)`` and ``_make`` do; gradients are PyTorch's."""
    from dlcore.ops import elementwise as _ew
    a = dl.from_numpy(_A.copy()).requires_grad_(rg[0])
    b = dl.from_numpy(_A[::-1].copy()).requires_grad_(rg[1])
    b._vc[0] = 2
    y = a + b if op == "add" else a * b
    prim = getattr(_ew, op + "_p")
    ref = Node(prim, {}, (leaf_node(a) if rg[0] else None, leaf_node(b) if rg[1] else None),
               (a, b), (0, 2), y._buf, y._vc)
    _same_fields(y._node, ref, Node)
    _same_fields(y, _make(y._buf, y._vc, y._node), Tensor)
    assert y._vc == [0] and y._vc is not a._vc
    ta = torch.from_numpy(_A.copy()).requires_grad_(rg[0])
    tb = torch.from_numpy(_A[::-1].copy()).requires_grad_(rg[1])
    ty = ta + tb if op == "add" else ta * tb
    assert y.grad_fn.name() == ty.grad_fn.name()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for d, t in ((a, ta), (b, tb)):
        if t.grad is None:
            assert d.grad is None
        else:
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["mm", "sigmoid", "relu", "exp", "neg"])
def test_tiny_product_and_unary_entry_nodes_have_the_constructors_fields(op):
    """``_dispatch.matrix_product``'s tiny product (x.mm(w)) and the unary lane entry
    (torch.sigmoid/relu) with grad: node and tensor fields as ``Node(...)``/``_make`` set them,
    gradients PyTorch's."""
    from dlcore.ops import elementwise as _ew
    from dlcore.ops import linalg as _la
    w_np = _A.T.copy()
    x = dl.from_numpy(_A.copy()).requires_grad_(True)
    w = dl.from_numpy(w_np).requires_grad_(True)
    tx = torch.from_numpy(_A.copy()).requires_grad_(True)
    tw = torch.from_numpy(w_np).requires_grad_(True)
    if op == "mm":
        y, ty = x.mm(w), tx.mm(tw)
        ref = Node(_la.matmul_p, {}, (leaf_node(x), leaf_node(w)), (x, w), (0, 0), y._buf,
                   y._vc)
    else:
        y, ty = getattr(dl, op)(x), getattr(torch, op)(tx)
        ref = Node(getattr(_ew, op + "_p"), {}, (leaf_node(x),), (x,), (0,), y._buf, y._vc)
    _same_fields(y._node, ref, Node)
    _same_fields(y, _make(y._buf, y._vc, y._node), Tensor)
    assert y.grad_fn.name() == ty.grad_fn.name()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    if op == "mm":
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("keepdim", [False, True])
def test_max_dim_with_grad_nodes_have_the_constructors_fields(keepdim):
    """``x.max(1)`` with grad (the fused lane plan, ``_lane_max``): the gather's node (and
    the squeeze's over it) set every field as ``Node(...)``; values, indices, grad_fn name
    and gradient PyTorch's."""
    from dlcore.ops import shape as _sh
    from dlcore.ops.scan import take_along_axis_p
    x = dl.from_numpy(_A.copy()).requires_grad_(True)
    tx = torch.from_numpy(_A.copy()).requires_grad_(True)
    for _ in range(3):                      # (the fused plan is made by the first calls)
        v, i = x.max(1, keepdim=keepdim)
    tv, ti = tx.max(1, keepdim=keepdim)
    node = v._node
    if not keepdim:
        g = node.parents[0]
        ref = Node(_sh.squeeze_p, {"axes": (1,)}, (g,), node.inputs, (0,), v._buf, v._vc)
        _same_fields(node, ref, Node, skip=("label", "edges"))
        node = g
    ins = node.inputs
    ref = Node(take_along_axis_p, node.params, (leaf_node(x), None), ins, (0, 0),
               node.out_buf, node.out_version)
    _same_fields(node, ref, Node, skip=("label", "edges"))
    np.testing.assert_array_equal(v.detach().numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert v.grad_fn.name() == tv.grad_fn.name()
    (v * v).sum().backward()
    (tv * tv).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
