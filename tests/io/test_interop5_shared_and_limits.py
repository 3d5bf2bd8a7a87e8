"""torch.save files with shared containers, object floods and overlapping zip entries
(rv-eagerio items 1-4, 9-12, 14): shared dicts/lists/tuples load as one object referenced
again (as ``torch.load`` gives) instead of being expanded; fixed limits on the values and
objects ``data.pkl`` creates; stored entries never copied past the file's size; malformed
values give ``LoadError``; the writer keeps a CUDA tensor's index; ONNX import reports only
the file's own data as malformed; ``safe_globals`` leaves entries added inside it."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _pt_read
from dlcore_eager.serialization import LoadError

torch = pytest.importorskip("torch")


def _zip(pkl: bytes, storages: dict | None = None, compress=zipfile.ZIP_STORED,
         extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", b"little")
        for k, v in (storages or {}).items():
            z.writestr(f"archive/data/{k}", v)
        for k, v in (extra or {}).items():
            z.writestr(f"archive/{k}", v)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def _load(tmp_path, raw: bytes, name="bad.pt"):
    path = tmp_path / name
    path.write_bytes(raw)
    return dt.load(path)


def _walk(obj, key, depth):
    """Follow ``key`` ``depth`` times, asserting at each level that both children are one
    object (what an expanding loader could not give: 2**depth leaves)."""
    other = "b" if key == "a" else 1
    for _ in range(depth):
        assert obj[key] is obj[other]
        obj = obj[key]
    return obj


def test_shared_dict_bomb_loads_with_its_sharing_as_torch(tmp_path):
    d: dict = {}
    for _ in range(60):                    # 2**60 paths: an expanding loader never ends
        d = {"a": d, "b": d}
    buf = io.BytesIO()
    torch.save(d, buf)
    raw = buf.getvalue()
    assert len(raw) < 4096
    assert _walk(torch.load(io.BytesIO(raw), weights_only=True), "a", 60) == {}
    got = _load(tmp_path, raw)
    assert _walk(got, "a", 60) == {}


def test_shared_tuple_bomb_and_padding_load_shared(tmp_path):
    t: object = []
    for _ in range(60):                    # t_{i+1} = (t_i, t_i): 2**60 leaves
        t = (t, t)
    buf = io.BytesIO()
    torch.save(t, buf)
    assert _walk(torch.load(io.BytesIO(buf.getvalue()), weights_only=True), 0, 60) == []
    assert _walk(_load(tmp_path, buf.getvalue()), 0, 60) == []
    # the same by hand, with 3000 opcode pairs of padding (which made the old cap,
    # 100000 + 10 x len(data.pkl), grow with the file)
    pkl = (b"\x80\x02]q\x000" + b"".join(b"(h%ch%ctq%c0" % (i, i, i + 1) for i in range(60))
           + b"N0" * 3000 + b"h\x3c.")
    assert _walk(_load(tmp_path, _zip(pkl)), 0, 60) == []


def test_a_shared_list_and_tensor_stay_one_object_each():
    x = torch.arange(3.0)
    shared = [1, x]
    buf = io.BytesIO()
    torch.save({"a": shared, "b": shared, "t": (shared, shared)}, buf)
    ref = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    got = dt.load(buf.getvalue())
    assert (ref["a"] is ref["b"]) and (got["a"] is got["b"])
    assert got["t"][0] is got["a"] and got["a"][1] is got["b"][1]
    got["a"].append(2)                      # one list, as torch gives
    assert got["b"][-1] == 2 and got["t"][1][-1] == 2
    np.testing.assert_array_equal(got["a"][1].numpy(), ref["a"][1].numpy())


def test_an_object_flood_is_refused_at_the_fixed_object_limit(tmp_path):
    n = _pt_read.MAX_OBJECTS + 1            # 1000001 empty dicts from a ~2 KB deflated file
    raw = _zip(b"\x80\x02" + b"}" * n + b".", compress=zipfile.ZIP_DEFLATED)
    assert len(raw) < 8192
    with pytest.raises(LoadError, match=r"data.pkl creates more than 1000000 containers and "
                       r"objects \(the limit for a tensor file.*flood.pt"):
        _load(tmp_path, raw, "flood.pt")


def test_the_value_limit_does_not_grow_with_the_stream(tmp_path, monkeypatch):
    monkeypatch.setattr(_pt_read, "MAX_VALUES", 10_000)
    ok = b"\x80\x02]" + b"N0" * 4000 + b"."                   # 8003 opcodes: loads
    assert _load(tmp_path, _zip(ok)) == []
    bomb = b"\x80\x02]" + b"N0" * 6000 + b"."                 # 12003 opcodes
    with pytest.raises(LoadError, match=r"data.pkl holds more than 10000 values \(the limit"):
        _load(tmp_path, _zip(bomb))


def _overlapping(records: int, numel: int, pad: int = 0) -> bytes:
    """``records`` central-directory records, named archive/data/0..N-1, all pointing at the
    one stored entry archive/data/0 (the reviewer's t13.py, small)."""
    def X(s: str) -> bytes:
        return b"X" + struct.pack("<I", len(s)) + s.encode()
    pk = bytearray(b"\x80\x02](")
    for i in range(records):
        pk += (b"ctorch._utils\n_rebuild_tensor_v2\n((" + X("storage")
               + b"ctorch\nFloatStorage\n" + X(str(i)) + X("cpu") + b"J"
               + struct.pack("<i", numel) + b"tQK\x00(J" + struct.pack("<i", numel)
               + b"t(K\x01t\x89ccollections\nOrderedDict\n)RtR")
    pk += b"e."
    raw = _zip(bytes(pk), {"0": np.ones(numel, np.float32).tobytes()},
               extra={"pad": b"\0" * pad} if pad else None)
    eocd = raw.rfind(b"PK\x05\x06")
    n_old, cd_size, cd_off = struct.unpack("<HII", raw[eocd + 10:eocd + 20])
    cd = raw[cd_off:cd_off + cd_size]
    j = cd.find(b"archive/data/0") + len(b"archive/data/0")
    i = cd.rfind(b"PK\x01\x02", 0, j)
    rec = cd[i:j]                           # (no extra field, no comment: zipfile's writestr)
    extra = b"".join(rec[:-1] + str(k).encode() for k in range(1, records))
    eo = bytearray(raw[eocd:])
    struct.pack_into("<HHII", eo, 8, n_old + records - 1, n_old + records - 1,
                     cd_size + len(extra), cd_off)
    return raw[:cd_off] + cd + extra + bytes(eo)


@pytest.mark.parametrize("reader", ["bytes", "path"])
def test_overlapping_stored_entries_are_refused(tmp_path, reader):
    raw = _overlapping(8, 16384)            # 8 x 64 KiB claimed over one 64 KiB entry
    with pytest.raises(LoadError, match=r"storage '1' and the storages before it claim 131072 "
                       r"stored bytes of a \d+-byte file \(zip entries overlap\)"):
        dt.load(raw) if reader == "bytes" else _load(tmp_path, raw)


def test_a_directory_name_that_is_not_the_local_headers_is_refused(tmp_path):
    raw = _overlapping(2, 256, pad=65536)   # the sizes fit the file: the names must match
    with pytest.raises(LoadError, match=r"storage '1' cannot be read .*differ"):
        _load(tmp_path, raw)
    assert len(dt.load(_overlapping(1, 256, pad=65536))) == 1


def _tensor_pkl(fn: bytes, numel: int, size: tuple, stride: tuple, tail: bytes) -> bytes:
    def tup(vals):
        return b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", v) for v in vals) + b"t"
    return (b"\x80\x02ctorch._utils\n" + fn + b"\n((X\x07\x00\x00\x00storagectorch\n"
            b"FloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08"
            + struct.pack("<q", numel) + b"tQ\x8a\x01\x00" + tup(size) + tup(stride) + tail
            + b"tR.")


def test_a_stride_numpy_cannot_hold_is_a_load_error(tmp_path):
    pkl = _tensor_pkl(b"_rebuild_tensor_v2", 3, (1, 3), (2 ** 62, 1),
                      b"\x89ccollections\nOrderedDict\n)R")
    with pytest.raises(LoadError, match=r"a tensor of size \[1, 3\], stride \(4611686018427387904"
                       r", 1\) cannot be built.*bad.pt"):
        _load(tmp_path, _zip(pkl, {"0": b"\0" * 12}))


def test_a_non_latin1_codecs_encode_is_a_load_error(tmp_path):
    pkl = b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00\xc4\x80X\x06\x00\x00\x00latin1\x86R."
    with pytest.raises(LoadError, match="_codecs.encode of a string that is not latin-1.*bad.pt"):
        _load(tmp_path, _zip(pkl))


def test_rebuild_tensor_v1_loads_with_its_strides(tmp_path):
    pkl = _tensor_pkl(b"_rebuild_tensor", 6, (2, 3), (1, 2), b"")
    got = _load(tmp_path, _zip(pkl, {"0": np.arange(6, dtype=np.float32).tobytes()}))
    want = np.lib.stride_tricks.as_strided(np.arange(6, dtype=np.float32), (2, 3), (4, 8))
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.stride() == (1, 2) and not got.requires_grad
    bad = _tensor_pkl(b"_rebuild_tensor", 6, (2, 3), (1, 2), b"\x89")
    with pytest.raises(LoadError, match="_rebuild_tensor has malformed arguments"):
        _load(tmp_path, _zip(bad, {"0": b"\0" * 24}))


def test_a_numpy_complex_scalar_loads_as_torch_gives_its_value():
    buf = io.BytesIO()
    torch.save({"c": np.complex64(1 + 2j), "z": np.complex128(-0.5j)}, buf)
    ref = torch.load(io.BytesIO(buf.getvalue()), weights_only=False)   # (our own file)
    got = dt.load(buf.getvalue())
    assert got == {"c": 1 + 2j, "z": -0.5j} and got["c"] == ref["c"] and got["z"] == ref["z"]


def test_the_writer_keeps_a_cuda_tensors_device_index(monkeypatch):
    from dlcore.device import as_device
    from dlcore_eager.tensor import Tensor
    monkeypatch.setattr(Tensor, "is_cuda", property(lambda self: True))
    monkeypatch.setattr(Tensor, "device", property(lambda self: as_device("cuda:1")))
    buf = io.BytesIO()
    dt.save({"w": dt.arange(3.0), "flag": np.bool_(True)}, buf, format="torch")
    monkeypatch.undo()
    locs: list = []
    got = torch.load(io.BytesIO(buf.getvalue()), weights_only=True,
                     map_location=lambda s, loc: (locs.append(loc), s)[1])
    assert locs == ["cuda:1"] and got["flag"] is True
    assert torch.equal(got["w"], torch.arange(3.0))


def _onnx_add(raw_bytes: int) -> bytes:
    from onnx import TensorProto, helper
    init = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], vals=b"\0" * 24, raw=True)
    init.raw_data = b"\0" * raw_bytes
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
                          [init])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def test_onnx_import_reports_the_files_data_not_its_own_bugs(monkeypatch):
    pytest.importorskip("onnx")
    from dlcore_eager import onnx_import
    from dlcore_eager.onnx import load_model
    with pytest.raises(onnx_import.OnnxLoadError, match=r"the bytes given has a malformed graph: "
                       r"initializer 'w' cannot be decoded \(ValueError: cannot reshape"):
        load_model(_onnx_add(28))           # 7 floats for a [2, 3] initializer
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(load_model(_onnx_add(24))(dt.from_numpy(x)).detach().numpy(), x)

    def bug(nodes, opset):
        raise KeyError("an importer bug")
    monkeypatch.setattr(onnx_import, "_parse_nodes", bug)
    with pytest.raises(KeyError, match="an importer bug"):   # not 'malformed graph'
        load_model(_onnx_add(24))


def test_safe_globals_exit_keeps_entries_added_inside_as_torch():
    from dlcore_eager import serialization as ds

    def f():
        pass

    def g():
        pass
    for mod in (torch.serialization, ds):
        mod.clear_safe_globals()
        try:
            with mod.safe_globals([f]):
                mod.add_safe_globals([g, g])
                assert set(mod.get_safe_globals()) == {f, g}
            assert mod.get_safe_globals() == [g]
        finally:
            mod.clear_safe_globals()
