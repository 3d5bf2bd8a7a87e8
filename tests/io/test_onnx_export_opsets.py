"""ONNX export at every opset dlcore writes (11 to the installed onnx's newest) and the
importer's padding options.

* ``x[None]``, ``x[:, None]``, ``x[..., None]`` export as Slice/Squeeze then Unsqueeze.
* Before opset 13 ReduceSum/Squeeze/Unsqueeze take ``axes`` as an attribute, Softmax and
  LogSoftmax flatten the axes from ``axis`` on (another axis is moved last), before 12 there
  is no LessOrEqual/GreaterOrEqual, before 15 Shape has no start/end, before 17 no
  LayerNormalization: each export is checked by ``onnx.checker`` (full check) and run in
  onnxruntime and through ``dlcore_eager.onnx.load_model``, against the eager values.
* The importer's Conv/MaxPool/AveragePool with ``auto_pad``, asymmetric pads, pads over half
  the kernel, ``ceil_mode`` with those, and AveragePool's dilations (opset 19), against
  onnxruntime on tiny hand-built models; Softmax/LogSoftmax before and after opset 13.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper

F = dt.nn.functional


from onnx_run import run_imported as _imported
from onnx_run import run_ort as _ort


def _check_all(proto, fn, xs: list, names: list) -> None:
    onnx.checker.check_model(proto, full_check=True)
    feeds = dict(zip(names, xs))
    eager = fn(*[dt.tensor(x) for x in xs])
    eager = [t.detach().numpy() for t in (eager if isinstance(eager, tuple) else (eager,))]
    for got in (_ort(proto, feeds), _imported(proto, feeds)):
        assert len(got) == len(eager)
        for g, e in zip(got, eager):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


_X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)


@pytest.mark.parametrize("opset", [11, 17])
def test_getitem_with_none_exports_as_unsqueeze(opset):
    def f(x):
        return (x[None], x[:, None], x[..., None], x[1, None, ::2], x[None, :, 1],
                x[None, 1:, None, -1], x[0, 0][None].sum() + x[1, 2].sum())
    proto = dlcore_eager.onnx.export(f, (dt.tensor(_X),), opset_version=opset)
    assert "Unsqueeze" in {n.op_type for n in proto.graph.node}
    _check_all(proto, f, [_X], ["input.0"])


class _Mixed(dt.nn.Module):
    """Every operator whose form changed between opsets 11 and 18 that the exporter writes."""

    def __init__(self):
        super().__init__()
        self.ln = dt.nn.LayerNorm(4)
        self.lin = dt.nn.Linear(4, 3)

    def forward(self, x):
        y = self.ln(x)[None] + x[:, None].sum(0)
        z = F.softmax(y, dim=0) + F.log_softmax(x, dim=-2)[..., None].squeeze(-1)
        w = x.amax(1, keepdim=True).unsqueeze(0).squeeze(0) + x.mean(0)
        c = (x <= 0.1).float() + (x >= -0.1).float()
        r = x.reshape(x.shape[0], 2, 2).sum((1, 2))          # Shape of the dynamic axis
        return self.lin(z).sum(-1), w, c, r


@pytest.mark.parametrize("opset", [11, 12, 13, 15, 17, 18])
def test_every_opset_from_11_is_valid_and_runs(opset):
    dt.manual_seed(0)
    m = _Mixed().eval()
    proto = dlcore_eager.onnx.export(m, (dt.tensor(_X),), opset_version=opset,
                                     input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    assert proto.opset_import[0].version == opset
    nodes = list(proto.graph.node)
    for n in nodes:
        if n.op_type in ("ReduceSum", "Squeeze", "Unsqueeze", "ReduceMax", "ReduceMean"):
            as_input = opset >= (13 if n.op_type in ("ReduceSum", "Squeeze", "Unsqueeze")
                                 else 18)
            assert ("axes" in [a.name for a in n.attribute]) != as_input, (opset, n)
        if n.op_type == "Shape":
            assert bool(n.attribute) == (opset >= 15)
    kinds = {n.op_type for n in nodes}
    assert ("LayerNormalization" in kinds) == (opset >= 17)
    assert ("LessOrEqual" in kinds) == (opset >= 12)
    x2 = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    _check_all(proto, m, [x2], ["x"])


def test_packed_lstm_with_padding_exports_at_opset_11():
    utils = dt.nn.utils.rnn
    dt.manual_seed(1)
    rnn = dt.nn.LSTM(2, 3)

    def f(x, lengths):
        p = utils.pack_padded_sequence(x, lengths, enforce_sorted=False)
        y, _ = utils.pad_packed_sequence(rnn(p)[0], padding_value=-1.0, total_length=5)
        return y
    x = np.random.default_rng(2).standard_normal((4, 2, 2)).astype(np.float32)
    lengths = np.array([4, 2], np.int64)
    proto = dlcore_eager.onnx.export(f, (dt.tensor(x), dt.tensor(lengths)), opset_version=11)
    _check_all(proto, f, [x, lengths], ["input.0", "input.1"])


def test_static_graph_exports_at_opset_11():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        y = tf.nn.softmax(tf.expand_dims(tf.reduce_sum(x, axis=1), 0) * 2.0, axis=0)
        sess = tf.Session()
        proto = dlcore_static_export(sess, y, x, 11)
        want = sess.run(y, {x: _X})
    onnx.checker.check_model(proto, full_check=True)
    got, = _ort(proto, {proto.graph.input[0].name: _X})
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_batch_norm_cross_entropy_and_control_flow_at_opset_11():
    """Training-mode batch norm (ReduceMean), cross-entropy (ReduceLogSumExp, GatherElements,
    Unsqueeze/Squeeze with axes attributes), and a static cond + while_loop (If, Loop)."""
    def f(x):
        y = F.batch_norm(x, None, None, training=True)
        return y.amax(dim=1) + x.prod(dim=1), F.cross_entropy(x, dt.tensor([0, 2, 1]))
    x3 = _X[:, :3].copy()
    _check_all(dlcore_eager.onnx.export(f, (dt.tensor(x3),), opset_version=11), f, [x3],
               ["input.0"])
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        p = tf.placeholder(tf.bool, [])
        w = tf.constant(np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32) / 2)
        y = tf.cond(p, lambda: tf.matmul(x, w), lambda: tf.exp(x) - 1.0)
        _, acc = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.tanh(a @ w + x)),
                               [tf.constant(0), y * 0.5])
        sess = tf.Session()
        proto = dlcore_static_export(sess, [y, acc], [x, p], 11)
        for pv in (True, False):
            want = sess.run([y, acc], {x: x3, p: pv})
            got = _ort(proto, {proto.graph.input[0].name: x3,
                               proto.graph.input[1].name: np.array(pv)})
            for gv, wv in zip(got, want):
                np.testing.assert_allclose(gv, wv, rtol=1e-5, atol=1e-6)
    assert {"If", "Loop"} <= {n.op_type for n in proto.graph.node}
    onnx.checker.check_model(proto, full_check=True)


def dlcore_static_export(sess, y, x, opset):
    from dlcore_static.onnx_export import export
    return export(sess, y if isinstance(y, list) else [y], x if isinstance(x, list) else [x],
                  opset_version=opset)


@pytest.mark.parametrize("opset", [7, 10, 1000])
def test_opsets_outside_the_written_range_are_refused(opset):
    with pytest.raises(ValueError, match=f"Unsupported ONNX opset version: {opset}. dlcore "
                                         "exports opset versions 11 to"):
        dlcore_eager.onnx.export(lambda x: x[None], (dt.tensor(_X),), opset_version=opset)


def test_operators_missing_at_an_opset_are_named():
    def f(x, i):
        return dt.zeros(3, 4).index_add(0, i, x)
    args = (dt.tensor(_X[:2]), dt.tensor([2, 2]))
    try:
        proto = dlcore_eager.onnx.export(f, args, opset_version=16)
    except NotImplementedError:          # index_add exported otherwise: nothing to check
        pytest.skip("index_add is not exported as ScatterND")
    assert "ScatterND" in {n.op_type for n in proto.graph.node}
    proto = dlcore_eager.onnx.export(f, args, opset_version=15)   # floats: a one-hot MatMul
    assert "ScatterND" not in {n.op_type for n in proto.graph.node}
    got, = _ort(proto, {"input.0": _X[:2], "input.1": np.array([2, 2])})
    np.testing.assert_allclose(got, f(*args).numpy(), rtol=1e-6)
    int_args = (dt.tensor([[1, 2, 3, 4]] * 2), dt.tensor([2, 2]))
    with pytest.raises(NotImplementedError, match=r"index_add of integers needs opset_version "
                                                  r">= 16 \(ScatterND's reduction\), got 15"):
        dlcore_eager.onnx.export(lambda x, i: dt.zeros(3, 4, dtype=dt.int64).index_add(0, i, x),
                                 int_args, opset_version=15)
    with pytest.raises(NotImplementedError, match=r"maximum of int64 needs opset_version >= "
                                                  "12"):
        dlcore_eager.onnx.export(lambda a: a.maximum(a), (dt.tensor([1, 2]),),
                                 opset_version=11)


# ---- the importer: auto_pad, asymmetric pads, AveragePool dilations -----------------------

def _node_model(op: str, attrs: dict, xshape: list, wshape: list | None = None,
                opset: int = 19):
    inits, names = [], ["x"]
    if wshape is not None:
        w = np.random.default_rng(1).standard_normal(wshape).astype(np.float32)
        inits, names = [numpy_helper.from_array(w, "w")], ["x", "w"]
    g = helper.make_graph(
        [helper.make_node(op, names, ["y"], **attrs)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * len(xshape))],
        initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


_S = [1, 2, 5, 6]
PADDING = [
    ("AveragePool", {"kernel_shape": [2, 2], "dilations": [2, 1], "strides": [1, 2]}, _S, None),
    ("AveragePool", {"kernel_shape": [3, 2], "dilations": [2, 2], "pads": [1, 0, 2, 1],
                     "count_include_pad": 0}, _S, None),
    ("AveragePool", {"kernel_shape": [3, 2], "dilations": [1, 2], "pads": [1, 0, 2, 1],
                     "count_include_pad": 1}, _S, None),
    ("AveragePool", {"kernel_shape": [2, 2], "pads": [0, 1, 1, 0]}, _S, None),
    ("AveragePool", {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "strides": [2, 2]}, _S,
     None),
    ("AveragePool", {"kernel_shape": [2, 3], "auto_pad": "SAME_LOWER", "count_include_pad": 1},
     _S, None),
    ("AveragePool", {"kernel_shape": [3], "auto_pad": "VALID", "strides": [2]}, [1, 2, 7], None),
    ("MaxPool", {"kernel_shape": [3, 3], "auto_pad": "SAME_LOWER", "strides": [2, 1]}, _S, None),
    ("MaxPool", {"kernel_shape": [3, 3], "pads": [2, 2, 2, 2], "dilations": [2, 2]}, _S, None),
    ("MaxPool", {"kernel_shape": [2, 2], "pads": [0, 1, 1, 0], "strides": [2, 2],
                 "ceil_mode": 1}, _S, None),
    ("MaxPool", {"kernel_shape": [3, 2], "pads": [2, 0, 2, 1], "strides": [3, 2],
                 "dilations": [1, 2], "ceil_mode": 1}, _S, None),
    ("AveragePool", {"kernel_shape": [2, 2], "pads": [0, 1, 1, 0], "strides": [2, 2],
                     "ceil_mode": 1, "count_include_pad": 1}, _S, None),
    ("AveragePool", {"kernel_shape": [2, 3], "pads": [1, 0, 0, 1], "strides": [2, 2],
                     "ceil_mode": 1, "count_include_pad": 0}, _S, None),
    ("AveragePool", {"kernel_shape": [2, 2], "pads": [1, 1, 1, 1], "strides": [2, 3],
                     "dilations": [2, 1], "ceil_mode": 1, "count_include_pad": 1}, _S, None),
    ("AveragePool", {"kernel_shape": [3, 3], "pads": [2, 2, 2, 2]}, _S, None),
    ("MaxPool", {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER"}, _S, None),
    ("MaxPool", {"kernel_shape": [2, 2], "pads": [0, 1, 1, 0], "dilations": [1, 2]}, _S, None),
    ("Conv", {"auto_pad": "SAME_UPPER", "strides": [2, 2]}, _S, [3, 2, 2, 3]),
    ("Conv", {"auto_pad": "SAME_LOWER"}, _S, [3, 2, 2, 2]),
    ("Conv", {"pads": [1, 0, 0, 2]}, _S, [3, 2, 3, 3]),
    ("Conv", {"auto_pad": "VALID", "strides": [2]}, [1, 2, 7], [3, 2, 2]),
]


@pytest.mark.parametrize("op,attrs,xshape,wshape", PADDING,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(PADDING)])
def test_padding_options_against_onnxruntime(op, attrs, xshape, wshape):
    proto = _node_model(op, attrs, xshape, wshape)
    onnx.checker.check_model(proto)
    x = np.random.default_rng(3).standard_normal(xshape).astype(np.float32)
    want, = _ort(proto, {"x": x})
    got, = _imported(proto, {"x": x})
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op,wshape", [("MaxPool", None), ("Conv", [3, 2, 2, 2])])
def test_same_padding_with_dilations_follows_the_spec(op, wshape):
    """The spec's total padding ``(ceil(n / s) - 1) s + (k - 1) d + 1 - n`` counts the
    dilation; onnxruntime's MaxPool leaves it out (4 rows, not 5, for n=5, k=2, d=2) and its
    Conv refuses the combination, so the import is compared with the explicit pads."""
    k = {"kernel_shape": [2, 2]} if op == "MaxPool" else {}
    auto = _node_model(op, {**k, "auto_pad": "SAME_UPPER", "dilations": [2, 1]}, _S, wshape)
    explicit = _node_model(op, {**k, "pads": [1, 0, 1, 1], "dilations": [2, 1]}, _S, wshape)
    x = np.random.default_rng(4).standard_normal(_S).astype(np.float32)
    want, = _ort(explicit, {"x": x})
    got, = _imported(auto, {"x": x})
    assert got.shape == want.shape == (1, 3 if op == "Conv" else 2, 5, 6)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dilated_average_pool_gradient_reaches_the_input():
    proto = _node_model("AveragePool", {"kernel_shape": [2, 2], "dilations": [2, 1],
                                        "pads": [1, 0, 0, 1], "count_include_pad": 0}, _S)
    x = dt.tensor(np.random.default_rng(5).standard_normal(_S), dtype=dt.float64,
                  requires_grad=True)
    m = dlcore_eager.onnx.load_model(proto)
    g = np.random.default_rng(6).standard_normal(tuple(m(x).shape))
    (m(x) * dt.tensor(g)).sum().backward()
    eps, x0 = 1e-6, x.detach().numpy()
    num = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        up, dn = x0.copy(), x0.copy()
        up[i] += eps
        dn[i] -= eps
        num[i] = ((m(dt.tensor(up)).numpy() - m(dt.tensor(dn)).numpy()) * g).sum() / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_unknown_auto_pad_is_refused():
    proto = _node_model("AveragePool", {"kernel_shape": [2, 2], "auto_pad": "SAME"}, _S)
    with pytest.raises(ValueError, match="ONNX import: AveragePool with unknown auto_pad "
                                         "'SAME'"):
        dlcore_eager.onnx.load_model(proto)(dt.tensor(np.zeros(_S, np.float32)))


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("opset,attrs", [(11, {}), (11, {"axis": 1}), (12, {"axis": -2}),
                                         (13, {}), (13, {"axis": 1})])
def test_imported_softmax_follows_the_models_opset(op, opset, attrs):
    """Before opset 13 Softmax/LogSoftmax coerce the input to 2-D at ``axis`` (default 1)."""
    proto = _node_model(op, attrs, [2, 3, 4], opset=opset)
    x = np.random.default_rng(7).standard_normal((2, 3, 4)).astype(np.float32)
    want, = _ort(proto, {"x": x})
    got, = _imported(proto, {"x": x})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_refused_opset_leaves_the_batch_norm_statistics_unchanged():
    """The opset is checked before the model runs (a traced training-mode batch norm would
    update its running statistics)."""
    bn = dt.nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match="Unsupported ONNX opset version: 9"):
        dlcore_eager.onnx.export(bn, (dt.tensor(_X),), opset_version=9)
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(4, np.float32))
    assert int(bn.num_batches_tracked) == 0


def test_constant_nodes_as_torch_onnx_export_writes_them():
    """torch.onnx.export writes its constants as Constant nodes (``value``, and the scalar and
    list forms), which the importer refused ("operators ['Constant'] are not supported")."""
    nodes = [helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(
                 np.arange(4, dtype=np.float32).reshape(1, 4))),
             helper.make_node("Constant", [], ["f"], value_float=0.5),
             helper.make_node("Constant", [], ["s"], value_ints=[4, 3]),
             helper.make_node("Mul", ["x", "c"], ["xc"]),
             helper.make_node("Add", ["xc", "f"], ["xf"]),
             helper.make_node("Reshape", ["xf", "s"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                     [3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3])])
    proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])   # value_float
    onnx.checker.check_model(proto, full_check=True)
    want, = _ort(proto, {"x": _X})
    got, = _imported(proto, {"x": _X})
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_slice_with_the_attributes_of_opset_9():
    proto = _node_model("Slice", {"starts": [1, -3], "ends": [3, 100], "axes": [0, 1]}, [3, 4],
                        opset=9)
    want, = _ort(proto, {"x": _X})
    got, = _imported(proto, {"x": _X})
    np.testing.assert_array_equal(got, want)
