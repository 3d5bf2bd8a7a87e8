"""dlcore_eager.save/load write and read real safetensors files (checked with the safetensors
library and real PyTorch), nested checkpoints keep their layout, old files load with a warning."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest

import dlcore_eager as dt

safetensors = pytest.importorskip("safetensors")
from safetensors import safe_open
from safetensors.numpy import load_file as np_load_file
from safetensors.numpy import save_file as np_save_file


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2))


def test_state_dict_is_a_plain_safetensors_file(tmp_path):
    dt.manual_seed(0)
    model = _mlp(dt)
    path = tmp_path / "model.safetensors"
    dt.save(model.state_dict(), path)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0                                       # aligned data section
    arrays = np_load_file(str(path))
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert set(arrays) == set(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(arrays[k], v.detach().numpy())
    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    assert meta["format"] == "pt" and meta["dlcore.format"] == "dlcore_eager/2"


def test_pytorch_loads_dlcore_weights_and_dlcore_loads_pytorch_weights(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file
    dt.manual_seed(1)
    ours = _mlp(dt)
    dt.save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = _mlp(torch)
    theirs.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(dt.from_numpy(x)).detach().numpy(), want, rtol=1e-6,
                               atol=1e-6)

    torch.manual_seed(2)
    theirs = _mlp(torch)
    save_file(theirs.state_dict(), str(tmp_path / "theirs.safetensors"))
    sd = dt.load(tmp_path / "theirs.safetensors")
    assert set(sd) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    fresh = _mlp(dt)
    fresh.load_state_dict(sd)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(fresh(dt.from_numpy(x)).detach().numpy(), want, rtol=1e-6,
                               atol=1e-6)


def _train_step(model, opt, x, y):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()


def test_nested_checkpoint_layout_and_resume(tmp_path):
    dt.manual_seed(3)
    rng = np.random.default_rng(3)
    x = dt.from_numpy(rng.standard_normal((8, 3)).astype(np.float32))
    y = dt.from_numpy(rng.standard_normal((8, 2)).astype(np.float32))
    model = _mlp(dt)
    opt = dt.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.95))
    for _ in range(2):
        _train_step(model, opt, x, y)
    ckpt = {"epoch": 2, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": {"last_epoch": 2, "base_lrs": [0.01], "gamma": 0.5},
            "note": "run/1 ~ a", 7: (None, True, 1.5)}
    path = tmp_path / "ckpt.safetensors"
    dt.save(ckpt, path)

    with safe_open(str(path), framework="np") as f:
        keys = set(f.keys())
        meta = f.metadata()
    assert {"model/0.weight", "model/2.bias", "optimizer/state/0/exp_avg",
            "optimizer/state/3/exp_avg_sq"} <= keys
    structure = json.loads(meta["dlcore.structure"])
    assert structure["__dict__"][0] == ["epoch", 2]

    back = dt.load(path)
    assert back["epoch"] == 2 and back["note"] == "run/1 ~ a" and back[7] == (None, True, 1.5)
    assert back["scheduler"] == {"last_epoch": 2, "base_lrs": [0.01], "gamma": 0.5}
    model2 = _mlp(dt)
    model2.load_state_dict(back["model"])
    opt2 = dt.optim.Adam(model2.parameters(), lr=0.5)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["betas"] == (0.8, 0.95) and opt2.param_groups[0]["lr"] == 0.01
    _train_step(model, opt, x, y)
    _train_step(model2, opt2, x, y)
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_aliasing_kept_name_collisions_and_file_objects():
    w = dt.ones(3, requires_grad=True)
    buf = io.BytesIO()
    dt.save({"a": w, "b": [w, np.arange(4)], 1: dt.zeros(2), "1": dt.ones(2),
             "s": dt.tensor(2.5), "t": dt.ones(2, 3).t()}, buf)
    back = dt.load(io.BytesIO(buf.getvalue()))
    assert back["a"] is back["b"][0] and back["a"].requires_grad
    np.testing.assert_array_equal(back["b"][1], np.arange(4))
    np.testing.assert_array_equal(back[1].numpy(), [0, 0])
    np.testing.assert_array_equal(back["1"].numpy(), [1, 1])
    assert back["s"].shape == () and back["s"].item() == 2.5       # 0-d stays 0-d
    assert back["t"].shape == (3, 2)                                 # non-contiguous view
    loaded = safetensors.numpy.load(buf.getvalue())
    assert set(loaded) == {"a", "b/1", "1", "1#2", "s", "t"}


def _legacy(header: dict, payload: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + payload


def test_old_format_still_loads_with_a_deprecation_warning(tmp_path):
    header = {"format": "dlcore_eager/1",
              "structure": {"__dict__": [["w", {"__tensor__": "0"}], ["epoch", 4]]},
              "tensors": {"0": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}}
    p = tmp_path / "old.dlt"
    p.write_bytes(_legacy(header, np.array([1.5, -2.0], "<f4").tobytes()))
    with pytest.warns(DeprecationWarning, match="old 'dlcore_eager/1' format"):
        back = dt.load(p)
    assert back["epoch"] == 4
    np.testing.assert_array_equal(back["w"].numpy(), [1.5, -2.0])


def test_bad_files_give_clear_errors(tmp_path):
    good = tmp_path / "good.safetensors"
    dt.save({"w": dt.ones(10)}, good)
    data = good.read_bytes()
    p = tmp_path / "trunc.safetensors"
    p.write_bytes(data[:-4])
    with pytest.raises(ValueError, match="dlcore_eager.load: not a valid dlcore_eager file"):
        dt.load(p)
    # a structure that names a tensor the file does not have
    np_save_file({"w": np.ones(2, np.float32)}, str(p),
                 metadata={"dlcore.structure": '{"__tensor__": "nope"}'})
    with pytest.raises(ValueError, match="unknown tensor 'nope'"):
        dt.load(p)
    np_save_file({"w": np.ones(2, np.float32)}, str(p), metadata={"dlcore.structure": "{x"})
    with pytest.raises(ValueError, match="metadata 'dlcore.structure' is not valid JSON"):
        dt.load(p)
    np_save_file({"w": np.ones(2, np.uint32)}, str(p))
    with pytest.raises(ValueError, match="tensor 'w' has an unsupported dtype uint32"):
        dt.load(p)
    with pytest.raises(TypeError, match="unsupported dtype uint32 at w"):
        dt.save({"w": np.ones(2, np.uint32)}, p)
    with pytest.raises(TypeError, match="never pickles"):
        dt.save({"f": object()}, p)


@pytest.mark.cuda
def test_cuda_tensors_round_trip_and_map_location(tmp_path):
    import dlcore
    if not dlcore.device.cuda_available():
        pytest.skip("no CUDA and no simulator")
    w = dt.arange(6, dtype=dt.float32).reshape(2, 3).cuda()
    dt.save({"w": w}, tmp_path / "c.safetensors")
    np.testing.assert_array_equal(np_load_file(str(tmp_path / "c.safetensors"))["w"],
                                  np.arange(6).reshape(2, 3))
    back = dt.load(tmp_path / "c.safetensors")
    assert back["w"].is_cuda
    np.testing.assert_array_equal(back["w"].cpu().numpy(), np.arange(6).reshape(2, 3))
    host = dt.load(tmp_path / "c.safetensors", map_location="cpu")
    assert not host["w"].is_cuda
