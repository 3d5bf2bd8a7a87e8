"""Hostile, truncated and corrupted ``torch.save``-style files given to ``dlcore_eager.load``:
each gives ``LoadError`` (a ValueError) naming the file and what was wrong, never runs code,
never allocates a declared size, and a model whose load fails keeps its weights."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.serialization import LoadError

torch = pytest.importorskip("torch")


def _zip(pkl: bytes, storages: dict[str, bytes] | None = None, compress=zipfile.ZIP_STORED,
         byteorder: bytes = b"little") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", byteorder)
        for k, v in (storages or {}).items():
            with z.open(f"archive/data/{k}", "w", force_zip64=True) as f:
                for chunk in v if isinstance(v, list) else [v]:
                    f.write(chunk)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def _tensor_pkl(numel: int, size: tuple, stride: tuple, offset: int = 0,
                storage: bytes = b"FloatStorage") -> bytes:
    def tup(vals):
        return b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", v) for v in vals) + b"t"
    return (b"\x80\x02}(X\x01\x00\x00\x00a" + b"ctorch._utils\n_rebuild_tensor_v2\n(("
            + b"X\x07\x00\x00\x00storagectorch\n" + storage + b"\nX\x01\x00\x00\x000"
            + b"X\x03\x00\x00\x00cpu" + b"\x8a\x08" + struct.pack("<q", numel) + b"tQ"
            + b"\x8a\x08" + struct.pack("<q", offset) + tup(size) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)RtRu.")


def _load_file(tmp_path, raw: bytes, name="bad.pt"):
    path = tmp_path / name
    path.write_bytes(raw)
    return dt.load(path)


def test_the_helpers_build_a_valid_file(tmp_path):
    raw = _zip(_tensor_pkl(6, (2, 3), (3, 1)), {"0": np.arange(6, dtype=np.float32).tobytes()})
    assert torch.equal(torch.load(io.BytesIO(raw), weights_only=True)["a"],
                       torch.arange(6.0).reshape(2, 3))
    got = _load_file(tmp_path, raw)
    np.testing.assert_array_equal(got["a"].numpy(), np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("pkl, what", [
    (b"\x80\x02cos\nsystem\n(X\x04\x00\x00\x00touchtR.", "'os.system'"),
    (b"\x80\x02cbuiltins\neval\n(X\x01\x00\x00\x001tR.", "'builtins.eval'"),
    (b"\x80\x04\x8c\x08builtins\x94\x8c\x04exec\x94\x93.", "'builtins.exec'"),
    (b"\x80\x02ctorch\nload\n.", "'torch.load'"),
    (b"\x80\x02(X\x01\x00\x00\x00xo.", r"opcode b'o'"),
    (b"\x80\x02ccollections\nOrderedDict\n)\x81.", r"opcode b'\\x81'"),
    (b"\x80\x02(S'x'\ni__main__\nEvil\n.", r"opcode b'S'"),
])
def test_code_in_the_pickle_stream_is_refused_by_name(tmp_path, pkl, what):
    marker = tmp_path / "touch"
    with pytest.raises(LoadError, match=f"not a valid dlcore_eager file.*{what}.*bad.pt"):
        _load_file(tmp_path, _zip(pkl))
    assert not marker.exists()


@pytest.mark.parametrize("numel", [10 ** 12, 2 ** 40])
def test_huge_declared_storage_is_refused_without_allocating(tmp_path, numel):
    raw = _zip(_tensor_pkl(numel, (numel,), (1,)), {"0": b"\0" * 16})
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match=rf"storage '0' declares {numel} elements of float32 "
                                            rf"\({numel * 4} bytes\) but its entry holds 16"):
            _load_file(tmp_path, raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2 ** 20


def test_decompression_bomb_is_refused_before_inflating(tmp_path):
    n = 256 * 2 ** 20                          # 256 MiB of zeros deflate to ~250 KiB
    raw = _zip(_tensor_pkl(n // 4, (n // 4,), (1,)), {"0": [b"\0" * 2 ** 20] * 256},
               compress=zipfile.ZIP_DEFLATED)
    assert len(raw) < n // 500
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match=rf"storage '0' claims {n} bytes from \d+ compressed "
                                            r"bytes of a \d+-byte file \(a decompression bomb"):
            _load_file(tmp_path, raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20


def test_a_deflated_archive_of_sensible_size_still_loads():
    buf = io.BytesIO()
    torch.save({"z": torch.zeros(10 ** 5), "r": torch.arange(50.0)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
    got = dt.load(io.BytesIO(out.getvalue()))
    assert got["z"].shape == (10 ** 5,) and not got["z"].numpy().any()
    np.testing.assert_array_equal(got["r"].numpy(), np.arange(50.0))


@pytest.mark.parametrize("size, stride, offset, what", [
    ((2, 3), (3, 1), 1, r"reaches element 6 of storage '0', which has 6"),
    ((3,), (5,), 0, r"reaches element 10 of storage '0', which has 6"),
    ((2,), (-1,), 0, "malformed offset/stride"),
    ((2,), (1,), -1, "malformed offset/stride"),
    ((2, 2), (1,), 0, "malformed offset/stride"),
    ((-2,), (1,), 0, "malformed shape"),
])
def test_tensor_outside_its_storage_is_refused(tmp_path, size, stride, offset, what):
    raw = _zip(_tensor_pkl(6, size, stride, offset), {"0": b"\0" * 24})
    with pytest.raises(LoadError, match=what):
        _load_file(tmp_path, raw)


def test_missing_storage_unknown_storage_type_and_bad_byteorder(tmp_path):
    with pytest.raises(LoadError, match="storage '0' is missing from the archive"):
        _load_file(tmp_path, _zip(_tensor_pkl(6, (6,), (1,))))
    with pytest.raises(LoadError, match="'torch.QInt8Storage'"):
        _load_file(tmp_path, _zip(_tensor_pkl(6, (6,), (1,), storage=b"QInt8Storage"),
                                  {"0": b"\0" * 6}))
    with pytest.raises(LoadError, match="unknown byte order b'middle'"):
        _load_file(tmp_path, _zip(_tensor_pkl(6, (6,), (1,)), {"0": b"\0" * 24},
                                  byteorder=b"middle"))


@pytest.mark.parametrize("pkl, what", [
    (b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b".", "nested too deeply"),
    (b"\x80\x02h\x07.", "memo entry 7, never stored"),
    (b"\x80\x02}q\x00X\x01\x00\x00\x00ah\x00s.", "nested too deeply"),    # d["a"] = d
    (b"\x80\x02]q\x00h\x00a.", "nested too deeply"),                       # l.append(l)
    (b"\x80\x02t.", "pops a mark that was never set"),
    (b"\x80\x02NN.", "ends with a malformed stack"),
    (b"\x80\x02a.", "uses an empty stack"),
    (b"\x80\x02\x8b\xff\xff\xff\x7f.", "an integer of 2147483647 bytes"),
    (b"\x80\x02X\xff\xff\xff\x7fabc.", "data.pkl is truncated"),
    (b"\x80\x02}(]N]Nu.", "a dict key of type list"),
    (b"\x80\x02}(NNNu.", "sets 3 items on a dict"),
    (b"\x80\x02N}b.", "sets the state of a NoneType"),
    (b"\x80\x02X\x01\x00\x00\x00aQ.", "not a storage reference"),
    (b"\x80\x02", "data.pkl is truncated"),
    (b"\x80\x02ctorch\ndevice\n(X\x04\x00\x00\x00nopetR.", "a bad device 'nope'"),
    (b"\x80\x02ctorch\ndevice\n(X\x04\x00\x00\x00cudaX\x01\x00\x00\x001tR.",
     "torch.device has malformed arguments"),
    (b"\x80\x02ctorch\nSize\n((N\x85tR.", "torch.Size has malformed arguments"),
    (b"\x80\x02ctorch.serialization\n_get_layout\n(X\x01\x00\x00\x00xtR.",
     r"an unknown layout \('x',\)"),
    (b"\x80\x02ctorch\nfloat32\n)R.", "a dtype cannot be called"),
])
def test_malformed_opcode_streams(tmp_path, pkl, what):
    with pytest.raises(LoadError, match=what):
        _load_file(tmp_path, _zip(pkl))


def test_wrong_magic_and_non_torch_zip(tmp_path):
    with pytest.raises(LoadError, match=r"a raw pickle or a legacy.*never unpickles.*raw.pt"):
        _load_file(tmp_path, b"\x80\x02}q\x00(X\x01\x00\x00\x00aK\x01u.", "raw.pt")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("weights.npy", b"x")
    with pytest.raises(LoadError, match=r"a zip archive with 0 data.pkl entries.*other.zip"):
        _load_file(tmp_path, buf.getvalue(), "other.zip")
    with pytest.raises(LoadError, match="the file is only 3 bytes long"):
        dt.load(io.BytesIO(b"abc"))


def _real_file() -> bytes:
    base = torch.arange(12.0).reshape(3, 4)
    buf = io.BytesIO()
    torch.save({"w": base, "t": base.t(), "i": torch.tensor([1, 2]),
                "opt": {"lr": 0.1, "betas": (0.9, 0.99)}}, buf)
    return buf.getvalue()


def test_truncated_real_file_at_every_cut_is_a_load_error(tmp_path):
    raw = _real_file()
    for cut in list(range(0, len(raw), max(1, len(raw) // 150))) + [len(raw) - 1]:
        with pytest.raises(LoadError):
            dt.load(io.BytesIO(raw[:cut]))
        path = tmp_path / "cut.pt"
        path.write_bytes(raw[:cut])
        with pytest.raises(LoadError, match="cut.pt"):
            dt.load(path)


def test_fuzzed_real_file_loads_or_gives_a_load_error(tmp_path):
    raw = _real_file()
    path = tmp_path / "fuzzed.pt"
    z = zipfile.ZipFile(io.BytesIO(raw))
    pkl_at = z.getinfo("archive/data.pkl").header_offset
    rng = random.Random(4)
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(400):
        b = bytearray(raw)
        lo = pkl_at if i % 2 else 0          # half the flips inside data.pkl and its header
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(lo, len(b))] = rng.randrange(256)
        try:
            if i % 4 < 2:                    # bytes in memory, and a path read entry by entry
                dt.load(io.BytesIO(bytes(b)))
            else:
                path.write_bytes(bytes(b))
                dt.load(path)
            outcomes["loaded"] += 1
        except LoadError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 100 and sum(outcomes.values()) == 400


def test_failed_load_leaves_the_model_as_it_was(tmp_path):
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(3, 4), dt.nn.Linear(4, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    src = {k: torch.ones(tuple(v.shape)) for k, v in model.state_dict().items()}
    raw = io.BytesIO()
    torch.save(src, raw)
    raw = raw.getvalue()
    with pytest.raises(LoadError, match="half.pt"):
        model.load_state_dict(_load_file(tmp_path, raw[: len(raw) * 2 // 3], "half.pt"))
    src["1.weight"] = torch.ones(5, 5)                      # one entry of the wrong shape
    path = tmp_path / "shape.pt"
    torch.save(src, path)
    with pytest.raises(RuntimeError, match=r"size mismatch for 1.weight"):
        model.load_state_dict(dt.load(path))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy(), err_msg=k)


def test_whole_module_file_is_refused_with_the_state_dict_hint(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(LoadError, match=r"imports 'torch.nn.modules.linear.Linear'.*never runs "
                                        r"code.*save model.state_dict\(\).*whole.pt"):
        dt.load(path)


_NP = (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n(K\x00tC\x01b\x87R"
       b"(K\x01%scnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNN"
       b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89C\x08\x00\x00\x00\x00\x00\x00\xf0?tb.")


@pytest.mark.parametrize("shape, what", [
    (b"(K\x01t", None),
    (b"(\x8a\x06\x00\x10\xa5\xd4\xe8\x00t", r"a NumPy array of shape \[1000000000000\] and dtype "
                                            r"float64 does not have 8000000000000 bytes"),
    (b"(J\xff\xff\xff\xfft", "a NumPy array has a malformed shape"),
])
def test_numpy_array_states_are_checked_before_use(tmp_path, shape, what):
    raw = _zip(_NP % shape)
    if what is None:
        assert _load_file(tmp_path, raw).tolist() == [1.0]
        return
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match=what):
            _load_file(tmp_path, raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20


def test_bool_storage_bytes_other_than_0_and_1_read_as_true(tmp_path):
    raw = _zip(_tensor_pkl(3, (3,), (1,), storage=b"BoolStorage"), {"0": bytes([7, 0, 255])})
    got = _load_file(tmp_path, raw)["a"]
    assert got.tolist() == [True, False, True]
    assert got.numpy().view(np.uint8).tolist() == [1, 0, 1]
    assert torch.load(io.BytesIO(raw), weights_only=True)["a"].tolist() == [True, False, True]


def test_torchscript_archive_is_named_as_such(tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(LoadError, match=r"a TorchScript archive \(torch.jit.save\): it holds "
                                        r"code, which dlcore never runs; save the model's weights "
                                        r"with torch.save\(model.state_dict\(\), PATH\).*"
                                        r"scripted.pt"):
        dt.load(path)
