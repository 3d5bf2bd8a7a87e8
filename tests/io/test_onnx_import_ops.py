"""``dlcore_eager.onnx.load_model`` runs every operator dlcore's ONNX exporter writes: the
packed recurrent models with ``padding_value``/``total_length`` (Pad, Range, Shape, Where),
static ``cond``/``while_loop`` graphs (If, Loop), and each operator added to the importer on a
tiny hand-built model, all compared with onnxruntime on the same file."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper
from onnx_run import run_imported as _imported
from onnx_run import run_ort as _ort


def test_the_importer_runs_every_operator_the_exporter_writes():
    from dlcore.io import onnx_export, onnx_rnn
    from dlcore_eager.onnx_import import _CONTROL, _OPS, _build_ops
    src = inspect.getsource(onnx_export) + inspect.getsource(onnx_rnn)
    written = set(re.findall(r'(?:node|make_node)\(\s*"([A-Za-z]+)"', src))
    written |= {*onnx_export._UNARY.values(), *onnx_export._BINARY.values(),
                *onnx_export._REDUCE.values(), *onnx_rnn._ONNX_OP.values(), "LogSoftmax"}
    assert {"Pad", "Range", "Shape", "If", "Loop", "ScatterND"} <= written
    ops = _OPS or _build_ops()
    assert sorted(written - set(ops) - set(_CONTROL)) == []


def _packed(mode, batch_first, value, total):
    utils = dt.nn.utils.rnn

    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(dt.nn, mode)(3, 4, batch_first=batch_first, bidirectional=True)

        def forward(self, x, lengths):
            p = utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                           enforce_sorted=False)
            out, h = self.rnn(p)
            y, _ = utils.pad_packed_sequence(out, batch_first=batch_first,
                                             padding_value=value, total_length=total)
            return y, (h[0] if mode == "LSTM" else h)
    return M()


@pytest.mark.parametrize("mode,batch_first,value,total", [("LSTM", True, -1.0, 9),
                                                          ("GRU", False, 0.5, None)])
def test_packed_rnn_with_padding_value_and_total_length_round_trip(mode, batch_first, value,
                                                                   total, tmp_path):
    dt.manual_seed(1)
    m = _packed(mode, batch_first, value, total)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 3) if batch_first else (6, 3, 3)).astype(np.float32)
    path = str(tmp_path / "packed.onnx")
    proto = dlcore_eager.onnx.export(
        m, (dt.tensor(x), dt.tensor([4, 6, 2])), path, input_names=["x", "len"],
        dynamic_axes={"x": {0: "batch", 1: "time"} if batch_first else {0: "time", 1: "batch"},
                      "len": {0: "batch"}})
    assert {"Range", "Shape", "Where"} <= {n.op_type for n in proto.graph.node}
    assert ("Pad" in {n.op_type for n in proto.graph.node}) == (total is not None)
    back = dlcore_eager.onnx.load_model(path)                   # the same file as onnxruntime
    lengths = [5, 1, 7, 3]
    x2 = rng.standard_normal((4, 7, 3) if batch_first else (7, 4, 3)).astype(np.float32)
    got = back(dt.tensor(x2), dt.tensor(lengths))
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    want = sess.run(None, {"x": x2, "len": np.array(lengths, np.int64)})
    eager = m(dt.tensor(x2), dt.tensor(lengths))
    for g, w, e in zip(got, want, eager):
        assert g.shape == w.shape == e.shape
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-5, atol=1e-6)
    (got[0].sum() + got[1].sum()).backward()      # gradients reach the imported weights
    assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all()
               for p in back.parameters())


def test_opset_18_export_takes_the_reductions_axes_as_inputs():
    """opset_version=18 wrote ReduceMax/ReduceMean/ReduceProd/ReduceLogSumExp with an axes
    attribute, which onnx.checker refuses at opset 18 ("Unrecognized attribute: axes")."""
    F = dt.nn.functional

    def f(x, lengths):
        y = F.batch_norm(x, None, None, training=True)
        return (y.amax(dim=1) + x.prod(dim=1), F.cross_entropy(x, dt.tensor([0, 2, 1])),
                m(x.unsqueeze(0).expand(2, 3, 3), lengths[:2])[0])
    dt.manual_seed(2)
    m = _packed("LSTM", True, -1.0, 4)
    x = np.random.default_rng(4).standard_normal((3, 3)).astype(np.float32)
    lengths = np.array([3, 1, 2], np.int64)
    proto = dlcore_eager.onnx.export(f, (dt.tensor(x), dt.tensor(lengths)), opset_version=18)
    ops = {n.op_type: n for n in proto.graph.node}
    assert {"ReduceMax", "ReduceMean", "ReduceProd", "ReduceLogSumExp"} <= set(ops)
    assert all(len(ops[k].input) == 2 and not ops[k].attribute or
               [a.name for a in ops[k].attribute] == ["keepdims"]
               for k in ("ReduceMax", "ReduceMean", "ReduceProd", "ReduceLogSumExp"))
    feeds = {"input.0": x, "input.1": lengths}
    eager = [t.detach().numpy() for t in f(dt.tensor(x), dt.tensor(lengths))]
    for got in (_ort(proto, feeds), _imported(proto, feeds)):
        for g, e in zip(got, eager):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_static_cond_and_while_loop_round_trip():
    import dlcore_static as tf
    from dlcore_static.onnx_export import export as export_graph
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable(np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32) / 2, name="w")
    y = tf.cond(p, lambda: tf.matmul(x, w), lambda: tf.exp(x) - 1.0)
    i, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, tf.tanh(tf.matmul(a, w) + x)),
                           [tf.constant(0), y], maximum_iterations=4)
    rng = np.random.default_rng(2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        proto = export_graph(sess, [y, i, acc], [x, p, n])
        assert {"If", "Loop"} <= {nd.op_type for nd in proto.graph.node}
        for b, pv, nv in ((2, True, 3), (3, False, 0), (1, False, 6)):
            feeds = {"x": rng.standard_normal((b, 3)).astype(np.float32),
                     "p": np.array(pv), "n": np.array(nv, np.int32)}
            want = sess.run([y, i, acc], {x: feeds["x"], p: pv, n: nv})
            for g, o, s in zip(_imported(proto, feeds), _ort(proto, feeds), want):
                np.testing.assert_allclose(g, o, rtol=1e-5, atol=1e-6)
                np.testing.assert_allclose(g, s, rtol=1e-5, atol=1e-6)
        # gradients through the imported If and Loop equal tf.gradients through cond/while
        cot = rng.standard_normal((2, 3)).astype(np.float32)
        dw, = tf.gradients(tf.reduce_sum(acc * cot), [w])
        back = dlcore_eager.onnx.load_model(proto)
        weight, = [q for q in back.parameters() if tuple(q.shape) == (3, 3)]
        for pv, nv in ((True, 3), (False, 2)):
            xv = rng.standard_normal((2, 3)).astype(np.float32)
            weight.grad = None
            out = back(dt.tensor(xv), dt.tensor(pv), dt.tensor(np.int32(nv)))
            (out[2] * dt.tensor(cot)).sum().backward()
            np.testing.assert_allclose(weight.grad.numpy(),
                                       sess.run(dw, {x: xv, p: pv, n: nv}), rtol=1e-4,
                                       atol=1e-5)


def _model(op, inputs: dict, attrs=None, consts=None, opset=17, n_out=1, nodes=None,
           out_type=None, out_shape=None):
    """A one-node model (or ``nodes``): ``inputs`` name -> example array (graph inputs),
    ``consts`` name -> array (initializers); the outputs' element type is ``out_type`` or
    that of the first input."""
    def info(name, arr):
        return helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(arr.dtype), list(arr.shape))
    outs = [f"y{k}" for k in range(n_out)]
    first = next(iter({**inputs, **(consts or {})}.items()))
    nodes = nodes or [helper.make_node(op, list(inputs) + list(consts or {}), outs,
                                       **(attrs or {}))]
    g = helper.make_graph(nodes, "t", [info(k, v) for k, v in inputs.items()],
                          [helper.make_tensor_value_info(
                              o, out_type or info(*first).type.tensor_type.elem_type,
                              out_shape[k] if n_out > 1 and out_shape else out_shape)
                           for k, o in enumerate(outs)],
                          initializer=[onnx.numpy_helper.from_array(v, k)
                                       for k, v in (consts or {}).items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 9
    return m if out_shape is not None else onnx.shape_inference.infer_shapes(m)


_X = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 4 - 1.3
_I64 = np.int64


def _pads(p):
    return np.array(p, _I64)


CASES = [
    ("Pad", {"x": _X}, {"mode": "constant"},
     {"pads": _pads([1, -1, 0, 2]), "v": np.array(2.5, np.float32)}, 17),
    ("Pad", {"x": _X}, {"mode": "reflect"}, {"pads": _pads([2, 1, 1, 3])}, 17),
    ("Pad", {"x": _X}, {"mode": "edge"}, {"pads": _pads([0, 3, 2, 1])}, 17),
    ("Pad", {"x": _X}, {"mode": "constant"},
     {"pads": _pads([2, 1]), "v": np.array(-1, np.float32), "axes": np.array([-1], _I64)}, 18),
    ("Pad", {"x": _X}, {"mode": "wrap"}, {"pads": _pads([1, 2, 2, 5])}, 19),
    ("Range", {}, {}, {"s": np.array(1.0, np.float32), "l": np.array(-2.2, np.float32),
                       "d": np.array(-0.5, np.float32)}, 17),
    ("Range", {}, {}, {"s": np.array(2, _I64), "l": np.array(11, _I64),
                       "d": np.array(3, _I64)}, 17),
    ("Shape", {"x": np.zeros((2, 3, 4, 5), np.float32)}, {"start": 1, "end": -1}, None, 17),
    ("Shape", {"x": np.zeros((2, 3), np.float32)}, {"start": -9}, None, 17),
    ("GatherElements", {"x": _X}, {"axis": 1},
     {"i": np.array([[0, -1], [3, 1], [-4, 2]], _I64)}, 17),
    ("ScatterND", {"x": _X}, {},
     {"i": np.array([[2], [0]], _I64), "u": np.ones((2, 4), np.float32)}, 17),
    ("ScatterND", {"x": _X}, {"reduction": "add"},
     {"i": np.array([[1, 1], [1, 1], [-1, 0]], _I64), "u": np.ones(3, np.float32)}, 17),
    ("ScatterND", {"x": _X}, {"reduction": "mul"},
     {"i": np.array([[0], [0]], _I64), "u": np.full((2, 4), 2.0, np.float32)}, 17),
    ("ScatterND", {"x": _X}, {"reduction": "max"},
     {"i": np.array([[1], [2]], _I64), "u": np.zeros((2, 4), np.float32)}, 18),
    ("ScatterND", {"x": _X}, {"reduction": "min"},
     {"i": np.array([[1], [2]], _I64), "u": np.zeros((2, 4), np.float32)}, 18),
    ("Mod", {"a": np.array([-7, 7, 5, -5], np.int32)}, {},
     {"b": np.array([3, -3, 2, 2], np.int32)}, 17),
    ("Mod", {"a": np.array([-7.5, 7.5, 5.0], np.float32)}, {"fmod": 1},
     {"b": np.array([2.0, -2.0, 3.0], np.float32)}, 17),
    ("IsNaN", {"x": np.array([np.nan, 1.0, np.inf], np.float32)}, {}, None, 17),
    ("IsInf", {"x": np.array([-np.inf, 1.0, np.inf], np.float32)}, {"detect_negative": 0},
     None, 17),
    ("ReduceProd", {"x": _X}, {"axes": [1], "keepdims": 0}, None, 17),
    ("ReduceProd", {"x": _X}, {}, {"axes": np.array([0, -1], _I64)}, 18),
    ("ReduceLogSumExp", {"x": _X}, {"axes": [0], "keepdims": 0}, None, 17),
    ("ReduceSum", {"x": _X}, {"noop_with_empty_axes": 1}, {"axes": np.zeros(0, _I64)}, 18),
    ("ReduceMean", {"x": _X}, {"keepdims": 0}, {"axes": np.array([-1], _I64)}, 18),
    ("Unsqueeze", {"x": _X}, {"axes": [0, 3]}, None, 11),          # axes as attribute
    ("Squeeze", {"x": _X[None, :, None]}, {"axes": [2]}, None, 11),
] + [(op, {"x": np.array([-0.7, 0.1, 0.6], np.float32)}, {}, None, 17)
     for op in ("Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh")]


@pytest.mark.parametrize("op,inputs,attrs,consts,opset", CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)])
def test_operator_against_onnxruntime(op, inputs, attrs, consts, opset):
    out_type = {"IsNaN": TensorProto.BOOL, "IsInf": TensorProto.BOOL,
                "Shape": TensorProto.INT64}.get(op)
    proto = _model(op, inputs, attrs, consts, opset, out_type=out_type)
    onnx.checker.check_model(proto)
    want = _ort(proto, inputs)
    got = _imported(proto, inputs)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g, w)
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


_P = np.random.default_rng(5).standard_normal((1, 2, 5, 6)).astype(np.float32)
POOLS_CASTS = [
    ("MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1],
                 "ceil_mode": 1}),
    ("MaxPool", {"kernel_shape": [3, 2], "strides": [2, 1], "dilations": [2, 2],
                 "pads": [1, 0, 1, 0]}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "ceil_mode": 1, "count_include_pad": 1}),
    ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "ceil_mode": 1, "count_include_pad": 0}),
    ("Cast", {"to": TensorProto.FLOAT16}),
    ("Cast", {"to": TensorProto.INT8}),
    ("Cast", {"to": TensorProto.UINT8}),
]


@pytest.mark.parametrize("op,attrs", POOLS_CASTS,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(POOLS_CASTS)])
def test_pool_options_and_casts_against_onnxruntime(op, attrs):
    """MaxPool dilations and ceil_mode (a last window starting in the padding is dropped, as
    onnxruntime and PyTorch do), AveragePool ceil_mode, Cast to 8- and 16-bit types."""
    x = _P if op != "Cast" else (_P * 3 + 1 if attrs["to"] != TensorProto.UINT8 else
                                 np.abs(_P) * 3)     # (a negative to uint8 is undefined)
    proto = _model(op, {"x": x}, attrs, out_type=attrs.get("to"), out_shape=[None] * 4)
    want, = _ort(proto, {"x": x})
    got, = _imported(proto, {"x": x})
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), rtol=1e-6,
                               atol=1e-6)


def test_float_remainder_exports_with_the_divisors_sign():
    """x % y of floats (PyTorch's remainder: the divisor's sign) was exported as ONNX Mod
    with fmod=1 (the dividend's sign: -0.3 % 0.7 gave -0.3 in onnxruntime, not 0.4)."""
    x = np.array([-0.3, 0.3, -1.4, 2.5, 0.0, -2.1], np.float32)
    y = np.array([0.7, -0.7, 0.7, -1.0, 0.5, 0.7], np.float32)
    proto = dlcore_eager.onnx.export(lambda a, b: a.remainder(b) * 2.0,
                                     (dt.tensor(x), dt.tensor(y)), input_names=["a", "b"])
    want = np.remainder(x, y) * np.float32(2)                  # torch.remainder's rule
    np.testing.assert_allclose(dt.tensor(x).remainder(dt.tensor(y)).numpy() * 2, want)
    got = _ort(proto, {"a": x, "b": y})[0]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_imported(proto, {"a": x, "b": y})[0], want, rtol=1e-6,
                               atol=1e-6)


def test_loop_with_trip_count_condition_and_scan_output():
    """Loop(M=5, cond): s = s * 2 + x while the body's condition (sum(s) < 40) holds (4
    iterations for the first x, 5 for the second), with a scan output of each iteration's s,
    negated on odd iterations by an If inside the body; then Loop(M=5, cond omitted), whose
    body's false condition output still stops it after one iteration, as in onnxruntime."""
    f32 = TensorProto.FLOAT
    then_g = helper.make_graph([helper.make_node("Neg", ["s2"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", f32, [2])])
    else_g = helper.make_graph([helper.make_node("Identity", ["s2"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", f32, [2])])
    body = helper.make_graph(
        [helper.make_node("Mul", ["s", "two"], ["s1"]),
         helper.make_node("Add", ["s1", "x"], ["s2"]),
         helper.make_node("Mod", ["i", "two_i"], ["odd_i"]),
         helper.make_node("Cast", ["odd_i"], ["odd"], to=TensorProto.BOOL),
         helper.make_node("If", ["odd"], ["scan"], then_branch=then_g, else_branch=else_g),
         helper.make_node("ReduceSum", ["s2"], ["tot"], keepdims=0),
         helper.make_node("Less", ["tot", "forty"], ["c_out"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                 helper.make_tensor_value_info("s", f32, [2])],
        [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s2", f32, [2]),
         helper.make_tensor_value_info("scan", f32, [2])])
    consts = {"M": np.array(5, _I64), "c0": np.array(True), "two": np.array(2, np.float32),
              "two_i": np.array(2, _I64), "forty": np.array(40, np.float32)}
    loop = helper.make_node("Loop", ["M", "c0", "s0"], ["y0", "y1"], body=body)
    for x in (np.array([1.0, 2.0], np.float32), np.array([0.1, -0.2], np.float32)):
        inputs = {"x": x, "s0": np.zeros(2, np.float32)}
        proto = _model(None, inputs, consts=consts, n_out=2, nodes=[loop],
                       out_shape=[[2], [None, 2]])
        onnx.checker.check_model(proto)
        want = _ort(proto, inputs)
        got = _imported(proto, inputs)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-6)
    assert _imported(proto, inputs)[1].shape == (5, 2)
    once = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"]),
         helper.make_node("Greater", ["i", "two_i"], ["c_out"])], "once", body.input[:],
        [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("s2", f32, [2])])
    loop = helper.make_node("Loop", ["M", "", "s0"], ["y0"], body=once)
    proto = _model(None, inputs, consts=consts, nodes=[loop], out_shape=[2])
    want = _ort(proto, inputs)
    np.testing.assert_allclose(_imported(proto, inputs)[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(want[0], inputs["x"], rtol=1e-6)


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant"])
def test_pad_gradient_against_finite_differences(mode):
    x0 = _X.astype(np.float64)
    proto = _model("Pad", {"x": x0}, {"mode": mode}, {"pads": _pads([1, 2, 2, -1])}, opset=19)
    m = dlcore_eager.onnx.load_model(proto)
    g = np.random.default_rng(3).standard_normal((6, 5))

    def f(x):
        return float((m(dt.tensor(x)).numpy() * g).sum())
    x = dt.tensor(x0, requires_grad=True)
    (m(x) * dt.tensor(g)).sum().backward()
    eps, fd = 1e-6, np.zeros_like(x0)
    for k in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[k] = eps
        fd[k] = (f(x0 + e) - f(x0 - e)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_unsupported_operators_are_named_also_inside_subgraphs():
    f32 = TensorProto.FLOAT
    branch = helper.make_graph([helper.make_node("Hardmax", ["x"], ["h"])], "b", [],
                               [helper.make_tensor_value_info("h", f32, None)])
    node = helper.make_node("If", ["c"], ["y0"], then_branch=branch, else_branch=branch)
    proto = _model(None, {"x": _X, "c": np.array(True)}, nodes=[node])
    with pytest.raises(NotImplementedError,
                       match=r"ONNX import: operators \['Hardmax'\] are not supported"):
        dlcore_eager.onnx.load_model(proto)


def test_pad_with_the_wrong_number_of_pads_is_refused():
    proto = _model("Pad", {"x": _X}, {"mode": "constant"}, {"pads": _pads([1, 1, 1])},
                   out_shape=[3, 4])
    m = dlcore_eager.onnx.load_model(proto)
    with pytest.raises(ValueError, match=r"Pad of a tensor of shape \(3, 4\) takes 4 pads for "
                                         r"axes \[0, 1\], got 3"):
        m(dt.tensor(_X))
