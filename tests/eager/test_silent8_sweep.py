"""What helper-D8's differential sweep against torch 2.13 found (0-d, empty, int/bool and mixed
float inputs): conversions, 0-d nonzero/where, hardtanh of integers, bce-with-logits' dtype,
0-d errors of tensor_split and glu."""

import pytest

import dlcore_eager as D

torch = pytest.importorskip("torch")


def _outcome(f, L):
    try:
        r = f(L)
    except Exception as e:              # noqa: BLE001 - compared by type name and message
        return ("err", type(e).__name__, str(e))
    rs = r if isinstance(r, tuple) else (r,)
    return ("ok", [(str(t.dtype).split(".")[-1], tuple(t.shape), t.tolist()) for t in rs])


CASES = {
    "float_of_6": lambda L: float(L.ones(2, 3)),
    "int_of_6": lambda L: int(L.ones(2, 3)),
    "nonzero_tuple_0d": lambda L: L.nonzero(L.tensor(1.5), as_tuple=True),
    "nonzero_tuple_0d_zero": lambda L: L.nonzero(L.tensor(0.0), as_tuple=True),
    "where_cond_0d": lambda L: L.where(L.tensor(True)),
    "hardtanh_int": lambda L: L.nn.functional.hardtanh(L.tensor([-3, 0, 3])),
    "hardtanh_int_bounds": lambda L: L.nn.functional.hardtanh(L.tensor([-3, 0, 3]), -1.5, 2.5),
    "hardtanh_bool": lambda L: L.nn.functional.hardtanh(L.tensor([True])),
    "bce_logits_f64_f32": lambda L: L.nn.functional.binary_cross_entropy_with_logits(
        L.tensor([0.5], dtype=L.float64), L.tensor([1.0])),
    "bce_logits_f32_f64": lambda L: L.nn.functional.binary_cross_entropy_with_logits(
        L.tensor([0.5]), L.tensor([1.0], dtype=L.float64)),
    "tensor_split_0d": lambda L: L.tensor_split(L.tensor(1.5), 2, -1),
    "glu_0d": lambda L: L.nn.functional.glu(L.tensor(1.5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_as_torch(name):
    t, d = _outcome(CASES[name], torch), _outcome(CASES[name], D)
    if t[0] == "ok":
        assert d[0] == "ok", d
        assert [(a, b) for a, b, _ in d[1]] == [(a, b) for a, b, _ in t[1]]
        assert [v for *_, v in d[1]] == pytest.approx([v for *_, v in t[1]], abs=1e-6) \
            if isinstance(t[1][0][2], float) else [v for *_, v in d[1]] == [v for *_, v in t[1]]
    else:
        assert d == t


def test_bce_logits_mixed_dtype_gradient_in_input_dtype():
    for L in (torch, D):
        x = L.tensor([0.5], dtype=L.float64, requires_grad=True)
        L.nn.functional.binary_cross_entropy_with_logits(x, L.tensor([1.0])).backward()
        assert x.grad.dtype == L.float64
        assert x.grad.tolist() == pytest.approx([-0.377540668798])


@pytest.mark.parametrize("index", [0, -1, slice(None, None, 2)])
def test_indexing_a_0d_tensor_is_an_index_error(index):
    for L in (torch, D):
        with pytest.raises(IndexError):
            L.tensor(1.5)[index]
    with pytest.raises(IndexError, match="too many indices"):
        D.ones(2)[0, 0]


@pytest.mark.parametrize("name", ["elu", "selu", "celu", "leaky_relu", "silu", "mish",
                                  "hardsigmoid", "hardswish", "logsigmoid"])
def test_float_only_activations_refuse_integers_as_torch(name):
    for dtype in ("int64", "bool"):
        t, d = (_outcome(lambda L, dt=dtype: getattr(L.nn.functional, name)(
            L.tensor([[1, 0]], dtype=getattr(L, dt))), L) for L in (torch, D))
        assert d == t
    t, d = (_outcome(lambda L: getattr(L.nn.functional, name)(L.tensor([-1.0, 2.0])), L)
            for L in (torch, D))
    assert d[1][0][:2] == t[1][0][:2] and d[1][0][2] == pytest.approx(t[1][0][2], abs=1e-6)
