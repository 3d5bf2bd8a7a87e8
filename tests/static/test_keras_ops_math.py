"""keras.ops element-wise maths, reductions, array building and indexing (ops_math,
ops_shape): values, shapes and dtypes equal Keras 3's (NumPy backend) on the same arrays, on
graph constants and on fed placeholders."""

import numpy as np
import pytest

from dlcore_static.keras import ops

from tests.static._keras_ops_table import compare, keras3_ops

K3 = keras3_ops()
R = np.random.default_rng(0)
A = R.standard_normal((2, 3, 4)).astype(np.float32)
P = (np.abs(A) + 0.1).astype(np.float32)
U = R.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)
I = np.array([[0, 2, -1, 5], [3, 0, 2, -4], [1, 1, 7, 0]], np.int32)
B = np.array([[True, False, True, True], [False, False, True, False]])
N = np.array([1.0, np.nan, np.inf, -np.inf, -0.0, 2.5], np.float32)
M = R.standard_normal((4, 4)).astype(np.float32)

CASES = [
    ("absolute", lambda o, x: o.absolute(x), (A,)), ("absolute int", lambda o, x: o.absolute(x), (I,)),
    ("fabs int", lambda o, x: o.fabs(x), (I,)), ("negative", lambda o, x: o.negative(x), (I,)),
    ("sign", lambda o, x: o.sign(x), (A,)), ("sign int", lambda o, x: o.sign(x), (I,)),
    ("floor", lambda o, x: o.floor(x * 3), (A,)), ("ceil int", lambda o, x: o.ceil(x), (I,)),
    ("round", lambda o, x: o.round(x * 3), (A,)), ("round 2", lambda o, x: o.round(x, 2), (A,)),
    ("trunc", lambda o, x: o.trunc(x * 3), (A,)),
    ("trig", lambda o, x: o.sin(x) + o.cos(x) + o.tan(x), (U,)),
    ("arc", lambda o, x: o.arcsin(x) + o.arccos(x) + o.arctan(x), (U,)),
    ("hyper", lambda o, x: o.sinh(x) + o.cosh(x) + o.arcsinh(x) + o.arctanh(x), (U,)),
    ("arccosh", lambda o, x: o.arccosh(x + 1.5), (P,)),
    ("sin int", lambda o, x: o.sin(x), (I,)),
    ("erf", lambda o, x: o.erf(x) + o.erfc(x), (A,)),
    ("log1p/expm1", lambda o, x: o.log1p(x) + o.expm1(x), (P,)),
    ("log2/log10/exp2", lambda o, x: o.log2(x) + o.log10(x) + o.exp2(x), (P,)),
    ("rsqrt/reciprocal/cbrt", lambda o, x: o.rsqrt(x) + o.reciprocal(x) + o.cbrt(-x), (P,)),
    ("deg/rad", lambda o, x: o.deg2rad(o.rad2deg(x) + 1.0), (A,)),
    ("sinc", lambda o, x: o.sinc(x), (np.array([0.0, 0.5, -1.5], np.float32),)),
    ("i0", lambda o, x: o.i0(x), (U,)),
    ("isnan/isinf/isfinite", lambda o, x: o.stack([o.isnan(x), o.isinf(x), o.isfinite(x),
                                                   o.isposinf(x), o.isneginf(x),
                                                   o.signbit(x)]), (N,)),
    ("isnan int", lambda o, x: o.isnan(x), (I,)),
    ("nan_to_num", lambda o, x: o.nan_to_num(x), (N,)),
    ("nan_to_num args", lambda o, x: o.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0), (N,)),
    ("power", lambda o, x: o.power(x, 2), (P,)), ("power int", lambda o, x: o.power(x, 2), (I,)),
    ("power int float", lambda o, x: o.power(x, 0.5), (np.abs(I),)),
    ("true_divide int", lambda o, x: o.true_divide(x, 4), (I,)),
    ("floor_divide", lambda o, x: o.floor_divide(x, 3), (I,)),
    ("floor_divide f", lambda o, x: o.floor_divide(x, 0.3), (A,)),
    ("mod", lambda o, x: o.mod(x, 3), (I,)), ("mod f", lambda o, x: o.mod(x, 0.7), (A,)),
    ("fmod", lambda o, x: o.fmod(x, 3), (I,)), ("fmod f", lambda o, x: o.fmod(x, 0.7), (A,)),
    ("arctan2", lambda o, x, y: o.arctan2(x, y), (A, A[::-1].copy())),
    ("hypot", lambda o, x: o.hypot(x, 2.0), (A,)),
    ("logaddexp", lambda o, x, y: o.logaddexp(x, y) + o.logaddexp2(x, y), (A, A * 2)),
    ("greater_equal", lambda o, x: o.greater_equal(x, 1) , (I,)),
    ("less_equal mixed", lambda o, x, y: o.less_equal(x, y), (I[:2, :3].astype(np.float32), I[:2, :3])),
    ("logical_xor", lambda o, x, y: o.logical_xor(x, y), (B, B[::-1].copy())),
    ("heaviside", lambda o, x: o.heaviside(x, 0.5), (np.array([-1.0, 0.0, 2.0], np.float32),)),
    ("fmax/fmin", lambda o, x, y: o.fmax(x, y) + o.fmin(x, y), (N, N[::-1].copy())),
    ("divide_no_nan", lambda o, x, y: o.divide_no_nan(x, y), (A[0], np.where(A[1] > 0, A[1], 0))),
    ("ldexp", lambda o, x, y: o.ldexp(x, y), (A[0, 0], np.array([1, 2, -1, 0], np.int32))),
    ("all/any", lambda o, x: o.stack([o.all(x, 1), o.any(x, axis=1)]), (B,)),
    ("all int keepdims", lambda o, x: o.all(x, keepdims=True), (I,)),
    ("any int", lambda o, x: o.any(x, axis=(0, 1)), (I,)),
    ("amax/amin", lambda o, x: o.amax(x, 1) - o.amin(x, axis=1, keepdims=True), (A,)),
    ("prod", lambda o, x: o.prod(x, axis=1), (A,)), ("prod int", lambda o, x: o.prod(x), (I,)),
    ("prod bool", lambda o, x: o.prod(x, 0), (B,)),
    ("std/var", lambda o, x: [o.std(x, 1), o.var(x, axis=(0, 2), keepdims=True)], (A,)),
    ("var int", lambda o, x: o.var(x), (I,)),
    ("logsumexp", lambda o, x: o.logsumexp(x, axis=-1), (A,)),
    ("logsumexp all", lambda o, x: o.logsumexp(x * 50), (A,)),
    ("count_nonzero", lambda o, x: o.count_nonzero(x, 1), (I,)),
    ("count_nonzero all", lambda o, x: o.count_nonzero(x), (I,)),
    ("average", lambda o, x: o.average(x, 1), (A,)),
    ("average weights", lambda o, x, w: o.average(x, 2, weights=w), (A, P[0, 0])),
    ("ptp", lambda o, x: o.ptp(x, 1), (A,)),
    ("cumsum", lambda o, x: o.cumsum(x, 1), (A,)), ("cumsum flat", lambda o, x: o.cumsum(x), (I,)),
    ("cumsum bool", lambda o, x: o.cumsum(x, axis=1), (B,)),
    ("cumprod", lambda o, x: o.cumprod(x, axis=-1), (A,)),
    ("isclose", lambda o, x, y: o.isclose(x, y), (A, A + 1e-7)),
    ("allclose", lambda o, x, y: o.allclose(x, y, atol=0.5), (N, N + 0.1)),
    # -- ops_shape
    ("argsort", lambda o, x: o.argsort(x), (A,)), ("argsort axis", lambda o, x: o.argsort(x, 0), (I,)),
    ("argsort none", lambda o, x: o.argsort(x, axis=None), (A,)),
    ("sort", lambda o, x: o.sort(x, axis=1), (A,)),
    ("einsum", lambda o, x, y: o.einsum("bij,jk->bik", x, y), (A, M)),
    ("einsum mixed", lambda o, x, y: o.einsum("ij,ij->i", x, y), (I[:, :3], M[:3, :3])),
    ("pad", lambda o, x: o.pad(x, ((0, 0), (1, 2), (2, 1))), (A,)),
    ("pad value", lambda o, x: o.pad(x, 1, constant_values=7), (I,)),
    ("pad reflect", lambda o, x: o.pad(x, [[1, 1], [2, 2]], mode="reflect"), (I,)),
    ("pad symmetric", lambda o, x: o.pad(x, ((1, 0), (0, 2)), mode="symmetric"), (M,)),
    ("repeat", lambda o, x: o.repeat(x, 2, axis=1), (A,)), ("repeat flat", lambda o, x: o.repeat(x, 3), (I,)),
    ("repeat list", lambda o, x: o.repeat(x, [1, 0, 2], axis=0), (I,)),
    ("roll", lambda o, x: o.roll(x, 2, axis=-1), (A,)), ("roll flat", lambda o, x: o.roll(x, -3), (I,)),
    ("flip", lambda o, x: o.flip(x, 1) + o.flip(x) * 2, (A,)),
    ("fliplr/flipud", lambda o, x: o.fliplr(x) * 3 + o.flipud(x), (I,)),
    ("broadcast_to", lambda o, x: o.broadcast_to(x, (2, 3, 4)), (U[0],)),
    ("full", lambda o: o.full((2, 3), 7), ()), ("full float", lambda o: o.full((2,), 0.5), ()),
    ("full dtype", lambda o: o.full((3,), 2, dtype="float32"), ()),
    ("full_like", lambda o, x: o.full_like(x, 2), (A,)), ("full_like int", lambda o, x: o.full_like(x, 2.7), (I,)),
    ("empty", lambda o: o.empty((2, 2)) * 0, ()),
    ("eye", lambda o: o.eye(3), ()), ("eye k", lambda o: o.eye(3, 4, k=1, dtype="int32"), ()),
    ("identity", lambda o: o.identity(3), ()), ("tri", lambda o: o.tri(3, 4, -1), ()),
    ("linspace", lambda o: o.linspace(0, 1, 5), ()),
    ("linspace noend", lambda o: o.linspace(-2.0, 3.0, 7, endpoint=False), ()),
    ("linspace step", lambda o: o.linspace(1, 2, 4, retstep=True)[0], ()),
    ("logspace", lambda o: o.logspace(0, 2, 3), ()), ("geomspace", lambda o: o.geomspace(1, 8, 4), ()),
    ("moveaxis", lambda o, x: o.moveaxis(x, 0, -1), (A,)),
    ("moveaxis multi", lambda o, x: o.moveaxis(x, [0, 1], [2, 0]), (A,)),
    ("swapaxes", lambda o, x: o.swapaxes(x, 0, 2), (A,)),
    ("take_along_axis", lambda o, x, i: o.take_along_axis(x, i, axis=1), (M, np.abs(I[:2]).T % 4)),
    ("take_along_axis argsort", lambda o, x: o.take_along_axis(x, o.argsort(x, -1), -1), (A,)),
    ("take_along_axis none", lambda o, x, i: o.take_along_axis(x, i, axis=None), (M, np.array([3, 0, 15], np.int32))),
    ("take_along_axis inf", lambda o, x, i: o.take_along_axis(x, i, 0), (N[:, None], np.array([[5], [0], [2]], np.int32))),
    ("ravel", lambda o, x: o.ravel(x), (A,)),
    ("append", lambda o, x: o.append(x, x * 2), (I,)), ("append axis", lambda o, x: o.append(x, x, axis=1), (A,)),
    ("hstack", lambda o, x: o.hstack([x, x]), (I,)), ("vstack", lambda o, x: o.vstack([x[0], x[1]]), (I,)),
    ("dstack", lambda o, x: o.dstack([x, x]), (I,)),
    ("array_split", lambda o, x: o.array_split(x, 3, axis=2), (A,)),
    ("hsplit/vsplit", lambda o, x: o.hsplit(x, 2) + o.vsplit(x, [1]), (M,)),
    ("dsplit", lambda o, x: o.dsplit(x, 2), (A,)),
    ("diagonal", lambda o, x: o.diagonal(x, 1), (M,)),
    ("diagonal axes", lambda o, x: o.diagonal(x, -1, axis1=1, axis2=2), (A,)),
    ("trace", lambda o, x: o.trace(x), (M,)), ("trace int", lambda o, x: o.trace(x, 1), (I,)),
    ("diag", lambda o, x: o.diag(x, -1), (U[0],)), ("diag 2d", lambda o, x: o.diag(x), (M,)),
    ("outer/inner", lambda o, x, y: o.outer(x, y) + o.inner(x, y), (U[0], U[1])),
    ("inner nd", lambda o, x, y: o.inner(x, y), (A, M)),
    ("dot", lambda o, x, y: o.dot(x, y), (A, M)), ("dot vec", lambda o, x, y: o.dot(x, y), (M, U[0])),
    ("vdot", lambda o, x, y: o.vdot(x, y), (M, M)),
    ("kron", lambda o, x, y: o.kron(x, y), (I[:2, :2], M[:2, :3])),
    ("cross", lambda o, x, y: o.cross(x, y), (U[:, :3], U[:, 1:])),
    ("meshgrid", lambda o, x, y: o.meshgrid(x, y), (U[0], U[1, :3])),
    ("meshgrid ij", lambda o, x, y: o.meshgrid(x, y, indexing="ij"), (U[0], U[1, :3])),
    ("rot90", lambda o, x: o.stack([o.rot90(x), o.rot90(x, 2), o.rot90(x, -1)]), (M,)),
    ("rot90 axes", lambda o, x: o.rot90(x, 1, axes=(1, 2)), (A,)),
    ("unstack", lambda o, x: o.unstack(x, axis=1), (A,)),
    ("copy/array", lambda o, x: o.copy(x) + o.array([1, 2, 3, 4]), (I,)),
    ("diff", lambda o, x: o.diff(x), (I,)), ("diff 2", lambda o, x: o.diff(x, 2, axis=0), (M,)),
    ("get_item", lambda o, x: o.get_item(x, 1), (A,)),
    ("slice", lambda o, x: o.slice(x, (0, 1, 1), (2, 2, 3)), (A,)),
    ("slice_update", lambda o, x, u: o.slice_update(x, (1, 1), u), (M, np.ones((2, 3), np.float32))),
    ("scatter", lambda o, v: o.scatter(np.array([[0, 1], [2, 2]], np.int32), v, (3, 3)), (U[0, :2],)),
    ("scatter_update", lambda o, x, v: o.scatter_update(x, np.array([[0, 1], [2, 3]], np.int32), v), (M, U[0, :2])),
    ("searchsorted", lambda o, s, v: o.searchsorted(s, v), (np.sort(U[0]), A[0])),
    ("searchsorted right", lambda o, s, v: o.searchsorted(s, v, side="right"), (np.array([1, 2, 2, 3], np.int32), I)),
    ("digitize", lambda o, x: o.digitize(x, np.array([-1.0, 0.0, 1.0], np.float32)), (A,)),
    ("select", lambda o, x: o.select([x < -0.5, x > 0.5], [x, x * 2], default=9.0), (A,)),
]


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_dtypes_equal_keras3(name, f, args):
    compare(K3, ops, f, args, rtol=2e-5, atol=2e-6)


def test_int_tensor_beside_python_float_promotes_as_keras3():
    compare(K3, ops, lambda o, x: o.power(x, 2.0), (I,))
    compare(K3, ops, lambda o, x: o.true_divide(2, x + 10), (I,))
