"""Op names as TensorFlow 1 makes them: programs fetch tensors by name (``"transpose:0"``,
``sess.run("add:0")``), checkpoints and exported graphs carry them.

Each case builds one public op in a fresh graph three ways: without ``name=`` (TF1's default
name: the name its Python wrapper passes, e.g. ``tf.transpose``'s
``with ops.name_scope(name, "transpose", [a]) as name: ... transpose(a, perm, name=name)``, a
generated op's type ``MatMul``, an operator's ``add``), with ``name=`` (exactly that name), and
twice in one graph (the second is ``<default>_1``).  The expected names are read from
TensorFlow 1.15's Python sources (array_ops.py, math_ops.py, nn_ops.py, random_ops.py,
control_flow_ops.py, the generated gen_*_ops wrappers, whose op takes ``name`` or its type).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _x(shape=(2, 3), dtype=None):
    return tf.placeholder(dtype or tf.float32, shape, name="x")


# (id, builder(**name) -> tensor or op, TF1's default name of the op that makes the result)
CASES = [
    # math: generated ops take their type's name
    ("add", lambda **k: tf.add(_x(), _x(), **k), "Add"),
    ("subtract", lambda **k: tf.subtract(_x(), _x(), **k), "Sub"),
    ("multiply", lambda **k: tf.multiply(_x(), _x(), **k), "Mul"),
    ("maximum", lambda **k: tf.maximum(_x(), _x(), **k), "Maximum"),
    ("pow", lambda **k: tf.pow(_x(), _x(), **k), "Pow"),
    ("matmul", lambda **k: tf.matmul(_x(), _x((3, 2)), **k), "MatMul"),
    ("matmul_tb", lambda **k: tf.matmul(_x(), _x(), transpose_b=True, **k), "MatMul"),
    ("exp", lambda **k: tf.exp(_x(), **k), "Exp"),
    ("tanh", lambda **k: tf.tanh(_x(), **k), "Tanh"),
    ("sigmoid", lambda **k: tf.sigmoid(_x(), **k), "Sigmoid"),
    ("square", lambda **k: tf.square(_x(), **k), "Square"),
    ("sqrt", lambda **k: tf.sqrt(_x(), **k), "Sqrt"),
    ("rsqrt", lambda **k: tf.rsqrt(_x(), **k), "Rsqrt"),
    ("abs", lambda **k: tf.abs(_x(), **k), "Abs"),
    ("negative", lambda **k: tf.negative(_x(), **k), "Neg"),
    ("log", lambda **k: tf.log(_x(), **k), "Log"),
    ("cast", lambda **k: tf.cast(_x(), tf.int32, **k), "Cast"),
    ("equal", lambda **k: tf.equal(_x(), _x(), **k), "Equal"),
    ("less", lambda **k: tf.less(_x(), _x(), **k), "Less"),
    ("logical_and", lambda **k: tf.logical_and(_x(dtype=tf.bool), _x(dtype=tf.bool), **k),
     "LogicalAnd"),
    ("where", lambda **k: tf.where(_x(dtype=tf.bool), _x(), _x(), **k), "Select"),
    ("add_n", lambda **k: tf.add_n([_x(), _x(), _x()], **k), "AddN"),
    ("squared_difference", lambda **k: tf.squared_difference(_x(), _x(), **k),
     "SquaredDifference"),
    ("reduce_sum", lambda **k: tf.reduce_sum(_x(), 1, **k), "Sum"),
    ("reduce_mean", lambda **k: tf.reduce_mean(_x(), **k), "Mean"),
    ("reduce_max", lambda **k: tf.reduce_max(_x(), 0, **k), "Max"),
    ("argmax", lambda **k: tf.argmax(_x(), 1, **k), "ArgMax"),
    ("divide", lambda **k: tf.divide(_x(), _x(), **k), "truediv"),     # (x / y)
    ("truediv", lambda **k: tf.truediv(_x(), _x(), **k), "truediv"),
    ("div", lambda **k: tf.div(_x(), _x(), **k), "div"),
    ("div_int", lambda **k: tf.div(_x(dtype=tf.int32), _x(dtype=tf.int32), **k), "div"),
    ("floordiv", lambda **k: tf.floordiv(_x(), _x(), **k), "floordiv"),
    ("realdiv", lambda **k: tf.realdiv(_x(), _x(), **k), "RealDiv"),
    ("clip_by_value", lambda **k: tf.clip_by_value(_x(), 0.0, 1.0, **k), "clip_by_value"),
    # array
    ("identity", lambda **k: tf.identity(_x(), **k), "Identity"),
    ("transpose", lambda **k: tf.transpose(_x(), **k), "transpose"),
    ("transpose_perm", lambda **k: tf.transpose(_x(), [1, 0], **k), "transpose"),
    ("reshape", lambda **k: tf.reshape(_x(), (3, 2), **k), "Reshape"),
    ("concat", lambda **k: tf.concat([_x(), _x()], 0, **k), "concat"),
    ("stack", lambda **k: tf.stack([_x(), _x()], **k), "stack"),
    ("expand_dims", lambda **k: tf.expand_dims(_x(), 0, **k), "ExpandDims"),
    ("squeeze", lambda **k: tf.squeeze(_x((2, 1)), **k), "Squeeze"),
    ("tile", lambda **k: tf.tile(_x(), [2, 1], **k), "Tile"),
    ("pad", lambda **k: tf.pad(_x(), [[1, 1], [0, 0]], **k), "Pad"),
    ("slice", lambda **k: tf.slice(_x(), [0, 0], [1, 2], **k), "Slice"),
    ("strided_slice", lambda **k: tf.strided_slice(_x(), [0, 0], [1, 2], **k),
     "StridedSlice"),
    ("gather", lambda **k: tf.gather(_x(), [1, 0], **k), "GatherV2"),
    ("reverse", lambda **k: tf.reverse(_x(), [0], **k), "ReverseV2"),
    ("zeros_like", lambda **k: tf.zeros_like(_x(), **k), "zeros_like"),
    ("ones_like", lambda **k: tf.ones_like(_x(), **k), "ones_like"),
    ("zeros", lambda **k: tf.zeros((2, 3), **k), "zeros"),
    ("ones", lambda **k: tf.ones((2, 3), **k), "ones"),
    ("fill", lambda **k: tf.fill((2, 3), 1.0, **k), "Fill"),
    ("one_hot", lambda **k: tf.one_hot(_x((2,), tf.int32), 3, **k), "one_hot"),
    ("range", lambda **k: tf.range(5, **k), "range"),
    ("constant", lambda **k: tf.constant([1.0], **k), "Const"),
    ("placeholder", lambda **k: tf.placeholder(tf.float32, (2,), **k), "Placeholder"),
    # nn
    ("relu", lambda **k: tf.nn.relu(_x(), **k), "Relu"),
    ("relu6", lambda **k: tf.nn.relu6(_x(), **k), "Relu6"),
    ("elu", lambda **k: tf.nn.elu(_x(), **k), "Elu"),
    ("softplus", lambda **k: tf.nn.softplus(_x(), **k), "Softplus"),
    ("softmax", lambda **k: tf.nn.softmax(_x(), **k), "Softmax"),
    ("log_softmax", lambda **k: tf.nn.log_softmax(_x(), **k), "LogSoftmax"),
    ("bias_add", lambda **k: tf.nn.bias_add(_x(), _x((3,)), **k), "BiasAdd"),
    ("l2_loss", lambda **k: tf.nn.l2_loss(_x(), **k), "L2Loss"),
    ("l2_normalize", lambda **k: tf.nn.l2_normalize(_x(), 1, **k), "l2_normalize"),
    ("sigmoid_xent", lambda **k: tf.nn.sigmoid_cross_entropy_with_logits(
        labels=_x(), logits=_x(), **k), "logistic_loss"),
    ("conv2d", lambda **k: tf.nn.conv2d(_x((1, 4, 4, 1)), _x((2, 2, 1, 1)), [1, 1, 1, 1],
                                      "SAME", **k), "Conv2D"),
    ("max_pool", lambda **k: tf.nn.max_pool(_x((1, 4, 4, 1)), [1, 2, 2, 1], [1, 2, 2, 1],
                                          "VALID", **k), "MaxPool"),
    ("avg_pool", lambda **k: tf.nn.avg_pool(_x((1, 4, 4, 1)), [1, 2, 2, 1], [1, 2, 2, 1],
                                          "VALID", **k), "AvgPool"),
    # random (random_ops.py: the scope's name is the result's)
    ("random_normal", lambda **k: tf.random_normal((2, 3), **k), "random_normal"),
    ("random_uniform", lambda **k: tf.random_uniform((2, 3), **k), "random_uniform"),
    ("truncated_normal", lambda **k: tf.truncated_normal((2, 3), **k), "truncated_normal"),
    # control flow
    ("no_op", lambda **k: tf.no_op(**k), "NoOp"),
    ("group", lambda **k: tf.group(tf.no_op(), tf.no_op(), **k), "group_deps"),
]


def _op(out):
    return out if isinstance(out, tf.Operation) else out.op


@pytest.mark.parametrize("build,default", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_default_given_and_repeated_names(build, default):
    g = tf.Graph()
    with g.as_default():
        first = _op(build())
        second = _op(build())
        given = _op(build(name="given"))
    assert first.name == default
    assert second.name == default + "_1"
    assert given.name == "given"
    assert g.get_operation_by_name(default) is first
    if first.outputs:
        assert g.get_tensor_by_name(default + ":0") is first.outputs[0]


@pytest.mark.parametrize("build,default", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_names_inside_a_scope(build, default):
    g = tf.Graph()
    with g.as_default(), tf.name_scope("s"):
        first = _op(build())
        given = _op(build(name="given"))
    assert first.name == "s/" + default
    assert given.name == "s/given"


# Python's operators: math_ops.py's _OverrideBinaryOperatorHelper(gen_math_ops.add, "add"),
# ... ("sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor"; "matmul" for @);
# <, <=, >, >= are the generated ops (Less ...); -x Neg, abs(x) Abs, ~x LogicalNot;
# x[...] is array_ops._slice_helper's strided_slice.
OPERATORS = [
    ("+", lambda a, b: a + b, "add"), ("-", lambda a, b: a - b, "sub"),
    ("*", lambda a, b: a * b, "mul"), ("/", lambda a, b: a / b, "truediv"),
    ("//", lambda a, b: a // b, "floordiv"), ("%", lambda a, b: a % b, "mod"),
    ("**", lambda a, b: a ** b, "pow"), ("@", lambda a, b: a @ b, "matmul"),
    ("<", lambda a, b: a < b, "Less"), (">=", lambda a, b: a >= b, "GreaterEqual"),
    ("neg", lambda a, b: -a, "Neg"), ("abs", lambda a, b: abs(a), "Abs"),
    ("getitem", lambda a, b: a[0], "strided_slice"),
    ("getitem_slices", lambda a, b: a[0:1, ..., 1], "strided_slice"),
]


@pytest.mark.parametrize("fn,default", [o[1:] for o in OPERATORS], ids=[o[0] for o in OPERATORS])
def test_operator_names(fn, default):
    g = tf.Graph()
    with g.as_default():
        a, b = _x((2, 2)), _x((2, 2))
        first, second = fn(a, b), fn(a, b)
        with tf.name_scope("s"):
            third = fn(a, b)
    assert [first.op.name, second.op.name, third.op.name] == [
        default, default + "_1", "s/" + default]


def test_logical_operators():
    g = tf.Graph()
    with g.as_default():
        p, q = _x((2,), tf.bool), _x((2,), tf.bool)
        outs = [p & q, p | q, p ^ q, ~p, p & q, ~p]
    assert [t.name for t in outs] == ["and:0", "or:0", "xor:0", "LogicalNot:0", "and_1:0",
                                      "LogicalNot_1:0"]


def test_fetch_by_tf1_names_runs():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3), name="x")
        tf.transpose(x)
        tf.stack([x, x])
        tf.add_n([x, x], name="an")
        x + x
        with tf.Session() as sess:
            xv = np.arange(6, dtype=np.float32).reshape(2, 3)
            t, s, an, add = sess.run(["transpose:0", "stack:0", "an:0", "add:0"], {x: xv})
    np.testing.assert_array_equal(t, xv.T)
    np.testing.assert_array_equal(s, np.stack([xv, xv]))
    np.testing.assert_array_equal(an, 2 * xv)
    np.testing.assert_array_equal(add, 2 * xv)


def test_a_scope_named_composite_names_its_inner_ops_under_it():
    g = tf.Graph()
    with g.as_default():
        x = _x()
        out = tf.add_n([x, x, x])            # chained adds: AddN/..., the last is AddN
        again = tf.add_n([x, x, x])
    assert out.op.name == "AddN" and again.op.name == "AddN_1"
    inner = [op.name for op in g.get_operations() if op.name.startswith("AddN/")]
    assert inner and all(n.count("/") == 1 for n in inner)


def test_a_type_name_taken_back_only_when_it_is_the_last_one_made():
    g = tf.Graph()
    with g.as_default():
        x = _x()
        tf.transpose(x, name="Transpose")    # TF1: the op is created as "Transpose"
        assert tf.transpose(x).op.name == "transpose_1"      # (keys are lower-case in TF1)
        assert tf.identity(x).op.name == "Identity"
        assert g.unique_name("Transpose", mark_as_used=False) == "Transpose_2"


def test_sparse_softmax_cross_entropy_names_its_cost_as_tf1():
    # nn_ops.py: the op is created inside the scope without the scope's name:
    # SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0
    g = tf.Graph()
    with g.as_default():
        lg = _x((2, 3))
        lb = tf.placeholder(tf.int64, (2,))
        c = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=lg)
        d = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=lg, name="xent")
    assert c.name == ("SparseSoftmaxCrossEntropyWithLogits/"
                      "SparseSoftmaxCrossEntropyWithLogits:0")
    assert d.name == "xent/SparseSoftmaxCrossEntropyWithLogits:0"


def test_name_none_is_the_generated_ops_name():
    # name=None where the wrapper's default is a string: TF1 passes None on to the op
    # (tf.concat -> gen_array_ops.concat_v2(..., name=None): ConcatV2; tf.stack: Pack;
    # tf.range's name_scope(None, "Range"): Range), or to a name scope (tf.transpose's
    # name_scope(None, "transpose"): transpose); tf.constant(name=None): its type, Const
    g = tf.Graph()
    with g.as_default():
        x = _x()
        outs = [tf.concat([x, x], 0, name=None), tf.stack([x, x], name=None),
                tf.range(3, name=None), tf.transpose(x, name=None),
                tf.constant(1.0, name=None)]
    assert [t.op.name for t in outs] == ["ConcatV2", "Pack", "Range", "transpose", "Const"]


def test_tf_layers_names():
    # tf.layers: the layer's scope (dense, dense_1, ...), TF1's ops inside it: MatMul,
    # nn.bias_add's BiasAdd, the activation's; Conv2D; MaxPool; flatten's Reshape
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 6, 6, 2))
        c = tf.layers.conv2d(x, 3, 3)
        c2 = tf.layers.conv2d(c, 3, 3, activation=tf.nn.relu, name="c")
        p = tf.layers.max_pooling2d(c2, 2, 2)
        a = tf.layers.average_pooling2d(c2, 2, 2, name="ap")
        f = tf.layers.flatten(p)
        d = tf.layers.dense(f, 4)
        d2 = tf.layers.dense(d, 2, activation=tf.nn.relu)
    assert [t.name for t in (c, c2, p, a, f, d, d2)] == [
        "conv2d/BiasAdd:0", "c/Relu:0", "max_pooling2d/MaxPool:0", "ap/AvgPool:0",
        "flatten/Reshape:0", "dense/BiasAdd:0", "dense_1/Relu:0"]
    names = {op.name for op in g.get_operations()}
    assert {"conv2d/Conv2D", "c/Conv2D", "c/BiasAdd", "dense/MatMul", "dense_1/BiasAdd",
            "dense/kernel", "dense/bias"} <= names


def test_ops_named_inside_their_scope_as_tf1():
    # nn_impl.moments: reduce_mean(name="mean"/"variance"), then squeeze (keepdims=False);
    # clip_ops.global_norm: sqrt(..., name="global_norm") in its scope; nn_ops.in_top_k:
    # in_top_kv2(...) in name_scope(name, "in_top_k") without the scope's name
    g = tf.Graph()
    with g.as_default():
        x = _x((4, 6))
        t = tf.placeholder(tf.int32, (4,))
        m, v = tf.nn.moments(x, [0])
        mk, vk = tf.nn.moments(x, [0], keepdims=True, name="mk")
        outs = [m, v, mk, vk, tf.global_norm([x, x]), tf.nn.in_top_k(x, t, 2),
                tf.nn.in_top_k(x, t, 2, name="k")]
        xv = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
        with tf.Session() as sess:
            mv, vv, gn = sess.run([m, v, outs[4]], {x: xv})
    assert [o.name for o in outs] == [
        "moments/Squeeze:0", "moments/Squeeze_1:0", "mk/mean:0", "mk/variance:0",
        "global_norm/global_norm:0", "in_top_k/InTopKV2:0", "k/InTopKV2:0"]
    np.testing.assert_allclose(mv, xv.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vv, xv.var(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gn, np.sqrt(2 * (xv ** 2).sum()), rtol=1e-5)


def test_wrappers_whose_last_op_keeps_its_type_name_in_the_scope():
    # TF1 wrappers that open name_scope(name, default) without passing the scope's name to
    # their last op: array_ops.sequence_mask (SequenceMask/Less), math_ops.count_nonzero
    # (count_nonzero/Sum: the int64 cast of an int64 sum is the sum), boolean_mask
    # (boolean_mask/GatherV2); matrix_transpose's transpose(...) in its scope
    g = tf.Graph()
    with g.as_default():
        lengths = tf.placeholder(tf.int32, (3,))
        x = _x((2, 3))
        outs = [tf.sequence_mask(lengths, 5), tf.sequence_mask(lengths, 5),
                tf.count_nonzero(x), tf.boolean_mask(x, tf.placeholder(tf.bool, (2,))),
                tf.matrix_transpose(x), tf.matrix_transpose(x, name="mt")]
    assert [t.name for t in outs] == [
        "SequenceMask/Less:0", "SequenceMask_1/Less:0", "count_nonzero/Sum:0",
        "boolean_mask/GatherV2:0", "matrix_transpose/transpose:0", "mt/transpose:0"]


def test_string_ops_named_as_tf1():
    # the host string ops are named when made (another path than the numeric ops'): s + s is
    # still add (then add_1), a given name exactly that
    g = tf.Graph()
    with g.as_default():
        s = tf.placeholder(tf.string, (2,))
        outs = [s + s, s + s, tf.strings.join([s, s], name="j"), tf.strings.join([s, s])]
        with tf.Session() as sess:
            got = sess.run("add_1:0", {s: [b"a", b"b"]})
    assert [t.name for t in outs] == ["add:0", "add_1:0", "j:0", "StringJoin:0"]
    assert list(got) == [b"aa", b"bb"]


def _operator_graph(shape):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape)
        y = x + x
        tf.add(y, x, name="add")                # a given name equal to an operator's
        z = tf.transpose(y * x)
        with tf.name_scope("add"):              # a scope named like the pending ones
            z - x[0]
        tf.concat([z, z], 0)
        tf.identity(z, name="Add")
        x + x
    return [op.name for op in g.get_operations()]


def test_operator_names_do_not_depend_on_the_rule_cache():
    cold = _operator_graph((11, 11))            # shapes no other test builds: rules run
    warm = _operator_graph((11, 11))            # outcomes cached: names made lazily
    assert cold == warm == [
        "Placeholder", "add", "add_1", "mul", "transpose", "add_2/strided_slice", "add_2/sub",
        "concat", "Add_3", "add_4"]


# -- multi-output ops (H12).  TF1 makes one op with several outputs: tf.split's Split (or
# SplitV) op ``split`` with split:0, split:1, ...; tf.unstack's Unpack ``unstack:i``;
# tf.nn.top_k's TopKV2 (values :0, indices :1).  Ours are several ops under that name's scope
# (split/StridedSlice_1), so the graph maps TF1's tensor names to them (Graph.alias_outputs).
def test_multi_output_ops_fetch_by_tf1_names():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 6), name="x")
        s = tf.split(x, 2)
        sv = tf.split(x, [1, -1, 2], axis=1)
        u = tf.unstack(x)
        u1 = tf.unstack(x, axis=1, name="cols")
        u2 = tf.unstack(x)
        v, i = tf.nn.top_k(x, 3)
        kv = tf.nn.top_k(x, 2, name="best")
        with tf.name_scope("s"):
            ss = tf.split(x, 2)
        xv = np.random.default_rng(1).permutation(24).reshape(4, 6).astype(np.float32)
        with tf.Session() as sess:
            got = sess.run(["split:1", "split_1:0", "split_1:1", "split_1:2", "unstack:3",
                            "cols:5", "unstack_1:0", "TopKV2:0", "TopKV2:1", "best:1",
                            "s/split:0"], {x: xv})
    for name, t in [("split:0", s[0]), ("split:1", s[1]), ("split_1:2", sv[2]),
                    ("unstack:0", u[0]), ("unstack:3", u[3]), ("cols:5", u1[5]),
                    ("unstack_1:2", u2[2]), ("TopKV2:0", v), ("TopKV2:1", i),
                    ("best:0", kv.values), ("best:1", kv.indices), ("s/split:1", ss[1])]:
        assert g.get_tensor_by_name(name) is t, name
        assert g.as_graph_element(name) is t, name
    order = np.argsort(-xv, axis=1, kind="stable")
    want = [xv[2:], xv[:, :1], xv[:, 1:4], xv[:, 4:], xv[3], xv[:, 5], xv[0],
            np.take_along_axis(xv, order[:, :3], 1), order[:, :3], order[:, :2], xv[:2]]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert i.dtype == tf.int32
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("split_2:0")


def test_variable_updates_and_initializers_named_as_tf1():
    # state_ops.assign_add/assign_sub: one AssignAdd (AssignSub) op; variables.py
    # _init_from_args: an initializer function runs in name_scope("Initializer"), a value is
    # converted with name="initial_value"; local_variables_initializer() is
    # variables_initializer(local_variables()), whose name is "init"
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.zeros(3, np.float32), name="v")
        w = tf.get_variable("w", (3,), initializer=tf.zeros_initializer())
        k = tf.get_variable("k", (2, 3))
        c = tf.get_variable("c", (3,), initializer=tf.constant_initializer(2.0))
        lv = tf.Variable(lambda: tf.ones(3), name="lv", collections=[tf.GraphKeys.LOCAL_VARIABLES])
        ups = [v.assign_add(tf.ones(3)), v.assign_add(tf.ones(3)), v.assign_sub(tf.ones(3)),
               tf.assign_add(v, tf.ones(3), name="up"), v.assign(tf.ones(3))]
        init, local = tf.global_variables_initializer(), tf.local_variables_initializer()
        with tf.Session() as sess:
            sess.run([init, local])
            sess.run("AssignAdd:0")
            sess.run(["AssignAdd_1", "AssignSub"])      # (ordered: +1 +1 then -1)
            got = sess.run([v, w, c, lv])
    assert [t.name for t in ups] == ["AssignAdd:0", "AssignAdd_1:0", "AssignSub:0", "up:0",
                                     "Assign:0"]
    assert [t.op.type for t in ups] == ["Assign"] * 5
    assert [v.initial_value.name, w.initial_value.name, k.initial_value.name,
            c.initial_value.name, lv.initial_value.name] == [
        "v/initial_value:0", "w/Initializer/zeros:0", "k/Initializer/random_uniform:0",
        "c/Initializer/Const:0", "lv/Initializer/ones:0"]
    assert [init.name, local.name] == ["init", "init_1"]
    np.testing.assert_array_equal(got[0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(got[1], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(got[2], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(got[3], [1.0, 1.0, 1.0])


OPTIMIZERS = [
    ("sgd", lambda: tf.train.GradientDescentOptimizer(0.1), "GradientDescent",
     "ApplyGradientDescent"),
    ("momentum", lambda: tf.train.MomentumOptimizer(0.1, 0.9), "Momentum", "ApplyMomentum"),
    ("adam", lambda: tf.train.AdamOptimizer(0.1), "Adam", "ApplyAdam"),
    ("rmsprop", lambda: tf.train.RMSPropOptimizer(0.1), "RMSProp", "ApplyRMSProp"),
    ("rmsprop_c", lambda: tf.train.RMSPropOptimizer(0.1, centered=True), "RMSProp",
     "ApplyCenteredRMSProp"),
    ("adagrad", lambda: tf.train.AdagradOptimizer(0.1), "Adagrad", "ApplyAdagrad"),
    ("adadelta", lambda: tf.train.AdadeltaOptimizer(0.1), "Adadelta", "ApplyAdadelta"),
    ("ftrl", lambda: tf.train.FtrlOptimizer(0.1), "Ftrl", "ApplyFtrl"),
]


@pytest.mark.parametrize("make,scope,apply", [o[1:] for o in OPTIMIZERS],
                         ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_update_ops_named_as_tf1(make, scope, apply):
    # optimizer.py: name_scope(name, self._name); per variable name_scope("update_" + var's
    # op name); training_ops.apply_*(...) in it: <scope>/update_w/ApplyGradientDescent; the
    # returned op is the group named by the scope itself
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", (3, 2), initializer=tf.constant_initializer(0.5))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
        train = make().minimize(loss)
        train2 = make().minimize(loss)
        xv = np.ones((4, 3), np.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            before = sess.run(loss, {x: xv})
            sess.run(f"{scope}/update_layer_w/{apply}", {x: xv})
            after = sess.run(loss, {x: xv})
    assert train.name == scope and train2.name == scope + "_1"
    names = {op.name for op in g.get_operations()}
    assert f"{scope}/update_layer_w/{apply}" in names
    assert f"{scope}_1/update_layer_w/{apply}" in names
    assert after < before


def test_losses_end_in_value_as_tf1():
    # losses_impl.compute_weighted_loss -> _safe_mean: div_no_nan(..., name="value");
    # Reduction.SUM's reduce_sum stays Sum, NONE the weighted losses
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        y = tf.placeholder(tf.float32, (4, 3))
        wt = tf.placeholder(tf.float32, (4, 3))
        outs = [tf.losses.mean_squared_error(x, y), tf.losses.absolute_difference(x, y),
                tf.losses.mean_squared_error(x, y, weights=wt),
                tf.losses.huber_loss(x, y, scope="hub"),
                tf.losses.softmax_cross_entropy(x, y), tf.losses.sigmoid_cross_entropy(x, y),
                tf.losses.compute_weighted_loss(x),
                tf.losses.mean_squared_error(x, y, reduction=tf.losses.Reduction.SUM)]
        xv = np.arange(12, dtype=np.float32).reshape(4, 3)
        yv = xv[::-1].copy()
        wv = np.array([[0, 1, 1]] * 4, np.float32)
        with tf.Session() as sess:
            mse, wmse = sess.run(["mean_squared_error/value:0",
                                  "mean_squared_error_1/value:0"], {x: xv, y: yv, wt: wv})
    assert [t.name for t in outs] == [
        "mean_squared_error/value:0", "absolute_difference/value:0",
        "mean_squared_error_1/value:0", "hub/value:0", "softmax_cross_entropy_loss/value:0",
        "sigmoid_cross_entropy_loss/value:0", "weighted_loss/value:0",
        "mean_squared_error_2/Sum:0"]
    np.testing.assert_allclose(mse, ((xv - yv) ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(wmse, ((xv - yv) ** 2 * wv).sum() / 8, rtol=1e-6)


def test_more_multi_output_ops_fetch_by_tf1_names():
    # gen_array_ops.unique (Unique: y, idx), unique_with_counts, dynamic_partition
    # (DynamicPartition:i), gen_linalg_ops qr (Qr: q, r), self_adjoint_eig_v2 (e, v),
    # log_matrix_determinant (sign, log_abs_det), svd (Svd: s, u, v), gen_nn_ops
    # max_pool_with_argmax (output, argmax)
    g = tf.Graph()
    with g.as_default():
        iv = tf.placeholder(tf.int32, (6,))
        a = tf.placeholder(tf.float32, (3, 3))
        img = tf.placeholder(tf.float32, (1, 4, 4, 1))
        outs = {"Unique": tf.unique(iv), "UniqueWithCounts": tf.unique_with_counts(iv),
                "DynamicPartition": tf.dynamic_partition(iv, iv[:6] % 2, 2),
                "Qr": tf.linalg.qr(a), "SelfAdjointEigV2": tf.linalg.eigh(a),
                "LogMatrixDeterminant": tf.linalg.slogdet(a), "Svd": tf.linalg.svd(a),
                "MaxPoolWithArgmax": tf.nn.max_pool_with_argmax(img, [1, 2, 2, 1],
                                                                [1, 2, 2, 1], "VALID"),
                "u": tf.unique(iv, name="u")}
        rng = np.random.default_rng(2)
        m = rng.standard_normal((3, 3)).astype(np.float32)
        feed = {iv: [4, 1, 4, 7, 1, 4], a: m @ m.T + np.eye(3, dtype=np.float32),
                img: rng.standard_normal((1, 4, 4, 1)).astype(np.float32)}
        names = [f"{k}:{i}" for k, ts in outs.items() for i in range(len(ts))]
        with tf.Session() as sess:
            by_name = sess.run(names, feed)
            direct = sess.run([t for ts in outs.values() for t in ts], feed)
    for name, t in zip(names, [t for ts in outs.values() for t in ts]):
        assert g.get_tensor_by_name(name) is t, name
    for n, x, y in zip(names, by_name, direct):
        np.testing.assert_array_equal(x, y, err_msg=n)
    assert by_name[:2][0].tolist() == [4, 1, 7] and by_name[1].tolist() == [0, 1, 0, 2, 1, 0]


def test_multi_output_names_survive_export_and_import(tmp_path):
    # a program that exports its graph and fetches split:0 after import_meta_graph (with and
    # without import_scope); the imported name is reserved as TF1's op would be (parts_1)
    import json

    from dlcore_static.saving import GraphFileError
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 6), name="x")
        tf.split(x, 2, name="parts")
        tf.nn.top_k(x, 2)
        path = str(tmp_path / "m.meta")
        tf.train.export_meta_graph(path)
    xv = np.arange(24, dtype=np.float32).reshape(4, 6)
    for scope, p in ((None, ""), ("imp", "imp/")):
        g2 = tf.Graph()
        with g2.as_default():
            tf.train.import_meta_graph(path, import_scope=scope)
            with tf.Session() as sess:
                parts1, idx = sess.run([p + "parts:1", p + "TopKV2:1"], {p + "x:0": xv})
            again = tf.split(g2.get_tensor_by_name(p + "x:0"), 2, name=p + "parts")
        np.testing.assert_array_equal(parts1, xv[2:])
        np.testing.assert_array_equal(idx, [[5, 4]] * 4)
        assert again[0].name == p + "parts_1/StridedSlice:0"
    # a file whose alias points nowhere is refused before anything is added
    data = dict(np.load(path))
    doc = json.loads(bytes(data["__graph__"]).decode())
    doc["aliases"]["parts:0"] = [10 ** 6, 0]
    data["__graph__"] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    bad = str(tmp_path / "bad.meta")
    with open(bad, "wb") as f:
        np.savez(f, **data)
    g3 = tf.Graph()
    with g3.as_default(), pytest.raises(GraphFileError, match="alias 'parts:0' refers to a "
                                                               "missing op output"):
        tf.train.import_meta_graph(bad)
    assert g3.get_operations() == []
