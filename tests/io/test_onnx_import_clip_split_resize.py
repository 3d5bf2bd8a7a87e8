"""ONNX import of Clip (opset 6 attributes, 11+ optional inputs), Split (``split`` attribute
before 13, input from 13, equal parts, 18's ``num_outputs``), Resize (nearest and linear with
the coordinate modes and rounding rules exporters write; opset 10's two inputs, 11+'s roi /
scales / sizes, 18's axes) and a Loop that runs no iteration with scan outputs, each on a tiny
hand-built model compared with onnxruntime on the same file."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper
from onnx_run import run_imported, run_ort

F = TensorProto.FLOAT
RNG = np.random.default_rng(0)


def _model(nodes, inputs, outputs, opset, inits=()):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, t, s)
                                       for n, t, s in inputs],
                          [helper.make_tensor_value_info(n, t, (shape or [None])[0])
                           for n, t, *shape in outputs],
                          initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 9
    return onnx.shape_inference.infer_shapes(m)          # the outputs' types, for the checker


def _same(proto, feeds, rtol=1e-6, atol=1e-6):
    want, got = run_ort(proto, feeds), run_imported(proto, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return got


def _const(name, values, dtype=np.float32):
    return helper.make_tensor(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                              np.shape(values), np.asarray(values, dtype).ravel().tolist())


X = np.array([[-2.0, -0.5, 0.0], [0.25, 1.5, np.nan]], np.float32)


@pytest.mark.parametrize("opset,lo,hi", [(13, -0.5, 1.0), (13, None, 0.3), (11, 0.2, None),
                                         (13, 1.0, -1.0), (12, None, None)])
def test_clip_with_inputs(opset, lo, hi):
    inits = [_const(n, v) for n, v in (("lo", lo), ("hi", hi)) if v is not None]
    node = helper.make_node("Clip", ["x", "lo" if lo is not None else "",
                                     "hi" if hi is not None else ""], ["y"])
    _same(_model([node], [("x", F, [2, 3])], [("y", F)], opset, inits), {"x": X})


@pytest.mark.parametrize("attrs", [{"min": -0.5, "max": 1.0}, {"max": 0.0}, {"min": 0.1}, {}])
def test_clip_opset6_attributes(attrs):
    node = helper.make_node("Clip", ["x"], ["y"], **attrs)
    _same(_model([node], [("x", F, [2, 3])], [("y", F)], 6), {"x": X})


def test_clip_int64_and_gradient():
    node = helper.make_node("Clip", ["x", "lo", "hi"], ["y"])
    m = _model([node], [("x", TensorProto.INT64, [4])], [("y", TensorProto.INT64)], 13,
               [_const("lo", 0, np.int64), _const("hi", 2, np.int64)])
    _same(m, {"x": np.array([-3, 1, 2, 9], np.int64)})
    f = _model([helper.make_node("Clip", ["x", "lo"], ["y"])], [("x", F, [3])], [("y", F)], 13,
               [_const("lo", 0.0)])
    x = dt.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    dt.onnx.load_model(f)(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1])


@pytest.mark.parametrize("opset,axis,parts,outs", [
    (13, 1, [1, 3, 2], 3), (13, -1, None, 2), (11, 0, [1, 1], 2), (11, 1, None, 3),
    (18, 1, None, 4), (2, 0, None, 2)])
def test_split(opset, axis, parts, outs):
    x = RNG.standard_normal((2, 6)).astype(np.float32)
    names = [f"y{i}" for i in range(outs)]
    inits, ins, attrs = [], ["x"], {"axis": axis}
    if parts is not None and opset >= 13:
        inits.append(_const("s", parts, np.int64))
        ins.append("s")
    elif parts is not None:
        attrs["split"] = parts
    if opset >= 18 and parts is None:
        attrs["num_outputs"] = outs            # 6 into 4: sizes 2, 2, 2, 0
    node = helper.make_node("Split", ins, names, **attrs)
    _same(_model([node], [("x", F, [2, 6])], [(n, F) for n in names], opset, inits), {"x": x})


def test_split_refuses_parts_that_do_not_add_up():
    node = helper.make_node("Split", ["x"], ["a", "b"], axis=1, split=[2, 2])
    m = _model([node], [("x", F, [2, 6])], [("a", F), ("b", F)], 11)
    for o in m.graph.output:                      # (inference gives up on the bad sizes)
        o.type.tensor_type.shape.dim.add().dim_value = 2
        o.type.tensor_type.shape.dim.add()
    with pytest.raises(ValueError, match=r"Split sizes \[2, 2\] of axis 1 \(size 6\)"):
        dt.onnx.load_model(m)(dt.ones(2, 6))


# (mode, coordinate_transformation_mode, nearest_mode) as exporters write them: torch's
# nearest (asymmetric + floor), bilinear (pytorch_half_pixel / align_corners), tf2onnx's
# (half_pixel, tf_half_pixel_for_nn), the defaults
RESIZE = [("nearest", "asymmetric", "floor"), ("nearest", "half_pixel", "round_prefer_floor"),
          ("nearest", "tf_half_pixel_for_nn", "round_prefer_ceil"),
          ("nearest", "align_corners", "ceil"), ("linear", "pytorch_half_pixel", None),
          ("linear", "align_corners", None), ("linear", "half_pixel", None),
          ("linear", "asymmetric", None)]


@pytest.mark.parametrize("mode,coords,rule", RESIZE)
@pytest.mark.parametrize("scales", [[1, 1, 2, 1.5], [1, 1, 0.5, 0.75]])
def test_resize_scales(mode, coords, rule, scales):
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    attrs = {"mode": mode, "coordinate_transformation_mode": coords}
    if rule:
        attrs["nearest_mode"] = rule
    node = helper.make_node("Resize", ["x", "", "sc"], ["y"], **attrs)
    _same(_model([node], [("x", F, [1, 2, 4, 4])], [("y", F)], 13, [_const("sc", scales)]),
          {"x": x}, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,coords", [("nearest", "asymmetric"), ("linear", "align_corners"),
                                         ("linear", "pytorch_half_pixel")])
def test_resize_sizes_opset11_and_gradient(mode, coords):
    x = RNG.standard_normal((1, 1, 3, 5)).astype(np.float32)
    node = helper.make_node("Resize", ["x", "roi", "sc", "sz"], ["y"], mode=mode,
                            coordinate_transformation_mode=coords)
    m = _model([node], [("x", F, [1, 1, 3, 5])], [("y", F)], 11,
               [_const("roi", []), _const("sc", []), _const("sz", [1, 1, 7, 1], np.int64)])
    _same(m, {"x": x}, rtol=1e-5, atol=1e-6)
    xt = dt.tensor(x, requires_grad=True)
    dt.onnx.load_model(m)(xt).sum().backward()
    assert xt.grad.shape == (1, 1, 3, 5) and abs(float(xt.grad.sum()) - 7.0) < 1e-4


@pytest.mark.parametrize("mode,scales", [("nearest", [1, 1, 2, 3]), ("nearest", [1, 1, 0.5, 0.5]),
                                         ("linear", [1, 1, 2, 2])])
def test_resize_opset10(mode, scales):
    x = RNG.standard_normal((1, 1, 4, 4)).astype(np.float32)
    node = helper.make_node("Resize", ["x", "sc"], ["y"], mode=mode)
    _same(_model([node], [("x", F, [1, 1, 4, 4])], [("y", F)], 10, [_const("sc", scales)]),
          {"x": x}, rtol=1e-5, atol=1e-6)


def test_resize_opset18_axes():
    x = RNG.standard_normal((1, 2, 3, 4)).astype(np.float32)
    node = helper.make_node("Resize", ["x", "", "", "sz"], ["y"], mode="linear", axes=[3, 2])
    _same(_model([node], [("x", F, [1, 2, 3, 4])], [("y", F)], 18,
                 [_const("sz", [6, 5], np.int64)]), {"x": x}, rtol=1e-5, atol=1e-6)


def test_resize_cubic_is_refused():
    node = helper.make_node("Resize", ["x", "", "sc"], ["y"], mode="cubic")
    m = _model([node], [("x", F, [1, 1, 2, 2])], [("y", F)], 13, [_const("sc", [1, 1, 2, 2])])
    with pytest.raises(NotImplementedError, match="Resize with mode 'cubic'"):
        dt.onnx.load_model(m)(dt.ones(1, 1, 2, 2))


def _loop(declared, x_shape):
    V = helper.make_tensor_value_info
    body = helper.make_graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"]),
         helper.make_node("Add", ["v_in", "x"], ["v_out"]),
         helper.make_node("Mul", ["v_in", "x"], ["s"])], "body",
        [V("i", TensorProto.INT64, []), V("c_in", TensorProto.BOOL, []), V("v_in", F, x_shape)],
        [V("c_out", TensorProto.BOOL, []), V("v_out", F, x_shape), V("s", F, declared)])
    node = helper.make_node("Loop", ["M", "", "v0"], ["v", "scan"], body=body)
    return _model([node], [("M", TensorProto.INT64, []), ("v0", F, x_shape), ("x", F, x_shape)],
                  [("v", F, x_shape), ("scan", F)], 13)


# the body's scan output declared, or inferred (None) from x's declared shape: a symbolic
# dimension ("b") counts 0, as in onnxruntime
@pytest.mark.parametrize("declared,x_shape,empty", [([2, 3], [2, 3], (0, 2, 3)),
                                                    (None, [2, 3], (0, 2, 3)),
                                                    (["n", 3], ["b", 3], (0, 0, 3))])
@pytest.mark.parametrize("trips", [0, 2])
def test_loop_scan_outputs_with_and_without_iterations(declared, x_shape, empty, trips):
    feeds = {"M": np.array(trips, np.int64), "v0": np.ones((2, 3), np.float32),
             "x": np.full((2, 3), 2.0, np.float32)}
    got = _same(_loop(declared, x_shape), feeds)
    assert got[1].shape == (empty if trips == 0 else (2, 2, 3))
