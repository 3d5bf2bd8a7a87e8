"""keras.datasets and keras.utils.get_file, on small fixture files in Keras's exact formats in a
temporary KERAS_HOME (the machine is offline): same file names, arrays, dtypes and shuffles as
Keras 3, hash checks, the offline error naming the URL, and the refusal of pickled npz files."""

from __future__ import annotations

import gzip
import importlib
import io
import json
import os
import tarfile
import urllib.error

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import _get_file
from dlcore_static.keras.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

RNG = np.random.default_rng(0)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(_get_file.urllib.request, "urlretrieve", offline)
    for mod in (mnist, boston_housing, cifar10, cifar100):
        monkeypatch.setattr(mod, "FILE_HASH", None)
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def _u8(*shape):
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def test_mnist_npz_and_names(home):
    arrays = {"x_train": _u8(3, 28, 28), "y_train": _u8(3), "x_test": _u8(2, 28, 28),
              "y_test": _u8(2)}
    np.savez(home / "mnist.npz", **arrays)
    (xt, yt), (xs, ys) = keras.datasets.mnist.load_data()
    for got, key in zip((xt, yt, xs, ys), ("x_train", "y_train", "x_test", "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])
    from dlcore_static.keras.datasets.mnist import load_data  # the import style of tutorials
    assert load_data is mnist.load_data


def test_fashion_mnist_idx_gz(home):
    (home / "fashion-mnist").mkdir()
    x = {"train": _u8(4, 28, 28), "t10k": _u8(2, 28, 28)}
    y = {"train": _u8(4), "t10k": _u8(2)}
    for part in ("train", "t10k"):
        with gzip.open(home / "fashion-mnist" / f"{part}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0\0\x08\x01" + len(y[part]).to_bytes(4, "big") + y[part].tobytes())
        with gzip.open(home / "fashion-mnist" / f"{part}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0\0\x08\x03" + bytes(12) + x[part].tobytes())
    (xt, yt), (xs, ys) = fashion_mnist.load_data()
    np.testing.assert_array_equal(xt, x["train"])
    np.testing.assert_array_equal(ys, y["t10k"])
    assert xs.shape == (2, 28, 28) and yt.dtype == np.uint8


def test_boston_housing_same_split_as_keras(home, monkeypatch):
    x, y = RNG.normal(size=(11, 13)), RNG.normal(size=11)
    np.savez(home / "boston_housing.npz", x=x, y=y)
    ours = boston_housing.load_data(test_split=0.3, seed=7)
    assert ours[0][0].shape == (7, 13) and ours[1][0].shape == (4, 13)
    with pytest.raises(ValueError, match="Invalid `test_split` argument: 1"):
        boston_housing.load_data(test_split=1)
    from tests.io.real_keras import keras3
    keras3()
    real = importlib.import_module("keras.src.datasets.boston_housing")
    monkeypatch.setattr(real, "get_file", lambda *a, **k: str(home / "boston_housing.npz"))
    theirs = real.load_data(test_split=0.3, seed=7)
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)


def _tar(path, folder, files):
    with tarfile.open(path, "w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def test_cifar10_binary_tarball(home):
    img = {i: _u8(2, 3, 32, 32) for i in range(1, 7)}
    lab = {i: _u8(2, 1) % 10 for i in range(1, 7)}
    names = {i: f"data_batch_{i}.bin" for i in range(1, 6)} | {6: "test_batch.bin"}
    _tar(home / "cifar-10-batches-bin-target_archive", "cifar-10-batches-bin",
         {names[i]: np.concatenate([lab[i], img[i].reshape(2, -1)], 1).tobytes() for i in img})
    (xt, yt), (xs, ys) = cifar10.load_data()
    assert xt.shape == (10, 32, 32, 3) and yt.shape == (10, 1) and yt.dtype == np.uint8
    np.testing.assert_array_equal(xt, np.concatenate([img[i] for i in range(1, 6)])
                                  .transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(ys, lab[6])
    np.testing.assert_array_equal(xs, img[6].transpose(0, 2, 3, 1))
    assert (home / "cifar-10-batches-bin-target" / "cifar-10-batches-bin").is_dir()


def test_cifar100_labels_and_modes(home):
    x, coarse, fine = _u8(3, 3, 32, 32), _u8(3, 1) % 20, _u8(3, 1) % 100
    rec = np.concatenate([coarse, fine, x.reshape(3, -1)], 1).tobytes()
    _tar(home / "cifar-100-binary-target_archive", "cifar-100-binary",
         {"train.bin": rec, "test.bin": rec})
    (xt, yt), _ = cifar100.load_data()
    assert yt.dtype == np.int64 and yt.shape == (3, 1)
    np.testing.assert_array_equal(yt, fine)
    np.testing.assert_array_equal(xt, x.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(cifar100.load_data("coarse")[1][1], coarse)
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        cifar100.load_data("medium")


def test_offline_error_names_url_and_hash_mismatch_redownloads(home, monkeypatch):
    with pytest.raises(Exception, match="URL fetch failure on https://storage.googleapis.com/"
                                        "tensorflow/tf-keras-datasets/mnist.npz"):
        mnist.load_data()
    assert not (home / "mnist.npz").exists()
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)   # a cached file with the wrong hash
    np.savez(home / "mnist.npz", x_train=_u8(1))
    with pytest.raises(Exception, match="URL fetch failure"):
        mnist.load_data()


def test_word_index_json_and_pickled_npz_refused(home, monkeypatch):
    (home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    (home / "reuters_word_index.json").write_text(json.dumps({"said": 1}))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", None)
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", None)
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    assert reuters.get_word_index() == {"said": 1}
    for mod in (imdb, reuters):
        with pytest.raises(ValueError, match="pickle streams, and dlcore never loads pickle"):
            mod.load_data(num_words=100)
    assert len(reuters.get_label_names()) == 46
    assert sorted(os.listdir(home)) == ["imdb_word_index.json", "reuters_word_index.json"]


def test_get_file_fname_rules(home, tmp_path):
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        keras.utils.get_file("a/b.npz", origin="https://example.com/b.npz")
    with pytest.raises(ValueError, match='Please specify the "origin" argument'):
        keras.utils.get_file("b.npz")
    src = tmp_path / "z.tar.gz"
    _tar(src, "inner", {"f.txt": b"hello"})
    (home / "z.tar.gz").write_bytes(src.read_bytes())
    out = keras.utils.get_file("z.tar.gz", origin="https://example.com/z.tar.gz", extract=True)
    assert out == str(home / "z_extracted")
    assert (home / "z_extracted" / "inner" / "f.txt").read_bytes() == b"hello"
