"""Reliability probe 10, files: Keras ``load_weights`` of a damaged ``.npz`` weights file.

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
