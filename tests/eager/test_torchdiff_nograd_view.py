"""A view made in no_grad mode of a tensor that requires grad, against PyTorch 2.13: it requires
grad and is a leaf with no grad_fn; an in-place op on it (or on a view of it) in grad mode is
refused in PyTorch's words; once its memory changes in place, grad_fn and is_leaf raise."""

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _err(f):
    try:
        f()
    except Exception as e:                  # noqa: BLE001 (compared with PyTorch's)
        return type(e).__name__, str(e)
    return None


def _both(case):
    return case(dl), case(torch)


def _made(lib, base_nonleaf=False, key=slice(1, None)):
    x = lib.ones(3, 2, requires_grad=True)
    y = x * 1 if base_nonleaf else x
    with lib.no_grad():
        v = y[key]
    return x, y, v


@pytest.mark.parametrize("nonleaf", [False, True])
def test_flags_of_a_no_grad_view(nonleaf):
    def case(lib):
        x, y, v = _made(lib, nonleaf)
        w = v * 2
        with lib.no_grad():
            inner = (y[0].requires_grad, (y[0] * 2).requires_grad)
        return (v.requires_grad, v.is_leaf, v.grad_fn is None, w.requires_grad,
                type(w.grad_fn).__name__, v.detach().requires_grad, inner,
                v.requires_grad_(False).requires_grad)
    assert case(dl) == case(torch)


def test_view_of_a_no_grad_view_in_grad_mode():
    def case(lib):
        _, _, v = _made(lib)
        u = v[1:]
        return u.requires_grad, u.is_leaf, type(u.grad_fn).__name__, _err(lambda: u.mul_(2))
    d, t = _both(case)
    assert d == t
    assert t[3][1].startswith("Output 0 of Slice is a view of a view which was created in no_grad")


@pytest.mark.parametrize("op", ["mul_", "add_rg", "setitem_tensor"])
def test_inplace_in_grad_mode_refused(op):
    def case(lib):
        _, _, v = _made(lib)
        if op == "mul_":
            return _err(lambda: v.mul_(2))
        if op == "add_rg":
            return _err(lambda: v.add_(lib.ones(2, requires_grad=True)))

        def f():
            v[lib.tensor([0])] = 5.0
        return _err(f)
    d, t = _both(case)
    assert d == t and t[1].startswith("A view was created in no_grad mode and is being modified")


def test_inplace_in_no_grad_mode_allowed_and_plain_view():
    def case(lib):
        x, _, v = _made(lib)
        with lib.no_grad():
            v.mul_(2)
        a = lib.ones(3)
        with lib.no_grad():
            av = a[:2]
        return (x.detach().tolist(), av.requires_grad, av.requires_grad_(True).is_leaf,
                _err(lambda: av.mul_(2)))
    assert case(dl) == case(torch)


@pytest.mark.parametrize("where", ["nonleaf_grad", "nonleaf_no_grad", "leaf_no_grad"])
def test_base_changed_in_place_then_use_raises(where):
    def case(lib):
        x, y, v = _made(lib, where.startswith("nonleaf"))
        if where == "nonleaf_grad":
            y.mul_(2)
        else:
            with lib.no_grad():
                y.mul_(2)
        return (_err(lambda: v.grad_fn), _err(lambda: v.is_leaf), v.requires_grad,
                v.detach().tolist())
    d, t = _both(case)
    assert d == t
    assert t[0][1].startswith("A view was created in no_grad mode and its base or another view")


def test_backward_through_a_no_grad_view_leaves_bases_alone():
    def case(lib):
        x, _, v = _made(lib)
        (v * 2).sum().backward()
        return x.grad is None
    assert case(dl) == case(torch)


def test_grad_does_not_reach_no_grad_view():
    def case(lib):
        x, y, v = _made(lib, True)
        z = v * 2
        nf = [n is None for n, _ in z.grad_fn.next_functions]
        z.sum().backward()
        y2 = x * 1
        with lib.no_grad():
            w = y2[1:]
        y2.mul_(2)
        return (nf, v.grad is None, _err(lambda: lib.autograd.grad((v * 2).sum(), v)),
                _err(lambda: w * 2))
    assert case(dl) == case(torch)


def test_base_names_the_tensor_a_view_shows():
    def case(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 2
        a = lib.arange(6)
        with lib.no_grad():
            nv = x[0]
        views = [x[1:], x[1:][1:], x.t(), x.view(12), x.reshape(12), x.T, x[..., 0],
                 x.unsqueeze(0), x.expand(2, 3, 4), x.unbind(0)[1], x.split(2)[0],
                 x.narrow(0, 1, 1), x.diagonal(), x.flatten(), nv]
        others = [x, x * 2, x.detach(), x.clone(), x.contiguous(), x[[0]], a[a > 2]]
        return ([v._base is x for v in views], [o._base is None for o in others],
                y[0]._base is y, a.view(2, 3)._base is a)
    assert case(dl) == case(torch)


@pytest.mark.parametrize("key", [0, slice(1, None), slice(None), (0, 1), (0, slice(1, None)),
                                 (slice(None), 0), Ellipsis, None, "tensor", "select_tensor"])
def test_setitem_on_a_no_grad_view_names_the_last_view_op(key):
    def case(lib):
        x = lib.ones(3, 4, requires_grad=True)
        with lib.no_grad():
            v = x[1:]
        k = lib.tensor([0]) if key == "tensor" else (0, lib.tensor([1])) \
            if key == "select_tensor" else key

        def f():
            v[k] = 5.0
        return _err(f)
    assert case(dl) == case(torch)


@pytest.mark.parametrize("view", ["slice", "t", "view"])
def test_no_grad_view_of_a_base_without_grad_made_to_require_grad(view):
    # a leaf of its own: its .grad fills (not the no-accumulator leaf of a view of a
    # base that requires grad)
    def case(lib):
        a = lib.ones(2, 3)
        with lib.no_grad():
            v = a[:1] if view == "slice" else a.t() if view == "t" else a.view(6)
        v.requires_grad_()
        (v * 2).sum().backward()
        return v.grad.tolist(), v.requires_grad, v.is_leaf, a.requires_grad, a.grad is None
    assert case(dl) == case(torch)


@pytest.mark.parametrize("how", ["requires_grad_", "inplace_rg", "inplace_rg_view"])
def test_no_grad_view_follows_its_base_becoming_require_grad(how):
    # PyTorch's requires_grad of a no_grad view is its base's, read when used: after
    # base.requires_grad_() it requires grad (a leaf); after a recorded in-place op on the
    # base its use raises the no_grad-view error
    def case(lib):
        y = lib.zeros(2, 3)
        with lib.no_grad():
            v = y.t()
            u = v[1:]
        w = lib.ones(2, 3, requires_grad=True)
        if how == "requires_grad_":
            y.requires_grad_()
        elif how == "inplace_rg":
            y.add_(w)
        else:
            y[0].add_(w[0])
        flags = (v.requires_grad, u.requires_grad)
        r = _err(lambda: (v * 1).sum())
        if r is None:
            z = v * 2
            r = (z.requires_grad, [n is None for n, _ in z.grad_fn.next_functions])
        return flags, r
    assert case(dl) == case(torch)
