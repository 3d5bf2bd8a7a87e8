"""Text and record input pipelines (dlcore_static/data/readers.py, io/parsing.py): TextLineDataset,
decode_csv (against Python's csv module), CsvDataset, make_csv_dataset, and complete TF1-style
pipelines that write CSV and TFRecord files, read them with the datasets, parse, shuffle, batch
and train a small model."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import Pipeline


def _drain(t, sess):
    out = []
    while True:
        try:
            out.append(sess.run(t))
        except tf.errors.OutOfRangeError:
            return out


# ----------------------------------------------------------------------------- lines
def test_text_line_dataset(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt.gz"
    a.write_bytes(b"head\r\nx1\n\nlast")               # CRLF, an empty line, no final newline
    b.write_bytes(gzip.compress(b"head\ny1\ny2\n"))
    plain = tf.data.TextLineDataset(str(a))
    assert plain.output_types == tf.string and plain.output_shapes.as_list() == []
    nxt = plain.make_one_shot_iterator().get_next()
    names = tf.placeholder(tf.string, [None])
    gz = tf.data.TextLineDataset(names, compression_type="GZIP").skip(1)
    it = gz.make_initializable_iterator()
    with tf.Session() as sess:
        assert _drain(nxt, sess) == [b"head", b"x1", b"", b"last"]
        sess.run(it.initializer, {names: [str(b), str(b)]})
        assert _drain(it.get_next(), sess) == [b"y1", b"y2", b"head", b"y1", b"y2"]
        missing = tf.data.TextLineDataset(str(tmp_path / "none.txt"))
        with pytest.raises(tf.errors.NotFoundError, match="none.txt; No such file or dir"):
            sess.run(missing.make_one_shot_iterator().get_next())
    with pytest.raises(ValueError, match="Unsupported compression type: 'LZ4'"):
        tf.data.TextLineDataset(str(a), compression_type="LZ4")


def test_interleave_over_files_and_from_tensor_slices_of_strings(tmp_path):
    files = []
    for k in range(2):
        p = tmp_path / f"f{k}.csv"
        p.write_text("h\n" + "".join(f"{k}{i}\n" for i in range(3)))
        files.append(str(p))
    ds = tf.data.Dataset.from_tensor_slices(files).interleave(
        lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2)
    nxt = ds.make_one_shot_iterator().get_next()
    words = tf.data.Dataset.from_tensor_slices(["a", "bb"]).map(tf.strings.length)
    nw = words.make_one_shot_iterator().get_next()
    raw = [b"ab\x00", b"\x00"]                          # trailing NULs survive (no 'S' arrays)
    gen = tf.data.Dataset.from_generator(lambda: iter(raw), tf.string, [])
    both = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(np.array(raw, object)),
                                gen)).map(lambda a, b: (a, tf.identity(b))).batch(2)
    nb = both.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert _drain(nxt, sess) == [b"00", b"10", b"01", b"11", b"02", b"12"]
        assert _drain(nw, sess) == [1, 2]
        a, b = sess.run(nb)
        assert a.tolist() == raw and b.tolist() == raw


# ----------------------------------------------------------------------------- decode_csv
RECORDS = ['1,2.5,"a,b",x', '-3,,"say ""hi""",', '7,1e3,,"q"']


@pytest.mark.parametrize("passes", [(), "all"])
def test_decode_csv_matches_csv_module(passes):
    rec = tf.placeholder(tf.string, [None])
    cols = tf.decode_csv(rec, record_defaults=[[0], [-1.0], ["dflt"], tf.constant(["z"])])
    with tf.Session(passes=passes) as sess:
        out = sess.run(cols, {rec: RECORDS})
    rows = list(csv.reader(RECORDS))
    assert [c.dtype for c in out] == [np.int32, np.float32, object, object]
    assert out[0].tolist() == [int(r[0]) for r in rows]
    assert out[1].tolist() == [float(r[1]) if r[1] else -1.0 for r in rows]
    assert out[2].tolist() == [r[2].encode() if r[2] else b"dflt" for r in rows]
    assert out[3].tolist() == [r[3].encode() if r[3] else b"z" for r in rows]


def test_decode_csv_options_and_errors():
    rec = tf.placeholder(tf.string, [None])
    sel = tf.io.decode_csv(rec, [[0.0], [""]], field_delim="|", select_cols=[1, 3],
                           na_value="NA")
    two = tf.decode_csv(rec, [[0.0], tf.constant([], tf.int64)])
    with tf.Session() as sess:
        a, b = sess.run(sel, {rec: ["x|1.5|y|w", "x|NA|y|NA"]})
        assert a.tolist() == [1.5, 0.0] and b.tolist() == [b"w", b""]
        errors = [(["1"], "Expect 2 fields but have 1 in record 0"),
                  (["1,2", "1,"], "Field 1 is required but missing in record 1!"),
                  (["abc,2"], "Field 0 in record 0 is not a valid float: abc"),
                  (["1,2.5"], "Field 1 in record 0 is not a valid int64: 2.5"),
                  (['"1,2'], "Quoted field has to end with quote followed by delim or end"),
                  (['1a"b,2'], "Unquoted fields cannot have quotes/CRLFs inside")]
        for value, msg in errors:
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
                sess.run(two, {rec: value})
    with pytest.raises(ValueError, match="field_delim must be a single character"):
        tf.decode_csv(rec, [[0]], field_delim="::")
    with pytest.raises(ValueError, match=r"Length of select_cols \(1\) and record_defaults "
                                         r"\(2\) should match"):
        tf.decode_csv(rec, [[0], [0]], select_cols=[0])
    with pytest.raises(TypeError, match="record_defaults\\[0\\] has dtype bool"):
        tf.decode_csv(rec, [[True]])


# ----------------------------------------------------------------------------- CSV datasets
def _write_csv(path, rows, header="f1,f2,name,label"):
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))


def test_csv_dataset_and_make_csv_dataset(tmp_path):
    rows = [(i, i * 0.5, f"n{i}", i % 2) for i in range(5)]
    p = tmp_path / "d.csv"
    _write_csv(p, rows)
    ds = tf.data.experimental.CsvDataset(str(p), [tf.int32, [0.0], "", tf.int64],
                                         header=True)
    assert ds.output_types == (tf.int32, tf.float32, tf.string, tf.int64)
    sel = tf.data.experimental.CsvDataset(str(p), [[0.0], [0]], header=True,
                                          select_cols=[1, 3]).batch(2)
    made = tf.data.experimental.make_csv_dataset(str(p), 3, label_name="label", num_epochs=1,
                                                 shuffle=False)
    bad = tmp_path / "bad.csv"
    _write_csv(bad, [(1, 2, "a", 0), (1, "x", "b", 1)])
    nb = tf.data.experimental.CsvDataset(str(bad), [[0], [0.0], [""], [0]], header=True)
    with tf.Session() as sess:
        got = _drain(ds.make_one_shot_iterator().get_next(), sess)
        assert [(int(a), float(b), c, int(d)) for a, b, c, d in got] == \
            [(a, b, c.encode(), d) for a, b, c, d in rows]
        first = sess.run(sel.make_one_shot_iterator().get_next())
        assert first[0].tolist() == [0.0, 0.5] and first[1].tolist() == [0, 1]
        feats, label = sess.run(made.make_one_shot_iterator().get_next())
        assert sorted(feats) == ["f1", "f2", "name"] and label.tolist() == [0, 1, 0]
        assert feats["f1"].dtype == np.int32 and feats["f2"].dtype == np.float32
        assert feats["name"].tolist() == [b"n0", b"n1", b"n2"]
        it = nb.make_one_shot_iterator().get_next()
        sess.run(it)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Field 1 in record 1 is not a valid float: x \(file .*bad"
                                 r".csv, line 3\)"):
            sess.run(it)


# ----------------------------------------------------------------------------- pipelines
def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([1.5, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)
    return x, y


def _train(features, label, steps=40):
    w = tf.Variable(tf.zeros([3, 1]))
    bias = tf.Variable(0.0)
    pred = tf.squeeze(tf.matmul(features, w), 1) + bias
    loss = tf.reduce_mean(tf.square(pred - label))
    step = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([step, loss])[1] for _ in range(steps)]
        wv = sess.run(w)
    return losses, wv


def test_csv_pipeline_trains(tmp_path):
    x, y = _data()
    files = []
    for k in range(2):
        p = tmp_path / f"train{k}.csv"
        half = slice(k * 24, (k + 1) * 24)
        p.write_text("a,b,c,y\n" + "".join(
            ",".join(f"{v:.6f}" for v in (*xi, yi)) + "\n" for xi, yi in zip(x[half], y[half])))
        files.append(str(p))

    def parse(line):
        *cols, target = tf.decode_csv(line, [[0.0]] * 4)
        return tf.stack(cols), target
    ds = (tf.data.Dataset.from_tensor_slices(files)
          .interleave(lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2)
          .map(parse).shuffle(48, seed=1).repeat().batch(16))
    feats, label = ds.make_one_shot_iterator().get_next()
    assert feats.shape.as_list() == [None, 3]
    losses, w = _train(feats, label)
    assert losses[-1] < 0.01 * losses[0]
    np.testing.assert_allclose(w[:, 0], [1.5, -2.0, 0.5], atol=0.05)


def test_tfrecord_pipeline_trains(tmp_path):
    x, y = _data(seed=2)
    path = str(tmp_path / "train.tfrecord.gz")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as w:
        for xi, yi in zip(x, y):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=xi)),
                "raw": tf.train.Feature(bytes_list=tf.train.BytesList(value=[xi.tobytes()])),
                "y": tf.train.Feature(float_list=tf.train.FloatList(value=[yi]))}))
            w.write(ex.SerializeToString())

    def parse(record):
        p = tf.io.parse_single_example(record, {
            "x": tf.io.FixedLenFeature([3], tf.float32),
            "raw": tf.io.FixedLenFeature([], tf.string),
            "y": tf.io.FixedLenFeature([], tf.float32)})
        return p["x"], tf.io.decode_raw(p["raw"], tf.float32), p["y"]
    ds = tf.data.TFRecordDataset([path], compression_type="GZIP").map(parse)
    check = ds.batch(48).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        xs, raws, ys = sess.run(check)
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(raws, x)
    np.testing.assert_array_equal(ys, y)
    feats, _, label = ds.shuffle(48, seed=3).repeat().batch(16).make_one_shot_iterator() \
        .get_next()
    losses, w = _train(feats, label)
    assert losses[-1] < 0.01 * losses[0]
    np.testing.assert_allclose(w[:, 0], [1.5, -2.0, 0.5], atol=0.05)


@pytest.mark.cuda
def test_strings_stay_on_the_host_of_a_cuda_session(tmp_path):
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    (tmp_path / "a.csv").write_text("1,2\n3,4\n")
    lines = tf.placeholder(tf.string, [2])
    y = tf.reduce_sum(tf.stack(tf.decode_csv(lines, [[0.0], [0.0]]), 1) * 2.0, 1)
    text = tf.equal(tf.as_string(y), "6.000000")
    moved = [tf.reshape(lines, [2, 1]), tf.gather(lines, [1, 0]), tf.shape(lines) * 2,
             tf.constant(["k"]) + "z"]
    nx = tf.data.TextLineDataset(str(tmp_path / "a.csv")).map(
        lambda s: tf.decode_csv(s, [[0.0], [0.0]])).batch(2).make_one_shot_iterator().get_next()
    sess = tf.Session(device="cuda", pipeline=Pipeline("all", after=1))  # compiled at once
    vy, vt, *vm = sess.run([y, text] + moved, {lines: ["1,2", "3,4"]})
    assert vy.tolist() == [6.0, 14.0] and vt.tolist() == [True, False]
    assert vm[0].tolist() == [[b"1,2"], [b"3,4"]] and vm[1].tolist() == [b"3,4", b"1,2"]
    assert vm[2].tolist() == [4] and vm[3].tolist() == [b"kz"]
    assert sess.run(nx[0] + nx[1]).tolist() == [3.0, 7.0]


def test_feedable_iterator_switches_datasets_by_string_handle():
    train = tf.data.Dataset.range(100).map(lambda v: v * 2).repeat()
    val = tf.data.Dataset.from_tensor_slices(np.arange(3, dtype=np.int64) + 1000)
    handle = tf.placeholder(tf.string, shape=[])
    it = tf.data.Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
    nxt = it.get_next()
    ti, vi = train.make_one_shot_iterator(), val.make_initializable_iterator()
    floats = tf.data.Dataset.from_tensors(np.float32(1)).make_one_shot_iterator()
    with tf.Session() as sess:
        th, vh, fh = sess.run([ti.string_handle(), vi.string_handle(), floats.string_handle()])
        assert isinstance(th, bytes) and th != vh
        assert [sess.run(nxt, {handle: th}) for _ in range(3)] == [0, 2, 4]
        with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
            sess.run(nxt, {handle: vh})
        sess.run(vi.initializer)
        assert [sess.run(nxt, {handle: vh}) for _ in range(3)] == [1000, 1001, 1002]
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(nxt, {handle: vh})
        assert sess.run(nxt, {handle: th}) == 6               # the other one kept its place
        with pytest.raises(tf.errors.InvalidArgumentError, match="has output types tf.float32, "
                                                                 "but this iterator expects "
                                                                 "tf.int64"):
            sess.run(nxt, {handle: fh})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Unable to find an iterator for the string handle b'nope'"):
            sess.run(nxt, {handle: "nope"})
    with pytest.raises(TypeError, match="string_handle must be a scalar tf.string tensor"):
        tf.data.Iterator.from_string_handle(tf.placeholder(tf.int32, []), tf.int64)


def test_sparse_elements_from_varlen_features(tmp_path):
    path = str(tmp_path / "v.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(5):
            w.write(tf.train.Example(features=tf.train.Features(feature={
                "tags": tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[b"t%d" % k for k in range(i)])),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
                .SerializeToString())
    feats = {"tags": tf.io.VarLenFeature(tf.string), "y": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(path).map(lambda s: tf.io.parse_single_example(s, feats))
    assert ds.output_classes["tags"] is tf.SparseTensor and ds.output_types["tags"] == tf.string
    assert ds.output_shapes["tags"].as_list() == [None]
    batched = ds.batch(3)
    nxt = batched.make_one_shot_iterator().get_next()
    assert isinstance(nxt["tags"], tf.SparseTensor)
    lens = batched.map(lambda d: tf.reduce_sum(tf.cast(tf.not_equal(
        tf.sparse.to_dense(d["tags"]), ""), tf.int32), 1)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        v = sess.run(nxt)
        assert v["tags"].indices.tolist() == [[1, 0], [2, 0], [2, 1]]
        assert v["tags"].values.tolist() == [b"t0", b"t0", b"t1"]
        assert v["tags"].dense_shape.tolist() == [3, 2] and v["y"].tolist() == [0, 1, 2]
        v = sess.run(nxt)
        assert v["tags"].dense_shape.tolist() == [2, 4] and v["y"].tolist() == [3, 4]
        assert sess.run(lens).tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="padded_batch: SparseTensor components cannot be "
                                        "padded"):
        ds.padded_batch(2, {"tags": [None], "y": []})
    with pytest.raises(TypeError, match="from_tensor_slices: SparseTensor components are not "
                                        "supported here"):
        tf.data.Dataset.from_tensor_slices(tf.SparseTensor([[0]], [1.0], [2]))


def test_make_batched_features_dataset(tmp_path):
    for k in range(2):
        with tf.io.TFRecordWriter(str(tmp_path / f"part-{k}.tfrecord")) as w:
            for i in range(3):
                v = 10 * k + i
                w.write(tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[v, -v])),
                    "ids": tf.train.Feature(int64_list=tf.train.Int64List(value=[v] * i)),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[v % 2]))}))
                    .SerializeToString())
    feats = {"x": tf.io.FixedLenFeature([2], tf.float32), "ids": tf.io.VarLenFeature(tf.int64),
             "label": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.experimental.make_batched_features_dataset(
        str(tmp_path / "part-*.tfrecord"), 4, feats, label_key="label", num_epochs=1,
        shuffle=False)
    f, label = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        vf, vl = sess.run([f, label])
        assert vf["x"].tolist() == [[0, 0], [1, -1], [2, -2], [10, -10]]
        assert vl.tolist() == [0, 1, 0, 0]
        assert vf["ids"].indices.tolist() == [[1, 0], [2, 0], [2, 1]]
        assert vf["ids"].values.tolist() == [1, 2, 2] and vf["ids"].dense_shape.tolist() == [4, 2]
        vf, vl = sess.run([f, label])
        assert vf["x"][:, 0].tolist() == [11, 12] and vl.tolist() == [1, 0]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(label)
    with pytest.raises(ValueError, match="No files match `file_pattern`"):
        tf.data.experimental.make_batched_features_dataset(str(tmp_path / "none*"), 2, feats)
