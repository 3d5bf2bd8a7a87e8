"""Real ``torch.save`` files read by ``dlcore_eager.load`` (parsed, never unpickled) and
``dlcore_eager.save(format="torch")`` files read by ``torch.load(weights_only=True)``: values,
dtypes, strides, storage offsets, shared storage, Parameters, state dicts of models with
Conv/BatchNorm/LSTM/Embedding and optimizer state that resumes training identically."""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


class _Net:
    """The same small model in both libraries: Conv2d, BatchNorm2d, Embedding, LSTM, Linear.
    (No bias before the BatchNorm: its gradient is ~1e-9 noise there, which Adam amplifies.)"""

    def __init__(self, lib):
        nn = lib.nn
        self.conv, self.bn = nn.Conv2d(2, 3, 3, padding=1, bias=False), nn.BatchNorm2d(3)
        self.emb, self.lstm = nn.Embedding(7, 4), nn.LSTM(4, 5, batch_first=True)
        self.fc = nn.Linear(3 * 4 * 4 + 5, 2)
        self.lib = lib
        self.seq = nn.ModuleDict(dict(conv=self.conv, bn=self.bn, emb=self.emb,
                                      lstm=self.lstm, fc=self.fc))

    def forward(self, img, ids):
        lib = self.lib
        a = self.bn(self.conv(img)).relu().flatten(1)
        h = self.lstm(self.emb(ids))[0][:, -1]
        return self.fc(lib.cat([a, h], 1))


def _inputs(lib):
    rng = np.random.default_rng(0)
    img = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
    ids = rng.integers(0, 7, (2, 3))
    return lib.tensor(img), lib.tensor(ids)


def _save_torch(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _np(t) -> np.ndarray:
    return t.detach().float().numpy() if str(t.dtype).endswith("bfloat16") else \
        t.detach().numpy()


def _trained_torch_net():
    torch.manual_seed(0)
    net = _Net(torch)
    opt = torch.optim.Adam(net.seq.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        net.forward(*_inputs(torch)).square().sum().backward()
        opt.step()
    return net, opt


def test_torch_model_and_optimizer_state_resume_in_dlcore():
    net, opt = _trained_torch_net()
    loaded = dt.load(io.BytesIO(_save_torch({"model": net.seq.state_dict(),
                                             "optim": opt.state_dict(), "epoch": 2})))
    assert loaded["epoch"] == 2
    sd = loaded["model"]
    assert isinstance(sd, OrderedDict) and list(sd) == list(net.seq.state_dict())
    for k, v in net.seq.state_dict().items():
        assert str(sd[k].dtype) == str(v.dtype), k
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy(), err_msg=k)
    mine = _Net(dt)
    mine.seq.load_state_dict(sd)
    mine_opt = dt.optim.Adam(mine.seq.parameters(), lr=0.01)
    mine_opt.load_state_dict(loaded["optim"])
    assert loaded["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    net.seq.eval(), mine.seq.eval()
    np.testing.assert_allclose(mine.forward(*_inputs(dt)).detach().numpy(),
                               net.forward(*_inputs(torch)).detach().numpy(), rtol=1e-5, atol=1e-6)
    net.seq.train(), mine.seq.train()
    for o, n, lib in ((opt, net, torch), (mine_opt, mine, dt)):       # one more step each
        o.zero_grad()
        n.forward(*_inputs(lib)).square().sum().backward()
        o.step()
    for (k, a), b in zip(net.seq.state_dict().items(), mine.seq.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-5, atol=1e-6, err_msg=k)


def test_dlcore_checkpoint_loads_in_torch_weights_only(tmp_path):
    dt.manual_seed(1)
    mine = _Net(dt)
    opt = dt.optim.Adam(mine.seq.parameters(), lr=0.01)
    mine.forward(*_inputs(dt)).square().sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    dt.save({"model": mine.seq.state_dict(), "optim": opt.state_dict(), "epoch": 1}, path,
            format="torch")
    for mmap in (False, True):
        got = torch.load(path, weights_only=True, mmap=mmap)
        assert got["epoch"] == 1
        net = _Net(torch)
        net.seq.load_state_dict(got["model"])
        topt = torch.optim.Adam(net.seq.parameters(), lr=0.01)
        topt.load_state_dict(got["optim"])
        for k, v in mine.seq.state_dict().items():
            assert str(got["model"][k].dtype) == str(v.dtype), k
            np.testing.assert_array_equal(got["model"][k].numpy(), v.numpy(), err_msg=k)
    net.seq.eval(), mine.seq.eval()
    np.testing.assert_allclose(net.forward(*_inputs(torch)).detach().numpy(),
                               mine.forward(*_inputs(dt)).detach().numpy(), rtol=1e-5, atol=1e-6)


def _all_dtypes(lib):
    vals = np.array([[0, 1.5, -2], [3, 4.25, 100]])
    out = {}
    for name in ("float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
                 "int64", "bool", "complex64"):
        src = vals + 0.5j * vals if name.startswith("complex") else vals
        out[name] = lib.tensor(src.tolist()).to(getattr(lib, name))
    return out


@pytest.mark.parametrize("direction", ["torch->dlcore", "dlcore->torch"])
def test_every_dtype_both_ways(direction):
    if direction == "torch->dlcore":
        src = _all_dtypes(torch)
        got = dt.load(io.BytesIO(_save_torch(src)))
    else:
        src = _all_dtypes(dt)
        buf = io.BytesIO()
        dt.save(src, buf, format="torch")
        got = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    assert list(got) == list(src)
    for k in src:
        assert str(got[k].dtype) == str(src[k].dtype), k
        np.testing.assert_array_equal(_np(got[k]), _np(src[k]), err_msg=k)


def _views(lib):
    base = lib.arange(24.0).reshape(4, 6)
    return {"base": base, "t": base.t(), "row": base[2], "col": base[:, 3],
            "step": base[1::2, ::3], "same": base, "alone": lib.ones(3)[1:]}


def _geometry(t):
    return tuple(t.shape), tuple(t.stride()), t.storage_offset()


@pytest.mark.parametrize("direction", ["torch->dlcore", "dlcore->torch"])
def test_views_keep_strides_offsets_and_shared_memory(direction):
    src = _views(torch if direction == "torch->dlcore" else dt)
    if direction == "torch->dlcore":
        got = dt.load(io.BytesIO(_save_torch(src)))
    else:
        buf = io.BytesIO()
        dt.save(src, buf, format="torch")
        got = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    for k in src:
        assert _geometry(got[k]) == _geometry(src[k]), k
        np.testing.assert_array_equal(got[k].numpy(), src[k].numpy(), err_msg=k)
    assert got["same"] is got["base"]                 # one tensor saved twice: one tensor
    assert _geometry(got["alone"]) == ((2,), (1,), 1)
    got["row"][0] = -1.0                              # written through to every view
    assert got["base"][2, 0].item() == -1.0 and got["t"][0, 2].item() == -1.0
    got["col"][1] = -7.0
    assert got["base"][1, 3].item() == -7.0 and got["step"][0, 1].item() == -7.0


def test_parameters_and_requires_grad_survive_both_ways():
    src = {"p": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(
        torch.zeros(1), requires_grad=False), "leaf": torch.ones(3, requires_grad=True),
        "plain": torch.ones(1)}
    got = dt.load(io.BytesIO(_save_torch(src)))
    assert isinstance(got["p"], dt.nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["frozen"], dt.nn.Parameter) and not got["frozen"].requires_grad
    assert not isinstance(got["leaf"], dt.nn.Parameter) and got["leaf"].requires_grad
    assert not got["plain"].requires_grad
    buf = io.BytesIO()
    dt.save(got, buf, format="torch")
    back = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    for k, v in src.items():
        assert type(back[k]) is type(v) and back[k].requires_grad == v.requires_grad, k
        assert torch.equal(back[k].detach(), v.detach())


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_plain_values_and_containers_round_trip(protocol):
    src = {"a": [1, -5, 2 ** 40, -(2 ** 70), 1.5, float("inf"), None, True, "é" * 300],
           "t": (1, (2.0, "x")), 3: {"nested": OrderedDict(b=1, a=2)}, None: 0,
           "big": list(range(2500)), "w": torch.arange(6.0).reshape(2, 3).t(),
           "np": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "raw": b"\x00\xff" * 200}
    buf = io.BytesIO()
    torch.save(src, buf, pickle_protocol=protocol)
    got = dt.load(io.BytesIO(buf.getvalue()))
    w, arr = src.pop("w"), src.pop("np")
    assert tuple(got.pop("w").stride()) == tuple(w.stride())
    np.testing.assert_array_equal(got.pop("np"), arr)
    assert got == src and isinstance(got[3]["nested"], OrderedDict)
    buf = io.BytesIO()
    dt.save(src, buf, format="torch")
    back = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    assert back == src and isinstance(back[3]["nested"], OrderedDict)


def test_saving_what_torch_weights_only_cannot_read_is_refused():
    with pytest.raises(TypeError, match=r"save\(format='torch'\): a NumPy array cannot be read"):
        dt.save({"a": np.ones(2)}, io.BytesIO(), format="torch")
    with pytest.raises(TypeError, match="cannot save an object of type set"):
        dt.save({"a": {1, 2}}, io.BytesIO(), format="torch")
    with pytest.raises(ValueError, match="format must be 'safetensors' or 'torch', not 'pkl'"):
        dt.save({}, io.BytesIO(), format="pkl")


def test_big_endian_archive_is_byteswapped():
    src = {"f": torch.tensor([1.5, -2.0, 3.25]), "i": torch.tensor([1, 2 ** 40, -3])}
    raw = _save_torch(src)
    zin = zipfile.ZipFile(io.BytesIO(raw))
    storages = {}
    for name in zin.namelist():
        if "/data/" in name and not name.endswith(".pkl"):
            storages[name] = zin.read(name)
    dtypes = {}
    loaded = dt.load(io.BytesIO(raw))
    for key, t in loaded.items():          # which storage holds which dtype: by byte content
        for name, b in storages.items():
            if b == t.numpy().tobytes():
                dtypes[name] = t.numpy().dtype
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("byteorder"):
                data = b"big"
            elif info.filename in dtypes:
                data = np.frombuffer(data, dtypes[info.filename]).byteswap().tobytes()
            zout.writestr(info.filename, data)
    got = dt.load(io.BytesIO(out.getvalue()))
    for k, v in src.items():
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())


def test_legacy_non_zip_torch_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"a": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match=r"legacy \(pre-1.6, non-zip\) torch.save file; "
                                         r"dlcore_eager never unpickles.*old\.pt"):
        dt.load(path)


def _with_location(raw: bytes, loc: bytes) -> bytes:
    """The archive with every storage's location 'cpu' replaced by ``loc`` in data.pkl."""
    zin, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu",
                                    b"X" + len(loc).to_bytes(4, "little") + loc)
            zout.writestr(info.filename, data)
    return out.getvalue()


def test_cuda_locations_and_map_location_forms():
    raw = _with_location(_save_torch({"a": torch.ones(2), "b": torch.arange(3)}), b"cuda:0")
    got = dt.load(io.BytesIO(raw), map_location="cpu")
    assert not got["a"].is_cuda and got["b"].tolist() == [0, 1, 2]
    got = dt.load(io.BytesIO(raw), map_location={"cuda:0": "cpu"})
    assert not got["a"].is_cuda
    seen = []
    got = dt.load(io.BytesIO(raw), map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ["cuda:0", "cuda:0"] and not got["a"].is_cuda
    if not dt.cuda.is_available():
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA "
                                               "device but CUDA is not available.*"
                                               "map_location='cpu'"):
            dt.load(io.BytesIO(raw))


def test_load_accepts_torch_load_keywords_and_refuses_pickle_ones(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"a": torch.ones(2)}, path)
    got = dt.load(path, map_location="cpu", weights_only=True, mmap=True)
    np.testing.assert_array_equal(got["a"].numpy(), np.ones(2, np.float32))
    with pytest.raises(TypeError, match="never unpickles: pickle_module and pickle load "
                                        r"arguments are not accepted \(got \['encoding'\]\)"):
        dt.load(path, encoding="latin1")
    with pytest.raises(TypeError, match=r"not accepted \(got pickle_module\)"):
        dt.load(path, None, object())


def test_storages_are_64_byte_aligned_as_torch_writes_them():
    buf = io.BytesIO()
    dt.save({"a": dt.ones(3), "b": dt.arange(5), "c": dt.zeros(2, dtype=dt.float16)}, buf,
            format="torch")
    raw = buf.getvalue()
    z = zipfile.ZipFile(io.BytesIO(raw))
    for info in z.infolist():
        h = info.header_offset
        n, e = int.from_bytes(raw[h + 26:h + 28], "little"), int.from_bytes(raw[h + 28:h + 30],
                                                                             "little")
        assert (h + 30 + n + e) % 64 == 0, info.filename


def test_numpy_values_and_bytes_in_old_checkpoints_are_parsed():
    """Checkpoints often hold NumPy scalars and arrays (``best_acc``, label maps), which
    ``torch.load(weights_only=True)`` refuses since PyTorch 2.6; they are data, read here
    without running anything: scalars as Python numbers, arrays as ndarrays."""
    src = {"acc": np.float64(0.5), "n": np.int64(-3), "ok": np.bool_(True),
           "arr": np.arange(6, dtype=np.float32).reshape(2, 3),
           "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
           "big_endian": np.array([1, 256], ">i4"), "half": np.array([1.5], np.float16),
           "raw": b"\x00\xffab", "t": torch.ones(2)}
    got = dt.load(io.BytesIO(_save_torch(src)))
    assert got["acc"] == 0.5 and got["n"] == -3 and got["ok"] is True
    assert got["raw"] == b"\x00\xffab"
    for k in ("arr", "fortran", "big_endian", "half"):
        assert isinstance(got[k], np.ndarray) and got[k].dtype == src[k].dtype.newbyteorder("=")
        np.testing.assert_array_equal(got[k], src[k], err_msg=k)
    assert isinstance(got["t"], dt.Tensor)
    with pytest.raises(ValueError, match=r"numpy.dtype of \('U1',\) \(only numbers and bool"):
        dt.load(io.BytesIO(_save_torch({"s": np.array(["a"])})))
    with pytest.raises(ValueError, match=r"imports 'numpy.random._pickle.__randomstate_ctor'|"
                                         r"imports 'numpy.random"):
        dt.load(io.BytesIO(_save_torch({"rng": np.random.RandomState(0)})))


def test_dtypes_devices_sizes_and_layouts_both_ways():
    src = {"half": torch.float16, "flag": torch.bool, "bf": torch.bfloat16,
           "gpu": torch.device("cuda", 1), "cpu": torch.device("cpu"), "shape": torch.Size([2, 3]),
           "layout": torch.strided, "sparse": torch.sparse_coo}
    got = dt.load(io.BytesIO(_save_torch(src)))
    assert got["half"] is dt.float16 and got["flag"] is dt.bool and got["bf"] is dt.bfloat16
    assert got["gpu"] == dt.device("cuda:1") and got["cpu"] == dt.device("cpu")
    assert isinstance(got["shape"], dt.Size) and got["shape"] == (2, 3)
    assert got["layout"] is dt.strided and got["sparse"] is dt.sparse_coo
    buf = io.BytesIO()
    dt.save(got, buf, format="torch")
    assert torch.load(io.BytesIO(buf.getvalue()), weights_only=True) == src


def test_save_takes_torch_saves_arguments():
    import types
    buf = io.BytesIO()
    dt.save({"w": dt.arange(3.0)}, buf, types.SimpleNamespace(__name__="pickle"), 4,
            _disable_byteorder_record=True, format="torch")
    assert "archive/byteorder" not in zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert torch.load(io.BytesIO(buf.getvalue()), weights_only=True)["w"].tolist() == [0, 1, 2]
    assert dt.load(io.BytesIO(buf.getvalue()))["w"].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="never pickles: pickle_module must be None or the "
                                        "standard pickle module, not 'dill'"):
        dt.save({}, io.BytesIO(), types.SimpleNamespace(__name__="dill"))
    with pytest.raises(ValueError, match="pickle_protocol must be 2 to 5, not 1"):
        dt.save({}, io.BytesIO(), pickle_protocol=1)
    with pytest.raises(ValueError, match=r"_use_new_zipfile_serialization=False asks for the "
                                         r"legacy format \(a bare pickle\)"):
        dt.save({}, io.BytesIO(), _use_new_zipfile_serialization=False)


def test_safe_globals_api_runs_and_changes_nothing_that_loads():
    ser = dt.serialization
    ser.clear_safe_globals()
    ser.add_safe_globals([np.dtype, (torch.nn.Linear, "torch.nn.modules.linear.Linear")])
    try:
        assert ser.get_safe_globals()[0] is np.dtype
        with ser.safe_globals([OrderedDict]):
            assert len(ser.get_safe_globals()) == 3
        assert len(ser.get_safe_globals()) == 2
        assert dt.load(io.BytesIO(_save_torch({"n": np.float64(2.5)}))) == {"n": 2.5}
        with pytest.raises(ValueError, match="add_safe_globals lists it for PyTorch's unpickler, "
                                             "which constructs it, but dlcore never runs"):
            dt.load(io.BytesIO(_save_torch(torch.nn.Linear(2, 2))))
        with pytest.raises(TypeError, match="Expected safe_globals to be a list of callables or "
                                            r"\(callable, str\) tuples, got int"):
            ser.add_safe_globals([3])
    finally:
        ser.clear_safe_globals()
    assert ser.get_safe_globals() == []
