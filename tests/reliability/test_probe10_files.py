"""Reliability probe 10, files: Keras ``load_weights`` of a damaged ``.npz`` weights file
(fixed by keras5 with ``safe_io.read_npz``, f8a0fb3); a damaged TFRecord file read by
``tf.TFRecordReader`` (fixed by reliab, see the test).

Found: ``Model.load_weights('w.npz')`` (``dlcore_static/keras/engine.py``, owner keras5) called
``np.load`` directly, so NumPy's own errors escaped, naming neither the file nor the loader: a
``(`` in an array's ``.npy`` header gave ``tokenize.TokenError ('EOF in multi-line statement',
(2, 0))``, a damaged member ``zipfile.BadZipFile "Bad CRC-32 for file '0000:dense/kernel.npy'"``.
Every other dlcore loader reads ``.npz`` through ``dlcore.safe_io`` (bounded, the loader's own
error naming the file); ``safe_io.read_npz`` is that for a whole file.
"""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from dlcore import safe_io

os.environ.setdefault("KERAS_BACKEND", "numpy")


class _Err(ValueError):
    pass


def _model():
    from dlcore_static import keras
    m = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)), keras.layers.Dense(2)])
    m.build((None, 4))
    return m


def _rewritten(path, damage) -> bytes:
    """The .npz at ``path`` rewritten (valid CRCs) with ``damage(bytearray)`` applied to the
    first member's bytes."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for k, zi in enumerate(src.infolist()):
            data = bytearray(src.read(zi))
            if k == 0:
                damage(data)
            out.writestr(zi.filename, bytes(data))
    return buf.getvalue()


def _paren_in_header(data: bytearray) -> None:
    data[data.index(b"{") + 36] = ord("(")   # NumPy's header parser: tokenize.TokenError


def _damaged_files(tmp_path):
    good = tmp_path / "w.npz"
    _model().save_weights(str(good))
    raw = good.read_bytes()
    crc = bytearray(raw)
    crc[raw.index(b"{'descr'") + 20] = ord("(")                # a Bad CRC-32 member
    return good, {
        "paren_in_header": _rewritten(good, _paren_in_header),
        "bad_crc": bytes(crc),
        "truncated": raw[:len(raw) // 2],
        "not_a_zip": b"\x93NUMPY" + bytes(40),
        "huge_shape": _rewritten(good, lambda d: d.__setitem__(
            slice(d.index(b"(4, 3)"), d.index(b"(4, 3)") + 6), b"(9**9)")),
    }


def test_safe_io_read_npz_reads_a_good_file_and_names_a_damaged_one(tmp_path):
    good, bad = _damaged_files(tmp_path)
    with np.load(str(good)) as z:
        want = {k: z[k] for k in z.files}
    got = safe_io.read_npz(str(good), "weights 'w.npz'", _Err)
    assert list(got) == sorted(want) and all(np.array_equal(got[k], want[k]) for k in want)
    for kind, data in bad.items():
        p = tmp_path / f"damaged_{kind}.npz"
        p.write_bytes(data)
        with pytest.raises(_Err, match=r"weights 'damaged_\w+\.npz'"):
            safe_io.read_npz(str(p), f"weights {p.name!r}", _Err)
    with pytest.raises(FileNotFoundError):
        safe_io.read_npz(str(tmp_path / "none.npz"), "weights", _Err)


def test_keras_load_weights_of_a_damaged_npz_raises_the_loaders_error(tmp_path):
    from dlcore_static.keras.saving import KerasFileError
    _, bad = _damaged_files(tmp_path)
    target = _model()
    before = target.get_weights()
    errors = {}
    for kind, data in bad.items():
        p = tmp_path / f"damaged_{kind}.npz"
        p.write_bytes(data)
        try:
            target.load_weights(str(p))
            errors[kind] = "loaded"
        except KerasFileError as e:
            errors[kind] = "named" if f"damaged_{kind}.npz" in str(e) else str(e)
        except Exception as e:           # noqa: BLE001 - recorded for the assertion
            errors[kind] = f"{type(e).__name__}: {e}"
        assert all(np.array_equal(a, b) for a, b in zip(target.get_weights(), before)), kind
    assert errors == {kind: "named" for kind in bad}


def test_tfrecord_reader_gives_the_records_before_a_damaged_one_then_names_the_node(tmp_path):
    """``tf.TFRecordReader`` read the whole file before giving a record: a file damaged at
    its second record gave DataLossError 'corrupted record at 20' at once (the good first
    record lost) and the error named no node; TF's reader gives ``rec0``, then the error of
    its ReaderReadV2 node (as ``tf.data.TFRecordDataset`` does here)."""
    import dlcore_static as tf
    path = str(tmp_path / "x.tfrecord")
    with tf.python_io.TFRecordWriter(path) as w:
        for i in range(3):
            w.write(b"rec%d" % i)
    raw = bytearray(open(path, "rb").read())
    raw[len(raw) // 2] ^= 0xFF                  # inside the second record's header
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(bytes(raw))
    g = tf.Graph()
    with g.as_default():
        fq = tf.train.string_input_producer([str(bad)], num_epochs=1, shuffle=False)
        key, value = tf.TFRecordReader().read(fq)
        nxt = tf.data.TFRecordDataset(str(bad)).make_one_shot_iterator().get_next()
        with tf.Session() as s:
            s.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            for fetch, node in ((value, "ReaderReadV2"), (nxt, "IteratorGetNext")):
                assert s.run(fetch) == b"rec0"
                with pytest.raises(tf.errors.DataLossError,
                                   match=rf"^corrupted record at 20\n\t \[\[node {node} "):
                    s.run(fetch)
