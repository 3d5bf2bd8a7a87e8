"""optim (update formulas by hand, argument checks, zero_grad, state_dict), utils.data
(batching, seeded shuffling, drop_last, argument errors) and save/load (round trip, and clear
errors for truncated or hostile files)."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager.utils.data import DataLoader, Dataset, TensorDataset


def _param(values):
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def test_sgd_momentum_nesterov_weight_decay_by_hand():
    p = _param([1.0, -2.0])
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
    w = np.array([1.0, -2.0])
    buf = None
    for g in ([0.5, 1.0], [0.2, -0.3], [1.0, 1.0]):
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        d = np.array(g) + 0.01 * w
        buf = d.copy() if buf is None else 0.9 * buf + d
        w = w - 0.1 * (d + 0.9 * buf)
    np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)


def test_adam_and_adamw_by_hand():
    for cls, decoupled in ((torch.optim.Adam, False), (torch.optim.AdamW, True)):
        p = _param([0.5, -1.5])
        opt = cls([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
        w, m, v = np.array([0.5, -1.5]), np.zeros(2), np.zeros(2)
        for t, g in enumerate(([0.1, 0.2], [-0.3, 0.4], [0.5, 0.5]), start=1):
            p.grad = torch.tensor(g, dtype=torch.float64)
            opt.step()
            g = np.array(g)
            if decoupled:
                w = w * (1 - 0.01 * 0.1)
            else:
                g = g + 0.1 * w
            m = 0.9 * m + 0.1 * g
            v = 0.99 * v + 0.01 * g * g
            denom = np.sqrt(v) / math.sqrt(1 - 0.99 ** t) + 1e-8
            w = w - 0.01 / (1 - 0.9 ** t) * m / denom
        np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-10)


def test_rmsprop_centered_momentum_by_hand():
    p = _param([1.0, 2.0])
    opt = torch.optim.RMSprop([p], lr=0.01, alpha=0.9, momentum=0.5, centered=True)
    w, s, a, b = np.array([1.0, 2.0]), np.zeros(2), np.zeros(2), np.zeros(2)
    for g in ([0.1, -0.2], [0.3, 0.3]):
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        g = np.array(g)
        s = 0.9 * s + 0.1 * g * g
        a = 0.9 * a + 0.1 * g
        avg = np.sqrt(s - a * a) + 1e-8
        b = 0.5 * b + g / avg
        w = w - 0.01 * b
    np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-10)


def test_optimizer_argument_errors_and_zero_grad():
    p = _param([1.0])
    with pytest.raises(ValueError, match="^Nesterov momentum requires a momentum and zero "
                                         "dampening$"):
        torch.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        torch.optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        torch.optim.SGD([], lr=0.1)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(1, dtype=torch.float64)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.item() == 0.0
    opt.step()                                # a zero gradient is stepped (momentum state made)
    assert "momentum_buffer" in opt.state[p]
    opt.zero_grad()
    assert p.grad is None
    before = p.item()
    opt.step()                                # a None gradient is skipped
    assert p.item() == before


def test_optimizer_state_dict_round_trip(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.ones(4, 3)).sum().backward()
    opt.step()
    path = tmp_path / "opt.dlt"
    torch.save(opt.state_dict(), path)
    opt2 = torch.optim.Adam(model.parameters(), lr=0.5)
    opt2.load_state_dict(torch.load(path))
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    s1, s2 = opt.state[model.weight], opt2.state[model.weight]
    assert s2["step"] == 1 and torch.equal(s1["exp_avg"], s2["exp_avg"])


# ----------------------------------------------------------------------------- data
def test_dataloader_batches_and_drop_last():
    x = torch.arange(10).float().unsqueeze(1)
    y = torch.arange(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7],
                                                                    [8, 9]]
    assert batches[0][0].shape == (4, 1)
    assert len(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)) == 2


def test_dataloader_seeded_shuffle():
    ds = TensorDataset(torch.arange(20))
    order = lambda seed: [b[0].tolist() for b in DataLoader(
        ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(seed))]
    assert order(3) == order(3) and order(3) != order(4)
    assert sorted(i for batch in order(3) for i in batch) == list(range(20))


def test_dataloader_generic_dataset_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": torch.tensor([float(i)]), "y": i * i}

    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 1) and batch["y"].tolist() == [0, 1, 4]


def test_dataloader_argument_errors():
    ds = TensorDataset(torch.arange(4))
    with pytest.raises(ValueError, match="^sampler option is mutually exclusive with shuffle$"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="^batch_sampler option is mutually exclusive with "
                                         "batch_size, shuffle, sampler, and drop_last$"):
        DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.ones(3), torch.ones(4))


# ----------------------------------------------------------------------------- save / load
def test_save_load_round_trip(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    obj = {"model": model.state_dict(), "epoch": 3, "name": "run", "betas": (0.9, 0.99),
           "ints": torch.arange(3), "flags": torch.ones(2) > 0, 7: [1.5, None, True]}
    path = tmp_path / "ckpt.dlt"
    torch.save(obj, path)
    back = torch.load(path)
    assert back["epoch"] == 3 and back["name"] == "run" and back["betas"] == (0.9, 0.99)
    assert back[7] == [1.5, None, True]
    assert back["ints"].dtype is torch.int64 and back["flags"].dtype is torch.bool
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    fresh.load_state_dict(back["model"])
    x = torch.randn(2, 3)
    assert torch.equal(fresh(x), model(x))


def test_save_refuses_arbitrary_objects(tmp_path):
    with pytest.raises(TypeError, match="never pickles"):
        torch.save({"f": object()}, tmp_path / "x")


def _write(path, header: dict, payload: bytes = b"") -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)


def test_load_rejects_bad_files(tmp_path):
    good = tmp_path / "good.dlt"
    torch.save({"w": torch.ones(100)}, good)
    data = good.read_bytes()
    cases = {
        "empty": b"",
        "truncated": data[:-10],
        "huge header": struct.pack("<Q", 2 ** 60) + b"{}",
        "not json": struct.pack("<Q", 5) + b"{abc}",
        "pickle": b"\x80\x04\x95" + b"\x00" * 20,
    }
    for name, blob in cases.items():
        p = tmp_path / name
        p.write_bytes(blob)
        with pytest.raises(ValueError, match="dlcore_eager.load: not a valid dlcore_eager file"):
            torch.load(p)
    hostile = [
        {"format": "other"},
        {"format": "dlcore_eager/1", "structure": {"__tensor__": "0"}, "tensors": {}},
        {"format": "dlcore_eager/1", "structure": {"__tensor__": "0"},
         "tensors": {"0": {"dtype": "OBJECT", "shape": [1], "data_offsets": [0, 8]}}},
        {"format": "dlcore_eager/1", "structure": {"__tensor__": "0"},
         "tensors": {"0": {"dtype": "F32", "shape": [4], "data_offsets": [0, 4]}}},
        {"format": "dlcore_eager/1", "structure": {"__tensor__": "0"},
         "tensors": {"0": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}},
        {"format": "dlcore_eager/1", "structure": {"__class__": "os.system"}, "tensors": {}},
    ]
    for i, header in enumerate(hostile):
        p = tmp_path / f"hostile{i}"
        _write(p, header, b"\x00" * 4)
        with pytest.raises(ValueError, match="dlcore_eager.load: not a valid dlcore_eager file"):
            torch.load(p)
