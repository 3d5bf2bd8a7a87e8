"""torch.nn.functional activations and losses, the new nn modules, containers and nn.utils
(clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters) against real
PyTorch: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
x = rng.standard_normal((4, 6))
y = rng.standard_normal((4, 6))
CASES = {
    'elu':lambda m, a, b: m.elu(a,0.5),
    'celu':lambda m, a, b: m.celu(a,0.7),
    'gelu':lambda m, a, b: m.gelu(a),
    'gelu_tanh':lambda m, a, b: m.gelu(a,approximate='tanh'),
    'silu':lambda m, a, b: m.silu(a),
    'mish':lambda m, a, b: m.mish(a),
    'hardtanh':lambda m, a, b: m.hardtanh(a,-0.5,0.5),
    'hardsigmoid':lambda m, a, b: m.hardsigmoid(a),
    'hardswish':lambda m, a, b:m.hardswish(a),
    'logsigmoid':lambda m, a, b:m.logsigmoid(a),
    'softmin':lambda m, a, b:m.softmin(a,dim=1),
    'glu':lambda m, a, b:m.glu(a),
    'threshold':lambda m, a, b:m.threshold(a,0.1,20.),
    'tanhshrink':lambda m, a, b:m.tanhshrink(a),
    'prelu':lambda m, a, b:m.prelu(a.reshape(4,6,1), b[0]*0.1+0.2),
    'smooth_l1_loss':lambda m, a, b:m.smooth_l1_loss(a,b,beta=0.5),
    'huber_loss':lambda m, a, b:m.huber_loss(a,b,delta=0.7,reduction='sum'),
    'margin_ranking_loss':lambda m, a, b:
        m.margin_ranking_loss(a[:,0],b[:,0],(b[:,1]>0).to(a.dtype)*2-1,margin=0.1),
    'cosine_similarity':lambda m, a, b:m.cosine_similarity(a,b),
    'cosine_embedding_loss':lambda m, a, b:
        m.cosine_embedding_loss(a,b,(b[:,1]>0).to(a.dtype)*2-1, margin=0.2),
    'pairwise_distance':lambda m, a, b:m.pairwise_distance(a,b),
    'triplet_margin_loss':lambda m, a, b:m.triplet_margin_loss(a,b,a*0.3+1, swap=True),
    'multilabel_soft_margin_loss':lambda m, a, b:m.multilabel_soft_margin_loss(a,(b>0).to(a.dtype)),
    'layer_norm':lambda m, a, b:m.layer_norm(a,(6,),b[0],b[1]),
    'group_norm':lambda m, a, b:m.group_norm(a.reshape(2,6,2),3,b[0],b[1]),
    'normalize':lambda m, a, b:m.normalize(a,dim=0),
    'poisson_full':lambda m, a, b:m.poisson_nll_loss(a,b.abs()*3, full=True),
    'poisson':lambda m, a, b:m.poisson_nll_loss(a.abs()+0.1,b.abs(), log_input=False),
    'gaussian_nll_loss':lambda m, a, b:m.gaussian_nll_loss(a,b,b.abs()+0.1, full=True),
    'kl_div':lambda m, a, b:m.kl_div(a.log_softmax(1), b.softmax(1), reduction='batchmean'),
    'kl_div_log_target':lambda m, a, b:
        m.kl_div(a.log_softmax(1), b.log_softmax(1), reduction='sum', log_target=True),
    'bilinear':lambda m, a, b:m.bilinear(a[:,:3],b[:,:2],a.reshape(2,3,4)[:, :, :2]*1.0,b[0,:2]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_matches_torch(name):
    f = CASES[name]
    a, b = dt.tensor(x, requires_grad=True), dt.tensor(y, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    r, tr = f(dt.nn.functional, a, b), f(torch.nn.functional, ta, tb)
    np.testing.assert_allclose(r.detach().numpy(), tr.detach().numpy(), rtol=1e-7, atol=1e-9)
    g = np.random.default_rng(5).standard_normal(tuple(tr.shape))
    r.backward(dt.tensor(g))
    tr.backward(torch.tensor(g))
    for u, v in ((a, ta), (b, tb)):
        if v.grad is None:
            assert u.grad is None or not np.any(u.grad.numpy())
        else:
            np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), rtol=1e-6, atol=1e-8)


t = np.array([0, 3, -100, 2, 1])
w = np.array([0.5, 1.0, 2.0, 1.5])
p = rng.random((5, 4))
p /= p.sum(1, keepdims=True)
x5 = rng.standard_normal((5, 4))
x3 = rng.standard_normal((2, 4, 3))
t3 = rng.integers(0, 4, (2, 3))
CE = {
    "plain": lambda m, F, a: F.cross_entropy(a, m.tensor(t)),
    "weight+smoothing+ignored": lambda m, F, a: F.cross_entropy(
        a, m.tensor(t), weight=m.tensor(w), label_smoothing=0.2),
    "sum+smoothing": lambda m, F, a: F.cross_entropy(a, m.tensor(t), reduction="sum",
                                                     label_smoothing=0.1),
    "weight": lambda m, F, a: F.cross_entropy(a, m.tensor(np.abs(t) % 4), weight=m.tensor(w)),
    "probabilities": lambda m, F, a: F.cross_entropy(a, m.tensor(p), weight=m.tensor(w),
                                                     label_smoothing=0.3),
    "nll none": lambda m, F, a: F.nll_loss(a.log_softmax(1), m.tensor(t), weight=m.tensor(w),
                                           reduction="none"),
    "spatial": lambda m, F, a: F.cross_entropy(m.tensor(x3) + a.sum() * 0, m.tensor(t3)),
    "bce pos_weight": lambda m, F, a: F.binary_cross_entropy_with_logits(
        a, m.tensor((p > 0.25) * 1.0), pos_weight=m.tensor(w)),
    "ignore_index=1": lambda m, F, a: F.cross_entropy(a, m.tensor(np.abs(t) % 4),
                                                      ignore_index=1),
    "module": lambda m, F, a: m.nn.CrossEntropyLoss(weight=m.tensor(w), ignore_index=3,
                                                    label_smoothing=0.1)(a, m.tensor(
                                                        np.abs(t) % 4)),
}


@pytest.mark.parametrize("name", sorted(CE))
def test_class_losses_match_torch(name):
    f = CE[name]
    a, b = dt.tensor(x5, requires_grad=True), torch.tensor(x5, requires_grad=True)
    r, tr = f(dt, dt.nn.functional, a), f(torch, torch.nn.functional, b)
    np.testing.assert_allclose(r.detach().numpy(), tr.detach().numpy(), rtol=1e-9)
    r.sum().backward()
    tr.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-12)


MODULES = [
    ("ELU", (0.5,)), ("CELU", (0.7,)), ("SELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
    ("Mish", ()), ("Softplus", (2.0, 1.0)), ("Softsign", ()), ("Hardtanh", (-0.3, 0.4)),
    ("ReLU6", ()), ("Hardswish", ()), ("Hardsigmoid", ()), ("LogSigmoid", ()),
    ("Softmin", (1,)), ("GLU", ()), ("Threshold", (0.1, -3.0)), ("Tanhshrink", ()),
    ("LeakyReLU", (0.2,)), ("PReLU", ()), ("LayerNorm", (6,)), ("GroupNorm", (3, 6)),
    ("Identity", ()),
]


@pytest.mark.parametrize("name,args", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(name, args):
    m, tm = getattr(dt.nn, name)(*args).double(), getattr(torch.nn, name)(*args).double()
    xin = rng.standard_normal((4, 6)) * 3
    a, b = dt.tensor(xin, requires_grad=True), torch.tensor(xin, requires_grad=True)
    np.testing.assert_allclose(m(a).detach().numpy(), tm(b).detach().numpy(), rtol=1e-7,
                               atol=1e-9)
    m(a).sum().backward()
    tm(b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-9)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_loss_modules_and_pairwise_layers():
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    lab = np.sign(rng.standard_normal(4))
    for mk in [lambda m: m.nn.SmoothL1Loss(beta=0.3), lambda m: m.nn.HuberLoss(delta=0.4),
               lambda m: m.nn.KLDivLoss(reduction="batchmean")]:
        got = mk(dt)(dt.tensor(a).log_softmax(1), dt.tensor(b).softmax(1))
        want = mk(torch)(torch.tensor(a).log_softmax(1), torch.tensor(b).softmax(1))
        np.testing.assert_allclose(got.item(), want.item(), rtol=1e-9)
    for name, extra in [("CosineEmbeddingLoss", (0.1,)), ("MarginRankingLoss", (0.2,))]:
        A, B = (a, b) if name.startswith("Cos") else (a[:, 0], b[:, 0])
        got = getattr(dt.nn, name)(*extra)(dt.tensor(A), dt.tensor(B), dt.tensor(lab))
        want = getattr(torch.nn, name)(*extra)(torch.tensor(A), torch.tensor(B),
                                                torch.tensor(lab))
        np.testing.assert_allclose(got.item(), want.item(), rtol=1e-9)
    got = dt.nn.TripletMarginLoss(margin=0.5)(dt.tensor(a), dt.tensor(b), dt.tensor(a * 2))
    want = torch.nn.TripletMarginLoss(margin=0.5)(torch.tensor(a), torch.tensor(b),
                                                   torch.tensor(a * 2))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-9)
    np.testing.assert_allclose(dt.nn.CosineSimilarity()(dt.tensor(a), dt.tensor(b)).numpy(),
                               torch.nn.CosineSimilarity()(torch.tensor(a),
                                                           torch.tensor(b)).numpy())
    np.testing.assert_allclose(dt.nn.PairwiseDistance()(dt.tensor(a), dt.tensor(b)).numpy(),
                               torch.nn.PairwiseDistance()(torch.tensor(a),
                                                           torch.tensor(b)).numpy())
    bl, tbl = dt.nn.Bilinear(5, 5, 3).double(), torch.nn.Bilinear(5, 5, 3).double()
    with torch.no_grad():
        tbl.weight.copy_(torch.tensor(bl.weight.detach().numpy()))
        tbl.bias.copy_(torch.tensor(bl.bias.detach().numpy()))
    np.testing.assert_allclose(bl(dt.tensor(a), dt.tensor(b)).detach().numpy(),
                               tbl(torch.tensor(a), torch.tensor(b)).detach().numpy())


def test_alpha_dropout_keeps_selu_statistics_and_is_identity_in_eval():
    d = dt.nn.AlphaDropout(0.2)
    xin = dt.randn(20000)
    out = d(xin)
    assert abs(out.mean().item()) < 0.05 and abs(out.std().item() - 1) < 0.05
    d.eval()
    assert d(xin) is xin


def test_containers_register_their_contents():
    md = dt.nn.ModuleDict({"a": dt.nn.Linear(2, 3), "b": dt.nn.Linear(3, 1)})
    md["c"] = dt.nn.ReLU()
    assert list(md.keys()) == ["a", "b", "c"] and len(list(md.parameters())) == 4
    pl = dt.nn.ParameterList([dt.nn.Parameter(dt.ones(2)), dt.zeros(3)])
    assert len(pl) == 2 and isinstance(pl[1], dt.nn.Parameter) and pl[-1].shape == (3,)
    pd = dt.nn.ParameterDict({"w": dt.nn.Parameter(dt.zeros(3))})
    pd["v"] = dt.ones(1)
    assert sorted(pd.state_dict()) == ["v", "w"] and "v" in pd


def test_clip_grad_and_parameter_vectors_match_torch():
    def grads(m):
        lin = m.nn.Linear(3, 2).double()
        with m.no_grad():
            lin.weight.copy_(m.tensor(np.arange(6.0).reshape(2, 3)))
            lin.bias.copy_(m.tensor([1.0, -2.0]))
        lin(m.tensor(np.ones((4, 3)))).pow(2).sum().backward()
        return lin
    for kw in [dict(max_norm=1.0), dict(max_norm=0.5, norm_type=float("inf")),
               dict(max_norm=3.0, norm_type=1)]:
        a, b = grads(dt), grads(torch)
        na = dt.nn.utils.clip_grad_norm_(a.parameters(), **kw)
        nb = torch.nn.utils.clip_grad_norm_(b.parameters(), **kw)
        np.testing.assert_allclose(na.item(), nb.item(), rtol=1e-9)
        for pa, pb in zip(a.parameters(), b.parameters()):
            np.testing.assert_allclose(pa.grad.numpy(), pb.grad.numpy(), rtol=1e-9)
    a, b = grads(dt), grads(torch)
    dt.nn.utils.clip_grad_value_(a.parameters(), 2.5)
    torch.nn.utils.clip_grad_value_(b.parameters(), 2.5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa.grad.numpy(), pb.grad.numpy())
    v = dt.nn.utils.parameters_to_vector(a.parameters())
    assert v.shape == (8,)
    dt.nn.utils.vector_to_parameters(v * 2, a.parameters())
    np.testing.assert_allclose(a.bias.detach().numpy(), [2.0, -4.0])
    with pytest.raises(RuntimeError, match="elements"):
        dt.nn.utils.vector_to_parameters(v[:3], a.parameters())
