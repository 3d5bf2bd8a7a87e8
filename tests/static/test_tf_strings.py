"""tf.string tensors and the string ops (dlcore_static/strings.py), against Python's own string
behaviour (TensorFlow is not installed here): values, TensorFlow's error types and texts, no
gradient through them, and the same results with the graph passes switched on."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_static as tf

PASSES = [(), "all"]


def run(fetches, feed=None, passes=()):
    with tf.Session(passes=passes) as sess:
        return sess.run(fetches, feed)


def b(xs):
    return [x.encode() for x in xs]


# ----------------------------------------------------------------------------- the dtype
def test_string_dtype_placeholders_constants_and_feeds():
    assert tf.string.name == "string" and str(tf.string) == "<dtype: 'string'>"
    assert tf.as_dtype("string") is tf.string and tf.as_dtype(np.object_) is tf.string
    x = tf.placeholder(tf.string, [None])
    c = tf.constant(["a", b"b\xff"])
    s = tf.constant("héllo")
    assert x.dtype == tf.string and c.dtype == tf.string and s.shape.as_list() == []
    assert repr(x) == "<tf.Tensor 'Placeholder:0' shape=(?,) dtype=string>"
    vx, vc, vs = run([x, c, s], {x: ["u", b"v"]})
    assert vx.dtype == object and vx.tolist() == [b"u", b"v"]
    assert vc.tolist() == [b"a", b"b\xff"]
    assert vs == "héllo".encode()                         # a scalar fetch is bytes
    assert isinstance(vs, bytes)
    assert run(tf.constant("z", shape=[2, 2])).tolist() == [[b"z", b"z"], [b"z", b"z"]]
    with pytest.raises(TypeError, match="expected binary or unicode string, got 3"):
        run(x, {x: ["a", 3]})
    with pytest.raises(ValueError, match="Cannot feed value of shape"):
        run(x, {x: [["a"]]})


# ----------------------------------------------------------------------------- as_string
@pytest.mark.parametrize("passes", PASSES)
def test_as_string_formats_as_printf(passes):
    f = np.array([1.5, -0.25, 1234.5678], np.float32)
    i = np.array([7, -12], np.int32)
    out = run([tf.as_string(f), tf.as_string(f, precision=2), tf.as_string(f, scientific=True),
               tf.as_string(f, shortest=True), tf.as_string(i, width=5, fill="0"),
               tf.as_string(i, width=4), tf.as_string(tf.constant([True, False]))],
              passes=passes)
    fv = f.astype(np.float64).tolist()
    assert out[0].tolist() == [("%f" % v).encode() for v in fv]
    assert out[1].tolist() == [("%.2f" % v).encode() for v in fv]
    assert out[2].tolist() == [("%e" % v).encode() for v in fv]
    assert out[3].tolist() == [("%g" % v).encode() for v in fv]
    assert out[4].tolist() == [b"00007", b"-0012"]
    assert out[5].tolist() == [b"   7", b" -12"]
    assert out[6].tolist() == [b"true", b"false"]
    with pytest.raises(ValueError, match="precision not supported for datatype int32"):
        tf.as_string(i, precision=2)
    with pytest.raises(TypeError, match="Value for attr 'T' of string is not in the list"):
        tf.as_string(tf.constant("a"))


# ----------------------------------------------------------------------------- to_number
@pytest.mark.parametrize("passes", PASSES)
def test_string_to_number(passes):
    x = tf.placeholder(tf.string, [None])
    f32 = tf.strings.to_number(x)
    i64 = tf.string_to_number(x, out_type=tf.int64)
    v = run(f32, {x: ["1.5", "-2", " 3e2 ", "inf"]}, passes)
    assert v.dtype == np.float32 and v.tolist() == [1.5, -2.0, 300.0, np.inf]
    assert run(i64, {x: ["12", "-9000000000"]}, passes).tolist() == [12, -9000000000]
    with tf.Session(passes=passes) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="StringToNumberOp could not correctly convert string: 1.5x"):
            sess.run(f32, {x: ["1", "1.5x"]})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="could not correctly convert string: 3000000000"):
            sess.run(tf.string_to_number(x, tf.int32), {x: ["3000000000"]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="string: 1.0"):
            sess.run(i64, {x: ["1.0"]})
    with pytest.raises(TypeError, match="Value for attr 'out_type' of bool"):
        tf.strings.to_number(x, tf.bool)
    with pytest.raises(TypeError, match="expected a tf.string tensor, got float32"):
        tf.strings.to_number(tf.constant([1.0]))


# ----------------------------------------------------------------------------- split
def _dense_of(st):
    """Rows of a SparseTensorValue as lists (checks its indices are row-major)."""
    rows = [[] for _ in range(st.dense_shape[0])]
    for (r, c), v in zip(st.indices.tolist(), st.values.tolist()):
        assert c == len(rows[r])
        rows[r].append(v)
    assert st.dense_shape[1] == max((len(r) for r in rows), default=0)
    return rows


@pytest.mark.parametrize("passes", PASSES)
def test_string_split_char_set_and_strings_split_python(passes):
    src = ["a b  c", "", "x,y;z", " lead"]
    x = tf.placeholder(tf.string, [None])
    outs = run([tf.string_split(x), tf.string_split(x, ",;"),
                tf.string_split(x, " ", skip_empty=False), tf.string_split(x, ""),
                tf.strings.split(x), tf.strings.split(x, sep=" "),
                tf.strings.split(x, sep=" ", maxsplit=1)], {x: src}, passes)
    assert isinstance(outs[0], tf.SparseTensorValue)
    assert _dense_of(outs[0]) == [[t for t in re.split(b"[ ]", s) if t] for s in b(src)]
    assert _dense_of(outs[1]) == [[t for t in re.split(b"[,;]", s) if t] for s in b(src)]
    assert _dense_of(outs[2]) == [s.split(b" ") for s in b(src)]
    assert _dense_of(outs[3]) == [[bytes([c]) for c in s] for s in b(src)]
    assert _dense_of(outs[4]) == [s.split() for s in b(src)]
    assert _dense_of(outs[5]) == [s.split(b" ") for s in b(src)]
    assert _dense_of(outs[6]) == [s.split(b" ", 1) for s in b(src)]
    dense = run(tf.sparse.to_dense(tf.string_split(x, ","), default_value="-"),
                {x: ["a,b", "c"]}, passes)
    assert dense.tolist() == [[b"a", b"b"], [b"c", b"-"]]
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 0"):
        tf.string_split(tf.constant("a b"))
    with pytest.raises(ValueError, match="result_type 'RaggedTensor' is not supported"):
        tf.strings.split(x, result_type="RaggedTensor")


# ----------------------------------------------------------------------------- join etc.
@pytest.mark.parametrize("passes", PASSES)
def test_join_length_substr_case_strip_regex(passes):
    words = ["Hello", "wörld", "  pad \t"]
    x = tf.placeholder(tf.string, [3])
    outs = run({
        "join": tf.strings.join([x, "!", x], separator="-"),
        "join1": tf.string_join([x]),
        "len": tf.strings.length(x),
        "len_utf8": tf.strings.length(x, unit="UTF8_CHAR"),
        "sub": tf.strings.substr(x, 1, 3),
        "sub_neg": tf.substr(x, -2, 5),
        "sub_vec": tf.strings.substr(x, [0, 1, 2], [1, 2, 3]),
        "sub_utf8": tf.strings.substr(x, 1, 3, unit="UTF8_CHAR"),
        "lower": tf.strings.lower(x), "upper": tf.strings.upper(x),
        "upper_utf8": tf.strings.upper(x, encoding="utf-8"),
        "strip": tf.strings.strip(x),
        "re": tf.strings.regex_replace(x, "l+", "L"),
        "re_first": tf.regex_replace(x, "[a-z]", "_", replace_global=False),
        "re_group": tf.strings.regex_replace(x, r"(H)(e)", r"\2\1"),
    }, {x: words}, passes)
    bw = b(words)
    assert outs["join"].tolist() == [w + b"-!-" + w for w in bw]
    assert outs["join1"].tolist() == bw
    assert outs["len"].dtype == np.int32 and outs["len"].tolist() == [len(w) for w in bw]
    assert outs["len_utf8"].tolist() == [len(w) for w in words]
    assert outs["sub"].tolist() == [w[1:4] for w in bw]
    assert outs["sub_neg"].tolist() == [w[-2:] for w in bw]
    assert outs["sub_vec"].tolist() == [bw[0][0:1], bw[1][1:3], bw[2][2:5]]
    assert outs["sub_utf8"].tolist() == [w[1:4].encode() for w in words]
    assert outs["lower"].tolist() == [w.lower() for w in bw]            # ASCII only
    assert outs["upper"].tolist() == [w.upper() for w in bw]
    assert outs["upper_utf8"].tolist() == [w.upper().encode() for w in words]
    assert outs["strip"].tolist() == [w.strip() for w in bw]
    assert outs["re"].tolist() == [re.sub(b"l+", b"L", w) for w in bw]
    assert outs["re_first"].tolist() == [re.sub(b"[a-z]", b"_", w, count=1) for w in bw]
    assert outs["re_group"].tolist() == [b"eHllo", bw[1], bw[2]]
    with tf.Session(passes=passes) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"pos 6 out of range for string b'Hello' at index 0"):
            sess.run(tf.strings.substr(x, 6, 1), {x: words})
    with pytest.raises(ValueError, match="Invalid pattern: \\(, error"):
        tf.strings.regex_replace(x, "(", "")
    with pytest.raises(ValueError, match=r"Input shapes do not match: \[3\], \[2\]"):
        tf.strings.join([x, tf.constant(["a", "b"])])


@pytest.mark.parametrize("passes", PASSES)
def test_reduce_join(passes):
    m = np.array([["a", "b", "c"], ["d", "e", "f"]])
    c = tf.constant(m)
    outs = run([tf.reduce_join(c), tf.reduce_join(c, 0), tf.strings.reduce_join(c, axis=1,
                separator=","), tf.reduce_join(c, -1, keep_dims=True)], passes=passes)
    assert outs[0] == b"abcdef"
    assert outs[1].tolist() == [b"ad", b"be", b"cf"]
    assert outs[2].tolist() == [b"a,b,c", b"d,e,f"]
    assert outs[3].tolist() == [[b"abc"], [b"def"]]
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2"):
        tf.reduce_join(c, 2)


# ----------------------------------------------------------------------------- core ops
@pytest.mark.parametrize("passes", PASSES)
def test_core_ops_on_strings(passes):
    x = tf.placeholder(tf.string, [None])
    outs = run([tf.identity(x), tf.equal(x, "b"), tf.not_equal(x, x[0]), x + "_s",
                tf.reshape(x, [-1, 1]), tf.gather(x, [1, 0]), tf.concat([x, x], 0),
                tf.stack([x, x]), tf.shape(x), x[1:], tf.boolean_mask(x, [True, False])],
               {x: ["a", "b"]}, passes)
    assert outs[0].tolist() == [b"a", b"b"]
    assert outs[1].tolist() == [False, True] and outs[1].dtype == np.bool_
    assert outs[2].tolist() == [False, True]
    assert outs[3].tolist() == [b"a_s", b"b_s"]
    assert outs[4].tolist() == [[b"a"], [b"b"]]
    assert outs[5].tolist() == [b"b", b"a"]
    assert outs[6].tolist() == [b"a", b"b", b"a", b"b"]
    assert outs[7].tolist() == [[b"a", b"b"], [b"a", b"b"]]
    assert outs[8].tolist() == [2]
    assert outs[9].tolist() == [b"b"] and outs[10].tolist() == [b"a"]
    m = tf.placeholder(tf.string, [None, 3])
    assert tf.equal(m, "a").shape.as_list() == [None, 3]
    assert (tf.constant([["a"]]) + m).shape.as_list() == [None, 3]
    with pytest.raises(TypeError, match="'Mul' does not support tf.string inputs"):
        x * 2
    with pytest.raises(TypeError, match="Input 'y' of 'Equal' Op has type float32 that does "
                                        "not match type string"):
        tf.equal(x, tf.constant(1.0))


@pytest.mark.parametrize("passes", PASSES)
def test_numbers_through_strings_no_gradient_and_compiled_neighbours(passes):
    w = tf.Variable(np.array([[2.0], [3.0]], np.float32))
    lines = tf.placeholder(tf.string, [None])
    cols = tf.sparse.to_dense(tf.string_split(lines, ","), default_value="0")
    feats = tf.strings.to_number(cols)
    y = tf.matmul(tf.nn.relu(feats * 2.0 + 1.0), w)
    back = tf.strings.to_number(tf.as_string(w))
    assert tf.gradients(back, [w]) == [None]                 # string ops: not differentiable
    g, = tf.gradients(tf.reduce_sum(y), [w])
    with tf.Session(passes=passes) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(2):
            vy, vg = sess.run([y, g], {lines: ["1,2", "3"]})
    f = np.array([[1, 2], [3, 0]], np.float32)
    np.testing.assert_allclose(vy, np.maximum(f * 2 + 1, 0) @ [[2.0], [3.0]])
    np.testing.assert_allclose(vg, np.maximum(f * 2 + 1, 0).sum(0)[:, None])


def test_saving_a_graph_with_strings_never_pickles(tmp_path):
    # a tf.string constant is written into the graph's JSON as Latin-1 text (no object array,
    # no pickle); it loads back as the same bytes
    tf.constant([b"a", b"\xff\x00z"], name="s")
    tf.strings.to_number(tf.placeholder(tf.string, [None]))
    tf.train.export_meta_graph(str(tmp_path / "m.meta"))
    assert (tmp_path / "m.meta").exists()
    assert b"pickle" not in (tmp_path / "m.meta").read_bytes()
    with tf.Graph().as_default():
        tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        with tf.Session() as sess:
            assert sess.run("s:0").tolist() == [b"a", b"\xff\x00z"]


def test_docstring_examples_run():
    import doctest

    from dlcore_static import sparse, strings
    from dlcore_static.data import readers
    from dlcore_static.io import files, parsing, sequence_parsing, tensor_proto, tfrecord
    for mod in (strings, sparse, parsing, tfrecord, readers, files, sequence_parsing,
                tensor_proto):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0 and res.attempted > 0, mod.__name__


def test_py_func_takes_and_returns_strings():
    x = tf.placeholder(tf.string, [None])
    y = tf.py_func(lambda a: np.array([s.decode().upper() for s in a]), [x], tf.string)
    z = tf.py_func(lambda a: np.array([len(s) for s in a], np.int64), [x], tf.int64)
    bad = tf.py_func(lambda a: np.array([1]), [x], tf.string)
    with tf.Session() as sess:
        vy, vz = sess.run([y, z], {x: ["ab", "c"]})
        assert vy.tolist() == [b"AB", b"C"] and vz.tolist() == [2, 1]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="expected binary or unicode string, got 1"):
            sess.run(bad, {x: ["a"]})
