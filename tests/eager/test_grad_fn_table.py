"""grad_fn names of common operations, against real torch 2.13: the name (``grad_fn.name()``),
the class name (``type(y.grad_fn).__name__``, as PyTorch's per-backward classes) and the
repr; indexing per index form (Select/Slice/Unsqueeze/Alias/IndexBackward0), views that change
no shape (new tensors with their own node), reductions with and without ``dim``, matmul per
operand rank, clamp per bound type.  Complements test_grad_fn_names.py."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.nn.functional as DF

torch = pytest.importorskip("torch")
import torch.nn.functional as TF

INDEX = [
    "0", "-1", "0:1", ":", "...", "None", "0, 1", "0, 1, 2", ":, 0", ":, 1:", "0, :",
    "0:1, :", ":, :", "..., 0", "..., 1:", "None, 0", "0, None", "1:, None", "::2", ":, ::2",
    "I", "[0, 1]", "x > 3", ":, I", "0, 1:2", "1:2, 0", ":, 0:3", ":, 0:2", "..., :",
    "0:5, 0", "None, None",
]
EXPRS = [f"x[{k}]" for k in INDEX] + [
    "v.t()", "s.t()", "s.flatten()", "v.reshape(-1)", "v.view(-1)", "x.transpose(1, 1)",
    "x.permute(0, 1, 2)", "x.squeeze(0)", "x.squeeze()", "x.squeeze((0, 1))",
    "x[None].squeeze((0, 1))", "x[None].squeeze()", "x.expand(2, 3, 4)", "x.expand(-1, -1, -1)",
    "x.expand_as(x)", "torch.broadcast_to(x, (2, 3, 4))", "x.view_as(x)", "x.reshape_as(x)",
    "s.view(())", "s.squeeze()", "s.squeeze(0)", "x.view(x.shape)", "x.reshape(x.shape)",
    "x.swapaxes(0, 0)", "torch.squeeze(x, 1)", "x.unsqueeze(0)", "x.narrow(1, 0, 3)",
    "x.movedim(0, 1)", "x.unflatten(1, (3, 1))",
    "x.max()", "x.min()", "x.max(0).values", "x.min(1, keepdim=True)[0]", "x.std()", "x.var()",
    "x.std(1)", "x.var(1, keepdim=True)", "x.clamp(0, 1)", "x.clamp(min=0)", "x.clamp(max=1)",
    "x.clip(0, 1)", "x.clamp(min=torch.tensor(0.))", "torch.clamp_min(x, 0)",
    "x.clamp_max(1)", "x.sum()", "x.sum(1)", "x.sum((0, 1))", "x.sum(0, keepdim=True)",
    "x.mean()", "x.mean(1)", "x.prod()", "x.prod(1)", "x.norm()", "x.norm(dim=1)",
    "x[0] @ x[0].t()", "x[0].mm(x[0].t())", "torch.mm(x[0], x[0].t())", "x[0] @ w",
    "torch.mv(x[0], w)", "v @ v", "torch.dot(v, v)", "torch.matmul(x, x.mT)", "x @ w",
    "w[:2] @ x[:, :, 0]", "torch.bmm(x, x.mT)", "x.to(torch.float64)", "x.double()",
    "x.type(torch.float64)", "x.split(1)[0]", "x.chunk(2)[0]", "torch.split(x, [1, 1])[1]",
    "x.unbind(1)[0]", "x.select(1, 0)", "x.masked_fill(x > 1, 0.)", "x.repeat(1, 1, 2)",
    "x.flip(0)", "x.roll(1, 0)", "x.diagonal()", "F.pad(x, (1, 1))",
    "F.pad(x, (1, 1), mode='reflect')", "F.pad(x, (1, 1, 1, 1), mode='replicate')",
    "1 - x", "2 ** x", "x ** x", "x ** 2", "torch.pow(x, 3)", "x - 1", "2 * x",
    "F.linear(x[0], x[1])", "F.linear(x[0], x[1], w[:3])", "F.linear(x, x[1], w[:3])",
    "F.linear(x, x[1])", "F.linear(x[0, 0], x[1], w[:3])", "F.linear(x[0, 0], x[1])",
    "torch.take(x, I)", "x.log1p()", "x.clone()", "x.transpose(1, 2).contiguous()",
    "F.conv2d(x[None], x[:, :2, :2][None])", "F.conv1d(x, x[:, :, :2])",
    "F.conv_transpose1d(x, x.transpose(0, 1)[:, :, :2])", "F.avg_pool2d(x[None], 2)", "F.avg_pool1d(x, 2)",
    "F.max_pool2d(x[None], 2)", "F.max_pool1d(x, 2)", "F.avg_pool3d(x[None, None], 1)",
    "F.max_pool3d(x[None, None], 1)", "F.adaptive_avg_pool2d(x[None], 2)",
    "F.adaptive_avg_pool2d(x[None], 1)", "F.batch_norm(x, None, None, training=True)",
    "F.layer_norm(x, (4,))", "x.sign()", "x.sgn()", "torch.sign(x)", "F.l1_loss(x, x * 2)",
    "F.l1_loss(x, x * 2, reduction='sum')", "F.l1_loss(x, x * 2, reduction='none')",
    "x.movedim(0, 0)", "x.unflatten(1, (3,))", "torch.movedim(x, 1, 1)", "F.selu(x)",
    "F.celu(x)", "F.mish(x)", "F.hardswish(x)", "F.hardsigmoid(x)", "F.logsigmoid(x)",
    "x.nan_to_num()", "x.sigmoid().logit()", "x.tile((2,))", "x[0].trace()",
    "x.masked_select(x > 0)",
    # composites PyTorch names after the function (or after its own last step)
    "x.frac()", "x.nansum()", "x.nansum(1)", "torch.fmax(x, x * 2)", "torch.fmin(x, 0 * x)",
    "x.rot90()", "x.rot90(1, (1, 2))", "torch.rot90(x, 0)", "torch.rot90(x, -1)", "x.sinc()",
    "x.deg2rad()", "x.rad2deg()", "torch.xlogy(x, x * 2)", "torch.xlogy(x, 2.)",
    "torch.xlogy(2., x)", "torch.special.xlogy(x, x * 2)", "torch.diag(v)", "torch.diag(x[0], 1)",
    "torch.diag_embed(v)", "torch.diag_embed(x, 1, 0, 2)", "x.sort().values",
    "x.sort(1, descending=True)[0]", "x.msort()", "x.topk(2).values", "x.median()",
    "x.median(1).values", "x.kthvalue(2, 1)[0]", "x.mode(1)[0]", "x.cummax(1).values",
    "x.cummin(0)[0]", "x.logcumsumexp(1)", "torch.kron(v, v)", "torch.kron(x, x[0])",
    "torch.cross(x[..., :3], x[..., :3], dim=2)", "torch.linalg.cross(x[..., :3], x[..., :3])",
    "torch.addcmul(x, x, x)", "x.addcdiv(x, x, value=2)", "torch.addmv(w, x[0].t(), v)",
    "torch.baddbmm(x, x, x.mT @ x)", "torch.addbmm(x[0], x, x.mT @ x)", "torch.addr(x[0], v, w)",
    "torch.lerp(x, x * 2, x.sigmoid())", "torch.lerp(x, x * 2, 0.5)", "x.lerp(x * 2, w)",
    "F.group_norm(x, 1)", "F.group_norm(x, 3, w[:3], w[:3])", "F.cosine_similarity(x, x * 2)",
    "F.cosine_similarity(x[0], x[1], dim=0)", "torch.cdist(x, x)", "torch.cdist(x[0], x[1], p=1)",
    "F.smooth_l1_loss(x, x * 2)", "F.smooth_l1_loss(x, x * 2, reduction='none', beta=0.5)",
    "F.huber_loss(x, x * 2, reduction='sum')", "F.mse_loss(x, x * 2)",
    "F.binary_cross_entropy(x.sigmoid(), x.sigmoid().detach())",
    "F.binary_cross_entropy_with_logits(x, x.sigmoid().detach(), pos_weight=w.detach())",
    "F.kl_div(x, x * 2, reduction='batchmean')", "F.kl_div(x, x * 2, reduction='sum')",
    "F.kl_div(x, x * 2, reduction='none')", "F.kl_div(x, x * 2, reduction='none', log_target=True)",
    "F.nll_loss(x[0], I[:1].repeat(3))", "F.nll_loss(x, torch.zeros(2, 4, dtype=torch.long))",
    "F.nll_loss(x, torch.zeros(2, 4, dtype=torch.long), reduction='none')",
    ("F.nll_loss(x.reshape(1, 2, 3, 4).transpose(1, 2), torch.zeros(1, 2, 4, dtype=torch.long), "
     "reduction='none')"), "F.cross_entropy(x[0], torch.tensor([0, 1, 2]), reduction='sum')",
    "F.cross_entropy(x[0], x[0].softmax(1).detach())",
    "F.cross_entropy(x[0], x[0].softmax(1).detach(), reduction='none')",
    "F.cross_entropy(x[0], torch.tensor([0, 1, 2]), label_smoothing=0.1)",
    "F.cross_entropy(x, torch.zeros(2, 4, dtype=torch.long), reduction='none')",
    "torch.einsum('ijk,ijk->i', x, x)", "torch.einsum('ijk->kji', x)", "torch.einsum('ijk', x)",
    "torch.einsum('ii', x[0, :, :3])", "torch.einsum('ij,jk', x[0], x[0].t())",
    "torch.einsum('bij,bkj->bik', x, x)", "torch.einsum('i,ij->i', v, x[0])",
    "torch.einsum('ijk,ijk->kji', x, x)", "torch.einsum('i,i,i->', v, v, v)",
    "x.nanmedian()", "x.nanmedian(1)[0]", "F.interpolate(x, scale_factor=2)",
    "F.interpolate(x, size=7, mode='linear')", "F.interpolate(x[None], size=(3, 5))",
    "F.interpolate(x[None], scale_factor=2, mode='bilinear', align_corners=True)",
    "F.interpolate(x[None, None], scale_factor=2, mode='trilinear')",
    "torch.nn.Upsample(scale_factor=2)(x[None])", "F.instance_norm(x)",
    "F.instance_norm(x, torch.zeros(3), torch.ones(3), use_input_stats=False)",
    "torch.nn.GroupNorm(1, 3)(x)", "torch.nn.CosineSimilarity()(x, x)",
    "torch.nn.KLDivLoss(reduction='batchmean')(x, x)", "torch.nn.SmoothL1Loss()(x, x * 2)",
    "torch.nn.SmoothL1Loss(beta=0.)(x, x * 2)", "torch.nn.HuberLoss()(x, x * 2)",
    "F.smooth_l1_loss(x, x * 2, beta=0., reduction='none')", "F.adaptive_avg_pool1d(x, 2)",
    "F.adaptive_avg_pool2d(x, 2)", "F.adaptive_avg_pool3d(x[None], 2)",
    "F.adaptive_avg_pool3d(x[None, None], 1)", "x.index_select(1, I)",
    "x.scatter(1, I.reshape(1, 2, 1).expand(2, 2, 4), x[:, :2])",
    "x.scatter(1, I.reshape(1, 2, 1).expand(2, 2, 4), 1.)",
    "x.scatter_add(1, I.reshape(1, 2, 1).expand(2, 2, 4), x[:, :2])",
    "x.index_add(1, I, x[:, :2])", "x.index_put((I,), x[:2])",
    "x.masked_scatter(x > 0, x * 2)", "F.threshold(x, 0.1, 20.)", "F.prelu(x, w[:3])",
    "F.unfold(x[None], 2)", "F.unfold(x, 2)", "torch.renorm(x, 2, 0, 1.)",
    "torch.mvlgamma(x.exp() + 2, 2)", "torch.linalg.solve_triangular(m, m, upper=True)",
    "torch.cholesky_solve(m, m)", "F.soft_margin_loss(x, x.sign().detach())",
    "F.multi_margin_loss(x[0], torch.tensor([0, 1, 2]))",
    "F.margin_ranking_loss(x, x * 2, x.sign().detach())",
    "F.cosine_embedding_loss(x[0], x[1], torch.tensor([1., -1., 1.]))",
    "F.triplet_margin_loss(x, x * 2, x * 3)", "F.gaussian_nll_loss(x, x * 2, x.exp())",
    # found by calling every public function on small float inputs (and their methods)
    "torch.fmod(x, 2.)", "x.fmod(x * 2)", "x.remainder(x * 2)", "torch.remainder(x, 2.)",
    "x.clamp_min(x * 2)", "torch.clamp_max(x, w)", "torch.square(x)", "torch.std_mean(x)[1]",
    "torch.std_mean(x, 1)[0]", "torch.var_mean(x, 1)[1]", "torch.aminmax(x)[1]",
    "F.glu(x)", "F.pairwise_distance(x[0], x[1])", "F.pdist(x[0])", "x.angle()",
    "x.copysign(x * 2)", "x.diagflat()", "x.dist(x * 2)", "x.ldexp(x * 2)", "x.logaddexp2(x)",
    "torch.block_diag(x[0])", "torch.block_diag(x[0], v)", "x.slice_scatter(x[:1], 0, 0, 1)",
    "torch.special.entr(x)", "torch.special.log_ndtr(x)", "torch.special.xlog1py(x, x * 2)",
    "torch.special.erfcx(x)", "torch.special.i0e(x)", "torch.special.i1(x)",
    "torch.special.i1e(x)", "torch.special.ndtri(x.sigmoid())", "torch.special.zeta(x * x + 2, 2.)",
    "torch.special.zeta(x * x + 2, x * x + 1)", "torch.special.zeta(2., x * x + 1)",
    "torch.linalg.det(m)", "m.det()", "torch.linalg.slogdet(m)[1]", "torch.linalg.svd(m)[0]",
    "torch.linalg.svdvals(m)", "torch.svd(m)[1]", "torch.linalg.qr(m)[0]", "torch.linalg.eigh(m)[0]",
    "torch.linalg.eigvalsh(m)", "torch.linalg.inv(m)", "m.inverse()", "torch.linalg.solve(m, m)",
    "torch.linalg.cholesky(m)", "m.cholesky()", "torch.linalg.matrix_exp(m)",
    "torch.cholesky_inverse(m)", "torch.linalg.lu_factor(m)[0]", "torch.linalg.pinv(x[0])",
    "torch.linalg.lstsq(m, m)[0]", "torch.linalg.norm(x)", "torch.linalg.norm(x, dim=1)",
    "torch.linalg.vector_norm(x, 1)", "torch.linalg.matrix_norm(x)",
    "F.hinge_embedding_loss(x, x.sign().detach())",
    "F.multilabel_soft_margin_loss(x[0], x[0].sigmoid().detach(), reduction='sum')",
    "F.poisson_nll_loss(x, x.exp().detach())",
    "torch.linalg.lu(m)[2]", "torch.linalg.lu_solve(*torch.linalg.lu_factor(m), m)",
    "torch.lu_solve(m, *torch.linalg.lu_factor(m))", "torch.lu_unpack(*torch.lu(m))[1]",
    "torch.linalg.matrix_norm(m, 'nuc')", "torch.linalg.matrix_norm(x, 2)",
    "torch.linalg.matrix_norm(m, -1)", "torch.linalg.norm(m, float('inf'))",
    "torch.linalg.norm(m, 'nuc')", "torch.norm(m, 'nuc')", "torch.linalg.cond(m)",
    "torch.linalg.cond(m, 'fro')", "torch.linalg.cond(m, 'nuc')",
    "torch.linalg.multi_dot([m, m, m])", "torch.tensordot(x, w, 1)", "torch.inner(x, w)",
    "torch.cov(m)", "torch.linalg.tensorsolve(m, v)", "torch.linalg.tensorinv(m, 1)",
    "torch.ormqr(m, m[:, 0], m)",
]


def _make(lib):
    g = np.random.default_rng(0)
    x = lib.tensor(g.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    v = lib.tensor(g.standard_normal(3).astype(np.float32), requires_grad=True)
    s = lib.tensor(np.float32(1.5), requires_grad=True)
    w = lib.tensor(g.standard_normal(4).astype(np.float32), requires_grad=True)
    a = g.standard_normal((3, 3))
    m = lib.tensor((a @ a.T + 3 * np.eye(3)).astype(np.float32), requires_grad=True)   # SPD
    return {"x": x, "v": v, "s": s, "w": w, "m": m, "I": lib.tensor([0, 1]), "torch": lib}


@pytest.mark.parametrize("expr", EXPRS)
def test_grad_fn_is_torchs(expr):
    want = eval(expr, {**_make(torch), "F": TF}).grad_fn
    got = eval(expr, {**_make(dl), "F": DF})
    assert got.grad_fn is not None
    assert got.grad_fn.name() == want.name()
    assert type(got.grad_fn).__name__ == type(want).__name__
    assert f"grad_fn=<{want.name()}>" in repr(got)


def test_output_indices_of_split_pieces_and_the_accumulators_name():
    got = {}
    for lib in (torch, dl):
        x = lib.ones(4, requires_grad=True)
        a, b = x.split(2)
        u = x.reshape(2, 2).unbind(0)
        c = x.chunk(2)
        acc = x.sum().grad_fn.next_functions[0][0]
        got[lib] = ([i for _, i in (a + b).grad_fn.next_functions],
                    [i for _, i in (u[1] - u[0]).grad_fn.next_functions],
                    [i for _, i in (c[0] * c[1]).grad_fn.next_functions],
                    acc.name(), repr(acc).split(" object")[0], type(acc).__name__)
    assert got[dl] == got[torch]


def test_class_names_of_leaf_accumulators_and_next_functions():
    x = dl.ones(2, requires_grad=True)
    y = (x * 2).sum()
    nxt = y.grad_fn.next_functions[0][0]
    assert type(nxt).__name__ == "MulBackward0"
    acc = nxt.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    y.backward()                 # a node shown under its name still runs backward
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


#: next_functions as PyTorch's: a composite shows its own inputs (one node, as PyTorch's), a
#: Python number is an argument (``2 ** x``, ``x.clamp(0, 1)``) or second (``2 * x``), absent
#: optional tensors are None (conv's bias, layer_norm's weight)
NEXT = [
    "x[0]", "x[:, 1:]", "x[None]", "v.t()", "x.squeeze()", "x.expand(2, 3, 4)", "x.max()",
    "x.max(0).values", "x.std()", "x.var(1, keepdim=True)", "x.clamp(0, 1)", "x.clamp(min=0)",
    "x.clamp(min=torch.tensor(0.))", "torch.clamp_min(x, 0)", "x.sum(1)", "x.mean()",
    "x.norm()", "x.prod(1)", "torch.bmm(x, x.mT)", "x.split(1)[0]", "x.masked_fill(x > 1, 0.)",
    "1 - x", "2 ** x", "x ** 2", "x - 1", "2 * x", "x * 2", "torch.pow(x, 3)",
    "F.conv1d(x, x[:, :, :2])", "F.max_pool2d(x[None], 2)",
    "F.batch_norm(x, None, None, training=True)", "F.layer_norm(x, (4,))", "F.selu(x)",
    "x.sigmoid().logit()", "x[0].trace()", "x.frac()", "x.nansum(1)", "torch.fmax(x, x * 2)",
    "torch.xlogy(2., x)", "torch.diag(v)", "x.sort().values", "x.median(1).values",
    "x.cummax(1).values", "torch.addcmul(x, x, x)", "torch.fmod(x, 2.)", "x.fmod(x * 2)",
    "F.mse_loss(x, x * 2)", "F.interpolate(x, scale_factor=2)", "torch.std_mean(x)[1]",
    "torch.linalg.det(m)", "x[I]", "x[x > 3]", "x[:, I]", "torch.take(x, I)",
    "x.masked_select(x > 0)", "F.pad(x, (1, 1))", "F.pad(x, (1, 1), mode='reflect')",
    "torch.lerp(x, x * 2, x.sigmoid())", "torch.lerp(x, x * 2, 0.5)", "torch.addr(x[0], v, w)",
    "torch.cdist(x, x)", "F.huber_loss(x, x * 2, reduction='sum')", "x.copysign(x * 2)",
    "x.ldexp(x * 2)", "x.dist(x * 2)", "torch.cross(x[..., :3], x[..., :3], dim=2)",
]


@pytest.mark.parametrize("expr", NEXT)
def test_next_functions_are_torchs(expr):
    def shape(g):
        return [(type(n).__name__ if n is not None else None, i) for n, i in g.next_functions]
    want = eval(expr, {**_make(torch), "F": TF}).grad_fn
    got = eval(expr, {**_make(dl), "F": DF}).grad_fn
    assert shape(got) == shape(want)
