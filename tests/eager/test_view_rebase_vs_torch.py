"""A view's gradient after its base (or another view of it) changes in place, vs real PyTorch.

PyTorch remakes a view's grad_fn from its base's new history (``AsStridedBackward0`` over the
base's ``CopySlices``/in-place node); an in-place op on a view writes ``CopySlices`` into its
base.  Each program runs once with ``torch`` and once with ``dlcore_eager``: values, the leaf's
gradient and the grad_fn names must agree; what PyTorch refuses must raise its words.
"""

import numpy as np
import pytest
import torch as real

import dlcore_eager as dl

# (name, the view of y = x * 2 (x of shape (2, 3)))
VIEWS = [
    ("view_same", lambda y: y.view(y.shape)),
    ("view6", lambda y: y.view(6)),
    ("reshape", lambda y: y.reshape(3, 2)),
    ("t", lambda y: y.t()),
    ("transpose", lambda y: y.transpose(0, 1)),
    ("permute", lambda y: y.permute(1, 0)),
    ("unsqueeze", lambda y: y.unsqueeze(0)),
    ("squeeze_noop", lambda y: y.squeeze(0)),
    ("expand_noop", lambda y: y.expand(2, 3)),
    ("ellipsis", lambda y: y[...]),
    ("select", lambda y: y[0]),
    ("select_col", lambda y: y[:, 1]),
    ("slice", lambda y: y[:, 1:]),
    ("narrow", lambda y: y.narrow(1, 0, 2)),
    ("flatten", lambda y: y.flatten()),
    ("diagonal", lambda y: y.diagonal()),
    ("chain", lambda y: y.t()[1:].unsqueeze(0)),
]


def _x(T):
    return T.tensor(np.arange(1.0, 7.0).reshape(2, 3), dtype=T.float64, requires_grad=True)


def _weights(T, v):
    return T.arange(1.0, v.numel() + 1.0, dtype=T.float64).reshape(v.shape)


def _base_changed(T, make):
    x = _x(T)
    y = x * 2
    v = make(y)
    y.mul_(3)                                  # the base changes after the view was made
    y.add_(x)
    out = (v * _weights(T, v)).sum()
    out.backward()
    return v.detach().numpy().copy(), x.grad.numpy().copy(), type(v.grad_fn).__name__


@pytest.mark.parametrize("make", [m for _, m in VIEWS], ids=[n for n, _ in VIEWS])
def test_view_after_its_base_changed_in_place(make):
    want = _base_changed(real, make)
    got = _base_changed(dl, make)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2] == "AsStridedBackward0"


# an in-place op ON a view of a non-leaf: PyTorch's CopySlices on the base, other views remade
INPLACE_ON_VIEW = [
    ("select_mul", lambda y: y[0], lambda v, x: v.mul_(3)),
    ("slice_add_tensor", lambda y: y[:, 1:], lambda v, x: v.add_(x[:, :2] ** 2)),
    ("t_mul_tensor", lambda y: y.t(), lambda v, x: v.mul_(x.t())),
    ("view6_exp", lambda y: y.view(6), lambda v, x: v.exp_()),
    ("alias_sigmoid", lambda y: y.view(y.shape), lambda v, x: v.sigmoid_()),
    ("unsqueeze_sub", lambda y: y.unsqueeze(0), lambda v, x: v.sub_(x)),
    ("chain_mul", lambda y: y.t()[1:], lambda v, x: v.mul_(x[0, 0])),
    ("col_copy", lambda y: y[:, 2], lambda v, x: v.copy_(x[:, 0] * 5)),
    ("zero", lambda y: y[1], lambda v, x: v.zero_()),
]


def _view_changed(T, make, op):
    x = _x(T)
    y = x * 2
    other = y[1, :2]                           # another view of y, made before the change
    v = make(y)
    op(v, x)
    out = (y * _weights(T, y)).sum() + (v * _weights(T, v)).sum() * 0.5 + other.sum() * 7
    out.backward()
    names = (type(y.grad_fn).__name__, type(v.grad_fn).__name__, type(other.grad_fn).__name__)
    return y.detach().numpy().copy(), x.grad.numpy().copy(), names


@pytest.mark.parametrize("make,op", [(m, o) for _, m, o in INPLACE_ON_VIEW],
                         ids=[n for n, _, _ in INPLACE_ON_VIEW])
def test_inplace_on_a_view_writes_copyslices_into_its_base(make, op):
    want = _view_changed(real, make, op)
    got = _view_changed(dl, make, op)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2]


def _consumer_before_change(T):
    x = _x(T)
    y = x * 2
    v = y.t()
    a = v * 5                        # recorded before the change: keeps y's old history
    y.mul_(3)
    b = v * 1                        # recorded after: through y's new history
    (a.sum() + 10 * b.sum()).backward()
    return x.grad.numpy().copy()


def test_ops_recorded_before_the_change_keep_the_old_history():
    np.testing.assert_allclose(_consumer_before_change(dl), _consumer_before_change(real))


def _twice(T):
    x = _x(T)
    y = x * 2
    v = y[1]
    w = v.unsqueeze(1)
    y.mul_(x)
    v.add_(1.5)
    y.pow_(2)
    (w.sum() + v.sum() * 3 + y.sum()).backward()
    return w.detach().numpy().copy(), x.grad.numpy().copy(), type(w.grad_fn).__name__


def test_several_changes_through_base_and_views():
    got, want = _twice(dl), _twice(real)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2]


MULTI = ("Output {} of {} is a view and {}. This view is the output of a function that returns "
         "multiple views. Such functions do not allow the output views to be modified inplace. "
         "You should replace the inplace operation by an out-of-place one.")


@pytest.mark.parametrize("T", [real, dl], ids=["torch", "dlcore"])
def test_multiple_view_outputs_raise_torchs_errors(T):
    y = _x(T) * 2
    a, b = y.unbind(0)
    with pytest.raises(RuntimeError) as e:
        b.mul_(2)
    assert str(e.value) == MULTI.format(1, "Unbind", "is being modified inplace")
    with pytest.raises(RuntimeError) as e:
        y.split(2, 1)[0].add_(1)
    assert str(e.value) == MULTI.format(0, "Split", "is being modified inplace")
    y.mul_(3)                               # legal; a's history can no longer be made
    with pytest.raises(RuntimeError) as e:
        (a * 2).sum().backward()            # (PyTorch raises on the use, dlcore in backward)
    assert str(e.value) == MULTI.format(
        0, "Unbind", "its base or another view of its base has been modified inplace")


@pytest.mark.parametrize("T", [real, dl], ids=["torch", "dlcore"])
def test_unsupported_inplace_on_views_raise_torchs_errors(T):
    x = _x(T)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is "
                                           "being used in an in-place operation.$"):
        x.t()[0].mul_(2)
    y = x * 2
    with pytest.raises(RuntimeError, match="^unsupported operation: more than one element of "
                                           "the written-to tensor refers to a single memory "
                                           "location. Please clone"):
        y[0].expand(4, 3).mul_(2)


def test_views_of_one_base_keep_the_counter_short():
    x = dl.ones(4, requires_grad=True)
    y = x * 2
    for _ in range(200):
        y[1:].sum()
    assert len(y._vc) <= 64


# an in-place op with an operand that requires grad on a view of a tensor that needs none
PLAIN = [
    ("copy_row", lambda y, w: y[0].copy_(w * 2)),
    ("mul_row", lambda y, w: y[1].mul_(w)),
    ("narrow_add", lambda y, w: y.narrow(1, 0, 2).add_(w[:2])),
    ("t_add", lambda y, w: y.t()[2].add_(w[1:])),
]


def _plain(T, op):
    w = T.tensor([1.0, -2.0, 3.0], dtype=T.float64, requires_grad=True)
    y = T.ones(2, 3, dtype=T.float64)
    op(y, w)
    (y * _weights(T, y)).sum().backward()
    return y.detach().numpy().copy(), w.grad.numpy().copy(), type(y.grad_fn).__name__


@pytest.mark.parametrize("op", [o for _, o in PLAIN], ids=[n for n, _ in PLAIN])
def test_inplace_with_grad_on_a_view_of_a_plain_tensor(op):
    got, want = _plain(dl, op), _plain(real, op)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2] == "CopySlices"


@pytest.mark.parametrize("T", [real, dl], ids=["torch", "dlcore"])
@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "nonleaf"])
@pytest.mark.parametrize("make", [lambda y: y[0], lambda y: y[...], lambda y: y.view(y.shape)],
                         ids=["select", "alias", "same_shape_view"])
def test_inplace_on_a_view_made_in_no_grad_mode_raises(T, leaf, make):
    x = _x(T)
    y = x if leaf else x * 2
    with T.no_grad():
        v = make(y)                            # (a whole-tensor view: _views.alias)
        v.mul_(2)                              # (inside no_grad: allowed, not tracked)
    w = T.ones(3, dtype=T.float64, requires_grad=True)
    for op in (lambda: v.mul_(w), lambda: v.mul_(2)):
        with pytest.raises(RuntimeError, match="^A view was created in no_grad mode and is "
                                               "being modified inplace with grad mode "
                                               "enabled. Given that"):
            op()


def _output_changed(T):
    x = T.tensor(np.linspace(-1.0, 1.0, 6), dtype=T.float64, requires_grad=True)
    h = x.sin()                 # (its node keeps its output: read for its dtype only)
    h.retain_grad()
    v = h[2:]
    calls = []
    v.register_hook(lambda g: calls.append(1))        # (on v's old node: not called)
    h.mul_(2)
    (h * 3).sum().backward()
    return x.grad.numpy().copy(), h.grad.numpy().copy(), calls


def test_inplace_on_an_output_then_retain_grad_and_hooks_as_torch():
    got, want = _output_changed(dl), _output_changed(real)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])         # .grad of h's latest version: 3s
    assert got[2] == want[2] == []


def _base_then_view(w, y):
    v = y[:, 0]
    y.add_(w)
    v.div_(2)
    return (v * v).sum() + y.sum()


def _siblings(w, y):
    a, b = y[:, :2], y[:, 1:]
    a.mul_(w[:2])
    return (b * w[1:]).sum() + (a ** 2).sum()


# programs mixing setitem, views of views, sibling views and in-place ops on base and views
MIXED = [
    ("setitem_on_view", lambda x, w, y: (y[0].__setitem__(1, w[0] * 3), (y * y).sum())[1]),
    ("setitem_on_t", lambda x, w, y: (y.t().__setitem__(slice(0, 2), w[:2].unsqueeze(1) *
                                                         x[:, :1].t()), (y ** 2).sum())[1]),
    ("view_slice_zero", lambda x, w, y: (y.view(6)[2:4].zero_(), (y * w).sum())[1]),
    ("base_then_view", lambda x, w, y: _base_then_view(w, y)),
    ("siblings", lambda x, w, y: _siblings(w, y)),
    ("masked_fill", lambda x, w, y: (y[1].masked_fill_(w > 0, 0.0), (y * 2).sum())[1]),
    ("clamp_chain", lambda x, w, y: (y.t()[1:].clamp_(-0.5, 0.5), y.exp().sum())[1]),
]


def _mixed(T, f):
    x = T.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=T.float64, requires_grad=True)
    w = T.tensor([0.5, -1.5, 2.0], dtype=T.float64, requires_grad=True)
    f(x, w, x * 2).backward()
    return x.grad.numpy().copy(), None if w.grad is None else w.grad.numpy().copy()


@pytest.mark.parametrize("f", [f for _, f in MIXED], ids=[n for n, _ in MIXED])
def test_mixed_inplace_programs_on_views(f):
    got, want = _mixed(dl, f), _mixed(real, f)
    np.testing.assert_allclose(got[0], want[0])
    assert (got[1] is None) == (want[1] is None)
    if want[1] is not None:
        np.testing.assert_allclose(got[1], want[1])
