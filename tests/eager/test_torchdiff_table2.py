"""Calls run through dlcore_eager and torch 2.13 side by side, second table (found by the
differential run in /tmp/torchdiff2): the same value, dtype, shape, requires_grad, grad_fn
name and gradients, or the same exception type and words.  One row per call: ``(id, f)`` with
``f(lib)`` the call on ``lib`` (``dlcore_eager`` or ``torch``)."""

import math

import numpy as np
import pytest

import dlcore_eager as dl
from torchdiff_harness import run as _run

torch = pytest.importorskip("torch")
NAN = float("nan")


def _grads(f, dtype=None, create_graph=False):
    """``f(lib, x, y)`` summed and differentiated: its result and x's, y's gradients (with
    ``create_graph``: the first gradients and the second ones through them)."""
    def call(t):
        d = dtype and getattr(t, dtype)
        x = t.tensor([[1., 2., NAN, 3.], [0., 1., 1., 5.]], requires_grad=True, dtype=d)
        y = t.tensor([1., 1., 1., NAN], requires_grad=True, dtype=d)
        out = f(t, x, y)
        if create_graph:
            gx, gy = t.autograd.grad((out * out).sum(), (x, y), create_graph=True)
            (gx.sum() + gy.sum()).backward()
            return out, gx.detach(), gy.detach(), x.grad, y.grad
        out.sum().backward()
        return out, x.grad, y.grad
    return call


_MINMAX = {
    "maximum": lambda t, x, y: t.maximum(x, y), "minimum": lambda t, x, y: t.minimum(x, y),
    "Tmaximum": lambda t, x, y: x.maximum(y), "Tminimum": lambda t, x, y: y.minimum(x),
    "max2": lambda t, x, y: t.max(x, y), "min2": lambda t, x, y: t.min(y, x),
    "Tmax2": lambda t, x, y: x.max(y), "max_other": lambda t, x, y: t.max(x, other=y),
    "maximum_out": lambda t, x, y: t.maximum(x, y, out=t.empty(2, 4)),
    # composites keep a tie's gradient on their input (PyTorch's clamp / fmax rules)
    "clamp_t": lambda t, x, y: t.clamp(x.nan_to_num(0.5), min=y.nan_to_num(1.0)),
    "clamp_n": lambda t, x, y: x.clamp(1.0, 2.0), "clamp_min": lambda t, x, y: x.clamp(min=1),
    "fmax": lambda t, x, y: t.fmax(x, y), "fmin": lambda t, x, y: t.fmin(x, y),
    "hinge": lambda t, x, y: t.nn.functional.hinge_embedding_loss(
        x - 2, -t.ones(2, 4), margin=1.0, reduction="none"),
}

ROWS = [
    # torch.maximum/minimum at a tie: the cotangent split 0.5/0.5; a NaN sends it to both
    *[(f"{k}-{d}-{cg}", _grads(f, d, cg)) for k, f in _MINMAX.items()
      for d in (None, "float64", "float16") for cg in (False, True)
      if not (cg and d == "float16")],
    # torch.full: the fill value's dtype (a 0-d tensor read as its number), the parser's errors
    ("full_t_int", lambda t: t.full((2,), t.tensor(3))),
    ("full_t_f64", lambda t: t.full((2,), t.tensor(3.0, dtype=t.float64))),
    ("full_t_bool", lambda t: t.full((2,), t.tensor(True))),
    ("full_t_1d", lambda t: t.full((2,), t.tensor([3]))),
    ("full_none", lambda t: t.full((2,), None)), ("full_str", lambda t: t.full((2,), "a")),
    ("full_int_size", lambda t: t.full(3, 1.0)), ("full_float_size", lambda t: t.full(2.0, 1.0)),
    ("full_complex", lambda t: t.full((2,), 1 + 2j)),
    ("full_np_f32", lambda t: t.full((2,), np.float32(2.5))),
    ("full_np_int", lambda t: t.full((2,), np.int64(2))),
    ("full_like_t", lambda t: t.full_like(t.ones(2, dtype=t.int64), t.tensor(2.5))),
    # arange: an integer dtype truncates the bounds as ATen; NaN/inf bounds refused
    ("arange_i64_f_end", lambda t: t.arange(0, 2.5, dtype=t.int64)),
    ("arange_i64_f_start", lambda t: t.arange(-0.5, 2, dtype=t.int64)),
    ("arange_i64_f_step", lambda t: t.arange(0, 5, 1.5, dtype=t.int64)),
    ("arange_i64_neg", lambda t: t.arange(5, 0.5, -1.5, dtype=t.int64)),
    ("arange_i64_step0", lambda t: t.arange(0, 1, 0.5, dtype=t.int64)),
    ("arange_i32_step0", lambda t: t.arange(0, 1, 0.5, dtype=t.int32)),
    ("arange_i16", lambda t: t.arange(0, 3, 0.9, dtype=t.int16)),
    ("arange_nan", lambda t: t.arange(0, NAN)), ("arange_inf", lambda t: t.arange(-math.inf, 0)),
    ("arange_nan_step", lambda t: t.arange(0, 1, NAN)),
    ("linspace_complex", lambda t: t.linspace(0, 1 + 1j, 3)),
    ("linspace_complex4", lambda t: t.view_as_real(t.linspace(1j, 2, 4))),  # (to 5 places)
    ("linspace_c128", lambda t: t.linspace(0, 1 + 1j, 3, dtype=t.complex128)),
    # a random float fill of an integer dtype
    ("randn_long", lambda t: t.randn(2, dtype=t.int64)),
    ("rand_int", lambda t: t.rand(2, dtype=t.int32)),
    ("randn_like_bool", lambda t: t.randn_like(t.ones(2, dtype=t.bool))),
    ("normal_long", lambda t: t.normal(0.0, 1.0, (2,), dtype=t.int64)),
    ("zeros_neg", lambda t: t.zeros(2, -1)), ("ones_neg", lambda t: t.ones(2, -1)),
    # torch.tensor of strings, of one-element tensors
    ("tensor_strs", lambda t: t.tensor(["a", "b"])), ("tensor_str", lambda t: t.tensor("a")),
    ("tensor_int_str", lambda t: t.tensor([1, "a"])),
    ("tensor_of_1el", lambda t: t.tensor([t.tensor([1.0]), t.tensor([[2.0]])])),
    ("tensor_of_f64", lambda t: t.tensor([t.tensor(1.0, dtype=t.float64), t.tensor(2.0)])),
    ("tensor_of_2el", lambda t: t.tensor([t.tensor([1.0, 2.0])])),
    ("tensor_nested_t", lambda t: t.tensor([[t.tensor(1.0)], [t.tensor([2.0])]])),
    # a Python int operand wrapped into an integer tensor's type; NumPy numbers as Python's
    ("i8_add_1000", lambda t: t.ones(2, dtype=t.int8) + 1000),
    ("i8_mul_300", lambda t: t.ones(2, dtype=t.int8) * 300),
    ("u8_sub_300", lambda t: t.ones(2, dtype=t.uint8) - 300),
    ("i8_gt_1000", lambda t: t.ones(2, dtype=t.int8) > 1000),
    ("i32_add_1e10", lambda t: t.ones(2, dtype=t.int32) + 10 ** 10),
    ("i8_add_2_64", lambda t: t.ones(2, dtype=t.int8) + 2 ** 64),
    ("i8_add_neg_big", lambda t: t.ones(2, dtype=t.int8) + (-2 ** 63 - 1)),
    ("i64_add_2_63", lambda t: t.ones(2, dtype=t.int64) + 2 ** 63),
    ("i8_mul_inplace", lambda t: t.ones(2, dtype=t.int8).mul_(1000)),
    ("i32_add_np_f64", lambda t: t.ones(2, dtype=t.int32) + np.float64(1.5)),
    ("np_f64_mul_i32", lambda t: np.float64(1.5) * t.ones(2, dtype=t.int32)),
    ("add_i32_np_f64", lambda t: t.add(t.ones(2, dtype=t.int32), np.float64(1.5))),
    ("i32_add_np_i64", lambda t: t.ones(2, dtype=t.int32) + np.int64(2 ** 40)),
    ("i32_add_np_c128", lambda t: t.ones(2, dtype=t.int32) + np.complex128(1j)),
    ("f16_mul_np_f64", lambda t: t.ones(2, dtype=t.float16) * np.float64(1.5)),
    # ... but not in a true division, and not into a filled tensor
    ("i8_div_1000", lambda t: t.ones(2, dtype=t.int8).div(1000)),
    ("i8_truediv_1000", lambda t: t.true_divide(t.ones(2, dtype=t.int8), 1000)),
    ("1000_div_i8", lambda t: 1000 / t.ones(2, dtype=t.int8)),
    ("i8_floordiv_neg", lambda t: t.ones(2, dtype=t.int8) // -1000),
    ("u8_add_neg1", lambda t: t.ones(2, dtype=t.uint8) + (-1)),
    ("u8_mul_neg1", lambda t: t.ones(2, dtype=t.uint8) * -1),
    ("bool_div_1000", lambda t: t.ones(2, dtype=t.bool) / 1000),
    ("full_i8_1000", lambda t: t.full((2,), 1000, dtype=t.int8)),
    ("full_u8_neg", lambda t: t.full((2,), -1, dtype=t.uint8)),
    ("full_i64_nan", lambda t: t.full((2,), NAN, dtype=t.int64)),
    ("full_i64_complex", lambda t: t.full((2,), 1 + 1j, dtype=t.int64)),
    ("full_like_i8", lambda t: t.full_like(t.ones(2, dtype=t.int8), 1000)),
    ("full_i32_float", lambda t: t.full((2,), -2.7, dtype=t.int32)),
    ("where_i8_1000", lambda t: t.where(t.tensor([True, False]), t.ones(2, dtype=t.int8), 1000)),
    ("where_1000_i8", lambda t: t.where(t.tensor([True, False]), 1000, t.ones(2, dtype=t.int8))),
    ("where_u8_neg", lambda t: t.where(t.tensor([True, False]), t.ones(2, dtype=t.uint8), -1)),
    ("where_bool_2", lambda t: t.where(t.tensor([True, False]), t.ones(2, dtype=t.bool), 2)),
    ("where_i32_float", lambda t: t.where(t.tensor([True, False]), t.ones(2, dtype=t.int32), 2.5)),
    # *_like keeps a dense permuted input's strides (preserve_format)
    ("empty_like_t", lambda t: t.empty_like(t.ones(3, 4).t()).stride()),
    ("zeros_like_perm", lambda t: t.zeros_like(t.ones(2, 3, 4).permute(2, 0, 1)).stride()),
    ("ones_like_gap", lambda t: t.ones_like(t.ones(2, 3, 4)[:, ::2]).stride()),
    ("full_like_mT", lambda t: t.full_like(t.ones(2, 3, 4).mT, 2).stride()),
    ("rand_like_t", lambda t: (t.manual_seed(0), t.rand_like(t.ones(3, 4).t()))[1]),
    # a reduction along an empty dim; a write through a negative step
    ("mode_empty", lambda t: t.ones(0).mode()), ("mode_empty1", lambda t: t.ones(2, 0).mode(1)),
    ("kth_empty", lambda t: t.ones(0).kthvalue(1)),
    ("kth_empty1", lambda t: t.ones(2, 0).kthvalue(1, 1)),
    ("set_neg_step", lambda t: _set(t.zeros(4), slice(None, None, -1), 1.0)),
    ("set_neg_step2", lambda t: _set(t.zeros(2, 4), (slice(None), slice(None, None, -2)), 1.0)),
    ("set_zero_step", lambda t: _set(t.zeros(2, 4), (0, slice(None, None, 0)), 1.0)),
    # gather / scatter / take: PyTorch's errors
    ("g_oob", lambda t: _x6(t).gather(1, t.tensor([[3], [0]]))),
    ("g_1d", lambda t: _x6(t).gather(1, t.zeros(2, dtype=t.long))),
    ("g_float", lambda t: _x6(t).gather(1, t.tensor([[0.0], [0.0]]))),
    ("g_rows", lambda t: _x6(t).gather(1, t.zeros(3, 1, dtype=t.long))),
    ("g_cols0", lambda t: t.gather(_x6(t), 0, t.zeros(2, 4, dtype=t.long))),
    ("g_wide", lambda t: _x6(t).gather(1, t.zeros(2, 4, dtype=t.long))),
    ("s_src_small", lambda t: _x6(t).scatter(1, t.tensor([[0, 1]]), t.tensor([[1.0]]))),
    ("s_float", lambda t: _x6(t).scatter(1, t.tensor([[0.0]]), 1.0)),
    ("s_1d", lambda t: _x6(t).scatter_(1, t.tensor([0]), 1.0)),
    ("s_rows", lambda t: t.scatter(_x6(t), 1, t.zeros(3, 1, dtype=t.long), 1.0)),
    ("s_ok", lambda t: _x6(t).scatter(1, t.tensor([[2], [0]]), t.tensor([[7.0], [8.0]]))),
    ("sa_1d", lambda t: _x6(t).scatter_add(1, t.tensor([[0]])[0], t.ones(1, 1))),
    ("sa_oob", lambda t: _x6(t).scatter_add(1, t.tensor([[7]]), t.ones(1, 1))),
    ("sa_small", lambda t: _x6(t).scatter_add_(1, t.tensor([[0, 1]]), t.ones(1, 1))),
    ("sr_small", lambda t: _x6(t).scatter_reduce(1, t.tensor([[0, 1]]), t.ones(1, 1), "sum")),
    ("take_oob", lambda t: t.take(_x6(t), t.tensor(9))),
    ("take_neg_oob", lambda t: t.take(_x6(t), t.tensor([-7]))),
    ("take_float", lambda t: t.take(_x6(t), t.tensor(1.0))),
    ("take_int32", lambda t: _x6(t).take(t.tensor([1], dtype=t.int32))),
    ("take_neg", lambda t: _x6(t).take(t.tensor([[-1, 5]]))),
    # "must be Tensor, not numpy.ndarray" (PyTorch's type name) from every module
    ("nt_fft", lambda t: t.fft.fft(np.ones(3))),
    ("nt_fftshift", lambda t: t.fft.fftshift(np.ones(3))),
    ("nt_heaviside", lambda t: t.heaviside(t.ones(2), np.ones(2))),
    ("nt_nextafter", lambda t: t.nextafter(t.ones(2), np.ones(2))),
    ("nt_vander", lambda t: t.linalg.vander(np.ones(3))),
    ("nt_view_as_complex", lambda t: t.view_as_complex(np.ones(3))),
    ("nt_istft", lambda t: t.istft(np.ones(3), 4)),
    ("nt_complex", lambda t: t.complex(np.ones(3), np.ones(3))),
    ("nt_cond", lambda t: t.linalg.cond(np.ones((2, 2)))),
    ("nt_cholesky", lambda t: t.linalg.cholesky(np.ones((2, 2)))),
    # complex rand/randn: one real draw of shape (*shape, 2), parts interleaved as PyTorch
    ("c_rand", lambda t: (t.manual_seed(0), t.rand(3, dtype=t.cfloat).view_as_real())[1]),
    ("c_randn", lambda t: (t.manual_seed(0), t.randn(2, 2, dtype=t.cfloat).view_as_real())[1]),
    ("c_randn_size", lambda t: (t.manual_seed(0), t.randn(size=(2,), dtype=t.cdouble))[1].real),
    ("c_rand_like", lambda t: (t.manual_seed(0),
                               t.rand_like(t.ones(3, dtype=t.cfloat)).view_as_real())[1]),
    ("c_randn_rg", lambda t: (t.manual_seed(0), t.randn(2, dtype=t.cdouble,
                                                         requires_grad=True))[1]),
    # unreduced margin losses' nodes
    *[(f"loss_none_{k}", (lambda f: lambda t: _loss(t, f))(f)) for k, f in {
        "margin_ranking": lambda F, a, b, y: F.margin_ranking_loss(a, b, y, reduction="none"),
        "margin_ranking_m": lambda F, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.5,
                                                                     reduction="none"),
        "triplet": lambda F, a, b, y: F.triplet_margin_loss(a.view(2, 2), b.view(2, 2),
                                                            y.view(2, 2), reduction="none"),
        "cosine_embedding": lambda F, a, b, y: F.cosine_embedding_loss(
            a.view(2, 2), b.view(2, 2), y[:2], reduction="none"),
        "margin_ranking_mean": lambda F, a, b, y: F.margin_ranking_loss(a, b, y),
    }.items()],
    # NumPy numbers as F's float options: Python numbers (a float32 result stays float32)
    *[(f"np_opt_{k}", (lambda f: lambda t: f(t.nn.functional, _x6(t) - 2.5))(f)) for k, f in {
        "threshold": lambda F, x: F.threshold(x, np.float64(0.1), np.float64(20.0)),
        "softshrink": lambda F, x: F.softshrink(x, np.float64(0.4)),
        "normalize": lambda F, x: F.normalize(x, p=np.float64(2.0), eps=np.float64(1e-6)),
        "huber": lambda F, x: F.huber_loss(x, x * 0.5, delta=np.float64(0.5)),
        "margin": lambda F, x: F.margin_ranking_loss(x[0], x[1], x[0] * 0 + 1,
                                                     margin=np.float64(0.1)),
        "label_smoothing": lambda F, x: F.cross_entropy(x, x[:, 0].long().abs(),
                                                        label_smoothing=np.float64(0.1)),
        "cos_sim": lambda F, x: F.cosine_similarity(x, x * 2, 1, np.float64(1e-8)),
        "group_norm": lambda F, x: F.group_norm(x.unsqueeze(-1), 1, eps=np.float64(1e-5)),
        "hinge": lambda F, x: F.hinge_embedding_loss(x, x.sign(), np.float64(1.0)),
    }.items()],
    # in-place shape methods: PyTorch's in-place nodes
    *[(f"meta_{n}{a}", (lambda n, a: lambda t: _meta(t, n, a))(n, a)) for n, a in (
        ("unsqueeze_", (0,)), ("squeeze_", ()), ("squeeze_", (0,)), ("squeeze_", (1,)),
        ("t_", ()), ("transpose_", (0, 1)), ("swapdims_", (0, 1)))],
    # searchsorted with NaNs: ATen's binary search
    *[(f"ss_nan{i}", (lambda s_, v, side: lambda t: t.searchsorted(
        t.tensor(s_), t.tensor(v), side=side))(*c)) for i, c in enumerate((
            ([1.0, 2.0, NAN], [NAN, 1.5, 3.0], "left"), ([1.0, 2.0, NAN], [NAN, 1.5], "right"),
            ([1.0, 2.0, 3.0], [NAN], "left"), ([1.0, NAN, NAN], [NAN, 1.0, 0.5, 5.0], "left"),
            ([[1.0, NAN, 3.0], [0.0, 1.0, 2.0]], [[2.0], [NAN]], "left"),
            ([1.0, 2.0, 2.0, 3.0], [2.0, 0.0, 9.0], "right")))],
    # quantile's node
    ("q_node", lambda t: _grads0(t, lambda t, x: t.quantile(x.expand(5) * t.arange(5.0), 0.3))),
    ("q_node_dim", lambda t: _grads0(t, lambda t, x: t.quantile(
        x.expand(2, 5) * t.arange(10.0).reshape(2, 5), t.tensor([0.3, 0.5]), dim=1))),
    ("nanq_node", lambda t: _grads0(t, lambda t, x: t.nanquantile(x.expand(3) * 2, 0.5))),
    # one int dim where the core takes several: PyTorch's refusals
    ("prod_tuple", lambda t: t.ones(2, 3).prod((0,))),
    ("prod_list_fn", lambda t: t.prod(t.ones(2, 3), [0])),
    ("prod_kw_tuple", lambda t: t.ones(2, 3).prod(dim=(0, 1))),
    ("prod_fn_kw", lambda t: t.prod(t.ones(2, 3), dim=(0,))),
    ("prod_ok", lambda t: _x6(t).prod(1)),
    ("argmax_tuple_fn", lambda t: t.argmax(t.ones(2, 3), dim=(0, 1))),
    ("argmax_tuple", lambda t: t.ones(2, 3).argmax(dim=(0,))),
    ("argmin_list_kw", lambda t: t.argmin(t.ones(2, 3), dim=[0])),
    ("argmax_float", lambda t: t.ones(2, 3).argmin(dim=0.5)),
    ("argmax_ok", lambda t: _x6(t).argmax(1)),
    # a 0-d input's sort/topk/cummax/kthvalue/median/mode: a new tensor with PyTorch's node
    *[(f"0d_{k}", (lambda f: lambda t: _grads0(t, f))(f)) for k, f in {
        "sort": lambda t, x: t.sort(x)[0], "sort_desc": lambda t, x: x.sort(descending=True)[0],
        "topk": lambda t, x: t.topk(x, 1)[0], "cummax": lambda t, x: t.cummax(x, 0)[0],
        "cummin": lambda t, x: t.cummin(x, 0)[0], "kthvalue": lambda t, x: t.kthvalue(x, 1)[0],
        "kthvalue0": lambda t, x: x.kthvalue(1, 0)[0], "median": lambda t, x: t.median(x, 0)[0],
        "mode": lambda t, x: t.mode(x)[0], "msort": lambda t, x: t.msort(x),
        "gather": lambda t, x: t.gather(x, 0, t.tensor(0)),
        "index_select": lambda t, x: t.index_select(x, 0, t.tensor([0])),
        "kth_index": lambda t, x: t.kthvalue(x, 1)[1], "mode_index": lambda t, x: x.mode(0)[1],
    }.items()],
]


def _grads0(t, f):
    x = t.tensor(2.0, requires_grad=True)
    y = f(t, x)
    if y.requires_grad:
        (y * 3).backward()
    return y, y is x, x.grad


def _set(x, key, value):
    x[key] = value
    return x


def _x6(t):
    return t.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize("f", [r[1] for r in ROWS], ids=[r[0] for r in ROWS])
def test_same_as_torch(f):
    assert _run(f, dl) == _run(f, torch)


def test_static_maximum_keeps_tensorflows_tie_rule():
    # TF's _MaximumGrad: a tie's gradient all to x (the eager rule is PyTorch's, eager only)
    import dlcore_static as tf
    a = tf.constant([1.0, 2.0, 0.0])
    b = tf.constant([1.0, 1.0, 1.0])
    ga, gb = tf.gradients(tf.reduce_sum(tf.maximum(a, b)), [a, b])
    gc, gd = tf.gradients(tf.reduce_sum(tf.minimum(a, b)), [a, b])
    with tf.Session() as s:
        got = s.run([ga, gb, gc, gd])
    assert [v.tolist() for v in got] == [[1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0]]


def test_fx_traces_tensor_constants_and_tensor_operators_as_torch():
    # torch.fx: a tensor made in forward is a _tensor_constant<i> attribute (each use its own
    # get_attr node), a module's plain tensor attribute a get_attr of its name, and a tensor's
    # operator or method with a proxy argument a call_method on it
    def run(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.c = lib.tensor([1.0, 2.0, 3.0])

            def forward(self, x):
                k = lib.tensor([2.0, 2.0, 2.0])
                return (x[None, ..., 1:].sum(), k + x, k - x, k * x, k / x, k @ x, k > x,
                        x + self.c, x * k, lib.ones(3).add(x), lib.add(k, x))
        g = lib.fx.symbolic_trace(M())
        lines = [ln.split(";")[0].strip() for ln in g.code.strip().splitlines()]
        out = g(lib.tensor([1.0, 2.0, 4.0]))
        return [ln.replace("dlcore_eager.", "torch.") for ln in lines], \
            [v.tolist() for v in out]
    assert run(dl) == run(torch)


def test_nested_profile_takes_the_session_over_as_torch(capfd):
    # no exception: the inner profile records, the outer ends empty (torch logs a warning)
    def run(lib):
        with lib.profiler.profile() as outer:
            lib.ones(3) * 2
            with lib.profiler.profile() as inner:
                lib.ones(3) + 1
            lib.ones(3) - 1
        with lib.profiler.profile() as after:
            lib.ones(3) + 1
        return ("aten::add" in {e.key for e in inner.key_averages()}, len(outer.key_averages()),
                "aten::add" in {e.key for e in after.key_averages()})
    assert run(dl) == run(torch) == (True, 0, True)
    assert "disableProfiler called but no active profiling session found" in capfd.readouterr().err


def _loss(t, f):
    a = t.tensor([1.0, 2.0, 0.0, 3.0], requires_grad=True)
    out = f(t.nn.functional, a, t.tensor([1.0, 1.0, 1.0, 1.0]), t.tensor([1.0, -1.0, 1.0, -1.0]))
    out.sum().backward()
    return out, a.grad


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_repr_dtype_suffix_follows_the_default_dtype(default):
    # PyTorch prints no dtype for the default float, its complex type, int64 and bool; an
    # empty tensor's unless it is the default float
    def run(lib):
        lib.set_default_dtype(getattr(lib, default))
        try:
            return [repr(x) for x in (
                lib.tensor([1.0, 2.0]), lib.tensor([1.0], dtype=lib.float32),
                lib.tensor([1.0], dtype=lib.float64), lib.tensor([1j]),
                lib.tensor([1j], dtype=lib.complex64), lib.tensor([1j], dtype=lib.complex128),
                lib.tensor([]), lib.tensor([], dtype=lib.float32), lib.ones(0, 2),
                lib.tensor([], dtype=lib.int64), lib.tensor([1, 2]), lib.tensor([True]),
                lib.tensor([1], dtype=lib.int32), lib.tensor([1.0], dtype=lib.float16))]
        finally:
            lib.set_default_dtype(lib.float32)
    assert run(dl) == run(torch)


def _meta(t, name, args):
    x = t.ones(1, 3, requires_grad=True)
    z = getattr(x * 2, name)(*args)
    (z * z).sum().backward()
    return z, x.grad
