"""PyTorch 2.13 refuses integer and bool inputs to F.gelu, the mse/smooth_l1/huber losses,
F.layer_norm, the vector norms, F.normalize, cdist/pdist and rand_like/randn_like; dlcore
returned values (``dlcore_eager._dtype_guards_nn``).  Same exception type and words as torch."""

import pytest
import torch as T

import dlcore_eager as D

CASES = {
    "gelu": lambda L, x: L.nn.functional.gelu(x),
    "mse": lambda L, x: L.nn.functional.mse_loss(x, x),
    "MSELoss": lambda L, x: L.nn.MSELoss()(x, x),
    "smooth_l1": lambda L, x: L.nn.functional.smooth_l1_loss(x, x * 0),
    "huber": lambda L, x: L.nn.functional.huber_loss(x, x),
    "layer_norm": lambda L, x: L.nn.functional.layer_norm(x, x.shape[-1:]),
    "normalize": lambda L, x: L.nn.functional.normalize(x, dim=-1),
    "linalg.norm": lambda L, x: L.linalg.norm(x),
    "vector_norm": lambda L, x: L.linalg.vector_norm(x, 0),
    "torch.norm": lambda L, x: L.norm(x),
    "Tensor.norm": lambda L, x: x.norm(dim=-1),
    "cdist": lambda L, x: L.cdist(x.reshape(-1, 1), x.reshape(-1, 1)),
    "pdist": lambda L, x: L.nn.functional.pdist(x.reshape(-1, 1)),
    "rand_like": lambda L, x: L.rand_like(x),
    "randn_like": lambda L, x: L.randn_like(x),
}
INPUTS = {"i64": lambda L: L.tensor([[3, -1], [0, 5]]),
          "bool": lambda L: L.tensor([[True, False], [False, True]]),
          "u8": lambda L: L.tensor([1, 200, 3], dtype=L.uint8)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_as_torch(name):
    f = CASES[name]
    for key, make in INPUTS.items():
        if name == "huber" and key == "bool":
            continue
        with pytest.raises(RuntimeError) as te:
            f(T, make(T))
        with pytest.raises(RuntimeError) as de:
            f(D, make(D))
        assert isinstance(de.value, type(te.value)), (key, de.value)
        assert str(de.value) == str(te.value), key


def test_floating_inputs_still_computed():
    x = [[0.5, -1.0], [2.0, 3.0]]
    for f in (CASES["mse"], CASES["layer_norm"], CASES["normalize"], CASES["torch.norm"],
              CASES["cdist"], CASES["gelu"]):
        t, d = f(T, T.tensor(x)), f(D, D.tensor(x))
        assert d.dtype == D.float32
        assert d.detach().numpy() == pytest.approx(t.detach().numpy(), rel=1e-5, abs=1e-6)
    assert D.rand_like(D.tensor([1, 2]), dtype=D.float64).dtype == D.float64


def test_l1_loss_of_integers():
    for L in (T, D):
        a, b = L.tensor([1, 200, 3], dtype=L.uint8), L.tensor([1, 2, 3], dtype=L.uint8)
        s = L.nn.functional.l1_loss(a, b, reduction="sum")
        assert str(s.dtype).endswith("int64") and s.item() == 198
        assert L.nn.functional.l1_loss(a, b, reduction="none").tolist() == [0, 198, 0]
    for dt in ("uint8", "int64"):
        with pytest.raises(RuntimeError) as te:
            T.nn.functional.l1_loss(T.tensor([1, 2], dtype=getattr(T, dt)),
                                    T.tensor([3, 1], dtype=getattr(T, dt)))
        with pytest.raises(RuntimeError) as de:
            D.nn.functional.l1_loss(D.tensor([1, 2], dtype=getattr(D, dt)),
                                    D.tensor([3, 1], dtype=getattr(D, dt)))
        assert str(de.value) == str(te.value)


@pytest.mark.parametrize("module", ["GELU", "Softplus"])
def test_activation_modules_refuse_integers(module):
    with pytest.raises(NotImplementedError) as te:
        getattr(T.nn, module)()(T.tensor([1, 2]))
    with pytest.raises(NotImplementedError) as de:
        getattr(D.nn, module)()(D.tensor([1, 2]))
    assert str(de.value) == str(te.value)
    x = [0.5, -1.0, 3.0]
    t, d = getattr(T.nn, module)()(T.tensor(x)), getattr(D.nn, module)()(D.tensor(x))
    assert d.detach().numpy() == pytest.approx(t.numpy(), rel=1e-5)
