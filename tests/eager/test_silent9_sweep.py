"""Findings of session 9's differential sweep (dlcore_eager vs torch 2.13, ~1,100 names x
~36 calls): wrong dtypes, missing ``out=``, float dims read as ``int(0.5) == 0``, copysign's
leniency and wording, ``linalg.vector_norm(dtype=)``.  Values, dtypes and errors vs torch."""

import numpy as np
import pytest
import torch as T
from error_of import error_of

import dlcore_eager as D

BASE = [[0.5, -1.25, 2.0], [3.0, -0.5, 0.25]]


def _same(t, d):
    assert str(d.dtype) == str(t.dtype) and tuple(d.shape) == tuple(t.shape)
    np.testing.assert_allclose(d.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


def _same_error(f):
    te, de = error_of(lambda: f(T)), error_of(lambda: f(D))
    assert te is not None and de is not None, (te, de)
    assert issubclass(de[0], te[0]), (te, de)
    assert de[1] == te[1]


# ----------------------------------------------------------------------------- copysign
@pytest.mark.parametrize("case", ["list", "str", "none", "complex", "complex_scalar",
                                  "broadcast", "inplace_int", "out_int"])
def test_copysign_refusals_as_torch(case):
    f = {"list": lambda L: L.copysign(L.ones(2), [1.0, -1.0]),     # (was a float64 result)
         "str": lambda L: L.copysign(L.ones(2), "a"),
         "none": lambda L: L.copysign(L.ones(2), None),
         "complex": lambda L: L.copysign(L.ones(2), L.tensor([1j, 1j])),   # (was 0 or NumPy's)
         "complex_scalar": lambda L: L.copysign(L.ones(2), 1j),
         "broadcast": lambda L: L.copysign(L.ones(2), L.ones(3)),        # (named 'where')
         "inplace_int": lambda L: L.ones(2, dtype=L.int64).copysign_(L.tensor([-1.0, 1.0])),
         "out_int": lambda L: L.copysign(L.ones(2), L.tensor([-1.0, 1.0]),
                                         out=L.empty(2, dtype=L.int64))}[case]
    _same_error(f)


def test_copysign_out_and_values():
    for L in (T, D):
        o = L.empty(0, dtype=L.float64)
        r = L.copysign(L.tensor([1.0, -2.0, 3.0]), L.tensor([-0.0, 1.0, -1.0]), out=o)
        assert r is o and o.tolist() == [-1.0, 2.0, -3.0] and o.dtype == L.float64
    _same(T.copysign(T.tensor([1, 2]), -2), D.copysign(D.tensor([1, 2]), -2))


# ----------------------------------------------------------------------------- out=
OUT_CASES = {
    "deg2rad": lambda L, x: L.deg2rad(x, out=L.empty(0)),
    "diff": lambda L, x: L.diff(x, out=L.empty(0)),
    "kron": lambda L, x: L.kron(x, x, out=L.empty(0)),
    "inner": lambda L, x: L.inner(x, x, out=L.empty(0)),
    "nansum": lambda L, x: L.nansum(x, 1, out=L.empty(0)),
    "nanmean": lambda L, x: L.nanmean(x, out=L.empty(0)),
    "xlogy": lambda L, x: L.xlogy(x.abs(), x.abs(), out=L.empty(0)),
    "fmax": lambda L, x: L.fmax(x, -x, out=L.empty(0)),
    "clamp_min": lambda L, x: L.clamp_min(x, 0.1, out=L.empty(0)),
    "histc": lambda L, x: L.histc(x, 4, out=L.empty(0)),
    "sinc": lambda L, x: L.sinc(x, out=L.empty(0)),
}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_out_argument(name):
    # PyTorch's torch.X takes out=; dlcore's raised "unexpected keyword argument 'out'"
    _same(OUT_CASES[name](T, T.tensor(BASE)), OUT_CASES[name](D, D.tensor(BASE)))


def test_methods_take_no_out():
    for L in (T, D):
        with pytest.raises(TypeError):
            L.tensor(BASE).diff(out=L.empty(0))


def test_nansum_dtype():
    # dtype= was ignored: float32 and int64 results where torch gives float64
    for x in (BASE, [[1, 2], [3, 4]]):
        _same(T.nansum(T.tensor(x), dtype=T.float64), D.nansum(D.tensor(x), dtype=D.float64))
        _same(T.tensor(x).nansum(0, dtype=T.float64), D.tensor(x).nansum(0, dtype=D.float64))


# ----------------------------------------------------------------------------- float dims
FLOAT_DIM = {
    "amax": lambda L, x: L.amax(x, 0.5), "sum": lambda L, x: L.sum(x, 0.5),
    "sum_tuple": lambda L, x: x.sum((0.5,)), "cumsum": lambda L, x: L.cumsum(x, 0.5),
    "softmax": lambda L, x: L.softmax(x, 0.5), "argmax": lambda L, x: L.argmax(x, 0.5),
    "max": lambda L, x: L.max(x, 0.5), "mean": lambda L, x: x.mean(0.5),
    "tile": lambda L, x: L.tile(x, (0.5,)), "flip": lambda L, x: L.flip(x, (0.5,)),
    "sort": lambda L, x: L.sort(x, 0.5), "logsumexp": lambda L, x: L.logsumexp(x, 0.5),
    "float_tensor": lambda L, x: L.sum(x, L.tensor(1.0)),
}


@pytest.mark.parametrize("name", sorted(FLOAT_DIM))
def test_float_dims_refused(name):
    # int(0.5) == 0 made amax(x, 0.5) reduce dim 0 and tile(x, (0.5,)) an empty tensor
    for L in (T, D):
        with pytest.raises(TypeError):
            FLOAT_DIM[name](L, L.tensor(BASE))


def test_integer_dims_still_taken():
    for L in (T, D):
        x = L.tensor(BASE)
        assert x.sum(L.tensor(1)).tolist() == pytest.approx([1.25, 2.75])
        assert x.amax(np.int64(-1)).tolist() == [2.0, 3.0]
        assert tuple(L.tile(x, (2,)).shape) == (2, 6)


# ----------------------------------------------------------------------------- vector_norm
@pytest.mark.parametrize("case", ["f32_f64", "c64_c128", "f16_f32", "keepdim"])
def test_vector_norm_dtype(case):
    x, dt, kw = {"f32_f64": ([3.0, 4.0], "float64", {}),
                 "c64_c128": ([3 + 4j, 1j], "complex128", {}),
                 "f16_f32": ([3.0, 4.0], "float32", {}),
                 "keepdim": (BASE, "float64", {"ord": 3, "dim": -1, "keepdim": True})}[case]
    src = "float16" if case == "f16_f32" else None
    t = T.linalg.vector_norm(T.tensor(x, dtype=getattr(T, src) if src else None),
                             dtype=getattr(T, dt), **kw)
    d = D.linalg.vector_norm(D.tensor(x, dtype=getattr(D, src) if src else None),
                             dtype=getattr(D, dt), **kw)
    _same(t, d)


@pytest.mark.parametrize("case", ["int_input", "narrowing", "bf16", "real_to_complex",
                                  "complex_to_real", "int_dtype"])
def test_vector_norm_dtype_refusals(case):
    x, dt = {"int_input": ([3, 4], "float64"), "narrowing": ([3.0], "float16"),
             "bf16": ([3.0], "bfloat16"), "real_to_complex": ([3.0], "complex64"),
             "complex_to_real": ([1j], "float64"), "int_dtype": ([3.0], "int64")}[case]
    src = "float64" if case == "narrowing" else None
    _same_error(lambda L: L.linalg.vector_norm(
        L.tensor(x, dtype=getattr(L, src) if src else None), dtype=getattr(L, dt)))


def test_vector_norm_dtype_gradient():
    g = []
    for L in (T, D):
        x = L.tensor([3.0, 4.0], requires_grad=True)
        L.linalg.vector_norm(x, dtype=L.float64).backward()
        g.append((str(x.grad.dtype), x.grad.tolist()))
    assert g[0] == (g[1][0], pytest.approx(g[1][1]))


# ----------------------------------------------------------------------------- activations
ACT_MODULES = {"Hardsigmoid": lambda L: L.nn.Hardsigmoid(), "Softshrink": lambda L: L.nn.Softshrink(),
               "RReLU": lambda L: L.nn.RReLU(), "GLU": lambda L: L.nn.GLU(),
               "Dropout": lambda L: L.nn.Dropout(), "F.glu": lambda L: L.nn.functional.glu,
               "F.softshrink": lambda L: L.nn.functional.softshrink,
               "F.rrelu": lambda L: L.nn.functional.rrelu,
               "F.dropout": lambda L: L.nn.functional.dropout}


@pytest.mark.parametrize("name", sorted(ACT_MODULES))
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_float_only_activations_refuse_integers(name, dtype):
    # nn.Hardsigmoid (the module: F's refusal was bypassed), softshrink, glu, rrelu made floats
    # of integer tensors; dropout a float32 tensor
    x = [[1, 0, 3, 1], [0, 5, 4, 1]]
    _same_error(lambda L: ACT_MODULES[name](L)(L.tensor(x, dtype=getattr(L, dtype))))


def test_integer_dropout_outside_training_is_the_input():
    for L in (T, D):
        x = L.tensor([1, 2, 3])
        for r in (L.nn.functional.dropout(x, training=False), L.nn.functional.dropout(x, 0.0)):
            assert r.dtype == L.int64 and r.tolist() == [1, 2, 3]
    _same(T.nn.Hardsigmoid()(T.tensor(BASE)), D.nn.Hardsigmoid()(D.tensor(BASE)))


# ----------------------------------------------------------------------------- devices, memory
@pytest.mark.parametrize("case", ["device", "empty", "to", "module"])
def test_meta_device_is_refused_clearly(case):
    # dlcore has no data-less tensors: a NotImplementedError (so a RuntimeError) naming 'meta'
    f = {"device": lambda: D.device("meta"), "empty": lambda: D.empty(2, 3, device="meta"),
         "to": lambda: D.ones(2).to("meta"), "module": lambda: D.nn.Linear(2, 3, device="meta")}
    with pytest.raises(NotImplementedError, match="dlcore has no 'meta' device"):
        f[case]()


@pytest.mark.parametrize("make", ["zeros", "empty", "full", "zeros_like"])
def test_cpu_out_of_memory_words_as_torch(make):
    f = {"zeros": lambda L: L.zeros(2 ** 38), "empty": lambda L: L.empty(2 ** 40, 2 ** 10),
         "full": lambda L: L.full((2 ** 38,), 1.0),
         "zeros_like": lambda L: L.zeros_like(L.ones(1).expand(2 ** 38))}[make]
    te, de = error_of(lambda: f(T)), error_of(lambda: f(D))
    assert issubclass(de[0], RuntimeError) and issubclass(de[0], MemoryError)
    tail = "DefaultCPUAllocator: can't allocate memory: you tried to allocate "
    assert te[1][te[1].index(tail):] == de[1]


# ----------------------------------------------------------------------------- hidden misuse
@pytest.mark.parametrize("case", ["cat_tensor", "stack_tensor", "flip_dim_kw", "flip_typo",
                                  "glu_dim"])
def test_misuse_refused_not_reinterpreted(case):
    # cat/stack of one tensor concatenated its rows; flip took any keyword's value as dims
    # (flip(x, dim=1) flipped dim 1); glu's dim was taken modulo the rank
    f = {"cat_tensor": lambda L, x: L.cat(x, dim=1), "stack_tensor": lambda L, x: L.stack(x),
         "flip_dim_kw": lambda L, x: L.flip(x, dim=1), "flip_typo": lambda L, x: x.flip(dimz=1),
         "glu_dim": lambda L, x: L.nn.functional.glu(x, 2)}[case]
    te = error_of(lambda: f(T, T.ones(2, 4)))
    de = error_of(lambda: f(D, D.ones(2, 4)))
    assert te is not None and de is not None and issubclass(de[0], te[0]), (te, de)
    if case in ("cat_tensor", "stack_tensor"):
        assert de[1] == te[1]
    if case == "glu_dim":
        assert de[1].startswith(te[1])


INDEX_DTYPE = {
    "take_float": lambda L, x: L.take(x, L.tensor([0.7, 2.2])),     # (read elements 0 and 2)
    "take_int32": lambda L, x: x.take(L.tensor([0, 2], dtype=L.int32)),
    "take_along_dim_float": lambda L, x: L.take_along_dim(x, L.tensor([[0.0], [1.0]]), 1),
    "masked_select_float": lambda L, x: L.masked_select(x, x * 0 + 1),   # (nonzero = True)
    "masked_select_uint8": lambda L, x: x.masked_select(L.ones(3, dtype=L.uint8)),
    "tensor_split_float": lambda L, x: L.tensor_split(x, L.tensor([1.0]), 1),
}


@pytest.mark.parametrize("case", sorted(INDEX_DTYPE))
def test_index_tensors_of_the_wrong_dtype(case):
    _same_error(lambda L: INDEX_DTYPE[case](L, L.tensor(BASE)))


def test_index_tensors_of_the_right_dtype():
    for f in (lambda L, x: L.take(x, L.tensor([0, 5])),
              lambda L, x: L.take_along_dim(x, L.tensor([[0], [2]]), 1),
              lambda L, x: x.masked_select(x > 0), lambda L, x: L.tensor_split(x, 2, 1)[1]):
        _same(f(T, T.tensor(BASE)), f(D, D.tensor(BASE)))


@pytest.mark.parametrize("name", ["deg2rad", "nansum", "diff", "msort", "histc", "sinc"])
@pytest.mark.parametrize("value", [2, [1.0, 2.0]])
def test_long_tail_input_must_be_a_tensor(name, value):
    # (AttributeError "'int' object has no attribute '_buf'" before)
    _same_error(lambda L: getattr(L, name)(value))


# ----------------------------------------------------------------------------- dtypes of results
DTYPE_CASES = {
    # a number operand was an int64/float64 array: xlog1py(x, 2) failed, (2, x) was float64
    "xlog1py_x_2": lambda L: L.special.xlog1py(L.tensor([0.5, 1.0]), 2),
    "xlog1py_2_x": lambda L: L.special.xlog1py(2, L.tensor([0.5, 1.0])),
    "xlog1py_int_2": lambda L: L.special.xlog1py(L.tensor([1, 2]), 2),
    # an int64 target made the loss float64 (NumPy's promotion in the composite)
    "poisson_nll_int_target": lambda L: L.nn.functional.poisson_nll_loss(
        L.tensor(BASE), L.tensor([[3, 1, 2], [0, 5, 4]])),
    "poisson_nll_ints": lambda L: L.nn.functional.poisson_nll_loss(
        L.tensor([[3, 1, 2], [0, 5, 4]]), L.tensor([[3, 1, 2], [0, 5, 4]]), full=True),
    "fftn_int_size": lambda L: L.fft.fftn(L.tensor(BASE), 4),       # (was 'int' not iterable)
    "linalg_norm_dtype": lambda L: L.linalg.norm(L.tensor(BASE), dtype=L.float64),
    "linalg_norm_vector_dtype": lambda L: L.linalg.norm(L.tensor([3.0, 4.0]), 2, dtype=L.float64),
}


@pytest.mark.parametrize("case", sorted(DTYPE_CASES))
def test_result_dtypes_as_torch(case):
    _same(DTYPE_CASES[case](T), DTYPE_CASES[case](D))


def test_linalg_norm_dtype_narrowing_refused():
    _same_error(lambda L: L.linalg.norm(L.tensor([3.0, 4.0], dtype=L.float64), dtype=L.float32))
