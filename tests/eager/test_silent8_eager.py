"""Names that existed but behaved differently from PyTorch 2.13 (helper-D8's probe): result
types, dtype rules and errors, each against real torch where installed."""

import pytest

import dlcore_eager as D

torch = pytest.importorskip("torch")


def _both(f):
    """(torch's outcome, dlcore's outcome): a value list with its dtype name, or the error."""
    out = []
    for lib in (torch, D):
        try:
            r = f(lib)
            out.append(("ok", str(r.dtype).split(".")[-1], r.tolist()))
        except Exception as e:          # noqa: BLE001 - compared by type name and message
            out.append(("err", type(e).__name__, str(e)))
    return out


CASES = {
    "logaddexp_int": lambda L: L.logaddexp(L.tensor([1, 2]), L.tensor([1, 2])),
    "logaddexp_bool": lambda L: L.logaddexp(L.tensor([True]), L.tensor([False])),
    "logaddexp_int_float": lambda L: L.logaddexp(L.tensor([1, 2]), L.tensor([1.0, 2.0])),
    "logaddexp2_int_bool": lambda L: L.logaddexp2(L.tensor([1, 2]), L.tensor([True, False])),
    "searchsorted_bool": lambda L: L.searchsorted(L.tensor([False, True]), L.tensor([True])),
    "searchsorted_int_bool": lambda L: L.searchsorted(L.tensor([0, 1]), L.tensor([True])),
    "dot_float_double": lambda L: L.dot(L.ones(2), L.ones(2, dtype=L.float64)),
    "dot_long_float": lambda L: L.dot(L.tensor([1, 2]), L.tensor([1.0, 2.0])),
    "cross_ndim": lambda L: L.cross(L.ones(2, 3), L.ones(3), dim=-1),
    "linalg_cross_ndim": lambda L: L.linalg.cross(L.ones(2, 3), L.ones(3)),
    "masked_fill_bool_int": lambda L: L.tensor([True, False]).masked_fill(
        L.tensor([True, True]), 2),
    "masked_fill_int_float": lambda L: L.tensor([1, 2]).masked_fill(
        L.tensor([True, False]), 2.7),
    "masked_fill_uint8_neg": lambda L: L.tensor([1, 2], dtype=L.uint8).masked_fill(
        L.tensor([True, False]), -1),
    "masked_fill_int_inf": lambda L: L.tensor([1, 2]).masked_fill(
        L.tensor([True, False]), float("inf")),
    "clamp_uint8_neg": lambda L: L.tensor([1, 2, 3], dtype=L.uint8).clamp(-1),
    "clamp_uint8_neg_max": lambda L: L.tensor([1, 2, 3], dtype=L.uint8).clamp(-1, 2),
    "clamp_uint8_300": lambda L: L.tensor([1, 2], dtype=L.uint8).clamp(max=300),
    "clamp_int8_m129": lambda L: L.tensor([1, 2], dtype=L.int8).clamp(-129),
    "clamp_int32_big": lambda L: L.tensor([1, 2], dtype=L.int32).clamp(2 ** 31),
    "clamp_int_float": lambda L: L.tensor([1, 2]).clamp(0.5),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_as_torch(name):
    t, d = _both(CASES[name])
    assert d == t


@pytest.mark.parametrize("name", ["max", "min", "sort", "topk", "kthvalue", "mode", "median",
                                  "nanmedian", "cummax", "cummin"])
def test_return_type_names(name):
    def call(L):
        x = L.tensor([[3.0, 1.0, 2.0], [1.0, 5.0, 4.0]])
        if name in ("topk", "kthvalue"):
            return getattr(L, name)(x, 2), getattr(x, name)(2)
        if name == "sort":
            return L.sort(x), x.sort()
        return getattr(L, name)(x, 1), getattr(x, name)(1)
    for r_t, r_d in zip(call(torch), call(D)):
        assert type(r_d).__name__ == type(r_t).__name__ == name
        v, i = r_d
        assert r_d.values is v and r_d.indices is i
        assert v.tolist() == r_t.values.tolist() and i.tolist() == r_t.indices.tolist()
    assert getattr(D.return_types, name).__name__ == name


def test_return_type_out_and_bool():
    v, i = D.empty(2), D.empty(2, dtype=D.int64)
    r = D.max(D.tensor([[1.0, 2.0], [4.0, 3.0]]), 1, out=(v, i))
    assert type(r).__name__ == "max" and r.values is v and v.tolist() == [2.0, 4.0]
    assert type(D.min(D.tensor([[True, False]]), 1)).__name__ == "min"


@pytest.mark.parametrize("form", ["mul_const", "add_broadcast", "mul_broadcast", "square"])
def test_create_graph_requires_grad_as_torch(form):
    """A create_graph gradient requires grad only where it depends on an input that does
    (sum's and broadcasting's gradients read only the shape of the tensor they are
    broadcast like)."""
    def grads(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = L.ones(3, 1)
        z = {"mul_const": lambda: x * 3, "add_broadcast": lambda: x + y,
             "mul_broadcast": lambda: x * y, "square": lambda: x * x}[form]().sum()
        g, = L.autograd.grad(z, x, create_graph=True)
        return g.requires_grad, g.grad_fn is None, g.tolist()
    assert grads(D) == grads(torch)


def test_expand_as_of_a_tensor_requiring_grad():
    for L in (torch, D):
        a, b = L.ones(3), L.ones(2, 3, requires_grad=True)
        assert not a.expand_as(b).requires_grad
        x = L.tensor([1.0, 2.0], requires_grad=True)
        g, = L.autograd.grad((x * x * L.ones(3, 1)).sum(), x, create_graph=True)
        g2, = L.autograd.grad(g.sum(), x)
        assert g2.tolist() == [6.0, 6.0]
