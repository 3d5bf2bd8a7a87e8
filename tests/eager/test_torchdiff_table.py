"""Calls run through dlcore_eager and torch 2.13 side by side (found by the differential fuzzer
in /tmp/torchdiff): the same value, dtype, shape, requires_grad and grad_fn name, or the same
exception type and words.  One row per call: ``(id, f)`` with ``f(lib)`` the call on ``lib``
(``dlcore_eager`` or ``torch``)."""

import numpy as np
import pytest

import dlcore_eager as dl
from torchdiff_harness import run as _run

torch = pytest.importorskip("torch")


def _x(lib, *shape, rg=False):
    return lib.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape).requires_grad_(rg)


ROWS = [
    # a dtype given as a string (torch refuses it in every factory)
    ("tensor_dtype_str", lambda t: t.tensor([1.0], dtype="float32")),
    ("zeros_dtype_str", lambda t: t.zeros(2, dtype="float32")),
    # size / stride of a dimension out of range, or not an int
    ("size5", lambda t: t.ones(2, 3).size(5)),
    ("size-5", lambda t: t.ones(2, 3).size(-5)),
    ("size0d", lambda t: t.ones(()).size(0)),
    ("size_float", lambda t: t.ones(2).size(2.0)),
    ("size_bool", lambda t: t.ones(2).size(True)),
    ("stride0d", lambda t: t.ones(()).stride(-1)),
    ("stride5", lambda t: t.ones(2, 3).stride(5)),
    # rot90's dims
    ("rot90_same", lambda t: t.rot90(t.ones(2, 3), 1, [0, 0])),
    ("rot90_wrapped_same", lambda t: t.rot90(t.ones(2, 3), 1, [0, -2])),
    ("rot90_three", lambda t: t.rot90(t.ones(2, 3), 1, [0, 1, 2])),
    ("rot90_oob", lambda t: t.rot90(t.ones(2, 3), 1, [0, 2])),
    ("rot90_1d", lambda t: t.rot90(t.ones(3), 1, [0, 1])),
    ("rot90_ok", lambda t: t.rot90(_x(t, 2, 3, rg=True), 1, [1, 0])),
    # searchsorted's checks
    ("ss_dims", lambda t: t.searchsorted(t.ones(2, 3), t.ones(3, 1))),
    ("ss_0d", lambda t: t.searchsorted(t.tensor(1.0), t.tensor([1.0]))),
    ("ss_side", lambda t: t.searchsorted(t.tensor([1.0]), t.tensor([1.0]), side="x")),
    ("ss_opposite", lambda t: t.searchsorted(t.tensor([1.0, 2]), t.tensor([1.0]), side="left",
                                             right=True)),
    ("ss_sorter_size", lambda t: t.searchsorted(t.tensor([1.0, 2]), t.tensor([1.0]),
                                                sorter=t.tensor([0]))),
    ("ss_sorter_dtype", lambda t: t.searchsorted(t.tensor([1.0, 2]), t.tensor([1.0]),
                                                 sorter=t.tensor([0, 1], dtype=t.int32))),
    ("ss_sorter_range", lambda t: t.searchsorted(t.tensor([1.0, 2]), t.tensor([1.0]),
                                                 sorter=t.tensor([0, 2]))),
    ("ss_scalar_2d", lambda t: t.searchsorted(t.ones(2, 3), t.tensor(1.0))),
    ("ss_ok", lambda t: t.searchsorted(t.tensor([1.0, 2, 3]), t.tensor([2.5, 0.0]),
                                       side="right")),
    # bernoulli's probabilities
    ("bern_gt1", lambda t: t.bernoulli(t.tensor([1.5]))),
    ("bern_lt0", lambda t: t.bernoulli(t.tensor([-0.5]))),
    ("bern_nan", lambda t: t.bernoulli(t.tensor([float("nan")]))),
    ("bern_p", lambda t: t.bernoulli(t.tensor([0.5]), p=1.5)),
    ("bern_long", lambda t: t.bernoulli(t.tensor([1]))),
    ("bern_bool", lambda t: t.bernoulli(t.tensor([True]))),
    ("bern_ones", lambda t: t.bernoulli(t.ones(3))),
    # softmax / log_softmax of a 0-d tensor
    ("softmax0d", lambda t: t.softmax(t.tensor(2.0, requires_grad=True), 0)),
    ("softmax0d_F", lambda t: t.nn.functional.softmax(t.tensor(2.0, requires_grad=True), -1)),
    ("log_softmax0d", lambda t: t.log_softmax(t.tensor(2.0, requires_grad=True), 0)),
    ("softmax0d_method", lambda t: t.tensor(2.0, requires_grad=True).softmax(-1)),
    ("softmax0d_dim1", lambda t: t.softmax(t.tensor(2.0), 1)),
    # modules called with their forward's keyword names (PyTorch's: input, input1/input2)
    ("Linear_input", lambda t: t.nn.Linear(3, 2)(input=t.ones(1, 3)).shape),
    ("Linear_x", lambda t: t.nn.Linear(3, 2)(x=t.ones(1, 3))),
    ("Linear_none", lambda t: t.nn.Linear(3, 2)()),
    ("ReLU_input", lambda t: t.nn.ReLU()(input=_x(t, 3) - 2)),
    ("Conv1d_input", lambda t: t.nn.Conv1d(1, 1, 1)(input=t.ones(1, 1, 3)).shape),
    ("Seq_input", lambda t: t.nn.Sequential(t.nn.ReLU())(input=_x(t, 3))),
    ("BN_input", lambda t: t.nn.BatchNorm1d(3)(input=_x(t, 2, 3))),
    ("Softmax_input", lambda t: t.nn.Softmax(0)(input=_x(t, 3))),
    ("Flatten_input", lambda t: t.nn.Flatten()(input=_x(t, 2, 3))),
    ("Identity_input", lambda t: t.nn.Identity()(input=_x(t, 3))),
    ("LayerNorm_input", lambda t: t.nn.LayerNorm(3)(input=_x(t, 3))),
    ("LayerNorm_bad", lambda t: t.nn.LayerNorm(3)(input=_x(t, 4))),
    ("MaxPool_input", lambda t: t.nn.MaxPool1d(2)(input=_x(t, 1, 1, 4))),
    ("Bilinear_inputs", lambda t: t.nn.Bilinear(2, 2, 1)(input1=t.ones(1, 2),
                                                          input2=t.ones(1, 2)).shape),
    ("Dropout_eval", lambda t: t.nn.Dropout().eval()(input=_x(t, 3))),
    # a NumPy array or list where PyTorch takes a Tensor (or a number)
    ("add_np", lambda t: t.add(t.ones(2), np.ones(2))),
    ("add_np_first", lambda t: t.add(np.ones(2), t.ones(2))),
    ("add_np0d", lambda t: t.add(t.ones(2), np.array(2.0))),
    ("add_list", lambda t: t.add(t.ones(2), [1, 2])),
    ("add_None", lambda t: t.add(t.ones(2), None)),
    ("add_npf64", lambda t: t.add(t.ones(2), np.float64(2.0))),
    ("add_2_x", lambda t: t.add(2, t.ones(2))),
    ("sub_alpha_np", lambda t: t.sub(t.ones(2), np.ones(2), alpha=2)),
    ("method_add_np", lambda t: t.ones(2).add(np.ones(2))),
    ("method_mul_list", lambda t: t.ones(2).mul([1.0, 2.0])),
    ("maximum_np", lambda t: t.maximum(t.ones(2), np.ones(2))),
    ("maximum_int", lambda t: t.maximum(t.ones(2), 2)),
    ("minimum_np_first", lambda t: t.minimum(np.ones(2), t.ones(2))),
    ("atan2_float", lambda t: t.atan2(t.ones(2), 2.0)),
    ("div_np", lambda t: t.div(t.ones(2), np.ones(2))),
    ("method_div_np", lambda t: t.ones(2).div(np.ones(2))),
    ("div_floor", lambda t: t.div(_x(t, 3), 2, rounding_mode="floor")),
    ("mm_np", lambda t: t.mm(t.ones(1, 2), np.ones((2, 1)))),
    ("mm_np_first", lambda t: t.mm(np.ones((1, 2)), t.ones(2, 1))),
    ("mm_int", lambda t: t.mm(t.ones(1, 2), 3)),
    ("method_mm_np", lambda t: t.ones(1, 2).mm(np.ones((2, 1)))),
    ("method_mm_kw", lambda t: t.ones(1, 2).mm(mat2=t.ones(2, 1))),
    ("matmul_np", lambda t: t.matmul(t.ones(2), np.ones(2))),
    ("method_matmul_list", lambda t: t.ones(2).matmul([1.0, 2.0])),
    ("matmul_op_np", lambda t: t.ones(2, 2) @ np.ones(2)),
    ("bmm_np", lambda t: t.bmm(t.ones(1, 1, 2), np.ones((1, 2, 1)))),
    ("method_bmm_np", lambda t: t.ones(1, 1, 2).bmm(np.ones((1, 2, 1)))),
    ("dot_np", lambda t: t.dot(t.ones(2), np.ones(2))),
    ("method_dot_np", lambda t: t.ones(2).dot(np.ones(2))),
    ("outer_np", lambda t: t.outer(np.ones(2), t.ones(2))),
    ("method_outer_np", lambda t: t.ones(2).outer(np.ones(2))),
    ("cat_np", lambda t: t.cat([t.ones(2), np.ones(2)])),
    ("stack_np", lambda t: t.stack([t.ones(2), np.ones(2)])),
    # a Python number written into an integer or bool tensor (PyTorch converts it)
    ("setitem_float_into_int", lambda t: _set(t.arange(3), 0, 2.7)),
    ("setitem_negfloat_into_int", lambda t: _set(t.arange(3), slice(1, None), -2.7)),
    ("setitem_float_into_bool", lambda t: _set(t.zeros(3, dtype=t.bool), 0, 2.5)),
    ("setitem_float_mask_int", lambda t: _set(t.arange(3), t.tensor([False, True, True]), 1.5)),
    ("setitem_overflow_uint8", lambda t: _set(t.arange(3, dtype=t.uint8), [0, 1], 300)),
    ("setitem_bool_into_int", lambda t: _set(t.arange(3), 0, True)),
    # bitwise ops of floating operands: PyTorch's missing-kernel words
    ("and_float", lambda t: t.ones(2) & t.ones(2)),
    ("and_int_pyfloat", lambda t: t.tensor([1, 2]) & 2.5),
    ("or_half_int", lambda t: t.ones(2, dtype=t.half) | 1),
    ("xor_bool_float", lambda t: t.bitwise_xor(t.tensor([True]), t.ones(1))),
    ("and_complex", lambda t: t.ones(2, dtype=t.complex64) & 1),
    ("rand_pyfloat", lambda t: 1.5 & t.tensor([1, 2])),
    ("and_int", lambda t: t.tensor([1, 2, 6]) & t.tensor([3, 3, 4])),
    ("and_bool_int", lambda t: (t.tensor([1, 2]) > 1) & t.tensor([3, 3])),
    ("not_float", lambda t: t.bitwise_not(t.ones(2))),
    ("invert_float", lambda t: ~t.ones(2)),
    ("invert_int", lambda t: ~t.tensor([1, -2])),
    # PyTorch's grad_fn of the in-place activations
    *[(f"inplace_{n}", (lambda n: lambda t: getattr(t.nn.functional, n)(
        _x(t, 3, rg=True) - 2, *((0.0, 1.0) if n == "threshold" else ()), inplace=True))(n))
      for n in ("hardtanh", "relu6", "elu", "celu", "selu", "threshold", "leaky_relu",
                "hardswish", "hardsigmoid", "silu", "mish", "relu")],
    *[(f"inplace_{n}_", (lambda n: lambda t: getattr(t.nn.functional, n + "_")(
        _x(t, 3, rg=True) - 2, *((0.0, 1.0) if n == "threshold" else ())))(n))
      for n in ("hardtanh", "elu", "celu", "selu", "threshold", "leaky_relu", "relu")],
    ("inplace_module_elu", lambda t: t.nn.ELU(inplace=True)(_x(t, 3, rg=True) - 2)),
    # x[[]], in-place ops on an expanded tensor, conv and embedding nodes
    ("index_empty_list", lambda t: t.ones(2, 3)[[]]),
    ("index_empty_list_int", lambda t: t.tensor([1, 2])[[]]),
    ("index_empty_float_tensor", lambda t: t.ones(3)[t.tensor([])]),
    ("expanded_add_", lambda t: t.ones(1).expand(3).add_(1)),
    ("expanded_copy_", lambda t: t.ones(2, 1).expand(2, 3).copy_(t.ones(2, 3))),
    ("conv1d_bias_node", lambda t: (lambda y: (y, [type(n).__name__ for n, _ in
                                                   y.grad_fn.next_functions]))(
        t.nn.functional.conv1d(_x(t, 1, 1, 3, rg=True), _x(t, 1, 1, 1, rg=True),
                               _x(t, 1, rg=True)))),
    ("conv2d_module_node", lambda t: type(t.nn.Conv2d(1, 1, 1)(t.ones(1, 1, 3, 3)).grad_fn)
     .__name__),
    ("conv1d_unbatched_node", lambda t: type(t.nn.Conv1d(1, 1, 1)(t.ones(1, 3)).grad_fn)
     .__name__),
    ("clamp__int_float_min", lambda t: t.arange(4).clamp_(min=0.5)),
    ("clip__int_float", lambda t: t.arange(4).clip_(0.5, 2)),
    ("clamp__int32_float", lambda t: t.arange(4).to(t.int32).clamp_(max=2.5)),
    ("clamp__int_int", lambda t: t.arange(4).clamp_(0, 2)),
    ("clamp_int_float", lambda t: t.arange(4).clamp(min=0.5)),
    ("abs_bool", lambda t: t.abs(t.tensor([True]))),
    ("abs_bool_builtin", lambda t: abs(t.tensor([True]))),
    ("abs_bool_method_", lambda t: t.tensor([True]).abs_()),
    ("pad_neg_left", lambda t: t.nn.functional.pad(_x(t, 1, 4, rg=True), (-1, 1))),
    ("pad_neg_two_dims", lambda t: t.nn.functional.pad(_x(t, 2, 2, rg=True), (-1, -1, 1, 0))),
    ("pad_neg_reflect", lambda t: t.nn.functional.pad(_x(t, 1, 4, rg=True), (-1, 1),
                                                      mode="reflect")),
    ("pad_neg_only", lambda t: t.nn.functional.pad(_x(t, 1, 4), (-1, -1))),
    ("pad_neg_too_much", lambda t: t.nn.functional.pad(_x(t, 1, 4), (-3, -2))),
    # circular with a negative amount crops first, then wraps (values and gradient; PyTorch's
    # grad_fn there is CopySlices)
    *[(f"pad_neg_circular_{a}", (lambda a: lambda t: (lambda x: (lambda y: (
        y.tolist(), y.pow(2).sum().backward(), x.grad.tolist()))(
        t.nn.functional.pad(x, a, mode="circular")))(_x(t, 1, 3, 4, rg=True)))(a))
      for a in ((-1, 2), (2, -1), (1, -2), (0, -3), (-1, 2, 2, -1), (-1, 5))],
    # a channels-last input keeps its layout without a copy node (grad_fn is the op's own)
    *[(f"channels_last_{k}", (lambda f: lambda t: (lambda x: (lambda y: (
        y, y.is_contiguous(memory_format=t.channels_last),
        type(y.grad_fn.next_functions[0][0]).__name__))(f(t, x)))(
        _x(t, 2, 3, 4, 4).to(memory_format=t.channels_last).requires_grad_()))(f))
      for k, f in (("bn_train", lambda t, x: t.nn.BatchNorm2d(3)(x)),
                   ("avg_pool2d", lambda t, x: t.nn.functional.avg_pool2d(x, 2)),
                   ("interpolate", lambda t, x: t.nn.functional.interpolate(x, scale_factor=2)))],
    ("pad_odd", lambda t: t.nn.functional.pad(_x(t, 2), (1,))),
    ("pad_too_long", lambda t: t.nn.functional.pad(_x(t, 1, 4), (1, 1, 1, 1, 1, 1))),
    ("bn_eval_node", lambda t: (lambda y: (y, [n is None for n, _ in y.grad_fn.next_functions]))(
        t.nn.BatchNorm1d(2).eval()(_x(t, 3, 2, rg=True)))),
    ("bn_eval_functional_node", lambda t: t.nn.functional.batch_norm(
        _x(t, 3, 2, rg=True), t.zeros(2), t.ones(2))),
    ("relu_bool", lambda t: t.relu(t.tensor([True]))),
    ("relu_bool_method_", lambda t: t.tensor([True]).relu_()),
    ("linear_0d_input", lambda t: t.nn.functional.linear(t.tensor(1.0), t.ones(2, 3))),
    ("linear_0d_weight", lambda t: t.nn.functional.linear(t.ones(3), t.tensor(1.0))),
    ("Linear_0d", lambda t: t.nn.Linear(3, 2)(t.tensor(1.0))),
    ("gelu_bad_approximate", lambda t: t.nn.functional.gelu(t.ones(2), approximate="x")),
    ("cumsum_0d", lambda t: t.tensor(2.0, requires_grad=True).cumsum(0)),
    ("cumprod_0d", lambda t: t.cumprod(t.tensor(2.0, requires_grad=True), 0)),
    ("cumsum_1d", lambda t: _x(t, 3, rg=True).cumsum(0)),
    # Python types and strings as dtypes
    *[(f"pytype_{k}", (lambda k: lambda t: [str(f(t).dtype) for f in (
        lambda t: t.ones(2, dtype=k), lambda t: t.tensor([1], dtype=k),
        lambda t: t.zeros_like(t.ones(2), dtype=k),
        lambda t: t.ones(2).to(k), lambda t: t.ones(2).to("cpu", k))])(k))
      for k in (float, int, bool, complex)],
    ("dtype_str_ones", lambda t: t.ones(2, dtype="float32")),
    ("dtype_str_zeros", lambda t: t.zeros(2, dtype="float32")),
    ("dtype_str_full", lambda t: t.full((2,), 1, dtype="float32")),
    # empty (nested) list keys are int64 indices; a list holding a sequence is a tuple key
    *[(f"empty_list_key_{i}", (lambda k: lambda t: (
        t.arange(6).reshape(2, 3)[k], _set(t.arange(6).reshape(2, 3), k, 5)))(k))
      for i, k in enumerate(([], [[]], [[], []], [[[]]], (slice(None), [[]]), [[], 1],
                             [[0, 1], [1, 2]], [0, [1]]))],
    # a Python complex written into an integer / bool tensor
    *[(f"setitem_complex_{d}_{v}", (lambda d, v: lambda t: _set(
        t.zeros(2, dtype=getattr(t, d)), 0, v))(d, v))
      for d in ("int64", "int32", "uint8", "bool") for v in (1 + 2j, 3 + 0j, -1 + 0j)],
    # Tensor.type / Tensor.to with Python and NumPy types (identity, not ==)
    *[(f"type_{i}", (lambda a: lambda t: t.ones(2).type(a))(a))
      for i, a in enumerate((float, int, np.float64, np.dtype("float64"), "float", 3,
                             "torch.DoubleTensor"))],
    *[(f"to_{i}", (lambda a: lambda t: t.ones(2).to(a))(a))
      for i, a in enumerate((np.float64, np.dtype("float64"), object, float, complex))],
    # pow refuses a NumPy array or a list operand (was computed in float64)
    ("pow_np_exponent", lambda t: t.pow(t.ones(2), np.ones(2))),
    ("pow_np_base", lambda t: t.pow(np.ones(2), t.ones(2))),
    ("pow_method_np", lambda t: t.ones(2).pow(np.ones(2))),
    ("pow_list", lambda t: t.pow(t.ones(2), [1, 2])),
    ("pow_numbers", lambda t: t.pow(2, 3)),
    ("pow_number_tensor", lambda t: (t.pow(2, t.ones(2)), t.pow(t.ones(2), 2.5),
                                     t.ones(2).pow(np.float64(2)))),
    # a keyword argument's refusal names no position; rrelu's nodes; a changed no_grad view's repr
    ("mm_method_keyword_np", lambda t: t.ones(2, 2).mm(mat2=np.ones((2, 2)))),
    ("mm_method_positional_np", lambda t: t.ones(2, 2).mm(np.ones((2, 2)))),
    *[(f"rrelu_node_{tr}_{ip}", (lambda tr, ip: lambda t: (lambda x: (lambda y: (
        type(y.grad_fn).__name__, y.sum().backward(), x.grad if not tr else None))(
        t.nn.functional.rrelu(x * 1, training=tr, inplace=ip)))(
        t.tensor([-1.0, 2.0, -3.0], requires_grad=True)))(tr, ip))
      for tr in (False, True) for ip in (False, True)],
    ("repr_changed_no_grad_view", lambda t: (lambda a: (lambda v: (
        a.mul_(1) if False else None, repr(v)))(_no_grad_view_changed(t, a)))(
        t.ones(3, requires_grad=True))),
    ("embedding_module_node", lambda t: type(t.nn.Embedding(3, 2)(t.tensor([1])).grad_fn)
     .__name__),
]


def _no_grad_view_changed(lib, a):
    with lib.no_grad():
        v = a[:2]
        a.mul_(2)
    return v


def _set(x, key, value):
    x[key] = value
    return x


@pytest.mark.parametrize("f", [r[1] for r in ROWS], ids=[r[0] for r in ROWS])
def test_same_as_torch(f):
    assert _run(f, dl) == _run(f, torch)


def test_softmax_of_0d_gradient():
    def case(lib):
        s = lib.tensor(2.0, requires_grad=True)
        y = lib.log_softmax(s, 0) + lib.softmax(s, -1)
        y.backward()
        return s.grad.item(), [n is None for n, _ in y.grad_fn.next_functions]
    assert case(dl) == case(torch)


@pytest.mark.parametrize("f", [
    lambda t: t.fmod(t.ones(2), np.ones(2)), lambda t: t.ones(2).remainder(np.ones(2)),
    lambda t: t.bitwise_and(t.ones(2, dtype=t.int64), [1, 2])])
def test_overloaded_refusal_first_line_as_torch(f):
    # (PyTorch then lists the function's overloads, which dlcore words generically)
    d, t = _run(f, dl), _run(f, torch)
    assert d[:2] == t[:2] == ("raises", "TypeError")
    assert d[2].split("\n")[0] == t[2].split("\n")[0]


def test_share_memory_keeps_views_aliased():
    # PyTorch moves the storage: the base, its views and detach()es stay one memory
    def case(lib):
        a = lib.ones(4)
        b, d = a.view(2, 2), a.detach()
        a.share_memory_()
        a[0] = 7
        v = a.new_ones(6)
        w, u = v[2:], v.view(3, 2)
        w.share_memory_()
        w[0] = 5
        u[0, 0] = 3
        p = lib.ones(3, requires_grad=True)
        p.share_memory_()
        (p * 2).sum().backward()
        return (b.tolist(), d.tolist(), b.is_shared(), d.is_shared(), v.tolist(), w.tolist(),
                v.is_shared(), u.is_shared(), p.grad.tolist(), p.is_shared(),
                a.clone().is_shared())
    assert case(dl) == case(torch)
