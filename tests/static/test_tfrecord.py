"""TFRecord files and tf.train.Example (dlcore_static/io/): CRC-32C test vectors, byte-exact
record framing (against hand-computed bytes and TensorBoard's own record writer), corrupt files
as tf.errors.DataLossError with TensorFlow's text, the Example wire format (against
hand-computed bytes and, where protobuf is installed, the real protobuf runtime with
TensorFlow's feature.proto built as a descriptor), and the Example parsers."""

from __future__ import annotations

import gzip
import struct
import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import Pipeline
from dlcore_static.io import tfrecord
from dlcore_static.io.example_proto import DecodeError


# ----------------------------------------------------------------------------- CRC-32C
@pytest.mark.parametrize("data, crc", [
    (b"123456789", 0xE3069283),                 # the standard check value
    (b"", 0x00000000),
    (bytes(32), 0x8A9136AA),                    # RFC 3720 (iSCSI) B.4 vectors
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
])
def test_crc32c_vectors(data, crc):
    assert tfrecord.crc32c(data) == crc


def test_masked_crc_and_framing_are_tensorflows(tmp_path):
    c = tfrecord.crc32c(b"hello")
    assert tfrecord.masked_crc32c(b"hello") == \
        ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF
    header = struct.pack("<Q", 5)
    expect = (header + struct.pack("<I", tfrecord.masked_crc32c(header)) + b"hello"
              + struct.pack("<I", tfrecord.masked_crc32c(b"hello")))
    path = tmp_path / "a.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        w.write(b"hello")
        w.write(b"")
    empty = struct.pack("<Q", 0)
    assert path.read_bytes() == expect + empty + struct.pack(
        "<I", tfrecord.masked_crc32c(empty)) + struct.pack("<I", tfrecord.masked_crc32c(b""))
    assert list(tf.python_io.tf_record_iterator(str(path))) == [b"hello", b""]


def test_files_equal_tensorboards_record_writer(tmp_path):
    rw = pytest.importorskip("tensorboard.summary.writer.record_writer")
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    records = [b"x" * 300, bytes(range(256)), b"", b"\x00\xff" * 7]
    for r in records:
        assert tfrecord.masked_crc32c(r) == masked_crc32c(r)
    theirs, ours = tmp_path / "tb.tfrecord", tmp_path / "ours.tfrecord"
    with open(theirs, "wb") as f:
        w = rw.RecordWriter(f)
        for r in records:
            w.write(r)
    w = tf.python_io.TFRecordWriter(str(ours))
    for r in records:
        w.write(r)
    w.close()
    assert ours.read_bytes() == theirs.read_bytes()
    assert list(tf.compat.v1.io.tf_record_iterator(str(theirs))) == records


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_compressed_files(tmp_path, kind):
    path = tmp_path / "c.tfrecord"
    opts = tf.io.TFRecordOptions(compression_type=kind)
    with tf.io.TFRecordWriter(str(path), options=opts) as w:
        for i in range(3):
            w.write(b"rec%d" % i)
    if kind == "GZIP":
        assert gzip.decompress(path.read_bytes()) == b"".join(
            tfrecord.frame(b"rec%d" % i) for i in range(3))
    assert list(tf.python_io.tf_record_iterator(str(path), opts)) == [b"rec0", b"rec1", b"rec2"]
    assert list(tfrecord.tf_record_iterator(str(path), kind)) == [b"rec0", b"rec1", b"rec2"]


def test_corrupt_and_truncated_files_are_data_loss(tmp_path):
    good = tfrecord.frame(b"abcdef") + tfrecord.frame(b"xyz")
    cases = {
        "data": (good[:14] + b"?" + good[15:], "corrupted record at 12"),   # data of record 0
        "length": (b"\x07" + good[1:], "corrupted record at 0"),
        "second": (good[:22 + 14] + b"!" + good[22 + 15:], "corrupted record at 34"),
        "short_body": (good[:20], "truncated record at 0"),
        "short_header": (good[:22] + good[22:28], "truncated record at 22"),
    }
    for name, (data, msg) in cases.items():
        p = tmp_path / f"{name}.tfrecord"
        p.write_bytes(data)
        with pytest.raises(tf.errors.DataLossError, match=msg):
            list(tf.python_io.tf_record_iterator(str(p)))
    # a huge length in a valid header is caught before anything is allocated
    header = struct.pack("<Q", 1 << 60)
    p = tmp_path / "huge.tfrecord"
    p.write_bytes(header + struct.pack("<I", tfrecord.masked_crc32c(header)) + b"abc")
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 0"):
        list(tf.python_io.tf_record_iterator(str(p)))
    # through a dataset: the iterator's node raises it, earlier records come out first
    p = tmp_path / "data.tfrecord"
    p.write_bytes(good[:22] + good[22:22 + 14] + b"!" + good[22 + 15:])
    nxt = tf.data.TFRecordDataset(str(p)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == b"abcdef"
        with pytest.raises(tf.errors.DataLossError, match="corrupted record at 34"):
            sess.run(nxt)
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        list(tf.python_io.tf_record_iterator(str(tmp_path / "missing")))


# ----------------------------------------------------------------------------- Example
def _example(**feats):
    return tf.train.Example(features=tf.train.Features(feature=feats))


def test_example_wire_bytes_by_hand():
    ex = _example(a=tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 300])))
    # Int64List packed: 0a 03 01 ac 02; Feature.int64_list (3): 1a 05 ...; map entry:
    # key 0a 01 'a', value 12 07 ...; Features.feature (1): 0a 0c ...; Example.features: 0a 0e
    want = b"\x0a\x0e\x0a\x0c\x0a\x01a\x12\x07\x1a\x05\x0a\x03\x01\xac\x02"
    assert ex.SerializeToString() == want
    fl = tf.train.FloatList(value=[1.5, -2.0])
    assert fl.SerializeToString() == b"\x0a\x08" + struct.pack("<ff", 1.5, -2.0)
    assert tf.train.Int64List(value=[-1]).SerializeToString() == b"\x0a\x0a" + b"\xff" * 9 + \
        b"\x01"
    assert tf.train.BytesList(value=[b"hi", b""]).SerializeToString() == \
        b"\x0a\x02hi\x0a\x00"
    back = tf.train.Example.FromString(want)
    assert back == ex and back.features.feature["a"].int64_list.value == [1, 300]
    # unpacked repeated fields (older writers) read too; unknown fields are skipped
    unpacked = b"\x08\x05\x08\x7f" + b"\x10\x01"
    assert tf.train.Int64List.FromString(unpacked).value == [5, 127]
    assert tf.train.FloatList.FromString(b"\x0d" + struct.pack("<f", 0.5)).value == [0.5]
    for bad in (b"\x0a\x05ab", b"\x0a", b"\x0f\x00"):
        with pytest.raises(DecodeError, match="Error parsing message"):
            tf.train.Example.FromString(bad)


def test_example_python_api():
    ex = tf.train.Example()
    ex.features.feature["x"].float_list.value.extend([0.1, 2])
    ex.features.feature["t"].bytes_list.value.append(b"cat")
    f = ex.features.feature["x"]
    assert f.WhichOneof("kind") == "float_list" and f.HasField("float_list")
    assert f.float_list.value == [float(np.float32(0.1)), 2.0]        # stored as float32
    assert f.int64_list.value == [] and f.WhichOneof("kind") == "float_list"
    with pytest.raises(TypeError, match="'cat' has type str, but expected one of: bytes"):
        ex.features.feature["t"].bytes_list.value.append("cat")
    with pytest.raises(TypeError, match="1.5 has type float, but expected one of: int"):
        tf.train.Int64List(value=[1.5])
    copy = tf.train.Example()
    copy.CopyFrom(ex)
    assert copy == ex and copy is not ex
    assert 'key: "t"' in str(ex) and 'value: "cat"' in str(ex)
    seq = tf.train.SequenceExample()
    seq.feature_lists.feature_list["w"].feature.add().int64_list.value.append(3)
    assert tf.train.SequenceExample.FromString(seq.SerializeToString()) == seq


def _protobuf_classes():
    pytest.importorskip("google.protobuf")
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="dlcore_test/example.proto",
                                             package="dlt", syntax="proto3")

    def msg(name, *fields, oneof=False):
        m = fdp.message_type.add(name=name)
        if oneof:
            m.oneof_decl.add(name="kind")
        for fname, num, typ, label, tname in fields:
            f = m.field.add(name=fname, number=num, type=typ, label=label)
            if tname:
                f.type_name = tname
            if oneof:
                f.oneof_index = 0
        return m
    rep, opt = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    msg("BytesList", ("value", 1, F.TYPE_BYTES, rep, None))
    msg("FloatList", ("value", 1, F.TYPE_FLOAT, rep, None))
    msg("Int64List", ("value", 1, F.TYPE_INT64, rep, None))
    msg("Feature", ("bytes_list", 1, F.TYPE_MESSAGE, opt, ".dlt.BytesList"),
        ("float_list", 2, F.TYPE_MESSAGE, opt, ".dlt.FloatList"),
        ("int64_list", 3, F.TYPE_MESSAGE, opt, ".dlt.Int64List"), oneof=True)
    feats = msg("Features", ("feature", 1, F.TYPE_MESSAGE, rep, ".dlt.Features.FeatureEntry"))
    entry = feats.nested_type.add(name="FeatureEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=opt)
    entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=opt,
                    type_name=".dlt.Feature")
    msg("Example", ("features", 1, F.TYPE_MESSAGE, opt, ".dlt.Features"))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("dlt.Example"))


def test_example_against_protobuf_runtime():
    PbExample = _protobuf_classes()
    values = {"i": [0, 1, -1, 2**40, -(2**63), 2**63 - 1], "f": [0.0, -1.25, 3.4e38, 1e-40],
              "b": [b"", b"\x00\xff", "é".encode() * 50]}
    for key, vals in values.items():
        pb = PbExample()
        lst = getattr(pb.features.feature[key], {"i": "int64_list", "f": "float_list",
                                                  "b": "bytes_list"}[key])
        lst.value.extend(vals)
        ours = tf.train.Example()
        getattr(ours.features.feature[key], {"i": "int64_list", "f": "float_list",
                                              "b": "bytes_list"}[key]).value.extend(vals)
        assert ours.SerializeToString() == pb.SerializeToString()
    big = PbExample()
    big.features.feature["a"].int64_list.value.extend([5, -7])
    big.features.feature["b"].float_list.value.extend([0.5])
    big.features.feature["c"].bytes_list.value.extend([b"q"])
    big.features.feature["empty"].float_list.SetInParent()
    ours = tf.train.Example.FromString(big.SerializeToString())
    assert ours.features.feature["a"].int64_list.value == [5, -7]
    assert ours.features.feature["empty"].WhichOneof("kind") == "float_list"
    assert PbExample.FromString(ours.SerializeToString()) == big


# ----------------------------------------------------------------------------- parsing
def _records():
    def one(i, tags):
        return _example(
            x=tf.train.Feature(float_list=tf.train.FloatList(value=[i, i + 0.5])),
            label=tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 2])),
            tags=tf.train.Feature(bytes_list=tf.train.BytesList(value=tags)),
            seq=tf.train.Feature(int64_list=tf.train.Int64List(value=list(range(2 * i)))),
        ).SerializeToString()
    return [one(0, [b"a"]), one(1, []), one(2, [b"b", b"c"])]


FEATURES = {"x": tf.io.FixedLenFeature([2], tf.float32),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "missing": tf.io.FixedLenFeature([2], tf.float32, default_value=[7.0, 8.0]),
            "tags": tf.io.VarLenFeature(tf.string),
            "seq": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True)}


@pytest.mark.parametrize("passes", [(), "all"])
def test_parse_example_and_single_example(passes):
    recs = _records()
    s = tf.placeholder(tf.string, [None])
    batch = tf.io.parse_example(s, FEATURES)
    single = tf.parse_single_example(s[2], FEATURES)
    with tf.Session(passes=passes) as sess:
        out, one = sess.run([batch, single], {s: recs})
    np.testing.assert_array_equal(out["x"], [[0, 0.5], [1, 1.5], [2, 2.5]])
    assert out["x"].dtype == np.float32 and out["label"].tolist() == [0, 1, 0]
    assert out["missing"].tolist() == [[7, 8]] * 3
    tags = out["tags"]
    assert tags.indices.tolist() == [[0, 0], [2, 0], [2, 1]]
    assert tags.values.tolist() == [b"a", b"b", b"c"] and tags.dense_shape.tolist() == [3, 2]
    assert out["seq"].shape == (3, 2, 2)
    assert out["seq"][2].tolist() == [[0, 1], [2, 3]]
    assert out["seq"][1].tolist() == [[0, 1], [0, 0]] and out["seq"][0].tolist() == [[0, 0]] * 2
    assert one["label"] == 0 and one["x"].tolist() == [2, 2.5]
    assert one["tags"].indices.tolist() == [[0], [1]] and one["tags"].dense_shape.tolist() == [2]
    assert one["seq"].tolist() == [[0, 1], [2, 3]]


def test_parse_errors():
    recs = _records()
    s = tf.placeholder(tf.string, [None])
    cases = [
        ({"nope": tf.io.FixedLenFeature([], tf.int64)},
         r"Name: <unknown>, Feature: nope \(data type: int64\) is required but could not be "
         "found."),
        ({"label": tf.io.FixedLenFeature([], tf.float32)},
         "Key: label, Index: 0.  Data types don't match. Data type: int64 but expected type: "
         "float"),
        ({"x": tf.io.FixedLenFeature([3], tf.float32)},
         r"Number of float values != expected.  Values size: 2 but output shape: \[3\]"),
    ]
    with tf.Session() as sess:
        for feats, msg in cases:
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
                sess.run(tf.io.parse_example(s, feats), {s: recs})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Could not parse example input, value: '\x0a\x05ab'"):
            sess.run(tf.io.parse_example(s, FEATURES), {s: [b"\x0a\x05ab"]})
    with pytest.raises(ValueError, match="requires allow_missing to be True"):
        tf.io.parse_example(s, {"q": tf.io.FixedLenSequenceFeature([], tf.int64)})
    with pytest.raises(ValueError, match="Unsupported dtype int32 for feature 'q'"):
        tf.io.parse_example(s, {"q": tf.io.FixedLenFeature([], tf.int32)})


def test_decode_raw():
    raw = [np.arange(4, dtype=np.float32).tobytes(), np.ones(4, np.float32).tobytes()]
    x = tf.placeholder(tf.string, [2])
    with warnings.catch_warnings():             # uint8 is computed in int32 (dtypes.COMPUTE)
        warnings.simplefilter("ignore", UserWarning)
        u8 = tf.io.decode_raw(x, tf.uint8)
    f = tf.decode_raw(x, tf.float32)
    be = tf.io.decode_raw(tf.constant(b"\x01\x02\x00\x03"), tf.int16, little_endian=False)
    with tf.Session() as sess:
        vf, vu, vb = sess.run([f, u8, be], {x: raw})
        np.testing.assert_array_equal(vf, [np.arange(4), np.ones(4)])
        np.testing.assert_array_equal(vu, np.frombuffer(b"".join(raw), np.uint8).reshape(2, 16))
        assert vb.tolist() == [0x0102, 0x0003]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Input to DecodeRaw has length 3 that is not a multiple of 4"):
            sess.run(f, {x: [b"abc", b"abc"]})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="element 1 has size 8 != 4"):
            sess.run(f, {x: [b"abcd", b"abcdefgh"]})


def test_read_write_file_and_base64(tmp_path):
    import base64
    path = str(tmp_path / "x.bin")
    data = bytes(range(256)) + b"\x00"
    w = tf.write_file(path, data)
    r = tf.io.read_file(path)
    raw = [b"", b"\xfb\xff", b"ab", bytes(range(40))]
    enc, enc_pad = tf.io.encode_base64(raw), tf.io.encode_base64(raw, pad=True)
    with tf.Session(pipeline=Pipeline("all", after=1)) as sess:   # compiled at once
        sess.run(w)
        assert sess.run(r) == data
        e, ep = sess.run([enc, enc_pad])
        assert ep.tolist() == [base64.urlsafe_b64encode(v) for v in raw]
        assert e.tolist() == [base64.urlsafe_b64encode(v).rstrip(b"=") for v in raw]
        assert sess.run(tf.io.decode_base64(e)).tolist() == raw
        assert sess.run(tf.io.decode_base64(ep)).tolist() == raw
        for bad in ("YQ!!", "ab+/"):                        # not web-safe base64
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Invalid character found in base64"):
                sess.run(tf.io.decode_base64([bad]))
        with pytest.raises(tf.errors.NotFoundError, match="nope; No such file or directory"):
            sess.run(tf.io.read_file(str(tmp_path / "nope")))
    with pytest.raises(ValueError, match="read_file: filename must be a scalar"):
        tf.io.read_file(["a", "b"])


def test_parse_single_sequence_example():
    ex = tf.train.SequenceExample()
    ex.context.feature["n"].int64_list.value.append(3)
    ex.context.feature["tags"].bytes_list.value.extend([b"a", b"b"])
    for t in range(3):
        ex.feature_lists.feature_list["xy"].feature.add().float_list.value.extend([t, t + 0.5])
        ex.feature_lists.feature_list["tok"].feature.add().bytes_list.value.extend(
            [b"w%d" % k for k in range(t)])
    s = tf.placeholder(tf.string, [])
    ctx, seq = tf.parse_single_sequence_example(
        s, {"n": tf.io.FixedLenFeature([], tf.int64), "tags": tf.io.VarLenFeature(tf.string),
            "m": tf.io.FixedLenFeature([], tf.int64, default_value=-1)},
        {"xy": tf.io.FixedLenSequenceFeature([2], tf.float32),
         "tok": tf.io.VarLenFeature(tf.string),
         "gone": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)})
    assert seq["xy"].shape.as_list() == [None, 2]
    required = tf.io.parse_single_sequence_example(
        s, sequence_features={"q": tf.io.FixedLenSequenceFeature([], tf.int64)})[1]["q"]
    wrong = tf.io.parse_single_sequence_example(
        s, sequence_features={"xy": tf.io.FixedLenSequenceFeature([3], tf.float32)})[1]["xy"]
    with tf.Session() as sess:
        c, q = sess.run([ctx, seq], {s: ex.SerializeToString()})
        assert c["n"] == 3 and c["m"] == -1 and c["tags"].values.tolist() == [b"a", b"b"]
        assert q["xy"].tolist() == [[0, 0.5], [1, 1.5], [2, 2.5]]
        assert q["tok"].indices.tolist() == [[1, 0], [2, 0], [2, 1]]
        assert q["tok"].dense_shape.tolist() == [3, 2] and q["gone"].shape == (0,)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Feature list 'q' is required but could not be found"):
            sess.run(required, {s: ex.SerializeToString()})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Key: xy, Index: 0.  Number of float values != expected.  "
                                 r"values size: 2 but output shape: \[3\]"):
            sess.run(wrong, {s: ex.SerializeToString()})
    with pytest.raises(ValueError, match="sequence feature 'x' must be a "
                                         "FixedLenSequenceFeature or a VarLenFeature"):
        tf.io.parse_single_sequence_example(s, None, {"x": tf.io.FixedLenFeature([], tf.int64)})


def test_mutated_inputs_only_raise_the_documented_errors(tmp_path):
    import random
    rng = random.Random(0)
    ex = tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, -5, 300])),
        "b": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 2])),
        "c": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"xyz", b""]))}))
    data = ex.SerializeToString()
    path = tmp_path / "m.tfrecord"
    framed = tfrecord.frame(b"hello") + tfrecord.frame(data)
    for _ in range(200):
        b = bytearray(data)
        b[rng.randrange(len(b))] = rng.randrange(256)
        cut = rng.randrange(len(b))
        del b[cut:cut + rng.randrange(3)]
        try:
            tf.train.Example.FromString(bytes(b))
        except DecodeError:
            pass
    from dlcore_static.io import tensor_proto
    protos = [tensor_proto.encode(v) for v in (np.arange(6, dtype=np.float32).reshape(2, 3),
                                               np.array([b"ab", b"c"], object))]
    for _ in range(200):
        b = bytearray(protos[rng.randrange(2)])
        b[rng.randrange(len(b))] = rng.randrange(256)
        b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        try:
            tensor_proto.decode(bytes(b))
        except DecodeError:
            pass
    huge = b"\x08\x01\x12\x0c\x12\x05\x08\x80\x80\x80\x20\x12\x03\x08\x80\x40"
    with pytest.raises(DecodeError, match=r"shape \[67108864, 8192\] has more than"):
        tensor_proto.decode(huge)                          # refused before allocating
    for _ in range(50):                                    # files: fewer (disk writes)
        f = bytearray(framed)
        f[rng.randrange(len(f))] = rng.randrange(256)
        path.write_bytes(bytes(f[:rng.randrange(len(f) + 1)]))
        try:
            list(tf.python_io.tf_record_iterator(str(path)))
        except tf.errors.DataLossError:
            pass


def test_serialize_and_parse_tensor():
    import warnings
    values = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3.5), np.array([], np.int64),
              np.array([[True], [False]]), np.array([b"a", b"", b"\x00z"], object),
              np.zeros((0, 2), np.int32)]
    ts = [tf.io.serialize_tensor(tf.constant(v)) for v in values]
    parsed = [tf.io.parse_tensor(t, tf.as_dtype(v.dtype)) for t, v in zip(ts, values)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        as_u8 = tf.io.parse_tensor(tf.placeholder(tf.string, []), tf.uint8)
    with tf.Session() as sess:
        blobs, backs = sess.run([ts, parsed])
        for v, back in zip(values, backs):
            assert back.dtype == v.dtype and back.shape == v.shape
            assert back.tolist() == v.tolist()
        # byte-exact against hand-written TensorProtos (dtype, shape, tensor_content, string_val)
        assert blobs[1] == b"\x08\x02\x12\x00\x22\x08" + struct.pack("<d", 3.5)
        assert blobs[4] == b"\x08\x07\x12\x04\x12\x02\x08\x03\x42\x01a\x42\x00\x42\x02\x00z"
        assert blobs[5] == b"\x08\x03\x12\x06\x12\x00\x12\x02\x08\x02"
        u8 = b"\x08\x04\x12\x04\x12\x02\x08\x02\x22\x02\x07\xff"
        assert sess.run(as_u8, {as_u8.op.inputs[0]: u8}).tolist() == [7, 255]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Type mismatch between parsed tensor \(float\) and dtype "
                                 r"\(double\)"):
            sess.run(tf.io.parse_tensor(ts[0], tf.float64))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Could not parse `serialized` as TensorProto"):
            sess.run(tf.io.parse_tensor(b"\x08\x01\x22\x05ab", tf.float32))
    pb = pytest.importorskip("tensorboard.compat.proto.tensor_pb2")
    for v, blob in zip(values, blobs):
        proto = pb.TensorProto.FromString(blob)              # TensorFlow's own message
        assert [d.size for d in proto.tensor_shape.dim] == list(v.shape)
        assert proto.SerializeToString() == blob
    typed = pb.TensorProto(dtype=1, float_val=[1.5])          # the typed-field form, broadcast
    typed.tensor_shape.dim.add(size=3)
    with tf.Session() as sess:
        assert sess.run(tf.io.parse_tensor(typed.SerializeToString(), tf.float32)).tolist() == \
            [1.5, 1.5, 1.5]
