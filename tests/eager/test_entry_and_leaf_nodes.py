"""torch.matmul/mm/bmm's own entries (the op directly outside autocast and without ``out=``,
the autocast entry of the general function otherwise) against that general entry and the
installed torch; and the leaf accumulator nodes ``leaf_node`` makes inline (shared while a
graph uses them, freed with it, holding their leaf) against ``LeafNode``'s constructor and
torch's AccumulateGrad."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest
import torch

import dlcore_eager
from dlcore_eager import _signatures as S
from dlcore_eager._graph import LeafNode, leaf_node

T: Any = dlcore_eager                      # (the public functions as the user calls them)

RNG = np.random.default_rng(7)
SHAPES: dict[str, list] = {"matmul": [((1, 5), (5, 3)), ((4,), (4, 2)), ((2, 3, 4), (4, 5)), ((3,), (3,))],
          "mm": [((1, 5), (5, 3)), ((3, 4), (4, 2))],
          "bmm": [((2, 3, 4), (2, 4, 5))]}
CASES = [(name, sa, sb, dt) for name, pairs in SHAPES.items() for sa, sb in pairs
         for dt in (np.float32, np.float64)]


def _pair(lib, a, b, rg=True):
    return (lib.from_numpy(a.copy()).requires_grad_(rg), lib.from_numpy(b.copy()).requires_grad_(rg))


def _run(fn, lib, a, b, **kw):
    x, y = _pair(lib, a, b)
    out = fn(x, y, **kw)
    out.sum().backward()
    return out, x.grad, y.grad


@pytest.mark.parametrize("name,sa,sb,dt", CASES)
def test_entry_vs_general_vs_torch(name, sa, sb, dt):
    a, b = RNG.standard_normal(sa).astype(dt), RNG.standard_normal(sb).astype(dt)
    general = getattr(S, f"_{name}_entry")
    fast = getattr(T, name)
    # (bmm: the replay lane's entry in front of it, _replay_lane)
    entry = fast.__wrapped__ if getattr(fast, "__replayed__", False) else fast
    assert entry is getattr(S, name)
    res = {"fast": _run(fast, T, a, b), "general": _run(general, T, a, b),
           "kw": _run(lambda x, y: fast(x, y, out=None), T, a, b)}
    ref = _run(getattr(torch, name), torch, a, b)
    for out, gx, gy in res.values():
        np.testing.assert_allclose(out.detach().numpy(), ref[0].detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(gx.numpy(), ref[1].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gy.numpy(), ref[2].numpy(), rtol=1e-5, atol=1e-6)
        assert type(out.grad_fn).__name__ == type(ref[0].grad_fn).__name__
        assert out.dtype == res["general"][0].dtype
    np.testing.assert_array_equal(res["fast"][0].detach().numpy(),
                                  res["general"][0].detach().numpy())


def test_keywords_out_and_errors_as_general_and_torch():
    a, b = RNG.standard_normal((2, 3)).astype(np.float32), RNG.standard_normal((3, 4)).astype(
        np.float32)
    x, y = T.from_numpy(a), T.from_numpy(b)
    np.testing.assert_array_equal(T.matmul(input=x, other=y).numpy(), (x @ y).numpy())
    np.testing.assert_array_equal(T.mm(input=x, mat2=y).numpy(), (x @ y).numpy())
    for lib in (T, torch):                 # out=: written, returned, no autograd
        o = lib.empty(2, 4)
        r = lib.matmul(lib.from_numpy(a), lib.from_numpy(b), out=o)
        assert r is o
        np.testing.assert_allclose(o.numpy(), a @ b, rtol=1e-6)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        T.mm(x.requires_grad_(), y, out=T.empty(2, 4))
    with pytest.raises(RuntimeError) as ref:
        torch.mm(torch.from_numpy(a), torch.from_numpy(a))
    for f in (T.mm, S._mm_entry):
        with pytest.raises(RuntimeError) as got:
            f(T.from_numpy(a), T.from_numpy(a))
        assert str(got.value) == str(ref.value)
    for f in (T.matmul, S._matmul_entry):
        with pytest.raises(RuntimeError, match="cannot be multiplied"):
            f(T.from_numpy(a), T.from_numpy(a))
    with pytest.raises(TypeError, match=r"matmul\(\) missing 1 required positional"):
        T.matmul(x)


def test_autocast_region_as_torch():
    a, b = RNG.standard_normal((2, 3)).astype(np.float32), RNG.standard_normal((3, 4)).astype(
        np.float32)
    for name in ("matmul", "mm"):
        with torch.autocast("cpu"):
            ref = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
        with T.autocast("cpu"):
            got = getattr(T, name)(T.from_numpy(a), T.from_numpy(b))
            gen = getattr(S, f"_{name}_entry")(T.from_numpy(a), T.from_numpy(b))
        assert str(got.dtype) == str(ref.dtype) == str(gen.dtype) == "torch.bfloat16"
        np.testing.assert_array_equal(got.float().numpy(), ref.float().numpy())
        with T.autocast("cpu"):           # out= is never autocast, as in PyTorch
            o = T.empty(2, 4)
            T.matmul(T.from_numpy(a), T.from_numpy(b), out=o)
        assert o.dtype == T.float32


def test_leaf_node_shared_while_a_graph_uses_it():
    x = T.ones(3, requires_grad=True)
    y = x * 2
    z = x + 1
    acc = y.grad_fn.next_functions[0][0]
    assert acc is z.grad_fn.next_functions[0][0] is leaf_node(x)
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    ref = LeafNode(x)                      # the constructor's fields, as leaf_node's
    assert (acc.shape, acc.dtype, acc.tensor) == (ref.shape, ref.dtype, ref.tensor)
    assert acc.name() == ref.name() and acc.next_functions == () == ref.next_functions
    tx = torch.ones(3, requires_grad=True)
    ty, tz = tx * 2, tx + 1
    ny: Any = ty.grad_fn
    nz: Any = tz.grad_fn
    assert ny.next_functions[0][0] is nz.next_functions[0][0]
    assert type(ny.next_functions[0][0]).__name__ == type(acc).__name__


def test_leaf_node_freed_with_its_graph_and_made_again():
    x = T.ones(2, 3, requires_grad=True)
    was = gc.isenabled()
    gc.disable()
    try:
        y = x * 2
        acc = weakref.ref(y.grad_fn.next_functions[0][0])
        node = weakref.ref(y.grad_fn)
        del y
        assert acc() is None and node() is None        # freed by reference counts alone
        y = x * 3
        again = y.grad_fn.next_functions[0][0]
        assert again.variable is x and again.shape == (2, 3)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3, np.float32))
    finally:
        if was:
            gc.enable()


def test_a_dropped_leaf_still_gets_its_hooks_run():
    for lib in (T, torch):
        seen: list = []
        x = lib.ones(2, requires_grad=True)
        x.register_hook(lambda g, seen=seen: seen.append(g.numpy().tolist()))
        loss = (x * 2).sum()
        del x
        loss.backward()
        assert seen == [[2.0, 2.0]]


@pytest.mark.parametrize("sa,sb,da,db", [
    ((2, 3, 4), (3, 4, 5), np.float32, np.float32),     # batch dimensions that do not broadcast
    ((2, 3), (4, 5), np.float32, np.float32),           # inner sizes differ
    ((2, 3), (3, 5), np.float32, np.float64),           # two dtypes
    ((3,), (4,), np.float32, np.float32),               # vectors
    ((2, 3, 4), (2, 4), np.float64, np.float64),        # a stack and a matrix
    ((2, 3, 4), (4, 5), np.float64, np.float64),
    ((1, 4), (4, 2), np.int64, np.int64)])
def test_matmul_boundaries_as_torch(sa, sb, da, db):
    """The cases around _tensor_ops.matmul's matrix lane: the same result or error as torch."""
    got: list = []
    for lib in (torch, T):
        a = lib.from_numpy(np.arange(np.prod(sa)).reshape(sa).astype(da))
        b = lib.from_numpy(np.arange(np.prod(sb)).reshape(sb).astype(db))
        try:
            r = lib.matmul(a, b)
            got.append(("ok", tuple(r.shape), str(r.dtype), r.numpy().tolist()))
        except Exception as e:  # noqa: BLE001 - compared with torch's
            got.append((type(e).__name__, str(e)))
    assert got[0] == got[1]


OPS = ["__add__", "__mul__", "__sub__", "__truediv__", "__pow__"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("sa,sb,da,db", [
    ((1, 4), (1, 4), np.float32, np.float32), ((2, 4), (4,), np.float64, np.float64),
    ((1, 4), (1, 4), np.float32, np.float64), ((2, 3), (4,), np.float32, np.float32),
    ((3,), (3,), np.int64, np.int64), ((3,), (3,), np.bool_, np.bool_)])
def test_tensor_op_parameter_as_torch(op, sa, sb, da, db):
    """A Tensor subclass second operand (nn.Parameter) takes the two-tensor branch of
    ``_tensor_ops._binary``: result, dtype, grads, grad_fn name or error as torch's."""
    a0 = (np.arange(np.prod(sa)).reshape(sa) % 3 + 1).astype(da)
    b0 = (np.arange(np.prod(sb)).reshape(sb) % 2 + 1).astype(db)
    got: list = []
    for lib in (torch, T):
        rg = np.dtype(da).kind == "f" and np.dtype(db).kind == "f"
        a = lib.from_numpy(a0.copy()).requires_grad_(rg)
        b = lib.nn.Parameter(lib.from_numpy(b0.copy()), requires_grad=rg)
        try:
            r = getattr(a, op)(b)
            row: tuple = (type(r).__name__, tuple(r.shape), str(r.dtype),
                          r.detach().numpy().tolist())
            if rg:
                r.sum().backward()
                row += (type(r.grad_fn).__name__, a.grad.numpy().tolist(),
                        b.grad.numpy().tolist())
            got.append(row)
        except Exception as e:  # noqa: BLE001 - compared with torch's
            got.append((type(e).__name__, str(e)))
    assert got[0] == got[1]


def test_tensor_dtype_property_as_from_numpy_dtype():
    """Tensor.dtype's inline table lookup against _dtype.from_numpy_dtype and torch."""
    from dlcore_eager import _dtype as D
    from dlcore_eager.tensor import Tensor
    for d in D.ALL:
        t = Tensor._wrap(np.zeros(2, d.np_dtype))
        assert t.dtype is D.from_numpy_dtype(d.np_dtype) is d
    for np_d in (np.float32, np.float64, np.int64, np.bool_, np.complex64, np.uint8):
        assert str(T.from_numpy(np.zeros(2, np_d)).dtype) == str(
            torch.from_numpy(np.zeros(2, np_d)).dtype)
    for odd in (np.zeros(2, ">f4"), np.zeros(2, "U1")):       # not in the table
        with pytest.raises(TypeError) as want:
            D.from_numpy_dtype(odd.dtype)
        with pytest.raises(TypeError) as got:
            _ = Tensor._wrap(odd).dtype
        assert str(got.value) == str(want.value)


def _autocast_entries() -> list:
    import inspect
    import sys
    out: dict = {}
    for mod in list(sys.modules.values()):
        if mod is None or not getattr(mod, "__name__", "").startswith("dlcore_eager"):
            continue
        for v in list(vars(mod).values()):
            while v is not None:        # (an entry behind a check's wrapper: its __wrapped__)
                code = getattr(v, "__code__", None)
                if code is not None and code.co_filename.startswith("<autocast entry") and \
                        inspect.isfunction(v):
                    out[id(v)] = v
                    break
                v = getattr(v, "__wrapped__", None) if inspect.isfunction(v) else None
    return list(out.values())


def test_same_signature_autocast_entries_refuse_calls_as_their_functions():
    """``_autocast._same_signature``'s wrappers: the function's signature, and a call with
    missing, extra or unknown arguments fails with the function's own TypeError."""
    import inspect
    entries = _autocast_entries()
    assert len(entries) > 20
    names = {f.__name__ for f in entries}
    assert {"linear", "cross_entropy"} <= names
    for w in entries:
        fn = w.__autocast_original__
        assert inspect.signature(w) == inspect.signature(fn)
        assert w.__defaults__ == fn.__defaults__ and w.__kwdefaults__ == fn.__kwdefaults__
        n = fn.__code__.co_argcount
        for args, kw in (((), {}), ((None,) * (n + 1), {}), ((), {"_no_such_kw": 1})):
            msgs = []
            for f in (fn, w):
                with pytest.raises(TypeError) as e:
                    f(*args, **kw)
                msgs.append(str(e.value))
            assert msgs[0] == msgs[1], (fn.__qualname__, msgs)


@pytest.mark.parametrize("call", ["positional", "keywords"])
def test_same_signature_autocast_entry_as_torch(call):
    a = RNG.standard_normal((2, 4)).astype(np.float32)
    w = RNG.standard_normal((3, 4)).astype(np.float32)
    b = RNG.standard_normal(3).astype(np.float32)
    got = {}
    for lib in (torch, T):
        x, W, bias = (lib.from_numpy(v.copy()).requires_grad_() for v in (a, w, b))
        F = lib.nn.functional
        with lib.autocast("cpu"):
            y = F.linear(x, W, bias) if call == "positional" else \
                F.linear(x, weight=W, bias=bias)
            loss = F.mse_loss(y.float(), lib.zeros(2, 3)) if call == "positional" else \
                F.mse_loss(input=y.float(), target=lib.zeros(2, 3), reduction="sum")
        loss.backward()
        got[lib] = (str(y.dtype), type(y.grad_fn).__name__, y.float().detach().numpy(),
                    W.grad.numpy())
    assert got[torch][:2] == got[T][:2]
    np.testing.assert_allclose(got[T][2], got[torch][2], rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(got[T][3], got[torch][3], rtol=1e-2, atol=5e-2)
